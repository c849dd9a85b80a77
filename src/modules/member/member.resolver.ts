import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { Connection, toConnection } from "../../common/pagination";
import { selectsAnywhere, selectsField } from "../../common/selection";
import { resultUnion } from "../../common/results";
import { MembershipRole } from "../../generated/prisma/enums";
import { Category, Timebank } from "../timebank/timebank.type";
import * as timebanks from "../timebank/timebank.service";
import { MemberFilter, UpdateProfileInput } from "./member.input";
import * as members from "./member.service";
import { OnboardingIncomplete } from "../onboarding/onboarding.type";
import { actFor } from "../helper/helper.service";
import { AvailabilityWindow, Member, MemberPrivateDetails, MemberProfile, MembershipRefused, Skill } from "./member.type";

const MemberConnection = Connection(Member, "Member");
const MembershipResult = resultUnion("MembershipResult", Member, [MembershipRefused, OnboardingIncomplete]);

@Resolver(() => Member)
export class MemberResolver {
  @Query(() => MemberConnection, { description: "Members of a bank you belong to, by member number. Coordinators also see applications." })
  async members(
    @Arg("timebank", { description: "Bank slug." }) slug: string,
    @Arg("filter", () => MemberFilter, { nullable: true }) filter: MemberFilter | null,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1 to 100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const withSkills = selectsAnywhere(info, "skills") || selectsAnywhere(info, "needs");
    return toConnection(await members.listMembers(await timebanks.forBank(ctx, slug), filter ?? {}, first, after, withSkills));
  }

  @Query(() => Member, { description: "One member of a bank you belong to (or your own membership); NOT_FOUND otherwise." })
  member(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return members.getMember(ctx, id, selectsField(info, "account"));
  }

  @Mutation(() => MembershipResult, { description: "Applies to join a bank; a coordinator then approves or declines." })
  async applyToTimebank(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return members.applyToTimebank(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => MembershipResult, { description: "Coordinators: lets an applicant in. The approver is recorded." })
  approveMembership(@Arg("memberId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return members.approveMembership(ctx, id);
  }

  @Mutation(() => MembershipResult, { description: "Coordinators: declines an application." })
  declineMembership(@Arg("memberId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return members.declineMembership(ctx, id);
  }

  @Mutation(() => MembershipResult, { description: "The member or a coordinator: step back for a while, keeping everything." })
  pauseMembership(
    @Arg("memberId", () => ID) id: string,
    @Arg("plannedReturnOn", () => String, { nullable: true, description: "YYYY-MM-DD" }) plannedReturnOn: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return members.pauseMembership(ctx, id, plannedReturnOn);
  }

  @Mutation(() => MembershipResult)
  resumeMembership(@Arg("memberId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return members.resumeMembership(ctx, id);
  }

  @Mutation(() => MembershipResult, { description: "Leaves a bank. The last admin must hand over first." })
  async leaveTimebank(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return members.leaveTimebank(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => MembershipResult, { description: "Bank admins: makes an active member a MEMBER, COORDINATOR or ADMIN." })
  changeMemberRole(
    @Arg("memberId", () => ID) id: string,
    @Arg("role", () => MembershipRole) role: MembershipRole,
    @Ctx() ctx: RequestContext,
  ) {
    return members.changeMemberRole(ctx, id, role);
  }

  @Mutation(() => Member, {
    description: "Edits your profile in one bank. actingFor: a coordinator or authorised helper edits that member's profile (logged).",
  })
  async updateMyProfile(
    @Arg("timebank") slug: string,
    @Arg("input") input: UpdateProfileInput,
    @Arg("actingFor", () => ID, { nullable: true }) actingFor: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return actFor(ctx, actingFor, "updateMyProfile", async (c) => members.updateMyProfile(await timebanks.forBank(c, slug), input));
  }

  @FieldResolver(() => String)
  async displayName(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.personById.load(m.personId))?.displayName ?? "";
  }

  @FieldResolver(() => Timebank)
  timebank(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(m.timebankId);
  }

  @FieldResolver(() => MemberProfile)
  async profile(@Root() m: Member, @Ctx() ctx: RequestContext): Promise<MemberProfile> {
    const p = await ctx.loaders.profileByMembership.load(m.id);
    return {
      bio: p?.bio ?? "",
      languages: p?.languages ?? [],
      neighbourhood: p?.neighbourhood ?? null,
      availability: (p?.availability as unknown as AvailabilityWindow[] | undefined) ?? [],
    };
  }

  @FieldResolver(() => [Skill], { description: "What the member offers." })
  async skills(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.skillsByMembership.load(m.id)).filter((s) => s.kind === "SKILL");
  }

  @FieldResolver(() => [Skill], { description: "What the member would like help with." })
  async needs(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.skillsByMembership.load(m.id)).filter((s) => s.kind === "NEED");
  }

  @FieldResolver(() => MemberPrivateDetails, {
    nullable: true,
    description:
      "Null unless you are this member or a coordinator of the bank. A member with an accepted match with you sees contact email and phone only (loginEmail empty).",
  })
  async privateDetails(@Root() m: Member, @Ctx() ctx: RequestContext): Promise<MemberPrivateDetails | null> {
    const access = await members.privateDetailsAccess(ctx, m);
    if (!access) return null;
    const [p, person] = await Promise.all([ctx.loaders.profileByMembership.load(m.id), ctx.loaders.personById.load(m.personId)]);
    if (access === "contact")
      return { loginEmail: "", contactEmail: p?.contactEmail ?? null, contactPhone: p?.contactPhone ?? null, accessibilityNeeds: null };
    return {
      loginEmail: person?.email ?? "",
      contactEmail: p?.contactEmail ?? null,
      contactPhone: p?.contactPhone ?? null,
      accessibilityNeeds: p?.accessibilityNeeds ?? null,
    };
  }

  @FieldResolver(() => Member, { nullable: true, description: "The coordinator who approved (or declined) the application." })
  async approvedBy(@Root() m: Member, @Ctx() ctx: RequestContext) {
    if (!m.approvedById) return null;
    return ctx.loaders.membershipByBankAndPerson.load(`${m.timebankId}:${m.approvedById}`);
  }

  @FieldResolver(() => String, { nullable: true, description: "Planned return from a pause (YYYY-MM-DD), if the member gave one." })
  plannedReturnOn(@Root() m: Member) {
    return m.plannedReturnOn ? m.plannedReturnOn.toISOString().slice(0, 10) : null;
  }
}

@Resolver(() => Skill)
export class SkillResolver {
  @FieldResolver(() => Category, { nullable: true })
  category(@Root() s: Skill, @Ctx() ctx: RequestContext) {
    return s.categoryId ? ctx.loaders.categoryById.load(s.categoryId) : null;
  }
}
