import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { EngagementPeriod } from "../../generated/prisma/enums";
import { Member } from "../member/member.type";

registerEnumType(EngagementPeriod, {
  name: "EngagementPeriod",
  valuesConfig: {
    WEEK: { description: "At most maxMinutes in any 7 days." },
    MONTH: { description: "At most maxMinutes in any 30 days." },
    FLEXIBLE: { description: "No limit: whenever it suits." },
  },
});

export enum LivedExperience {
  UNEMPLOYMENT = "UNEMPLOYMENT",
  ILLNESS = "ILLNESS",
  MIGRATION = "MIGRATION",
  PRISON = "PRISON",
  ADDICTION = "ADDICTION",
  BEREAVEMENT = "BEREAVEMENT",
}
registerEnumType(LivedExperience, {
  name: "LivedExperience",
  description: "Something a member has been through and can help others through: a mentor's skill.",
});

@ObjectType({
  description: "A helper's authorisation to act for a member: active once the member and a coordinator both agreed, until revoked.",
})
export class HelperAuthorisation {
  @Field(() => ID)
  id: string;

  @Field(() => Date, { nullable: true })
  memberConsentedAt: Date | null;

  @Field({ description: "The consent of a member without internet, given on paper and recorded by a coordinator." })
  consentOnPaper: boolean;

  @Field(() => Date, { nullable: true })
  coordinatorApprovedAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;

  @Field()
  createdAt: Date;

  timebankId: string;
  memberId: string;
  helperId: string;
  coordinatorApprovedById: string | null;
  revokedById: string | null;
}

@ObjectType({ description: "One action a helper or coordinator took for a member." })
export class ActingLogEntry {
  @Field(() => ID)
  id: string;

  @Field({ description: "The operation, e.g. createPost, acceptMatch." })
  action: string;

  @Field(() => ID, { nullable: true, description: "What it acted on (the post, the match)." })
  targetId: string | null;

  @Field({ description: "OK, or the code of the refusal." })
  outcome: string;

  @Field()
  createdAt: Date;

  timebankId: string;
  actorId: string;
  memberId: string;
}

@ObjectType({ description: "A newcomer paired with a mentor by a coordinator." })
export class MentorPairing {
  @Field(() => ID)
  id: string;

  @Field()
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  endedAt: Date | null;

  timebankId: string;
  mentorId: string;
  newcomerId: string;
  pairedById: string;
}

@ObjectType({ description: "How much a member wants to give." })
export class Engagement {
  @Field(() => EngagementPeriod)
  period: EngagementPeriod;

  @Field(() => Int, { nullable: true, description: "Null when flexible." })
  maxMinutes: number | null;

  @Field(() => Int, { description: "Minutes committed through accepted matches in the current window (7 or 30 days)." })
  committedMinutes: number;

  @Field({ description: "True when the member is not proposed for more help for now." })
  atLimit: boolean;
}

@InputType()
export class EngagementInput {
  @Field(() => EngagementPeriod)
  period: EngagementPeriod;

  @Field(() => Int, { nullable: true, description: "For WEEK and MONTH: 15 to 10000 minutes." })
  maxMinutes?: number | null;
}

export { Member };
