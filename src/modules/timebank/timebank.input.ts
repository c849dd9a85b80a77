import { Field, InputType, Int } from "type-graphql";
import { ExchangeConfirmation } from "../../generated/prisma/enums";

@InputType({ description: "Settings of a bank; omitted fields keep their value." })
export class TimebankSettingsInput {
  @Field({ nullable: true })
  name?: string;

  @Field({ nullable: true })
  locale?: string;

  @Field({ nullable: true })
  timezone?: string;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => Int, { nullable: true })
  creditFloorMinutes?: number;

  @Field(() => Int, { nullable: true })
  balanceCeilingMinutes?: number;

  @Field(() => ExchangeConfirmation, { nullable: true })
  exchangeConfirmation?: ExchangeConfirmation;

  @Field({ nullable: true })
  membersMayRecordExchanges?: boolean;

  @Field(() => Int, { nullable: true, description: "1 to 365, or null to turn auto-confirmation off." })
  autoConfirmAfterDays?: number | null;
}

@InputType()
export class CreateTimebankInput {
  @Field({ description: "URL-safe name: lower-case letters, digits, single hyphens." })
  slug: string;

  @Field()
  name: string;

  @Field({ nullable: true, defaultValue: "en" })
  locale: string;

  @Field({ nullable: true, defaultValue: "UTC" })
  timezone: string;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field({ nullable: true, description: "Email of the person who becomes the bank's first admin; defaults to you." })
  firstAdminEmail?: string;

  @Field(() => TimebankSettingsInput, { nullable: true })
  settings?: TimebankSettingsInput;
}
