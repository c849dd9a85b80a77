import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { CapacityRequestStatus, ServiceCommitmentStatus } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";

registerEnumType(CapacityRequestStatus, {
  name: "CapacityRequestStatus",
  description: "Where a deposit or time-off request stands; a manager decides exactly once.",
  valuesConfig: {
    PENDING: { description: "Waiting for a manager (a coordinator of the bank)." },
    APPROVED: { description: "Approved: it is in the time account." },
    REFUSED: { description: "Refused: it never touched the time account." },
  },
});
registerEnumType(ServiceCommitmentStatus, { name: "ServiceCommitmentStatus" });

/** Dates in this module are calendar days in the bank's time zone, written YYYY-MM-DD. */
const DATE = "Calendar day in the bank's time zone, YYYY-MM-DD.";

@ObjectType({ description: "The organisation's capacity meter from a date: ON deposits logged hours beyond capacity automatically, OFF is manual mode." })
export class CapacityPolicy {
  @Field({ description: DATE })
  effectiveFrom: string;

  @Field({ description: "true: automatic deposits; false: manual mode (people submit deposits, a manager approves; logged hours do not touch the account)." })
  meterOn: boolean;

  @Field(() => Int, { description: "How far below zero approved time off may take a balance, in minutes (0: not at all)." })
  negativeBalanceLimitMinutes: number;
}

@ObjectType({ description: "Planned minutes per weekday from a date: the organisation default, or one person's override. Capacity counts hours, not clock times." })
export class CapacitySchedule {
  @Field(() => ID)
  id: string;

  @Field({ description: DATE })
  effectiveFrom: string;

  @Field({ description: "true: the organisation default; false: an override for one member." })
  isOrganisationDefault: boolean;

  @Field(() => Int) mondayMinutes: number;
  @Field(() => Int) tuesdayMinutes: number;
  @Field(() => Int) wednesdayMinutes: number;
  @Field(() => Int) thursdayMinutes: number;
  @Field(() => Int) fridayMinutes: number;
  @Field(() => Int) saturdayMinutes: number;
  @Field(() => Int) sundayMinutes: number;

  @Field(() => Int, { description: "Planned minutes in a week." })
  weeklyMinutes: number;

  membershipId: string | null;
}

@ObjectType({ description: "Work done by a member on one day, net of the break." })
export class WorkLog {
  @Field(() => ID)
  id: string;

  @Field({ description: DATE })
  date: string;

  @Field(() => Int, { description: "Net minutes worked." })
  minutes: number;

  @Field(() => String, { nullable: true, description: "HH:MM, when logged with start and end." })
  start: string | null;

  @Field(() => String, { nullable: true, description: "HH:MM, when logged with start and end." })
  end: string | null;

  @Field(() => Int)
  breakMinutes: number;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field()
  updatedAt: Date;

  membershipId: string;
  serviceCommitmentId: string | null;
}

@ObjectType({ description: "Manual mode: a deposit a member submits and a manager approves or refuses." })
export class DepositRequest {
  @Field(() => ID)
  id: string;

  @Field({ description: DATE })
  date: string;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => CapacityRequestStatus)
  status: CapacityRequestStatus;

  @Field()
  submittedAt: Date;

  @Field(() => Date, { nullable: true })
  decidedAt: Date | null;

  @Field(() => String, { nullable: true })
  refusalReason: string | null;

  membershipId: string;
}

@ObjectType({ description: "Time off in lieu: minutes taken out of the time account on a day, once a manager approves." })
export class TimeOffRequest {
  @Field(() => ID)
  id: string;

  @Field({ description: DATE })
  date: string;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  note: string | null;

  @Field(() => CapacityRequestStatus)
  status: CapacityRequestStatus;

  @Field()
  submittedAt: Date;

  @Field(() => Date, { nullable: true })
  decidedAt: Date | null;

  @Field(() => String, { nullable: true })
  refusalReason: string | null;

  membershipId: string;
}

@ObjectType({ description: "A member's capacity time account (flexitime). Separate from the mutual-aid hours: nothing moves between them." })
export class TimeAccount {
  @Field(() => Int, { description: "Deposits minus withdrawals, over everything logged and approved so far (including approved time off on a future day)." })
  balanceMinutes: number;

  @Field(() => Int, { description: "Automatic deposits (meter on) plus approved manual deposits." })
  depositedMinutes: number;

  @Field(() => Int, { description: "Approved time off in lieu." })
  withdrawnMinutes: number;

  @Field(() => Int, { description: "Time off requested and not yet decided." })
  pendingTimeOffMinutes: number;

  @Field({ description: "Whether the organisation's capacity meter is on today." })
  meterOn: boolean;

  @Field(() => Int, { description: "How far below zero approved time off may take the balance today." })
  negativeBalanceLimitMinutes: number;

  @Field(() => Int, { description: "Planned minutes today." })
  capacityTodayMinutes: number;

  membershipId: string;
}

@ObjectType({ description: "One day of a time-account statement." })
export class TimeAccountDay {
  @Field({ description: DATE })
  date: string;

  @Field(() => Int, { description: "1 = Monday ... 7 = Sunday." })
  weekday: number;

  @Field()
  meterOn: boolean;

  @Field(() => Int)
  capacityMinutes: number;

  @Field(() => Int)
  loggedMinutes: number;

  @Field(() => Int, { description: "automaticDepositMinutes + manualDepositMinutes." })
  depositedMinutes: number;

  @Field(() => Int, { description: "Logged minutes beyond capacity, while the meter is on." })
  automaticDepositMinutes: number;

  @Field(() => Int, { description: "Approved manual deposits." })
  manualDepositMinutes: number;

  @Field(() => Int)
  withdrawnMinutes: number;

  @Field(() => Int, { description: "Balance at the end of the day." })
  balanceMinutes: number;
}

@ObjectType()
export class TimeAccountTotals {
  @Field(() => Int) capacityMinutes: number;
  @Field(() => Int) loggedMinutes: number;
  @Field(() => Int) depositedMinutes: number;
  @Field(() => Int) withdrawnMinutes: number;
}

@ObjectType({ description: "A time-account statement for a period: each day's capacity, logged, deposited and withdrawn minutes, with a running balance." })
export class TimeAccountStatement {
  @Field({ description: DATE })
  from: string;

  @Field({ description: DATE })
  to: string;

  @Field(() => Int, { description: "Balance at the end of the day before `from`." })
  openingBalanceMinutes: number;

  @Field(() => Int)
  closingBalanceMinutes: number;

  @Field(() => [TimeAccountDay])
  days: TimeAccountDay[];

  @Field(() => TimeAccountTotals)
  totals: TimeAccountTotals;

  membershipId: string;
}

@ObjectType({ description: "A community-service order: N hours to serve by a due date; work logged against it shows progress." })
export class ServiceCommitment {
  @Field(() => ID)
  id: string;

  @Field()
  title: string;

  @Field(() => Int)
  requiredMinutes: number;

  @Field({ description: DATE })
  dueOn: string;

  @Field(() => ServiceCommitmentStatus)
  status: ServiceCommitmentStatus;

  @Field(() => Int)
  loggedMinutes: number;

  @Field(() => Int)
  remainingMinutes: number;

  @Field(() => Int, { description: "0 to 100." })
  percentDone: number;

  @Field({ description: "Logged minutes have reached the required minutes." })
  fulfilled: boolean;

  @Field({ description: "Not fulfilled and the due date has passed." })
  overdue: boolean;

  @Field(() => Date, { nullable: true, description: "When a coordinator approved the completion." })
  completedAt: Date | null;

  membershipId: string;
  completionApprovedById: string | null;
}

@ObjectType({ implements: ErrorResult, description: "Approving this time off would take the balance below what the organisation allows." })
export class InsufficientTimeBalance extends ErrorResult {
  @Field(() => Int)
  balanceMinutes: number;

  @Field(() => Int)
  requestedMinutes: number;

  @Field(() => Int)
  negativeBalanceLimitMinutes: number;
}

@ObjectType({ implements: ErrorResult, description: "The request was already approved or refused; a request is decided exactly once." })
export class RequestAlreadyDecided extends ErrorResult {
  @Field(() => CapacityRequestStatus)
  currentStatus: CapacityRequestStatus;
}

@ObjectType({ implements: ErrorResult, description: "The capacity meter is on for that day: extra hours are deposited automatically from the work log, so manual deposits are not taken." })
export class CapacityMeterOn extends ErrorResult {}

@ObjectType({ implements: ErrorResult, description: "The commitment cannot be completed yet: fewer hours are logged than required." })
export class CommitmentNotFulfilled extends ErrorResult {
  @Field(() => Int)
  remainingMinutes: number;
}

@ObjectType({ implements: ErrorResult, description: "The commitment's completion was already recorded." })
export class CommitmentAlreadyCompleted extends ErrorResult {}
