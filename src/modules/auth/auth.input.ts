import { Field, InputType } from "type-graphql";

@InputType()
export class SignUpInput {
  @Field()
  email: string;

  @Field({ description: "At least 10 characters." })
  password: string;

  @Field()
  displayName: string;

  @Field({ nullable: true, defaultValue: "en", description: "Language tag, e.g. 'da'." })
  preferredLanguage: string;
}

@InputType()
export class LogInInput {
  @Field()
  email: string;

  @Field()
  password: string;
}
