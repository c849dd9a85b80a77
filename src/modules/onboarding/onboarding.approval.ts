// What stands between an application and its approval: the steps the bank requires and the
// facts recorded so far. Its own file because approveMembership (member.service) asks it, and
// onboarding.service builds on member.service: neither imports the other's service.
import type { Membership } from "../../generated/prisma/client";
import { errorResult } from "../../common/errors";
import type { BankContext } from "../../context/context";
import { inBank } from "../../context/context";
import { missingSteps, NO_REQUIREMENTS, STEP_MESSAGES, type OnboardingFacts, type OnboardingRequirements } from "./onboarding.rules";
import { OnboardingIncomplete, type OnboardingStepEnum } from "./onboarding.type";

export async function requirementsOf(ctx: BankContext): Promise<OnboardingRequirements> {
  const row = await ctx.db.onboardingSettings.findUnique({ where: { timebankId: ctx.bank.id } });
  return row
    ? {
        requireInterview: row.requireInterview,
        requiredReferences: row.requiredReferences,
        requireSafeguardingCheck: row.requireSafeguardingCheck,
      }
    : NO_REQUIREMENTS;
}

/** Facts of several members in one bank: three queries whatever their number. */
export async function factsOf(ctx: BankContext, ids: string[]): Promise<Map<string, OnboardingFacts>> {
  const where = { ...inBank(ctx), membershipId: { in: ids } };
  const [held, checked, checks] = await Promise.all([
    ctx.db.interview.groupBy({ by: ["membershipId"], where: { ...where, heldAt: { not: null } }, _count: { _all: true } }),
    ctx.db.reference.groupBy({ by: ["membershipId"], where: { ...where, checkedAt: { not: null } }, _count: { _all: true } }),
    ctx.db.safeguardingCheck.findMany({ where, select: { membershipId: true, expiresOn: true } }),
  ]);
  const facts = new Map<string, OnboardingFacts>(ids.map((id) => [id, { interviewsHeld: 0, referencesChecked: 0, checkExpiries: [] }]));
  for (const h of held) facts.get(h.membershipId)!.interviewsHeld = h._count._all;
  for (const c of checked) facts.get(c.membershipId)!.referencesChecked = c._count._all;
  for (const c of checks) facts.get(c.membershipId)!.checkExpiries.push(c.expiresOn);
  return facts;
}

/**
 * The refusal approveMembership returns while required steps are missing, or null when the
 * application may be approved.
 */
export async function approvalBlocker(ctx: BankContext, member: Membership): Promise<OnboardingIncomplete | null> {
  const req = await requirementsOf(ctx);
  if (!req.requireInterview && req.requiredReferences === 0 && !req.requireSafeguardingCheck) return null;
  const facts = (await factsOf(ctx, [member.id])).get(member.id)!;
  const missing = missingSteps(req, facts, ctx.clock.now());
  if (!missing.length) return null;
  const why = missing.map((s) => STEP_MESSAGES[s](req, facts)).join("; ");
  return errorResult(OnboardingIncomplete, "ONBOARDING_INCOMPLETE", `the application cannot be approved yet: ${why}`, {
    missingSteps: missing as OnboardingStepEnum[],
  });
}
