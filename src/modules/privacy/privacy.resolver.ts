import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import * as privacy from "./privacy.service";
import {
  ErasureRefused,
  ForgetRefused,
  Forgotten,
  MemberErased,
  PrivacyPolicyView,
  PrivacyRequestEntry,
  PrivacyRequestInput,
} from "./privacy.type";

const ForgetResult = resultUnion("ForgetResult", Forgotten, [ForgetRefused]);
const EraseMemberResult = resultUnion("EraseMemberResult", MemberErased, [ErasureRefused]);

@Resolver()
export class PrivacyResolver {
  @Query(() => GraphQLJSONObject, {
    description:
      "Everything held about you, in every bank you belong to, as JSON (docs/privacy.md). Also as a download: GET /privacy/export.json, and readable: GET /privacy/export.html.",
  })
  exportMyData(@Ctx() ctx: RequestContext) {
    return privacy.exportMyData(ctx);
  }

  @Mutation(() => GraphQLJSONObject, {
    description:
      "A member's data in their bank, as JSON: for the member, a helper they authorised, or a coordinator (members without a login). Recorded in the bank's audit trail.",
  })
  exportMemberData(
    @Arg("memberId", () => ID) memberId: string,
    @Arg("input", () => PrivacyRequestInput, { nullable: true }) input: PrivacyRequestInput | null,
    @Ctx() ctx: RequestContext,
  ) {
    return privacy.exportMemberData(ctx, memberId, input);
  }

  @Mutation(() => ForgetResult, {
    description:
      "Erase your personal data in every bank. Memberships, accounts and transfers stay as anonymous rows; your balance goes to each bank's community pot; you can no longer log in.",
  })
  forgetMe(@Ctx() ctx: RequestContext) {
    return privacy.forgetMe(ctx);
  }

  @Mutation(() => EraseMemberResult, {
    description:
      "Erase a member's personal data in their bank, asked for by the member, a helper they authorised, or a coordinator (members without a login, or on request). The login and name go too when it was their last membership. Recorded in the audit trail.",
  })
  eraseMember(
    @Arg("memberId", () => ID) memberId: string,
    @Arg("input", () => PrivacyRequestInput, { nullable: true }) input: PrivacyRequestInput | null,
    @Ctx() ctx: RequestContext,
  ) {
    return privacy.eraseMember(ctx, memberId, input);
  }

  @Query(() => [PrivacyRequestEntry], {
    description: "Coordinators: the audit trail of exports and erasures made for the bank's members, newest first.",
  })
  privacyRequests(
    @Arg("timebank") slug: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return privacy.privacyRequests(ctx, slug, first);
  }

  @Query(() => PrivacyPolicyView, { description: "The bank's retention policy for members who left (members of the bank)." })
  privacyPolicy(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return privacy.privacyPolicy(ctx, slug);
  }

  @Mutation(() => PrivacyPolicyView, {
    description:
      "Bank admins: erase the data of members who left this many months ago (1-120; null: never automatically). Applied by `npm run privacy:retention`.",
  })
  setPrivacyPolicy(
    @Arg("timebank") slug: string,
    @Arg("eraseLeftMembersAfterMonths", () => Int, { nullable: true }) months: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return privacy.setPrivacyPolicy(ctx, slug, months);
  }
}
