// Membership and member profiles: applying, approval by coordinators, pausing, leaving, roles,
// the member list and profile edits. Every query is filtered by the bank of the context.
import { widenRequestScope } from "../../db/bank-scope";
import { Prisma } from "../../generated/prisma/client";
import type { Membership } from "../../generated/prisma/client";
import type { MembershipRole, MembershipStatus } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound } from "../../common/errors";
import { decodeCursor, encodeCursor, pageSize, sliceRows, type Page } from "../../common/pagination";
import * as v from "../../common/validation";
import { bankContext, inTransaction, requireViewer, type BankContext, type RequestContext, inBank } from "../../context/context";
import { isBankAdmin, isInsider, isStaff, membershipIn, requireInsider } from "../../context/access";
import type { MemberFilter, SkillInput, UpdateProfileInput } from "./member.input";
import {
  canTransition,
  normaliseTag,
  refusalMessage,
  TRANSITIONS,
  validateAvailability,
  validateLanguages,
  validatePhone,
  type MembershipAction,
} from "./member.rules";
import { MembershipRefused } from "./member.type";
import { openMemberAccount } from "../ledger/ledger.accounts";
import { recordEvent } from "../events/events.service";
import { approvalBlocker } from "../onboarding/onboarding.approval";
import type { OnboardingIncomplete } from "../onboarding/onboarding.type";

export type MembershipResult = Membership | MembershipRefused | OnboardingIncomplete;

/** The tenant filter of this module: rows of the context's bank only. */

/**
 * Finds a membership by id as the viewer may see it: their own, or one in a bank where they are
 * an insider. Anything else is NOT_FOUND, whether or not it exists.
 */
export async function findVisibleMember(ctx: RequestContext, rawId: string): Promise<{ member: Membership; bank: BankContext }> {
  const viewer = requireViewer(ctx);
  const id = v.id(rawId, "id");
  // Through the request's loader: one statement with the person's name, shared with Member.displayName.
  const member = await ctx.loaders.membershipById.load(id);
  if (!member) throw notFound("member");
  const own = member.personId === viewer.personId;
  if (!own && !isInsider(membershipIn(viewer, member.timebankId))) throw notFound("member");
  const bank = await ctx.loaders.timebankById.load(member.timebankId);
  return { member, bank: bankContext(ctx, bank!) };
}

/** Whether the viewer may read the member's private details: the member themself or the bank's coordinators. */
export function canSeePrivate(ctx: RequestContext, member: Pick<Membership, "personId" | "timebankId">): boolean {
  if (!ctx.viewer) return false;
  return ctx.viewer.personId === member.personId || isStaff(membershipIn(ctx.viewer, member.timebankId));
}

/**
 * How much of a member's private details the viewer may read: "full" for the member and the
 * bank's coordinators; "contact" (contact email and phone only) for a member who shares an
 * accepted match with them, either way round; null for anyone else.
 */
export async function privateDetailsAccess(
  ctx: RequestContext,
  member: Pick<Membership, "id" | "personId" | "timebankId">,
): Promise<"full" | "contact" | null> {
  if (canSeePrivate(ctx, member)) return "full";
  const mine = membershipIn(ctx.viewer, member.timebankId);
  if (!isInsider(mine)) return null;
  const shared = await ctx.db.match.findFirst({
    where: {
      timebankId: member.timebankId,
      status: "ACCEPTED",
      OR: [
        { candidateId: mine.membershipId, request: { authorId: member.id } },
        { candidateId: member.id, request: { authorId: mine.membershipId } },
      ],
    },
    select: { id: true },
  });
  return shared ? "contact" : null;
}

export async function membershipsOfPerson(ctx: RequestContext, personId: string): Promise<Membership[]> {
  const viewer = requireViewer(ctx);
  if (viewer.personId !== personId) throw forbidden();
  return ctx.db.membership.findMany({ where: { personId }, orderBy: { appliedAt: "asc" } });
}

/** `withSkills`: the client asked for skills or needs, which the page then reads along with the names. */
export async function listMembers(
  ctx: BankContext,
  filter: MemberFilter = {},
  first?: number | null,
  after?: string | null,
  withSkills = false,
): Promise<Page<Membership>> {
  const me = requireInsider(ctx);
  const size = pageSize(first);
  const cursor = decodeCursor(after, ["number"] as const);
  const status: MembershipStatus = filter.status ?? "ACTIVE";
  if (!isStaff(me) && status !== "ACTIVE" && status !== "PAUSED") {
    throw forbidden("only coordinators can list applications and former members");
  }
  const where: Prisma.MembershipWhereInput = { ...inBank(ctx), status };
  if (filter.search !== undefined && filter.search !== null) {
    const search = v.text(filter.search, "search", { min: 1, max: 100 });
    where.OR = [
      { person: { displayName: { contains: search, mode: "insensitive" } } },
      { profile: { bio: { contains: search, mode: "insensitive" } } },
    ];
  }
  const skillWhere: Prisma.MemberSkillWhereInput = {};
  if (filter.skill !== undefined && filter.skill !== null) skillWhere.label = normaliseTag(filter.skill, "skill");
  if (filter.category !== undefined && filter.category !== null) {
    const category = await ctx.db.category.findFirst({ where: { ...inBank(ctx), slug: filter.category }, select: { id: true } });
    if (!category) throw badInput(`unknown category '${filter.category}' in ${ctx.bank.slug}`, "category");
    skillWhere.categoryId = category.id;
  }
  if (Object.keys(skillWhere).length) where.skills = { some: { kind: "SKILL", ...skillWhere } };
  const rows = await ctx.db.membership.findMany({
    where: cursor ? { ...where, memberNumber: { gt: cursor[0] } } : where,
    orderBy: { memberNumber: "asc" },
    take: size + 1,
  });
  await ctx.loaders.primeMemberPage(rows.slice(0, size), withSkills);
  // Counted only when the client asks for totalCount.
  return sliceRows(
    rows,
    size,
    (m) => encodeCursor([m.memberNumber]),
    () => ctx.db.membership.count({ where }),
  );
}

/** A member by id (see findVisibleMember); `withAccount` when the client asked for their account too: both in one statement. */
export async function getMember(ctx: RequestContext, id: string, withAccount = false): Promise<Membership> {
  if (withAccount && v.isUuid(id) && ctx.viewer) {
    const { member, account } = await ctx.loaders.memberWithAccount(id.toLowerCase());
    if (member) ctx.loaders.accountByMembership.prime(member.id, account);
  }
  return (await findVisibleMember(ctx, id)).member;
}

/** Tells the bank's coordinators, in the transaction of the application. */
function recordApplication(ctx: BankContext, member: Membership): Promise<void> {
  return recordEvent(ctx, {
    type: "membershipApplied",
    timebankId: member.timebankId,
    audience: { coordinators: true },
    payload: { memberId: member.id },
  });
}

/** Applies to join a bank (or re-applies after leaving or a decline). */
export async function applyToTimebank(ctx: BankContext): Promise<MembershipResult> {
  const viewer = requireViewer(ctx);
  const existing = await ctx.db.membership.findUnique({ where: { timebankId_personId: { ...inBank(ctx), personId: viewer.personId } } });
  if (existing) {
    if (!canTransition("reapply", existing.status)) {
      return errorResult(
        MembershipRefused,
        "ALREADY_MEMBER",
        `you already have a membership in ${ctx.bank.name} (${existing.status.toLowerCase()})`,
        {
          currentStatus: existing.status,
        },
      );
    }
    return inTransaction(ctx, async (tx) => {
      const result = await applyTransition(tx, existing, "reapply", {
        appliedAt: tx.clock.now(),
        approvedAt: null,
        approvedById: null,
        leftAt: null,
      });
      if (!(result instanceof MembershipRefused)) await recordApplication(tx, result);
      return result;
    });
  }
  try {
    const created = await inTransaction(ctx, async (tx) => {
      // Member numbers come from a counter on the bank row: the row lock orders concurrent applications.
      const { nextMemberNumber } = await tx.db.timebank.update({
        where: { id: tx.bank.id },
        data: { nextMemberNumber: { increment: 1 } },
        select: { nextMemberNumber: true },
      });
      const member = await tx.db.membership.create({
        data: {
          ...inBank(tx),
          personId: viewer.personId,
          memberNumber: nextMemberNumber - 1,
          appliedAt: tx.clock.now(),
          profile: { create: {} },
        },
      });
      await recordApplication(tx, member);
      return member;
    });
    // The applicant may read their new membership in the rest of this request (row-level security).
    widenRequestScope([ctx.bank.id]);
    return created;
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      return errorResult(MembershipRefused, "ALREADY_MEMBER", `you already have a membership in ${ctx.bank.name}`, { currentStatus: null });
    }
    throw err;
  }
}

/**
 * Moves a membership along TRANSITIONS with a guarded UPDATE (status must still be one of the
 * allowed ones), so two coordinators acting at once cannot both succeed.
 */
async function applyTransition(
  ctx: BankContext,
  member: Membership,
  action: MembershipAction,
  data: Prisma.MembershipUpdateManyMutationInput,
): Promise<Membership | MembershipRefused> {
  const { from, to } = TRANSITIONS[action];
  const refused = (current: MembershipStatus) =>
    errorResult(MembershipRefused, "INVALID_TRANSITION", refusalMessage(action, current), { currentStatus: current });
  if (!from.includes(member.status)) return refused(member.status);
  const updated = await ctx.db.membership.updateMany({
    where: { ...inBank(ctx), id: member.id, status: { in: [...from] } },
    data: { ...data, status: to },
  });
  const now = await ctx.db.membership.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(ctx), id: member.id } } });
  return updated.count === 1 ? now : refused(now.status);
}

async function memberForStaff(ctx: RequestContext, id: string): Promise<{ member: Membership; bank: BankContext }> {
  const found = await findVisibleMember(ctx, id);
  if (!isStaff(found.bank.membership)) {
    if (!isInsider(found.bank.membership)) throw notFound("member");
    throw forbidden("only the bank's coordinators can do this");
  }
  return found;
}

/** Approval admits the applicant and opens their account, in one transaction. */
export async function approveMembership(ctx: RequestContext, id: string): Promise<MembershipResult> {
  const { member, bank } = await memberForStaff(ctx, id);
  const now = ctx.clock.now();
  // The bank's required onboarding steps (interview, references, safeguarding check) come first.
  if (member.status === "APPLIED") {
    const blocker = await approvalBlocker(bank, member);
    if (blocker) return blocker;
  }
  return inTransaction(bank, async (tx) => {
    const result = await applyTransition(tx, member, "approve", {
      approvedById: ctx.viewer!.personId,
      approvedAt: now,
      joinedAt: member.joinedAt ?? now,
    });
    if (!(result instanceof MembershipRefused)) await openMemberAccount(tx.db, tx.bank, result.id, now);
    return result;
  });
}

export async function declineMembership(ctx: RequestContext, id: string): Promise<MembershipResult> {
  const { member, bank } = await memberForStaff(ctx, id);
  return applyTransition(bank, member, "decline", { approvedById: ctx.viewer!.personId, approvedAt: ctx.clock.now() });
}

/** The member themself or a coordinator: find it and check either. */
async function memberForSelfOrStaff(ctx: RequestContext, id: string) {
  const found = await findVisibleMember(ctx, id);
  const own = found.member.personId === ctx.viewer!.personId;
  if (!own && !isStaff(found.bank.membership)) throw forbidden("only the member themself or a coordinator can do this");
  return found;
}

/** People with fluctuating health step back without losing anything: balance, profile and history stay. */
export async function pauseMembership(ctx: RequestContext, id: string, plannedReturnOn?: string | null): Promise<MembershipResult> {
  const { member, bank } = await memberForSelfOrStaff(ctx, id);
  let returnDate: Date | null = null;
  if (plannedReturnOn) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(plannedReturnOn) || Number.isNaN(Date.parse(`${plannedReturnOn}T00:00:00Z`))) {
      throw badInput("plannedReturnOn must be a date like 2027-02-01", "plannedReturnOn");
    }
    returnDate = new Date(`${plannedReturnOn}T00:00:00Z`);
    if (returnDate.getTime() < ctx.clock.now().getTime() - 86_400_000) throw badInput("plannedReturnOn is in the past", "plannedReturnOn");
  }
  return applyTransition(bank, member, "pause", { pausedAt: ctx.clock.now(), plannedReturnOn: returnDate });
}

export async function resumeMembership(ctx: RequestContext, id: string): Promise<MembershipResult> {
  const { member, bank } = await memberForSelfOrStaff(ctx, id);
  return applyTransition(bank, member, "resume", { pausedAt: null, plannedReturnOn: null });
}

/** Locks the bank row so that checks over its admins and their changes are serialised. */
async function lockBank(ctx: BankContext): Promise<void> {
  await ctx.db.$queryRaw`SELECT 1 FROM "Timebank" WHERE "id" = ${ctx.bank.id}::uuid FOR UPDATE`;
}

async function isLastAdmin(ctx: BankContext, member: Membership): Promise<boolean> {
  if (member.role !== "ADMIN" || member.status !== "ACTIVE") return false;
  const admins = await ctx.db.membership.count({ where: { ...inBank(ctx), role: "ADMIN", status: "ACTIVE" } });
  return admins <= 1;
}

export async function leaveTimebank(ctx: BankContext): Promise<MembershipResult> {
  const viewer = requireViewer(ctx);
  const mine = await ctx.db.membership.findUnique({ where: { timebankId_personId: { ...inBank(ctx), personId: viewer.personId } } });
  if (!mine) throw notFound(`your membership in ${ctx.bank.slug}`);
  return inTransaction(ctx, async (tx) => {
    await lockBank(tx);
    const current = await tx.db.membership.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: mine.id } } });
    if (await isLastAdmin(tx, current)) {
      return errorResult(MembershipRefused, "LAST_ADMIN", "you are the bank's only admin: make someone else admin before you leave", {
        currentStatus: current.status,
      });
    }
    return applyTransition(tx, current, "leave", { leftAt: tx.clock.now() });
  });
}

export async function changeMemberRole(ctx: RequestContext, id: string, role: MembershipRole): Promise<MembershipResult> {
  const { member, bank } = await findVisibleMember(ctx, id);
  if (!isBankAdmin(bank.membership)) {
    if (!isInsider(bank.membership)) throw notFound("member");
    throw forbidden("only the bank's admins can change roles");
  }
  return inTransaction(bank, async (tx) => {
    await lockBank(tx);
    const current = await tx.db.membership.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: member.id } } });
    if (current.status !== "ACTIVE") {
      return errorResult(MembershipRefused, "INVALID_TRANSITION", "only active members can be given a role", {
        currentStatus: current.status,
      });
    }
    if (role !== "ADMIN" && (await isLastAdmin(tx, current))) {
      return errorResult(MembershipRefused, "LAST_ADMIN", "a bank needs at least one admin: make someone else admin first", {
        currentStatus: current.status,
      });
    }
    return tx.db.membership.update({ where: { timebankId_id: { ...inBank(tx), id: member.id } }, data: { role } });
  });
}

async function resolveSkills(ctx: BankContext, list: SkillInput[], kind: "SKILL" | "NEED") {
  if (list.length > 40) throw badInput(`at most 40 ${kind === "SKILL" ? "skills" : "needs"}`, kind === "SKILL" ? "skills" : "needs");
  const slugs = [...new Set(list.map((s) => s.category).filter((s): s is string => !!s))];
  const categories = slugs.length ? await ctx.db.category.findMany({ where: { ...inBank(ctx), slug: { in: slugs } } }) : [];
  const bySlug = new Map(categories.map((c) => [c.slug, c.id]));
  const seen = new Map<string, { label: string; categoryId: string | null }>();
  for (const s of list) {
    const label = normaliseTag(s.label);
    const categoryId = s.category ? bySlug.get(s.category) : null;
    if (categoryId === undefined) throw badInput(`unknown category '${s.category}' in ${ctx.bank.slug}`, "category");
    seen.set(label, { label, categoryId });
  }
  return [...seen.values()];
}

export async function updateMyProfile(ctx: BankContext, input: UpdateProfileInput): Promise<Membership> {
  const viewer = requireViewer(ctx);
  const mine = await ctx.db.membership.findUnique({ where: { timebankId_personId: { ...inBank(ctx), personId: viewer.personId } } });
  if (!mine || mine.status === "LEFT" || mine.status === "DECLINED") throw notFound(`your membership in ${ctx.bank.slug}`);
  // Validate everything before writing anything.
  const profile: Prisma.MemberProfileUncheckedUpdateInput = {};
  if (input.bio !== undefined && input.bio !== null) profile.bio = v.text(input.bio, "bio", { max: 2000 });
  if (input.languages !== undefined && input.languages !== null) profile.languages = validateLanguages(input.languages);
  if (input.neighbourhood !== undefined) profile.neighbourhood = v.optionalText(input.neighbourhood, "neighbourhood", 80);
  if (input.availability !== undefined && input.availability !== null) {
    profile.availability = validateAvailability(input.availability) as unknown as Prisma.InputJsonValue;
  }
  if (input.contactEmail !== undefined)
    profile.contactEmail = input.contactEmail ? v.normaliseEmail(input.contactEmail, "contactEmail") : null;
  if (input.contactPhone !== undefined) profile.contactPhone = validatePhone(input.contactPhone);
  if (input.accessibilityNeeds !== undefined)
    profile.accessibilityNeeds = v.optionalText(input.accessibilityNeeds, "accessibilityNeeds", 1000);
  const skills = input.skills ? await resolveSkills(ctx, input.skills, "SKILL") : null;
  const needs = input.needs ? await resolveSkills(ctx, input.needs, "NEED") : null;

  return inTransaction(ctx, async (tx) => {
    const key = { timebankId: tx.bank.id, membershipId: mine.id };
    await tx.db.memberProfile.upsert({
      where: { timebankId_membershipId: key },
      create: { ...key, ...(profile as Prisma.MemberProfileUncheckedCreateInput) },
      update: profile,
    });
    for (const [kind, list] of [
      ["SKILL", skills],
      ["NEED", needs],
    ] as const) {
      if (!list) continue;
      await tx.db.memberSkill.deleteMany({ where: { ...key, kind } });
      if (list.length) await tx.db.memberSkill.createMany({ data: list.map((s) => ({ ...key, kind, ...s })) });
    }
    return tx.db.membership.update({
      where: { timebankId_id: { timebankId: tx.bank.id, id: mine.id } },
      data: { updatedAt: tx.clock.now() },
    });
  });
}
