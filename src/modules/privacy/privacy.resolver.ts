import { GraphQLJSONObject } from "graphql-scalars";
import { Ctx, Mutation, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import * as privacy from "./privacy.service";
import { ForgetRefused, Forgotten } from "./privacy.type";

const ForgetResult = resultUnion("ForgetResult", Forgotten, [ForgetRefused]);

@Resolver()
export class PrivacyResolver {
  @Query(() => GraphQLJSONObject, { description: "Everything held about you, across your banks, as JSON." })
  exportMyData(@Ctx() ctx: RequestContext) {
    return privacy.exportMyData(ctx);
  }

  @Mutation(() => ForgetResult, { description: "Erase your personal data in every bank. Memberships stay as anonymous rows; you can no longer log in." })
  forgetMe(@Ctx() ctx: RequestContext) {
    return privacy.forgetMe(ctx);
  }
}
