import { Field, ID, InputType, Int } from "type-graphql";

@InputType({ description: "An exchange that happened: the giver helped the receiver for `minutes`." })
export class RecordExchangeInput {
  @Field({ description: "Bank slug." })
  timebank: string;

  @Field(() => ID, { description: "The member who gave the help (earns the minutes)." })
  giverMemberId: string;

  @Field(() => ID, { description: "The member who received the help (pays the minutes)." })
  receiverMemberId: string;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field(() => ID, { nullable: true, description: "The offer or request this exchange answers." })
  relatedPostId?: string | null;

  @Field({ description: "Chosen by the client (a uuid): a retry with the same key returns the first result." })
  idempotencyKey: string;
}

@InputType({ description: "One helper and one helped person in a group exchange." })
export class GroupExchangeLegInput {
  @Field(() => ID)
  giverMemberId: string;

  @Field(() => ID, { nullable: true, description: "Who was helped; null: the community pot pays the helper." })
  receiverMemberId?: string | null;

  @Field(() => Int)
  minutes: number;
}

@InputType({ description: "A workshop (one helps several), a work party (several help one), or work paid by the community pot." })
export class RecordGroupExchangeInput {
  @Field()
  timebank: string;

  @Field(() => [GroupExchangeLegInput])
  legs: GroupExchangeLegInput[];

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field(() => ID, { nullable: true })
  relatedPostId?: string | null;

  @Field()
  idempotencyKey: string;
}

@InputType()
export class GiveHoursInput {
  @Field()
  timebank: string;

  @Field(() => ID)
  toMemberId: string;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field()
  idempotencyKey: string;
}

@InputType()
export class DonateToPotInput {
  @Field()
  timebank: string;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field()
  idempotencyKey: string;
}

@InputType({ description: "The community pot pays a member (for work for the neighbourhood or on behalf of someone who cannot pay)." })
export class PayFromPotInput {
  @Field()
  timebank: string;

  @Field(() => ID)
  toMemberId: string;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field()
  idempotencyKey: string;
}

@InputType()
export class ReverseTransferInput {
  @Field(() => ID)
  transferId: string;

  @Field({ description: "Why: kept as the reversal's memo." })
  reason: string;

  @Field()
  idempotencyKey: string;
}

@InputType()
export class SetAccountLimitsInput {
  @Field(() => ID)
  accountId: string;

  @Field(() => Int, { description: "0 or negative." })
  floorMinutes: number;

  @Field(() => Int)
  ceilingMinutes: number;

  @Field({ description: "Why the limits change: kept in the account's log." })
  reason: string;
}
