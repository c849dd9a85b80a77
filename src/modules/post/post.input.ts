import { Field, ID, InputType, Int } from "type-graphql";
import { PlaceMode, PostKind, PostStatus, PostVisibility } from "../../generated/prisma/enums";
import { AvailabilityWindowInput } from "../member/member.input";

@InputType({ description: "A new offer or request." })
export class CreatePostInput {
  @Field(() => PostKind)
  kind: PostKind;

  @Field()
  title: string;

  @Field({ nullable: true })
  description?: string;

  @Field({ nullable: true, description: "Category slug of the bank." })
  category?: string;

  @Field(() => [String], { nullable: true })
  tags?: string[];

  @Field(() => Int, { nullable: true })
  expectedMinutes?: number;

  @Field(() => PlaceMode, { nullable: true, defaultValue: "IN_PERSON" })
  placeMode?: PlaceMode;

  @Field({ nullable: true, description: "Where, for IN_PERSON and AT_HOME." })
  neighbourhood?: string;

  @Field(() => [AvailabilityWindowInput], { nullable: true, description: "Weekly windows, in the bank's time zone." })
  availability?: AvailabilityWindowInput[];

  @Field(() => [String], { nullable: true, description: "Specific days, YYYY-MM-DD, in the bank's time zone." })
  dates?: string[];

  @Field(() => PostVisibility, { nullable: true, defaultValue: "OWN_BANK" })
  visibility?: PostVisibility;

  @Field({ nullable: true, description: "Requests only. Defaults to true for AT_HOME." })
  requiresVouchedHelper?: boolean;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date;
}

@InputType({ description: "Changes to an open post; omitted fields keep their value, null clears an optional one." })
export class UpdatePostInput {
  @Field({ nullable: true })
  title?: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Category slug; null removes the category." })
  category?: string | null;

  @Field(() => [String], { nullable: true })
  tags?: string[];

  @Field(() => Int, { nullable: true })
  expectedMinutes?: number | null;

  @Field(() => PlaceMode, { nullable: true })
  placeMode?: PlaceMode;

  @Field(() => String, { nullable: true })
  neighbourhood?: string | null;

  @Field(() => [AvailabilityWindowInput], { nullable: true })
  availability?: AvailabilityWindowInput[];

  @Field(() => [String], { nullable: true })
  dates?: string[];

  @Field(() => PostVisibility, { nullable: true })
  visibility?: PostVisibility;

  @Field({ nullable: true })
  requiresVouchedHelper?: boolean;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;
}

@InputType({ description: "Which posts to list; all given conditions must hold." })
export class PostFilter {
  @Field(() => PostKind, { nullable: true })
  kind?: PostKind;

  @Field({ nullable: true, description: "Category slug." })
  category?: string;

  @Field(() => [String], { nullable: true, description: "Posts with any of these tags." })
  tags?: string[];

  @Field({ nullable: true, description: "Full-text search in title, tags and description, in the bank's language." })
  text?: string;

  @Field({ nullable: true, description: "A neighbourhood: posts there, plus those by phone or online." })
  near?: string;

  @Field(() => Date, { nullable: true, description: "Posts whose time (flexible, a weekly window or a date) includes this moment." })
  availableAt?: Date;

  @Field(() => PostStatus, { nullable: true, description: "Default OPEN (which leaves out expired posts)." })
  status?: PostStatus;

  @Field(() => ID, { nullable: true, description: "Posts by this member." })
  author?: string;
}
