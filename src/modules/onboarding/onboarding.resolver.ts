import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { isStaff, membershipIn } from "../../context/access";
import { PartnerKind } from "../../generated/prisma/enums";
import { Member } from "../member/member.type";
import * as timebanks from "../timebank/timebank.service";
import { checkIsValid, dayString } from "./onboarding.rules";
import * as onboarding from "./onboarding.service";
import {
  Interview,
  OfflineMemberInput,
  OnboardingSettings,
  OnboardingSettingsInput,
  OnboardingState,
  OverdueApplication,
  PartnerOrganisation,
  Reference,
  ReferenceInput,
  ReferralStatistic,
  SafeguardingCheck,
  SafeguardingCheckInput,
} from "./onboarding.type";

const staffOf = (ctx: RequestContext, timebankId: string) => isStaff(membershipIn(ctx.viewer, timebankId));

@Resolver(() => OnboardingState)
export class OnboardingResolver {
  @Query(() => OnboardingState, { description: "Where an application stands: the applicant and the bank's coordinators." })
  onboarding(@Arg("memberId", () => ID) memberId: string, @Ctx() ctx: RequestContext) {
    return onboarding.onboardingState(ctx, memberId);
  }

  @Query(() => OnboardingSettings, { description: "Which onboarding steps the bank requires." })
  async onboardingSettings(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return onboarding.onboardingSettings(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => OnboardingSettings, { description: "Bank admins: choose the steps required before approval." })
  async updateOnboardingSettings(@Arg("timebank") slug: string, @Arg("input") input: OnboardingSettingsInput, @Ctx() ctx: RequestContext) {
    return onboarding.updateOnboardingSettings(await timebanks.forBank(ctx, slug), input);
  }

  @Query(() => [OverdueApplication], { description: "Coordinators: applications waiting longer than olderThanDays, oldest first." })
  async overdueApplications(@Arg("timebank") slug: string, @Arg("olderThanDays", () => Int) days: number, @Ctx() ctx: RequestContext) {
    return onboarding.overdueApplications(await timebanks.forBank(ctx, slug), days);
  }

  @Mutation(() => Interview, { description: "Coordinators: schedule an interview with an applicant." })
  scheduleInterview(@Arg("memberId", () => ID) memberId: string, @Arg("scheduledAt") at: Date, @Ctx() ctx: RequestContext) {
    return onboarding.scheduleInterview(ctx, memberId, at);
  }

  @Mutation(() => Interview, { description: "Coordinators: the interview was held; notes stay with coordinators." })
  recordInterview(
    @Arg("interviewId", () => ID) id: string,
    @Arg("notes", () => String, { nullable: true }) notes: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return onboarding.recordInterview(ctx, id, notes);
  }

  @Mutation(() => Reference, { description: "The applicant (or a coordinator for them) names a reference." })
  addReference(@Arg("memberId", () => ID) memberId: string, @Arg("input") input: ReferenceInput, @Ctx() ctx: RequestContext) {
    return onboarding.addReference(ctx, memberId, input);
  }

  @Mutation(() => Reference, { description: "Coordinators: the reference was checked (who and when are recorded)." })
  checkReference(@Arg("referenceId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return onboarding.checkReference(ctx, id);
  }

  @Mutation(() => SafeguardingCheck, { description: "Coordinators: record a safeguarding check they have verified." })
  recordSafeguardingCheck(
    @Arg("memberId", () => ID) memberId: string,
    @Arg("input") input: SafeguardingCheckInput,
    @Ctx() ctx: RequestContext,
  ) {
    return onboarding.recordSafeguardingCheck(ctx, memberId, input);
  }

  @Query(() => [PartnerOrganisation], { description: "Partner organisations of a bank you belong to." })
  async partnerOrganisations(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return onboarding.partnerOrganisations(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => PartnerOrganisation, { description: "Coordinators: record a partner organisation that refers people." })
  async createPartnerOrganisation(
    @Arg("timebank") slug: string,
    @Arg("name") name: string,
    @Arg("kind", () => PartnerKind) kind: PartnerKind,
    @Ctx() ctx: RequestContext,
  ) {
    return onboarding.createPartnerOrganisation(await timebanks.forBank(ctx, slug), name, kind);
  }

  @Mutation(() => PartnerOrganisation, { description: "The applicant or a coordinator: the partner that referred this application." })
  recordReferral(@Arg("memberId", () => ID) memberId: string, @Arg("partnerId", () => ID) partnerId: string, @Ctx() ctx: RequestContext) {
    return onboarding.recordReferral(ctx, memberId, partnerId);
  }

  @Query(() => [ReferralStatistic], { description: "Coordinators: referrals per partner and how many became active. Counts only." })
  async referralStatistics(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return onboarding.referralStatistics(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => Member, { description: "Coordinators: an application for someone without email or internet; the person has no login." })
  async createOfflineMember(@Arg("timebank") slug: string, @Arg("input") input: OfflineMemberInput, @Ctx() ctx: RequestContext) {
    return onboarding.createOfflineMember(await timebanks.forBank(ctx, slug), input);
  }
}

@Resolver(() => Interview)
export class InterviewResolver {
  @FieldResolver(() => String, { nullable: true, description: "Coordinators only (null for the applicant)." })
  notes(@Root() i: Interview, @Ctx() ctx: RequestContext) {
    return staffOf(ctx, i.timebankId) ? i.notes : null;
  }
}

@Resolver(() => Reference)
export class ReferenceResolver {
  @FieldResolver(() => String, { nullable: true, description: "Coordinators and the applicant who gave it." })
  contact(@Root() r: Reference, @Ctx() ctx: RequestContext) {
    return staffOf(ctx, r.timebankId) || membershipIn(ctx.viewer, r.timebankId)?.membershipId === r.membershipId ? r.contact : null;
  }

  @FieldResolver(() => Member, { nullable: true, description: "The coordinator who checked it: coordinators only." })
  checkedBy(@Root() r: Reference, @Ctx() ctx: RequestContext) {
    if (!r.checkedById || !staffOf(ctx, r.timebankId)) return null;
    return ctx.loaders.membershipByBankAndPerson.load(`${r.timebankId}:${r.checkedById}`);
  }
}

@Resolver(() => SafeguardingCheck)
export class SafeguardingCheckResolver {
  @FieldResolver(() => String, { description: "YYYY-MM-DD" })
  checkedOn(@Root() c: SafeguardingCheck) {
    return dayString(c.checkedOn);
  }

  @FieldResolver(() => String, { nullable: true, description: "YYYY-MM-DD; null: does not expire." })
  expiresOn(@Root() c: SafeguardingCheck) {
    return dayString(c.expiresOn);
  }

  @FieldResolver(() => Boolean, { description: "False once expired: an expired check no longer counts." })
  valid(@Root() c: SafeguardingCheck, @Ctx() ctx: RequestContext) {
    return checkIsValid(c.expiresOn, ctx.clock.now());
  }

  @FieldResolver(() => Member, { nullable: true, description: "The coordinator who verified it." })
  verifiedBy(@Root() c: SafeguardingCheck, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipByBankAndPerson.load(`${c.timebankId}:${c.verifiedById}`);
  }
}

@Resolver(() => Member)
export class MemberOfflineResolver {
  @FieldResolver(() => Boolean, {
    description: "The person has no email or internet: a coordinator manages the membership, and the login email is a placeholder.",
  })
  async offline(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.personById.load(m.personId))?.offline ?? false;
  }
}
