import { Field, ObjectType } from "type-graphql";
import { ErrorResult } from "../../common/errors";

@ObjectType({ description: "The person's personal data was erased; memberships stay as anonymous rows so the ledger and statistics stay whole." })
export class Forgotten {
  @Field()
  erasedAt: Date;

  @Field({ description: "How many memberships were kept as anonymous rows." })
  anonymisedMemberships: number;
}

@ObjectType({ implements: ErrorResult, description: "The person cannot be forgotten yet (e.g. they are the only admin of a bank)." })
export class ForgetRefused extends ErrorResult {}
