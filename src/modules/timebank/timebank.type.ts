import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ExchangeConfirmation } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";

registerEnumType(ExchangeConfirmation, {
  name: "ExchangeConfirmation",
  description: "How exchanges are confirmed in a bank.",
  valuesConfig: {
    COORDINATOR_ONLY: { description: "Only coordinators record exchanges; they post at once." },
    COUNTERPARTY_CONFIRMS: { description: "Members record exchanges; the other party confirms or rejects." },
  },
});

@ObjectType({ description: "How a bank runs: limits for new accounts and how exchanges are confirmed." })
export class TimebankSettings {
  @Field(() => Int, { description: "Lowest balance a new account may reach, in minutes (0 or negative)." })
  creditFloorMinutes: number;

  @Field(() => Int, { description: "Highest balance a new account may reach, in minutes." })
  balanceCeilingMinutes: number;

  @Field(() => ExchangeConfirmation)
  exchangeConfirmation: ExchangeConfirmation;

  @Field({ description: "Whether members may record exchanges themselves." })
  membersMayRecordExchanges: boolean;

  @Field(() => Int, { nullable: true, description: "Pending exchanges confirm themselves after this many days; null: never." })
  autoConfirmAfterDays: number | null;
}

@ObjectType({ description: "A category of help, such as 'Shopping and errands'. Each bank has its own list." })
export class Category {
  @Field(() => ID)
  id: string;

  @Field()
  slug: string;

  @Field()
  name: string;

  timebankId: string;
}

@ObjectType({ description: "A local timebank: an association whose members exchange help, hour for hour." })
export class Timebank {
  @Field(() => ID)
  id: string;

  @Field()
  slug: string;

  @Field()
  name: string;

  @Field({ description: "Language tag, e.g. 'da' or 'en-GB'." })
  locale: string;

  @Field({ description: "IANA time zone, e.g. 'Europe/Copenhagen'." })
  timezone: string;

  @Field(() => String, { nullable: true })
  region: string | null;

  @Field()
  createdAt: Date;

  creditFloorMinutes: number;
  balanceCeilingMinutes: number;
  exchangeConfirmation: ExchangeConfirmation;
  membersMayRecordExchanges: boolean;
  autoConfirmAfterDays: number | null;
}

@ObjectType({ implements: ErrorResult, description: "Another bank already uses this slug." })
export class SlugTaken extends ErrorResult {}
