// Onboarding: the steps a bank requires before approval (interview, references, safeguarding
// checks), their state, overdue applications, partner organisations and their referrals, and
// memberships for people without email or internet. Every query is filtered by the context's bank.
import { randomUUID } from "node:crypto";
import type { Membership, Prisma } from "../../generated/prisma/client";
import type { PartnerKind } from "../../generated/prisma/enums";
import { badInput, forbidden, notFound } from "../../common/errors";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext, inBank } from "../../context/context";
import { insiderBankIds, isInsider, isStaff, requireBankAdmin, requireInsider, requireStaff } from "../../context/access";
import { findVisibleMember } from "../member/member.service";
import { factsOf, requirementsOf } from "./onboarding.approval";
import { validateLanguages, validatePhone } from "../member/member.rules";
import { missingSteps, parseDay, startOfDay, type OnboardingRequirements, type OnboardingStep } from "./onboarding.rules";
import {
  type OfflineMemberInput,
  type OnboardingSettingsInput,
  type OnboardingState,
  type OnboardingStepEnum,
  type OverdueApplication,
  type ReferenceInput,
  type ReferralStatistic,
  type SafeguardingCheckInput,
} from "./onboarding.type";

const DAY_MS = 86_400_000;

/** A member of a bank where the viewer is a coordinator; insiders without the role get FORBIDDEN, outsiders NOT_FOUND. */
export async function memberForStaff(
  ctx: RequestContext,
  id: string,
  field = "memberId",
): Promise<{ member: Membership; bank: BankContext }> {
  const found = await findVisibleMember(ctx, v.id(id, field));
  if (!isStaff(found.bank.membership)) {
    if (!isInsider(found.bank.membership)) throw notFound("member");
    throw forbidden("only the bank's coordinators can do this");
  }
  return found;
}

/** The member themself or a coordinator of their bank. */
export async function memberForSelfOrStaff(
  ctx: RequestContext,
  id: string,
  field = "memberId",
): Promise<{ member: Membership; bank: BankContext; staff: boolean }> {
  const found = await findVisibleMember(ctx, v.id(id, field));
  const staff = isStaff(found.bank.membership);
  if (found.member.personId !== ctx.viewer!.personId && !staff) throw forbidden("only the member themself or a coordinator can do this");
  return { ...found, staff };
}

export async function onboardingSettings(ctx: BankContext): Promise<OnboardingRequirements> {
  requireInsider(ctx);
  return requirementsOf(ctx);
}

/** Bank admins choose which steps their bank requires. */
export async function updateOnboardingSettings(ctx: BankContext, input: OnboardingSettingsInput): Promise<OnboardingRequirements> {
  requireBankAdmin(ctx);
  const data: Prisma.OnboardingSettingsUncheckedUpdateInput = {};
  if (input.requireInterview != null) data.requireInterview = input.requireInterview;
  if (input.requiredReferences != null) data.requiredReferences = v.intInRange(input.requiredReferences, "requiredReferences", 0, 5);
  if (input.requireSafeguardingCheck != null) data.requireSafeguardingCheck = input.requireSafeguardingCheck;
  await ctx.db.onboardingSettings.upsert({
    where: { timebankId: ctx.bank.id },
    create: { ...(data as Prisma.OnboardingSettingsUncheckedCreateInput), timebankId: ctx.bank.id },
    update: data,
  });
  return requirementsOf(ctx);
}

/** Where an application stands. The applicant and coordinators; checks and notes for coordinators only. */
export async function onboardingState(ctx: RequestContext, memberId: string): Promise<OnboardingState> {
  const { member, bank, staff } = await memberForSelfOrStaff(ctx, memberId);
  const where = { ...inBank(bank), membershipId: member.id };
  const [requirements, facts, interviews, references, checks, referral] = await Promise.all([
    requirementsOf(bank),
    factsOf(bank, [member.id]),
    bank.db.interview.findMany({ where, orderBy: { scheduledAt: "asc" } }),
    bank.db.reference.findMany({ where, orderBy: { createdAt: "asc" } }),
    staff ? bank.db.safeguardingCheck.findMany({ where, orderBy: { checkedOn: "asc" } }) : Promise.resolve(null),
    bank.db.referral.findUnique({ where: { timebankId_membershipId: where }, include: { partner: true } }),
  ]);
  return {
    member,
    requirements,
    interviews,
    references,
    safeguardingChecks: checks,
    missingSteps: missingSteps(requirements, facts.get(member.id)!, bank.clock.now()) as OnboardingStepEnum[],
    referredBy: referral?.partner ?? null,
  };
}

/** Coordinators: applications waiting longer than olderThanDays, oldest first, with what they still miss. */
export async function overdueApplications(ctx: BankContext, olderThanDays: number): Promise<OverdueApplication[]> {
  requireStaff(ctx);
  const days = v.intInRange(olderThanDays, "olderThanDays", 0, 3650);
  const now = ctx.clock.now();
  const members = await ctx.db.membership.findMany({
    where: { ...inBank(ctx), status: "APPLIED", appliedAt: { lt: new Date(now.getTime() - days * DAY_MS) } },
    orderBy: [{ appliedAt: "asc" }, { memberNumber: "asc" }],
    take: 200,
  });
  const [req, facts] = await Promise.all([
    requirementsOf(ctx),
    factsOf(
      ctx,
      members.map((m) => m.id),
    ),
  ]);
  return members.map((member) => ({
    member,
    daysWaiting: Math.floor((now.getTime() - member.appliedAt.getTime()) / DAY_MS),
    missingSteps: missingSteps(req, facts.get(member.id)!, now) as OnboardingStepEnum[],
  }));
}

function requireApplicant(member: Membership): void {
  if (member.status !== "APPLIED")
    throw badInput(`this membership is ${member.status.toLowerCase()}: onboarding steps are for applications`, "memberId");
}

/** Coordinators schedule an interview with an applicant. */
export async function scheduleInterview(ctx: RequestContext, memberId: string, at: Date) {
  const { member, bank } = await memberForStaff(ctx, memberId);
  requireApplicant(member);
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw badInput("scheduledAt is not a valid time", "scheduledAt");
  return bank.db.interview.create({
    data: { ...inBank(bank), membershipId: member.id, scheduledAt: at, scheduledById: ctx.viewer!.personId, createdAt: bank.clock.now() },
  });
}

async function interviewForStaff(ctx: RequestContext, rawId: string) {
  requireViewer(ctx);
  const id = v.id(rawId, "interviewId");
  // Only the banks the caller is inside of: another bank's id answers as a random one does (no existence oracle).
  const row = await ctx.db.interview.findFirst({ where: { id, timebankId: { in: insiderBankIds(ctx.viewer) } } });
  if (!row) throw notFound("interview");
  const { bank } = await memberForStaff(ctx, row.membershipId);
  return { row, bank };
}

/** Coordinators record that an interview was held, with private notes. */
export async function recordInterview(ctx: RequestContext, interviewId: string, notes?: string | null) {
  const { row, bank } = await interviewForStaff(ctx, interviewId);
  const text = v.optionalText(notes, "notes", 5000) ?? "";
  return bank.db.interview.update({
    where: { timebankId_id: { ...inBank(bank), id: row.id } },
    data: { heldAt: bank.clock.now(), heldById: ctx.viewer!.personId, notes: text },
  });
}

/** The applicant (or a coordinator for them) names a reference. */
export async function addReference(ctx: RequestContext, memberId: string, input: ReferenceInput) {
  const { member, bank } = await memberForSelfOrStaff(ctx, memberId);
  requireApplicant(member);
  const data = {
    name: v.text(input.name, "name", { min: 1, max: 120 }),
    relationship: v.optionalText(input.relationship, "relationship", 120) ?? "",
    contact: v.optionalText(input.contact, "contact", 200) ?? "",
  };
  const count = await bank.db.reference.count({ where: { ...inBank(bank), membershipId: member.id } });
  if (count >= 10) throw badInput("at most 10 references per application", "name");
  return bank.db.reference.create({ data: { ...inBank(bank), membershipId: member.id, ...data, createdAt: bank.clock.now() } });
}

/** Coordinators record that they checked a reference; who and when are kept. */
export async function checkReference(ctx: RequestContext, referenceId: string) {
  requireViewer(ctx);
  const id = v.id(referenceId, "referenceId");
  // Only the banks the caller is inside of: another bank's id answers as a random one does (no existence oracle).
  const row = await ctx.db.reference.findFirst({ where: { id, timebankId: { in: insiderBankIds(ctx.viewer) } } });
  if (!row) throw notFound("reference");
  const { bank } = await memberForStaff(ctx, row.membershipId);
  if (row.checkedAt) return row;
  return bank.db.reference.update({
    where: { timebankId_id: { ...inBank(bank), id: row.id } },
    data: { checkedAt: bank.clock.now(), checkedById: ctx.viewer!.personId },
  });
}

/** Coordinators record a safeguarding check they have seen (applicants and members alike: checks are renewed). */
export async function recordSafeguardingCheck(ctx: RequestContext, memberId: string, input: SafeguardingCheckInput) {
  const { member, bank } = await memberForStaff(ctx, memberId);
  if (member.status === "LEFT" || member.status === "DECLINED")
    throw badInput("checks are recorded for applicants and members", "memberId");
  const checkType = v.text(input.checkType, "checkType", { min: 2, max: 120 });
  const checkedOn = parseDay(input.checkedOn, "checkedOn");
  if (checkedOn.getTime() > startOfDay(bank.clock.now()).getTime()) throw badInput("checkedOn is in the future", "checkedOn");
  const expiresOn = input.expiresOn ? parseDay(input.expiresOn, "expiresOn") : null;
  if (expiresOn && expiresOn.getTime() <= checkedOn.getTime()) throw badInput("expiresOn must be after checkedOn", "expiresOn");
  return bank.db.safeguardingCheck.create({
    data: {
      ...inBank(bank),
      membershipId: member.id,
      checkType,
      checkedOn,
      expiresOn,
      verifiedById: ctx.viewer!.personId,
      createdAt: bank.clock.now(),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Partners and referrals

export async function partnerOrganisations(ctx: BankContext) {
  requireInsider(ctx);
  return ctx.db.partnerOrganisation.findMany({ where: inBank(ctx), orderBy: { name: "asc" } });
}

export async function createPartnerOrganisation(ctx: BankContext, name: string, kind: PartnerKind) {
  requireStaff(ctx);
  const clean = v.text(name, "name", { min: 2, max: 120 });
  const existing = await ctx.db.partnerOrganisation.findUnique({ where: { timebankId_name: { ...inBank(ctx), name: clean } } });
  if (existing) throw badInput(`${ctx.bank.name} already has a partner called '${clean}'`, "name");
  return ctx.db.partnerOrganisation.create({ data: { ...inBank(ctx), name: clean, kind, createdAt: ctx.clock.now() } });
}

async function partnerIn(ctx: BankContext, rawId: string) {
  const partner = await ctx.db.partnerOrganisation.findUnique({
    where: { timebankId_id: { ...inBank(ctx), id: v.id(rawId, "partnerId") } },
  });
  if (!partner) throw badInput(`no such partner organisation in ${ctx.bank.slug}`, "partnerId");
  return partner;
}

/** The applicant (or a coordinator) records which partner referred the application. */
export async function recordReferral(ctx: RequestContext, memberId: string, partnerId: string) {
  const { member, bank } = await memberForSelfOrStaff(ctx, memberId);
  requireApplicant(member);
  const partner = await partnerIn(bank, partnerId);
  const key = { ...inBank(bank), membershipId: member.id };
  await bank.db.referral.upsert({
    where: { timebankId_membershipId: key },
    create: { ...key, partnerId: partner.id, recordedById: ctx.viewer!.personId, createdAt: bank.clock.now() },
    update: { partnerId: partner.id, recordedById: ctx.viewer!.personId },
  });
  return partner;
}

/** Coordinators: per partner, how many people it referred and how many were approved. Counts only. */
export async function referralStatistics(ctx: BankContext): Promise<ReferralStatistic[]> {
  requireStaff(ctx);
  const rows = await ctx.db.$queryRaw<{ id: string; referrals: number; becameActive: number }[]>`
    SELECT p."id"::text AS "id", count(r."membershipId")::int AS "referrals", count(m."joinedAt")::int AS "becameActive"
      FROM "PartnerOrganisation" p
      LEFT JOIN "Referral" r ON r."timebankId" = p."timebankId" AND r."partnerId" = p."id"
      LEFT JOIN "Membership" m ON m."timebankId" = r."timebankId" AND m."id" = r."membershipId"
     WHERE p."timebankId" = ${ctx.bank.id}::uuid
     GROUP BY p."id"`;
  const partners = new Map((await ctx.db.partnerOrganisation.findMany({ where: inBank(ctx) })).map((p) => [p.id, p]));
  return rows
    .map((r) => ({ partner: partners.get(r.id)!, referrals: r.referrals, becameActive: r.becameActive }))
    .sort((a, b) => b.referrals - a.referrals || a.partner.name.localeCompare(b.partner.name));
}

// ---------------------------------------------------------------------------------------------
// People without email or internet

/** The placeholder login email of a person without email: the reserved .invalid domain receives no mail. */
export const OFFLINE_EMAIL_DOMAIN = "offline.invalid";
/** Not a scrypt hash, so no password ever matches (see verifyPassword). */
export const NO_LOGIN_HASH = "no-login";

/**
 * Coordinators: an application for someone without email or internet. The person gets no login;
 * the coordinator (or an authorised helper) acts for them, and every such action is logged.
 */
export async function createOfflineMember(ctx: BankContext, input: OfflineMemberInput): Promise<Membership> {
  requireStaff(ctx);
  const displayName = v.text(input.displayName, "displayName", { min: 1, max: 80 });
  const contactPhone = validatePhone(input.contactPhone ?? null) ?? null;
  const neighbourhood = v.optionalText(input.neighbourhood, "neighbourhood", 80);
  const languages = validateLanguages(input.languages ?? []);
  const partner = input.referredBy ? await partnerIn(ctx, input.referredBy) : null;
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const person = await tx.db.person.create({
      data: {
        email: `offline-${randomUUID()}@${OFFLINE_EMAIL_DOMAIN}`,
        displayName,
        passwordHash: NO_LOGIN_HASH,
        offline: true,
        preferredLanguage: tx.bank.locale,
      },
    });
    const { nextMemberNumber } = await tx.db.timebank.update({
      where: { id: tx.bank.id },
      data: { nextMemberNumber: { increment: 1 } },
      select: { nextMemberNumber: true },
    });
    const member = await tx.db.membership.create({
      data: {
        ...inBank(tx),
        personId: person.id,
        memberNumber: nextMemberNumber - 1,
        appliedAt: now,
        profile: { create: { contactPhone, neighbourhood, languages } },
      },
    });
    if (partner)
      await tx.db.referral.create({
        data: { ...inBank(tx), membershipId: member.id, partnerId: partner.id, recordedById: ctx.viewer!.personId, createdAt: now },
      });
    return member;
  });
}
