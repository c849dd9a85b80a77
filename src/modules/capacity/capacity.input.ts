import { Field, ID, InputType, Int } from "type-graphql";

@InputType({
  description: "The organisation's capacity meter and negative-balance limit, from a date (replaces a setting from the same date).",
})
export class CapacityPolicyInput {
  @Field({ description: "YYYY-MM-DD in the bank's time zone." })
  effectiveFrom: string;

  @Field()
  meterOn: boolean;

  @Field(() => Int, { nullable: true, description: "Default 0: no negative balance." })
  negativeBalanceLimitMinutes?: number | null;
}

@InputType({ description: "Planned minutes per weekday from a date; omitted days are 0. Without `member` it is the organisation default." })
export class CapacityScheduleInput {
  @Field(() => ID, { nullable: true, description: "A member id for a personal override; omit for the organisation default." })
  member?: string | null;

  @Field({ description: "YYYY-MM-DD in the bank's time zone. Replaces a schedule of the same member (or the default) from the same date." })
  effectiveFrom: string;

  @Field(() => Int, { nullable: true }) mondayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) tuesdayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) wednesdayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) thursdayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) fridayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) saturdayMinutes?: number | null;
  @Field(() => Int, { nullable: true }) sundayMinutes?: number | null;
}

@InputType({ description: "Work on one day: either `minutes`, or `start` and `end` (HH:MM) with an optional break that is subtracted." })
export class WorkLogInput {
  @Field({ description: "YYYY-MM-DD, a calendar day in the bank's time zone (an offset other than the bank's is refused)." })
  date: string;

  @Field(() => Int, { nullable: true })
  minutes?: number | null;

  @Field(() => String, { nullable: true, description: "HH:MM" })
  start?: string | null;

  @Field(() => String, { nullable: true, description: "HH:MM, after start, up to 24:00." })
  end?: string | null;

  @Field(() => Int, { nullable: true })
  breakMinutes?: number | null;

  @Field(() => ID, { nullable: true, description: "A community-service commitment of the same member this work counts towards." })
  serviceCommitment?: string | null;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType({ description: "Minutes on a day, for a manual deposit or time off in lieu." })
export class DatedMinutesInput {
  @Field(() => ID)
  member: string;

  @Field({ description: "YYYY-MM-DD in the bank's time zone." })
  date: string;

  @Field(() => Int, { description: "1 to 1440." })
  minutes: number;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class ServiceCommitmentInput {
  @Field(() => ID)
  member: string;

  @Field()
  title: string;

  @Field(() => Int)
  requiredMinutes: number;

  @Field({ description: "YYYY-MM-DD in the bank's time zone." })
  dueOn: string;

  @Field(() => ID, {
    nullable: true,
    description:
      "The probation service or court (an institution of kind PROBATION or COURT) supervising the order: its officers follow its progress.",
  })
  supervisingInstitution?: string | null;
}

@InputType({ description: "A person's position percentage from a date." })
export class PositionInput {
  @Field(() => ID)
  member: string;

  @Field({ description: "YYYY-MM-DD in the bank's time zone; not in a closed period." })
  effectiveFrom: string;

  @Field(() => Int, { description: "1 to 100: 80 gives 80 % of the organisation default (30 h of 37.5 h)." })
  percent: number;
}

@InputType({ description: "Hours to be paid out of a time account." })
export class PayoutInput {
  @Field(() => ID)
  member: string;

  @Field(() => Int, { description: "1 to 100000." })
  minutes: number;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType({ description: "A manager's correction, dated today (in an open period)." })
export class CorrectionInput {
  @Field(() => ID)
  member: string;

  @Field(() => Int, { description: "Signed, not 0: positive adds to the balance." })
  minutes: number;

  @Field({ description: "Why: kept in the audit trail." })
  reason: string;

  @Field(() => String, { nullable: true, description: "The day that was wrong (usually in a closed period), YYYY-MM-DD." })
  correctsDate?: string | null;
}
