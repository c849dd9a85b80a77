import { Field, ID, ObjectType } from "type-graphql";
import { ErrorResult } from "../../common/errors";

@ObjectType({ description: "A person: one login, possibly a member of several banks." })
export class Person {
  @Field(() => ID)
  id: string;

  @Field()
  email: string;

  @Field()
  displayName: string;

  @Field()
  preferredLanguage: string;

  @Field()
  isPlatformAdmin: boolean;

  @Field({ description: "Of the national umbrella body: reads anonymised statistics across banks." })
  isUmbrella: boolean;

  @Field()
  createdAt: Date;
}

@ObjectType({ description: "A bearer token for the Authorization header, and who it belongs to." })
export class AuthPayload {
  @Field({ description: "Send as `Authorization: Bearer <token>`." })
  token: string;

  @Field()
  expiresAt: Date;

  @Field(() => Person)
  person: Person;
}

@ObjectType({ implements: ErrorResult, description: "Someone has already signed up with this email." })
export class EmailTaken extends ErrorResult {}

@ObjectType({ implements: ErrorResult, description: "The email and password do not match an account." })
export class InvalidCredentials extends ErrorResult {}
