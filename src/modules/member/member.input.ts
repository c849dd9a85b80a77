import { Field, InputType, Int } from "type-graphql";
import { MembershipStatus } from "../../generated/prisma/enums";

@InputType()
export class MemberFilter {
  @Field({ nullable: true, description: "Words in the name or bio." })
  search?: string;

  @Field({ nullable: true, description: "A skill tag, e.g. 'bike repair'." })
  skill?: string;

  @Field({ nullable: true, description: "A category slug: members with a skill in it." })
  category?: string;

  @Field(() => MembershipStatus, { nullable: true, description: "Default ACTIVE. Coordinators may list APPLIED, LEFT and DECLINED too." })
  status?: MembershipStatus;
}

@InputType()
export class AvailabilityWindowInput {
  @Field(() => Int)
  weekday: number;

  @Field(() => Int)
  startMinute: number;

  @Field(() => Int)
  endMinute: number;
}

@InputType()
export class SkillInput {
  @Field()
  label: string;

  @Field({ nullable: true, description: "Category slug." })
  category?: string;
}

@InputType({ description: "Profile changes; omitted fields keep their value, given lists replace the old list." })
export class UpdateProfileInput {
  @Field({ nullable: true })
  bio?: string;

  @Field(() => [String], { nullable: true })
  languages?: string[];

  @Field(() => String, { nullable: true })
  neighbourhood?: string | null;

  @Field(() => [AvailabilityWindowInput], { nullable: true })
  availability?: AvailabilityWindowInput[];

  @Field(() => [SkillInput], { nullable: true })
  skills?: SkillInput[];

  @Field(() => [SkillInput], { nullable: true })
  needs?: SkillInput[];

  @Field(() => String, { nullable: true })
  contactEmail?: string | null;

  @Field(() => String, { nullable: true })
  contactPhone?: string | null;

  @Field(() => String, { nullable: true })
  accessibilityNeeds?: string | null;
}
