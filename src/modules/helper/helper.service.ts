// Acting for others and mentoring: helpers authorised by a member and a coordinator act for the
// member (every action logged as done by the helper for the member); coordinators act for
// members without email; mentors with lived experience are paired with newcomers; members say
// how much they want to give. Every query is filtered by the bank of the member concerned.
import { Prisma } from "../../generated/prisma/client";
import type { Membership } from "../../generated/prisma/client";
import type { EngagementPeriod } from "../../generated/prisma/enums";
import { badInput, ErrorResult, forbidden, notFound } from "../../common/errors";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext, type Viewer, inBank } from "../../context/context";
import { insiderBankIds, isStaff, requireInsider } from "../../context/access";
import { findVisibleMember } from "../member/member.service";
import { memberForSelfOrStaff, memberForStaff } from "../onboarding/onboarding.service";
import { atEngagementLimit, validateEngagement } from "./engagement.rules";
import { committedMinutesSql } from "./engagement.sql";
import type { Engagement, LivedExperience } from "./helper.type";

async function lockMember(ctx: BankContext, memberId: string): Promise<void> {
  await ctx.db.$queryRaw`SELECT 1 FROM "Membership" WHERE "timebankId" = ${ctx.bank.id}::uuid AND "id" = ${memberId}::uuid FOR UPDATE`;
}

async function otherMember(ctx: BankContext, rawId: string, field: string): Promise<Membership> {
  const m = await ctx.db.membership.findUnique({ where: { timebankId_id: { ...inBank(ctx), id: v.id(rawId, field) } } });
  if (!m) throw badInput(`no such member in ${ctx.bank.slug}`, field);
  return m;
}

const isLive = (a: { memberConsentedAt: Date | null; coordinatorApprovedAt: Date | null; revokedAt: Date | null }) =>
  !!a.memberConsentedAt && !!a.coordinatorApprovedAt && !a.revokedAt;

/**
 * The member authorises a helper, or a coordinator approves one (recording, for a member without
 * internet, their consent on paper). The authorisation is active once both have agreed.
 */
export async function authoriseHelper(ctx: RequestContext, memberId: string, helperId: string, consentOnPaper = false) {
  const { member, bank, staff } = await memberForSelfOrStaff(ctx, memberId);
  const own = member.personId === ctx.viewer!.personId;
  const helper = await otherMember(bank, helperId, "helperId");
  if (helper.id === member.id) throw badInput("a member cannot be their own helper", "helperId");
  if (helper.status !== "ACTIVE") throw badInput("the helper must be an active member of the bank", "helperId");
  if (member.status === "LEFT" || member.status === "DECLINED") throw badInput("this membership has ended", "memberId");
  if (consentOnPaper) {
    const person = await bank.db.person.findUniqueOrThrow({ where: { id: member.personId }, select: { offline: true } });
    if (!staff || own) throw forbidden("only a coordinator records consent given on paper");
    if (!person.offline) throw badInput("consent on paper is for members without email; this member consents themself", "consentOnPaper");
  }
  const now = bank.clock.now();
  const data: Prisma.HelperAuthorisationUncheckedUpdateInput = own
    ? { memberConsentedAt: now }
    : {
        coordinatorApprovedAt: now,
        coordinatorApprovedById: ctx.viewer!.personId,
        ...(consentOnPaper ? { memberConsentedAt: now, consentOnPaper: true } : {}),
      };
  return inTransaction(bank, async (tx) => {
    // One live authorisation per member and helper: the member row lock orders concurrent calls.
    await lockMember(tx, member.id);
    const live = await tx.db.helperAuthorisation.findFirst({
      where: { ...inBank(tx), memberId: member.id, helperId: helper.id, revokedAt: null },
    });
    if (live) return tx.db.helperAuthorisation.update({ where: { timebankId_id: { ...inBank(tx), id: live.id } }, data });
    return tx.db.helperAuthorisation.create({
      data: {
        ...(data as Prisma.HelperAuthorisationUncheckedCreateInput),
        ...inBank(tx),
        memberId: member.id,
        helperId: helper.id,
        createdAt: now,
      },
    });
  });
}

/** The member (or a coordinator) ends an authorisation; it cannot be revived, only given again. */
export async function revokeHelper(ctx: RequestContext, authorisationId: string) {
  requireViewer(ctx);
  const id = v.id(authorisationId, "authorisationId");
  // Only the banks the caller is inside of: another bank's id answers as a random one does (no existence oracle).
  const row = await ctx.db.helperAuthorisation.findFirst({ where: { id, timebankId: { in: insiderBankIds(ctx.viewer) } } });
  if (!row) throw notFound("helper authorisation");
  const { bank } = await memberForSelfOrStaff(ctx, row.memberId);
  await bank.db.helperAuthorisation.updateMany({
    where: { ...inBank(bank), id: row.id, revokedAt: null },
    data: { revokedAt: bank.clock.now(), revokedById: ctx.viewer!.personId },
  });
  return bank.db.helperAuthorisation.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: row.id } } });
}

/** The member's helpers: the member and coordinators. */
export async function helperAuthorisations(ctx: RequestContext, memberId: string) {
  const { member, bank } = await memberForSelfOrStaff(ctx, memberId);
  return bank.db.helperAuthorisation.findMany({ where: { ...inBank(bank), memberId: member.id }, orderBy: { createdAt: "desc" } });
}

/** Who acted for the member, and what: the member and coordinators. */
export async function actingLog(ctx: RequestContext, memberId: string, first?: number | null) {
  const { member, bank } = await memberForSelfOrStaff(ctx, memberId);
  return bank.db.actingLog.findMany({
    where: { ...inBank(bank), memberId: member.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: v.intInRange(first ?? 50, "first", 1, 200),
  });
}

interface Acting {
  /** A context in which the viewer is the member, in that one bank only, with a member's rights only. */
  ctx: RequestContext;
  bank: BankContext;
  actorId: string;
  memberId: string;
}

/** Checks that the viewer may act for the member, and derives the context to act in. */
async function actingAs(ctx: RequestContext, rawMemberId: string): Promise<Acting> {
  const { member, bank } = await findVisibleMember(ctx, v.id(rawMemberId, "actingFor"));
  const me = bank.membership;
  if (!me || me.status !== "ACTIVE") throw notFound("member");
  if (me.membershipId === member.id) throw badInput("you are this member: leave actingFor out", "actingFor");
  const [authorised, person] = await Promise.all([
    bank.db.helperAuthorisation.findFirst({
      where: {
        ...inBank(bank),
        memberId: member.id,
        helperId: me.membershipId,
        revokedAt: null,
        memberConsentedAt: { not: null },
        coordinatorApprovedAt: { not: null },
      },
    }),
    bank.db.person.findUniqueOrThrow({ where: { id: member.personId }, select: { offline: true } }),
  ]);
  // Coordinators manage the memberships of people without email; anyone else needs an active authorisation.
  if (!authorised && !(isStaff(me) && person.offline)) throw forbidden("you are not authorised to act for this member");
  const viewer: Viewer = {
    personId: member.personId,
    isPlatformAdmin: false,
    isUmbrella: false,
    // WARNING: the member's membership in this one bank, and never a coordinator's rights.
    memberships: [{ timebankId: member.timebankId, membershipId: member.id, role: "MEMBER", status: member.status }],
    readableBankIds: [member.timebankId],
  };
  return { ctx: Object.freeze({ ...ctx, viewer }), bank, actorId: me.membershipId, memberId: member.id };
}

/**
 * Runs an operation as the viewer, or, with actingFor, as that member on their behalf, and then
 * logs it as done by the viewer for the member (refusals are logged with their code).
 */
export async function actFor<T>(
  ctx: RequestContext,
  actingFor: string | null | undefined,
  action: string,
  run: (ctx: RequestContext) => Promise<T>,
): Promise<T> {
  if (actingFor === null || actingFor === undefined) return run(ctx);
  const acting = await actingAs(ctx, actingFor);
  const result = await run(acting.ctx);
  const refused = result instanceof ErrorResult;
  const id = refused ? null : (result as { id?: unknown } | null)?.id;
  const target = typeof id === "string" ? id : null;
  await acting.bank.db.actingLog.create({
    data: {
      ...inBank(acting.bank),
      actorId: acting.actorId,
      memberId: acting.memberId,
      action,
      targetId: target,
      outcome: refused ? (result as ErrorResult).code : "OK",
      createdAt: acting.bank.clock.now(),
    },
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Mentoring

/** A member lists what they have been through, to mentor others (matching counts these as skills). */
export async function setLivedExperience(ctx: BankContext, experiences: LivedExperience[]): Promise<Membership> {
  const me = requireInsider(ctx);
  if (experiences.length > 10) throw badInput("at most 10 lived experiences", "experiences");
  const labels = [...new Set(experiences.map((e) => e.toLowerCase()))];
  const key = { ...inBank(ctx), membershipId: me.membershipId };
  return inTransaction(ctx, async (tx) => {
    await tx.db.memberSkill.deleteMany({ where: { ...key, kind: "LIVED_EXPERIENCE" } });
    if (labels.length)
      await tx.db.memberSkill.createMany({ data: labels.map((label) => ({ ...key, kind: "LIVED_EXPERIENCE" as const, label })) });
    return tx.db.membership.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: me.membershipId } } });
  });
}

/** Coordinators pair a newcomer with a mentor; a newcomer has one running pairing at a time. */
export async function pairMentor(ctx: RequestContext, newcomerId: string, mentorId: string) {
  const { member: newcomer, bank } = await memberForStaff(ctx, newcomerId, "newcomerId");
  const mentor = await otherMember(bank, mentorId, "mentorId");
  if (mentor.id === newcomer.id) throw badInput("a newcomer cannot mentor themself", "mentorId");
  if (mentor.status !== "ACTIVE") throw badInput("the mentor must be an active member", "mentorId");
  if (newcomer.status === "LEFT" || newcomer.status === "DECLINED") throw badInput("this membership has ended", "newcomerId");
  return inTransaction(bank, async (tx) => {
    await lockMember(tx, newcomer.id);
    const running = await tx.db.mentorPairing.findFirst({ where: { ...inBank(tx), newcomerId: newcomer.id, endedAt: null } });
    if (running) throw badInput("this newcomer already has a mentor: end that pairing first", "newcomerId");
    return tx.db.mentorPairing.create({
      data: { ...inBank(tx), newcomerId: newcomer.id, mentorId: mentor.id, pairedById: ctx.viewer!.personId, startedAt: tx.clock.now() },
    });
  });
}

export async function endMentorPairing(ctx: RequestContext, pairingId: string) {
  requireViewer(ctx);
  const id = v.id(pairingId, "pairingId");
  // Only the banks the caller is inside of: another bank's id answers as a random one does (no existence oracle).
  const row = await ctx.db.mentorPairing.findFirst({ where: { id, timebankId: { in: insiderBankIds(ctx.viewer) } } });
  if (!row) throw notFound("mentor pairing");
  const { bank } = await memberForStaff(ctx, row.newcomerId);
  await bank.db.mentorPairing.updateMany({ where: { ...inBank(bank), id: row.id, endedAt: null }, data: { endedAt: bank.clock.now() } });
  return bank.db.mentorPairing.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: row.id } } });
}

/** Pairings a member is part of (as mentor or newcomer): the member, their partner in it, and coordinators. */
export async function mentorPairingsOf(ctx: RequestContext, member: Pick<Membership, "id" | "timebankId" | "personId">) {
  const viewer = ctx.viewer;
  if (!viewer) return null;
  const mine = viewer.memberships.find((m) => m.timebankId === member.timebankId);
  if (!mine) return null;
  const rows = await ctx.db.mentorPairing.findMany({
    where: { timebankId: member.timebankId, OR: [{ mentorId: member.id }, { newcomerId: member.id }] },
    orderBy: { startedAt: "desc" },
  });
  if (viewer.personId === member.personId || isStaff(mine)) return rows;
  return rows.filter((p) => p.mentorId === mine.membershipId || p.newcomerId === mine.membershipId);
}

// ---------------------------------------------------------------------------------------------
// Engagement

async function engagementOf(ctx: BankContext, membershipId: string): Promise<Engagement> {
  const pref = await ctx.db.engagementPreference.findUnique({ where: { timebankId_membershipId: { ...inBank(ctx), membershipId } } });
  const period: EngagementPeriod = pref?.period ?? "FLEXIBLE";
  const [{ committed }] = await ctx.db.$queryRaw<{ committed: number }[]>`
    SELECT ${committedMinutesSql(ctx.bank.id, Prisma.sql`${membershipId}::uuid`, Prisma.sql`${period}::text`, ctx.clock.now())} AS "committed"`;
  const limit = { period, maxMinutes: pref?.maxMinutes ?? null };
  return { ...limit, committedMinutes: committed, atLimit: atEngagementLimit(limit, committed) };
}

/** A member says how much they want to give; matching stops proposing them at the limit. */
export async function setEngagement(ctx: BankContext, period: EngagementPeriod, maxMinutes?: number | null): Promise<Engagement> {
  const me = requireInsider(ctx);
  const limit = validateEngagement(period, maxMinutes);
  const key = { ...inBank(ctx), membershipId: me.membershipId };
  await ctx.db.engagementPreference.upsert({ where: { timebankId_membershipId: key }, create: { ...key, ...limit }, update: limit });
  return engagementOf(ctx, me.membershipId);
}

/** The member's engagement: the member and coordinators (null for others). */
export async function engagementFor(
  ctx: RequestContext,
  member: Pick<Membership, "id" | "timebankId" | "personId">,
): Promise<Engagement | null> {
  const mine = ctx.viewer?.memberships.find((m) => m.timebankId === member.timebankId);
  if (!mine || (ctx.viewer!.personId !== member.personId && !isStaff(mine))) return null;
  const bank = await ctx.loaders.timebankById.load(member.timebankId);
  return engagementOf(Object.freeze({ ...ctx, bank: bank!, membership: mine }), member.id);
}

/**
 * Lived experiences of a member: the member and coordinators only (prison or illness are not for
 * every neighbour to browse). Matching still uses them, so a request for someone who has been
 * through it finds them.
 */
export async function livedExperienceOf(ctx: RequestContext, member: Pick<Membership, "id" | "timebankId">): Promise<string[] | null> {
  const mine = ctx.viewer?.memberships.find((m) => m.timebankId === member.timebankId);
  if (!mine || (mine.membershipId !== member.id && !isStaff(mine))) return null;
  const skills = await ctx.loaders.skillsByMembership.load(member.id);
  return skills.filter((s) => s.kind === "LIVED_EXPERIENCE").map((s) => s.label.toUpperCase());
}
