import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PartnerKind } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";
import { Member } from "../member/member.type";

export enum OnboardingStepEnum {
  INTERVIEW = "INTERVIEW",
  REFERENCES = "REFERENCES",
  SAFEGUARDING_CHECK = "SAFEGUARDING_CHECK",
}
registerEnumType(OnboardingStepEnum, { name: "OnboardingStep", description: "A step a bank may require before approval." });
registerEnumType(PartnerKind, { name: "PartnerKind" });

@ObjectType({ description: "Which onboarding steps the bank requires before an application can be approved." })
export class OnboardingSettings {
  @Field()
  requireInterview: boolean;

  @Field(() => Int, { description: "How many checked references, 0 to 5." })
  requiredReferences: number;

  @Field()
  requireSafeguardingCheck: boolean;
}

@InputType()
export class OnboardingSettingsInput {
  @Field({ nullable: true })
  requireInterview?: boolean;

  @Field(() => Int, { nullable: true })
  requiredReferences?: number;

  @Field({ nullable: true })
  requireSafeguardingCheck?: boolean;
}

@ObjectType({ description: "An interview of an applicant, scheduled by a coordinator." })
export class Interview {
  @Field(() => ID)
  id: string;

  @Field()
  scheduledAt: Date;

  @Field(() => Date, { nullable: true, description: "When it was held (null: not yet)." })
  heldAt: Date | null;

  /** Exposed by a field resolver: coordinators only. */
  notes: string;
  timebankId: string;
  membershipId: string;
  scheduledById: string;
  heldById: string | null;
}

@ObjectType({ description: "A person the applicant named as a reference." })
export class Reference {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  relationship: string;

  @Field(() => Date, { nullable: true, description: "When a coordinator checked it (null: not yet)." })
  checkedAt: Date | null;

  /** Coordinators only, through a field resolver. */
  contact: string;
  timebankId: string;
  membershipId: string;
  checkedById: string | null;
}

@ObjectType({ description: "A safeguarding check: coordinators only. It stops counting when it expires." })
export class SafeguardingCheck {
  @Field(() => ID)
  id: string;

  @Field({ description: "e.g. 'criminal record certificate', 'child protection certificate'." })
  checkType: string;

  /** YYYY-MM-DD through field resolvers. */
  checkedOn: Date;
  expiresOn: Date | null;
  timebankId: string;
  membershipId: string;
  verifiedById: string;
}

@InputType()
export class SafeguardingCheckInput {
  @Field()
  checkType: string;

  @Field({ description: "YYYY-MM-DD" })
  checkedOn: string;

  @Field(() => String, { nullable: true, description: "YYYY-MM-DD; null: does not expire." })
  expiresOn?: string | null;
}

@InputType()
export class ReferenceInput {
  @Field()
  name: string;

  @Field({ nullable: true, description: "e.g. 'former employer', 'neighbour'." })
  relationship?: string;

  @Field({ nullable: true, description: "Phone or email: coordinators only." })
  contact?: string;
}

@ObjectType({ description: "A partner organisation that refers people to the bank." })
export class PartnerOrganisation {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => PartnerKind)
  kind: PartnerKind;

  timebankId: string;
}

@ObjectType({ description: "Where an application stands: the bank's required steps and what is done." })
export class OnboardingState {
  @Field(() => Member)
  member: Member;

  @Field(() => OnboardingSettings)
  requirements: OnboardingSettings;

  @Field(() => [Interview])
  interviews: Interview[];

  @Field(() => [Reference])
  references: Reference[];

  @Field(() => [SafeguardingCheck], { nullable: true, description: "Coordinators only (null for anyone else)." })
  safeguardingChecks: SafeguardingCheck[] | null;

  @Field(() => [OnboardingStepEnum], { description: "Required steps not done yet." })
  missingSteps: OnboardingStepEnum[];

  @Field(() => PartnerOrganisation, { nullable: true, description: "The partner that referred the applicant." })
  referredBy: PartnerOrganisation | null;
}

@ObjectType({ description: "An application waiting longer than asked." })
export class OverdueApplication {
  @Field(() => Member)
  member: Member;

  @Field(() => Int)
  daysWaiting: number;

  @Field(() => [OnboardingStepEnum])
  missingSteps: OnboardingStepEnum[];
}

@ObjectType({ description: "Referrals of one partner: counts only, never names." })
export class ReferralStatistic {
  @Field(() => PartnerOrganisation)
  partner: PartnerOrganisation;

  @Field(() => Int)
  referrals: number;

  @Field(() => Int, { description: "Referred people who were approved (became active), whatever their status now." })
  becameActive: number;
}

@InputType({ description: "A person without email or internet, whose membership a coordinator manages." })
export class OfflineMemberInput {
  @Field()
  displayName: string;

  @Field({ nullable: true })
  contactPhone?: string;

  @Field({ nullable: true })
  neighbourhood?: string;

  @Field(() => [String], { nullable: true })
  languages?: string[];

  @Field(() => ID, { nullable: true, description: "The partner organisation that referred the person." })
  referredBy?: string;
}

@ObjectType({ implements: ErrorResult, description: "Required onboarding steps are missing: the application cannot be approved yet." })
export class OnboardingIncomplete extends ErrorResult {
  @Field(() => [OnboardingStepEnum])
  missingSteps: OnboardingStepEnum[];
}
