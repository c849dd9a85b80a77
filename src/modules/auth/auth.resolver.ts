import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import { Member } from "../member/member.type";
import * as members from "../member/member.service";
import { LogInInput, SignUpInput } from "./auth.input";
import * as auth from "./auth.service";
import { AuthPayload, EmailTaken, InvalidCredentials, Person } from "./auth.type";

const SignUpResult = resultUnion("SignUpResult", AuthPayload, [EmailTaken]);
const LogInResult = resultUnion("LogInResult", AuthPayload, [InvalidCredentials]);

@Resolver(() => Person)
export class AuthResolver {
  @Mutation(() => SignUpResult, { description: "Creates a person (a login). Joining a bank is a separate step: applyToTimebank." })
  signUp(@Arg("input") input: SignUpInput, @Ctx() ctx: RequestContext) {
    return auth.signUp(ctx, input);
  }

  @Mutation(() => LogInResult)
  logIn(@Arg("input") input: LogInInput, @Ctx() ctx: RequestContext) {
    return auth.logIn(ctx, input);
  }

  @Query(() => Person, { description: "The person behind the bearer token; UNAUTHENTICATED without one." })
  me(@Ctx() ctx: RequestContext) {
    return auth.me(ctx);
  }

  @FieldResolver(() => [Member], { description: "Your memberships in every bank, whatever their status." })
  memberships(@Root() person: Person, @Ctx() ctx: RequestContext) {
    return members.membershipsOfPerson(ctx, person.id);
  }
}
