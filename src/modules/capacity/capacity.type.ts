import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { AbsenceType, CapacityPeriodKind, CapacityRequestStatus, ServiceCommitmentStatus } from "../../generated/prisma/enums";
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
registerEnumType(CapacityPeriodKind, {
  name: "CapacityPeriodKind",
  description: "Working-time periods: calendar weeks (Monday-Sunday) or calendar months.",
});
registerEnumType(AbsenceType, {
  name: "AbsenceType",
  description: "An absence and its effect on the time account. Every type covers planned time on its day and may not exceed it.",
  valuesConfig: {
    TIME_OFF_IN_LIEU: { description: "Withdrawn from the time account." },
    SICKNESS: { description: "Counts as the planned time: the balance does not move." },
    CHILD_SICKNESS: { description: "A child's sickness: counts as the planned time, the balance does not move." },
    HOLIDAY: { description: "Outside the time account: paid as holiday, the balance does not move." },
  },
});

/** Dates in this module are calendar days in the bank's time zone, written YYYY-MM-DD. */
const DATE = "Calendar day in the bank's time zone, YYYY-MM-DD.";

@ObjectType({
  description: "The organisation's capacity meter from a date: ON deposits logged hours beyond capacity automatically, OFF is manual mode.",
})
export class CapacityPolicy {
  @Field({ description: DATE })
  effectiveFrom: string;

  @Field({
    description:
      "true: automatic deposits; false: manual mode (people submit deposits, a manager approves; logged hours do not touch the account).",
  })
  meterOn: boolean;

  @Field(() => Int, { description: "How far below zero approved time off may take a balance, in minutes (0: not at all)." })
  negativeBalanceLimitMinutes: number;
}

@ObjectType({
  description:
    "Planned minutes per weekday from a date: the organisation default, or one person's override. Capacity counts hours, not clock times.",
})
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

  @Field({ description: "Community service: a coordinator of the bank confirmed these hours (always true for other work)." })
  confirmed: boolean;

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

@ObjectType({
  description:
    "An absence on a day (time off in lieu, sickness, a child's sickness, holiday), in minutes of the planned time; a manager approves it.",
})
export class TimeOffRequest {
  @Field(() => ID)
  id: string;

  @Field(() => AbsenceType)
  absenceType: AbsenceType;

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

@ObjectType({
  description: "A member's capacity time account (flexitime). Separate from the mutual-aid hours: nothing moves between them.",
})
export class TimeAccount {
  @Field(() => Int, {
    description: "Deposits minus withdrawals, over everything logged and approved so far (including approved time off on a future day).",
  })
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

  @Field(() => Int, { description: "Hours paid out through payroll." })
  payoutMinutes: number;

  @Field(() => Int, { description: "Managers' corrections, signed." })
  correctionMinutes: number;

  @Field(() => Int, { description: "The position percentage in force today (100 without one)." })
  positionPercent: number;

  @Field(() => Int, { description: "Planned minutes in the current week (Monday-Sunday)." })
  plannedWeekMinutes: number;

  @Field(() => String, { nullable: true, description: "The last day of the last closed period: nothing up to it changes any more." })
  closedThrough: string | null;

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

  @Field(() => Int, { description: "Approved absences of every type (they cover planned time)." })
  absenceMinutes: number;

  @Field(() => Int)
  payoutMinutes: number;

  @Field(() => Int, { description: "Signed." })
  correctionMinutes: number;

  @Field(() => Int, { description: "Balance at the end of the day." })
  balanceMinutes: number;
}

@ObjectType()
export class TimeAccountTotals {
  @Field(() => Int) capacityMinutes: number;
  @Field(() => Int) loggedMinutes: number;
  @Field(() => Int) depositedMinutes: number;
  @Field(() => Int) withdrawnMinutes: number;
  @Field(() => Int) absenceMinutes: number;
  @Field(() => Int) payoutMinutes: number;
  @Field(() => Int) correctionMinutes: number;
}

@ObjectType({
  description:
    "A time-account statement for a period: each day's capacity, logged, deposited and withdrawn minutes, with a running balance.",
})
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

  @Field(() => Int, { description: "Minutes a coordinator of the bank confirmed; completion needs them all." })
  confirmedMinutes: number;

  @Field(() => Date, { nullable: true, description: "When the supervising officer acknowledged the completion." })
  acknowledgedAt: Date | null;

  @Field(() => ID, { nullable: true, description: "The probation service or court supervising the order." })
  supervisingInstitutionId: string | null;

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

@ObjectType({
  implements: ErrorResult,
  description:
    "The capacity meter is on for that day: extra hours are deposited automatically from the work log, so manual deposits are not taken.",
})
export class CapacityMeterOn extends ErrorResult {}

@ObjectType({ implements: ErrorResult, description: "The commitment cannot be completed yet: fewer hours are logged than required." })
export class CommitmentNotFulfilled extends ErrorResult {
  @Field(() => Int)
  remainingMinutes: number;
}

@ObjectType({ implements: ErrorResult, description: "The commitment's completion was already recorded." })
export class CommitmentAlreadyCompleted extends ErrorResult {}

@ObjectType({ description: "One balance a change would take below the organisation's negative limit." })
export class LimitBreach {
  @Field(() => Int)
  balanceBeforeMinutes: number;

  @Field(() => Int)
  balanceAfterMinutes: number;

  membershipId: string;
}

@ObjectType({
  implements: ErrorResult,
  description:
    "The change would lower a balance below the organisation's negative-balance limit. A coordinator may override it with a reason (logged).",
})
export class BalanceLimitExceeded extends ErrorResult {
  @Field(() => Int, { description: "The limit in force: how far below zero a balance may go." })
  negativeBalanceLimitMinutes: number;

  @Field(() => [LimitBreach])
  breaches: LimitBreach[];
}

@ObjectType({ description: "The employer's working-time settings." })
export class CapacitySettings {
  @Field(() => CapacityPeriodKind)
  periodKind: CapacityPeriodKind;

  @Field(() => String, { nullable: true, description: "The last day of the last closed period." })
  closedThrough: string | null;
}

@ObjectType({ description: "A closed working-time period: nothing dated in it changes any more." })
export class CapacityPeriod {
  @Field(() => ID)
  id: string;

  @Field(() => CapacityPeriodKind)
  kind: CapacityPeriodKind;

  @Field({ description: DATE })
  startsOn: string;

  @Field({ description: DATE })
  endsOn: string;

  @Field()
  closedAt: Date;
}

@ObjectType({ implements: ErrorResult, description: "The period cannot be closed yet: requests dated in it still wait for a decision." })
export class PeriodNotReady extends ErrorResult {
  @Field(() => Int)
  pendingRequests: number;
}

@ObjectType({ description: "A position percentage from a date: the plan is the organisation default scaled by it." })
export class CapacityPosition {
  @Field(() => ID)
  id: string;

  @Field({ description: DATE })
  effectiveFrom: string;

  @Field(() => Int, { description: "1 to 100." })
  percent: number;

  @Field(() => Int, { description: "The planned week it gives with the organisation default in force on effectiveFrom." })
  plannedWeekMinutes: number;

  membershipId: string;
}

@ObjectType({
  description: "Hours an employee asks to have paid out; a manager approves, then they leave the account and appear in the payroll export.",
})
export class PayoutRequest {
  @Field(() => ID)
  id: string;

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

  @Field(() => String, { nullable: true, description: "The day the hours left the account (approval day, in the bank's time zone)." })
  paidOn: string | null;

  @Field(() => String, { nullable: true })
  refusalReason: string | null;

  membershipId: string;
}

@ObjectType({ description: "A manager's correction of a time account, dated in an open period." })
export class TimeCorrection {
  @Field(() => ID)
  id: string;

  @Field({ description: DATE })
  date: string;

  @Field(() => Int, { description: "Signed: positive adds to the balance." })
  minutes: number;

  @Field()
  reason: string;

  @Field(() => String, { nullable: true, description: "The day (usually in a closed period) that was wrong." })
  correctsDate: string | null;

  membershipId: string;
}

@ObjectType({ description: "One employee's figures for one closed period." })
export class PayrollLine {
  @Field(() => String)
  memberName: string;

  @Field(() => Int) plannedMinutes: number;
  @Field(() => Int) workedMinutes: number;
  @Field(() => Int) sicknessMinutes: number;
  @Field(() => Int) childSicknessMinutes: number;
  @Field(() => Int) holidayMinutes: number;
  @Field(() => Int) timeOffInLieuMinutes: number;
  @Field(() => Int, { description: "Automatic and manual deposits." })
  depositedMinutes: number;
  @Field(() => Int, { description: "Time off in lieu taken." })
  withdrawnMinutes: number;
  @Field(() => Int) payoutMinutes: number;
  @Field(() => Int, { description: "Signed." })
  correctionMinutes: number;
  @Field(() => Int) openingBalanceMinutes: number;
  @Field(() => Int) closingBalanceMinutes: number;

  membershipId: string;
}

@ObjectType({ description: "The payroll export of one closed period: a line per employee, and the same as CSV." })
export class PayrollExport {
  @Field(() => CapacityPeriod)
  period: CapacityPeriod;

  @Field(() => [PayrollLine])
  lines: PayrollLine[];

  @Field({ description: "The lines as CSV (header row; minutes; member id and name)." })
  csv: string;
}

@ObjectType({ description: "An audit row: a limit override, a period close or a correction." })
export class CapacityAuditEntry {
  @Field(() => ID)
  id: string;

  @Field()
  action: string;

  @Field({ description: "What was done, as JSON." })
  detail: string;

  @Field()
  createdAt: Date;

  @Field(() => ID)
  actorId: string;

  membershipId: string | null;
}

@ObjectType({
  description:
    "A community-service order as its supervising probation officer or court sees it: progress and completion, nothing else of the person.",
})
export class SupervisedCommitment {
  @Field(() => ID)
  id: string;

  @Field()
  title: string;

  @Field({ description: "The person serving it, as the bank knows them." })
  personName: string;

  @Field({ description: "The bank where it is served." })
  bankName: string;

  @Field(() => Int)
  requiredMinutes: number;

  @Field({ description: DATE })
  dueOn: string;

  @Field(() => ServiceCommitmentStatus)
  status: ServiceCommitmentStatus;

  @Field(() => Int, { description: "Minutes confirmed by the bank." })
  confirmedMinutes: number;

  @Field(() => Int, { description: "Minutes logged, confirmed or not." })
  loggedMinutes: number;

  @Field(() => Int)
  remainingMinutes: number;

  @Field()
  overdue: boolean;

  @Field(() => [ServedDay], { description: "The confirmed logs: day and minutes." })
  confirmedLogs: ServedDay[];

  @Field(() => Date, { nullable: true, description: "When the bank recorded completion." })
  completedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When an officer acknowledged it." })
  acknowledgedAt: Date | null;

  @Field(() => ID)
  institutionId: string;
}

@ObjectType()
export class ServedDay {
  @Field({ description: DATE })
  date: string;

  @Field(() => Int)
  minutes: number;
}

@ObjectType({ implements: ErrorResult, description: "The bank has not recorded the completion yet, or it was already acknowledged." })
export class CompletionNotAcknowledgeable extends ErrorResult {}

@ObjectType({ description: "A work log that was deleted." })
export class DeletedWorkLog {
  @Field(() => ID)
  id: string;
}
