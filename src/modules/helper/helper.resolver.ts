import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { Member } from "../member/member.type";
import * as timebanks from "../timebank/timebank.service";
import * as helpers from "./helper.service";
import { ActingLogEntry, Engagement, EngagementInput, HelperAuthorisation, LivedExperience, MentorPairing } from "./helper.type";

@Resolver(() => HelperAuthorisation)
export class HelperAuthorisationResolver {
  @Mutation(() => HelperAuthorisation, {
    description:
      "The member authorises a helper, or a coordinator approves one (consentOnPaper: for a member without email). Active once both agreed.",
  })
  authoriseHelper(
    @Arg("memberId", () => ID) memberId: string,
    @Arg("helperId", () => ID) helperId: string,
    @Arg("consentOnPaper", { nullable: true, defaultValue: false }) consentOnPaper: boolean,
    @Ctx() ctx: RequestContext,
  ) {
    return helpers.authoriseHelper(ctx, memberId, helperId, consentOnPaper);
  }

  @Mutation(() => HelperAuthorisation, { description: "The member or a coordinator ends a helper's authorisation." })
  revokeHelper(@Arg("authorisationId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return helpers.revokeHelper(ctx, id);
  }

  @Query(() => [HelperAuthorisation], { description: "A member's helpers: the member and coordinators." })
  helperAuthorisations(@Arg("memberId", () => ID) memberId: string, @Ctx() ctx: RequestContext) {
    return helpers.helperAuthorisations(ctx, memberId);
  }

  @Query(() => [ActingLogEntry], {
    description: "Everything done for a member by a helper or coordinator, newest first: the member and coordinators.",
  })
  actingLog(
    @Arg("memberId", () => ID) memberId: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return helpers.actingLog(ctx, memberId, first);
  }

  @FieldResolver(() => Member)
  member(@Root() a: HelperAuthorisation, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(a.memberId);
  }

  @FieldResolver(() => Member)
  helper(@Root() a: HelperAuthorisation, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(a.helperId);
  }

  @FieldResolver(() => Boolean, { description: "The helper may act for the member now." })
  active(@Root() a: HelperAuthorisation) {
    return !!a.memberConsentedAt && !!a.coordinatorApprovedAt && !a.revokedAt;
  }
}

@Resolver(() => ActingLogEntry)
export class ActingLogResolver {
  @FieldResolver(() => Member, { description: "Who acted." })
  actor(@Root() e: ActingLogEntry, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(e.actorId);
  }

  @FieldResolver(() => Member, { description: "For whom." })
  member(@Root() e: ActingLogEntry, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(e.memberId);
  }
}

@Resolver(() => MentorPairing)
export class MentorPairingResolver {
  @Mutation(() => MentorPairing, { description: "Coordinators: pair a newcomer with a mentor." })
  pairMentor(@Arg("newcomerId", () => ID) newcomerId: string, @Arg("mentorId", () => ID) mentorId: string, @Ctx() ctx: RequestContext) {
    return helpers.pairMentor(ctx, newcomerId, mentorId);
  }

  @Mutation(() => MentorPairing, { description: "Coordinators: end a mentor pairing." })
  endMentorPairing(@Arg("pairingId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return helpers.endMentorPairing(ctx, id);
  }

  @FieldResolver(() => Member)
  mentor(@Root() p: MentorPairing, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(p.mentorId);
  }

  @FieldResolver(() => Member)
  newcomer(@Root() p: MentorPairing, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(p.newcomerId);
  }
}

@Resolver(() => Member)
export class MemberParticipationResolver {
  @Mutation(() => Member, { description: "List what you have been through, to mentor others; matching counts these as skills." })
  async setLivedExperience(
    @Arg("timebank") slug: string,
    @Arg("experiences", () => [LivedExperience]) experiences: LivedExperience[],
    @Arg("actingFor", () => ID, { nullable: true }) actingFor: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return helpers.actFor(ctx, actingFor, "setLivedExperience", async (c) =>
      helpers.setLivedExperience(await timebanks.forBank(c, slug), experiences),
    );
  }

  @Mutation(() => Engagement, { description: "Say how much you want to give per week or month (or flexible); matching respects it." })
  async setEngagement(
    @Arg("timebank") slug: string,
    @Arg("input") input: EngagementInput,
    @Arg("actingFor", () => ID, { nullable: true }) actingFor: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return helpers.actFor(ctx, actingFor, "setEngagement", async (c) =>
      helpers.setEngagement(await timebanks.forBank(c, slug), input.period, input.maxMinutes),
    );
  }

  @FieldResolver(() => [LivedExperience], {
    nullable: true,
    description: "What the member has been through and can mentor others in: the member and coordinators (null for others).",
  })
  livedExperience(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return helpers.livedExperienceOf(ctx, m);
  }

  @FieldResolver(() => Engagement, { nullable: true, description: "How much the member wants to give: the member and coordinators." })
  engagement(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return helpers.engagementFor(ctx, m);
  }

  @FieldResolver(() => [MentorPairing], {
    nullable: true,
    description: "Mentor pairings the member is part of: the member, their partner and coordinators.",
  })
  mentorPairings(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return helpers.mentorPairingsOf(ctx, m);
  }
}
