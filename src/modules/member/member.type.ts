import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { MembershipRole, MembershipStatus, SkillKind } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";

registerEnumType(MembershipRole, { name: "MembershipRole", description: "What a member may do in their bank." });
registerEnumType(MembershipStatus, {
  name: "MembershipStatus",
  valuesConfig: {
    APPLIED: { description: "Applied; waiting for a coordinator." },
    ACTIVE: { description: "A member in good standing." },
    PAUSED: { description: "Stepping back for a while (health, family): keeps everything, is not asked for help." },
    LEFT: { description: "Has left the bank." },
    DECLINED: { description: "The application was declined." },
  },
});
registerEnumType(SkillKind, { name: "SkillKind" });

@ObjectType({ description: "A weekly time window when a member is usually available, in the bank's time zone." })
export class AvailabilityWindow {
  @Field(() => Int, { description: "1 = Monday ... 7 = Sunday." })
  weekday: number;

  @Field(() => Int, { description: "Minutes after midnight, 0..1439." })
  startMinute: number;

  @Field(() => Int, { description: "Minutes after midnight, after startMinute, up to 1440." })
  endMinute: number;
}

@ObjectType({ description: "A skill a member offers or a need they have: a free tag, optionally in a category." })
export class Skill {
  @Field()
  label: string;

  @Field(() => SkillKind)
  kind: SkillKind;

  categoryId: string | null;
  timebankId: string;
}

@ObjectType({ description: "What a member tells the bank about themself." })
export class MemberProfile {
  @Field()
  bio: string;

  @Field(() => [String], { description: "Languages spoken (ISO 639-1 codes)." })
  languages: string[];

  @Field(() => String, { nullable: true })
  neighbourhood: string | null;

  @Field(() => [AvailabilityWindow])
  availability: AvailabilityWindow[];
}

@ObjectType({ description: "Private details: only the member themself and the bank's coordinators can read them." })
export class MemberPrivateDetails {
  @Field({ description: "The email the person logs in with." })
  loginEmail: string;

  @Field(() => String, { nullable: true })
  contactEmail: string | null;

  @Field(() => String, { nullable: true })
  contactPhone: string | null;

  @Field(() => String, { nullable: true })
  accessibilityNeeds: string | null;
}

@ObjectType({ description: "A membership of a person in one bank, with its own role, status and number." })
export class Member {
  @Field(() => ID)
  id: string;

  @Field(() => Int, { description: "Unique within the bank." })
  memberNumber: number;

  @Field(() => MembershipRole)
  role: MembershipRole;

  @Field(() => MembershipStatus)
  status: MembershipStatus;

  @Field()
  appliedAt: Date;

  @Field(() => Date, { nullable: true })
  joinedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When a coordinator approved (or declined) the application." })
  approvedAt: Date | null;

  @Field(() => Date, { nullable: true })
  pausedAt: Date | null;

  /** Planned return from a pause; exposed as YYYY-MM-DD by the resolver. */
  plannedReturnOn: Date | null;

  @Field(() => Date, { nullable: true })
  leftAt: Date | null;

  timebankId: string;
  personId: string;
  approvedById: string | null;
}

@ObjectType({
  implements: ErrorResult,
  description: "The membership is not in a state that allows this (e.g. approving someone already active).",
})
export class MembershipRefused extends ErrorResult {
  @Field(() => MembershipStatus, { nullable: true })
  currentStatus: MembershipStatus | null;
}
