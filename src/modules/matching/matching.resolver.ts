import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import { MatchStatus } from "../../generated/prisma/enums";
import { Member } from "../member/member.type";
import { Post } from "../post/post.type";
import * as timebanks from "../timebank/timebank.service";
import * as matching from "./matching.service";
import { actFor } from "../helper/helper.service";
import {
  Match,
  MatchCandidate,
  MatchFactor,
  MatchingActivity,
  MatchingSynonym,
  MatchingWeights,
  MatchingWeightsInput,
  MatchRefused,
  ReciprocalPair,
  RequestMatches,
  SuggestedRequest,
  Vouch,
} from "./matching.type";

const MatchResult = resultUnion("MatchResult", Match, [MatchRefused]);
const RequestDoneResult = resultUnion("RequestDoneResult", Post, [MatchRefused]);

@Resolver(() => Match)
export class MatchResolver {
  @Query(() => [MatchCandidate], {
    description: "The requester and coordinators: members who could meet an open request, best first, with reasons.",
  })
  matchesForRequest(
    @Arg("request", () => ID) request: string,
    @Arg("first", () => Int, { nullable: true, description: "1 to 50 (default 20)." }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.matchesForRequest(ctx, request, first);
  }

  @Query(() => RequestMatches, {
    description: "The requester and coordinators: matchesForRequest, with a flag when nobody fits and what the list leaves out.",
  })
  requestMatches(
    @Arg("request", () => ID) request: string,
    @Arg("first", () => Int, { nullable: true, description: "1 to 50 (default 20)." }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.requestMatches(ctx, request, first);
  }

  @Query(() => [MatchingActivity], { description: "The activities of the matching vocabulary, with the words people use for them." })
  async matchingActivities(
    @Arg("timebank") slug: string,
    @Arg("category", () => String, { nullable: true }) category: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.matchingActivities(await timebanks.forBank(ctx, slug), category);
  }

  @Query(() => [MatchingSynonym], { description: "The bank's own synonyms for activities." })
  async matchingSynonyms(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return matching.matchingSynonyms(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => MatchingSynonym, {
    description: "Coordinators: add a local way to say an activity (the bank's members are matched with it from the next search).",
  })
  async addMatchingSynonym(
    @Arg("timebank") slug: string,
    @Arg("activity") activity: string,
    @Arg("phrase") phrase: string,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.addMatchingSynonym(await timebanks.forBank(ctx, slug), activity, phrase);
  }

  @Mutation(() => MatchingSynonym, { description: "Coordinators: remove one of the bank's synonyms." })
  async removeMatchingSynonym(@Arg("timebank") slug: string, @Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return matching.removeMatchingSynonym(await timebanks.forBank(ctx, slug), id);
  }

  @Query(() => Float, { description: "How far (km) helpers may live from help wanted in person." })
  async matchingRadiusKm(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return matching.matchingRadiusKm(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => Float, { description: "Coordinators: set how far (0.5 to 500 km) helpers may live from help wanted in person." })
  async setMatchingRadius(@Arg("timebank") slug: string, @Arg("km", () => Float) km: number, @Ctx() ctx: RequestContext) {
    return matching.setMatchingRadius(await timebanks.forBank(ctx, slug), km);
  }

  @Query(() => [SuggestedRequest], { description: "Open requests in a bank that you could meet, best first." })
  async suggestedRequests(
    @Arg("timebank") slug: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.suggestedRequests(await timebanks.forBank(ctx, slug), first);
  }

  @Query(() => [ReciprocalPair], { description: "Coordinators: pairs of members who can each meet a need of the other." })
  async reciprocalPairs(
    @Arg("timebank") slug: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.reciprocalPairs(await timebanks.forBank(ctx, slug), first);
  }

  @Query(() => [Match], { description: "Proposals made to you in a bank, newest first (default: waiting for your answer)." })
  async myMatches(
    @Arg("timebank") slug: string,
    @Arg("status", () => MatchStatus, { nullable: true }) status: MatchStatus | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.myMatches(await timebanks.forBank(ctx, slug), status, first);
  }

  @Query(() => MatchingWeights, { description: "How the bank weighs the matching factors." })
  async matchingWeights(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return matching.matchingWeights(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => MatchingWeights, { description: "Coordinators: change the bank's matching weights (0 to 1 each)." })
  async updateMatchingWeights(@Arg("timebank") slug: string, @Arg("input") input: MatchingWeightsInput, @Ctx() ctx: RequestContext) {
    return matching.updateMatchingWeights(await timebanks.forBank(ctx, slug), input);
  }

  @Mutation(() => MatchResult, {
    description: "The requester or a coordinator proposes a member (and optionally their offer) for an open request.",
  })
  proposeMatch(
    @Arg("request", () => ID) request: string,
    @Arg("candidate", () => ID) candidate: string,
    @Arg("offer", () => ID, { nullable: true }) offer: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.proposeMatch(ctx, request, candidate, offer);
  }

  @Mutation(() => MatchResult, {
    description:
      "The proposed member says yes: the request becomes MATCHED. actingFor: an authorised helper answers for that member (logged).",
  })
  acceptMatch(
    @Arg("match", () => ID) id: string,
    @Arg("actingFor", () => ID, { nullable: true }) actingFor: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return actFor(ctx, actingFor, "acceptMatch", (c) => matching.acceptMatch(c, id));
  }

  @Mutation(() => MatchResult, {
    description: "The proposed member says no, and is not proposed for this request again. actingFor: as for acceptMatch.",
  })
  declineMatch(
    @Arg("match", () => ID) id: string,
    @Arg("actingFor", () => ID, { nullable: true }) actingFor: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return actFor(ctx, actingFor, "declineMatch", (c) => matching.declineMatch(c, id));
  }

  @Mutation(() => MatchResult, { description: "The proposer, the requester or a coordinator takes back an unanswered proposal." })
  withdrawMatch(@Arg("match", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return matching.withdrawMatch(ctx, id);
  }

  @Mutation(() => RequestDoneResult, {
    description: "The requester or a coordinator: the help was given (until the ledger records exchanges).",
  })
  markRequestDone(@Arg("request", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return matching.markRequestDone(ctx, id);
  }

  @FieldResolver(() => Post)
  request(@Root() match: Match, @Ctx() ctx: RequestContext) {
    return ctx.loaders.postById.load(match.requestId);
  }

  @FieldResolver(() => Member)
  candidate(@Root() match: Match, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(match.candidateId);
  }

  @FieldResolver(() => Member)
  proposedBy(@Root() match: Match, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(match.proposedById);
  }

  @FieldResolver(() => Post, { nullable: true })
  offer(@Root() match: Match, @Ctx() ctx: RequestContext) {
    return match.offerId ? ctx.loaders.postById.load(match.offerId) : null;
  }

  @FieldResolver(() => [MatchFactor], { description: "The factors when the match was proposed." })
  factors(@Root() match: Match) {
    return Array.isArray(match.factors) ? match.factors : [];
  }
}

@Resolver(() => MatchCandidate)
export class MatchCandidateResolver {
  @FieldResolver(() => Post, { nullable: true, description: "The candidate's open offer that fits best, if any." })
  offer(@Root() c: MatchCandidate, @Ctx() ctx: RequestContext) {
    return c.offerId ? ctx.loaders.postById.load(c.offerId) : null;
  }
}

@Resolver(() => SuggestedRequest)
export class SuggestedRequestResolver {
  @FieldResolver(() => Post, { nullable: true, description: "Your open offer that fits the request best, if any." })
  offer(@Root() s: SuggestedRequest, @Ctx() ctx: RequestContext) {
    return s.offerId ? ctx.loaders.postById.load(s.offerId) : null;
  }
}

@Resolver(() => Member)
export class MemberVouchResolver {
  @FieldResolver(() => Vouch, { nullable: true, description: "Set when a coordinator has vouched for the member (home visits)." })
  vouch(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return matching.vouchOf(ctx, m);
  }

  @Mutation(() => Member, { description: "Coordinators: vouch for a member, so they may be proposed for home visits." })
  vouchForMember(
    @Arg("memberId", () => ID) id: string,
    @Arg("note", () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return matching.vouchForMember(ctx, id, note);
  }

  @Mutation(() => Member, { description: "Coordinators: withdraw a vouch." })
  withdrawVouch(@Arg("memberId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return matching.withdrawVouch(ctx, id);
  }
}

@Resolver(() => Post)
export class PostMatchesResolver {
  @FieldResolver(() => [Match], {
    nullable: true,
    description: "Proposals for this request: its author and coordinators only (null for others).",
  })
  matches(@Root() post: Post, @Ctx() ctx: RequestContext) {
    return matching.matchesOfRequest(ctx, post);
  }
}
