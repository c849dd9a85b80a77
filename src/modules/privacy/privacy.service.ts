// A person's data rights: an export of everything held about them, and erasure, asked for by the
// person, by a helper they authorised, or by a coordinator (for a member without a login, or on
// a member's request; every such request is kept in the audit trail), and retention: each bank
// may have the data of members who left erased after some months. See docs/privacy.md.
import type { Membership, PrivacyRequester, Timebank } from "../../generated/prisma/client";
import { badInput, errorResult, forbidden } from "../../common/errors";
import * as v from "../../common/validation";
import type { Clock } from "../../common/clock";
import { inTransaction, requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { isStaff, requireBankAdmin, requireInsider, requireStaff } from "../../context/access";
import { everyBank } from "../../db/bank-scope";
import type { Database, Db } from "../../db/database";
import { scopeTransactionToBanks } from "../../db/row-security";
import { findVisibleMember } from "../member/member.service";
import * as timebanks from "../timebank/timebank.service";
import type { Tx } from "../ledger/ledger.engine";
import { erase, erasureRefusal, ErasureBlocked, identifiersOf, type Erasure } from "./privacy.erase";
import { exportObject, writeExport, type ExportScope, type Sink } from "./privacy.export";
import {
  ErasureRefused,
  ForgetRefused,
  Forgotten,
  MemberErased,
  PrivacyPolicyView,
  PrivacyRequestEntry,
  type PrivacyRequestInput,
} from "./privacy.type";

export { ERASED_EMAIL_DOMAIN, ERASED_NAME, ERASED_POST_TITLE } from "./privacy.erase";

export const MAX_NOTE_LENGTH = 500;
export const MAX_RETENTION_MONTHS = 120;

/** Memberships of the person that an erasure has not reached yet (read across every bank: a system check). */
async function unerasedMemberships(db: Db, personId: string): Promise<(Membership & { timebank: Timebank })[]> {
  return everyBank(async () => {
    const rows = await db.membership.findMany({ where: { personId }, include: { timebank: true }, orderBy: { appliedAt: "asc" } });
    if (!rows.length) return rows;
    const erased = await db.privacyRequest.findMany({
      where: { action: "ERASURE", membershipId: { in: rows.map((r) => r.id) } },
      select: { membershipId: true },
    });
    const done = new Set(erased.map((e) => e.membershipId));
    return rows.filter((r) => !done.has(r.id));
  });
}

// ---------------------------------------------------------------------------------------------
// Export

/** Everything held about the viewer, in every bank they belong to. */
export async function exportMyData(ctx: RequestContext): Promise<Record<string, unknown>> {
  return exportObject(ctx.db, await myScope(ctx), ctx.clock.now());
}

async function myScope(ctx: RequestContext): Promise<ExportScope> {
  const viewer = requireViewer(ctx);
  const person = await ctx.db.person.findUniqueOrThrow({ where: { id: viewer.personId } });
  const memberships = await ctx.db.membership.findMany({
    where: { personId: viewer.personId },
    include: { timebank: true },
    orderBy: { appliedAt: "asc" },
  });
  return { person, memberships, wholePerson: true };
}

interface Subject {
  member: Membership;
  bank: BankContext;
  requestedBy: PrivacyRequester;
}

/**
 * Who may ask for a member's export or erasure in their bank: the member, a coordinator of the
 * bank, or a helper the member and a coordinator authorised (and not revoked). Outsiders get
 * NOT_FOUND, other members FORBIDDEN.
 */
async function subjectFor(ctx: RequestContext, rawMemberId: string): Promise<Subject> {
  const viewer = requireViewer(ctx);
  const { member, bank } = await findVisibleMember(ctx, v.id(rawMemberId, "memberId"));
  if (member.personId === viewer.personId) return { member, bank, requestedBy: "MEMBER" };
  if (isStaff(bank.membership)) return { member, bank, requestedBy: "COORDINATOR" };
  const me = bank.membership;
  if (me && me.status === "ACTIVE") {
    const authorised = await bank.db.helperAuthorisation.findFirst({
      where: {
        timebankId: bank.bank.id,
        memberId: member.id,
        helperId: me.membershipId,
        revokedAt: null,
        memberConsentedAt: { not: null },
        coordinatorApprovedAt: { not: null },
      },
    });
    if (authorised) return { member, bank, requestedBy: "HELPER" };
  }
  throw forbidden("only the member, a helper they authorised or a coordinator of the bank can ask for this");
}

function note(input: PrivacyRequestInput | null | undefined): string {
  const text = (input?.note ?? "").trim();
  if (text.length > MAX_NOTE_LENGTH) throw badInput(`the note may be at most ${MAX_NOTE_LENGTH} characters`, "note");
  return text;
}

/** Records a request made for a member by someone else (helpers also in the acting-for log). */
async function audit(s: Subject, action: "EXPORT" | "ERASURE", text: string, db: Tx = s.bank.db): Promise<void> {
  const now = s.bank.clock.now();
  const actorId = s.bank.viewer!.personId;
  await db.privacyRequest.create({
    data: {
      timebankId: s.bank.bank.id,
      membershipId: s.member.id,
      action,
      requestedBy: s.requestedBy,
      actorId,
      note: text,
      createdAt: now,
    },
  });
  if (s.requestedBy === "HELPER") {
    await db.actingLog.create({
      data: {
        timebankId: s.bank.bank.id,
        actorId: s.bank.membership!.membershipId,
        memberId: s.member.id,
        action: action === "EXPORT" ? "exportMemberData" : "eraseMember",
        targetId: null,
        outcome: "OK",
        createdAt: now,
      },
    });
  }
}

/** The scope of an export made for a member in one bank (their other banks are not this bank's to see). */
async function memberScope(s: Subject): Promise<ExportScope> {
  const db = s.bank.db;
  const person = await db.person.findUniqueOrThrow({ where: { id: s.member.personId } });
  return { person, memberships: [{ ...s.member, timebank: s.bank.bank }], wholePerson: false };
}

/** A member's data in one bank, exported by the member, their helper or a coordinator (recorded in the audit trail). */
export async function exportMemberData(
  ctx: RequestContext,
  memberId: string,
  input?: PrivacyRequestInput | null,
): Promise<Record<string, unknown>> {
  const s = await subjectFor(ctx, memberId);
  const text = note(input);
  const scope = await memberScope(s);
  const data = await exportObject(s.bank.db, scope, s.bank.clock.now());
  await audit(s, "EXPORT", text);
  return data;
}

/** For the download route: checks access, records the request, and returns a writer that streams the export. */
export async function exportStream(
  ctx: RequestContext,
  memberId: string | null,
  input?: PrivacyRequestInput | null,
): Promise<(sink: Sink) => Promise<void>> {
  if (memberId === null) {
    const scope = await myScope(ctx);
    return (sink) => writeExport(ctx.db, scope, ctx.clock.now(), sink);
  }
  const s = await subjectFor(ctx, memberId);
  const text = note(input);
  const scope = await memberScope(s);
  await audit(s, "EXPORT", text);
  return (sink) => writeExport(s.bank.db, scope, s.bank.clock.now(), sink);
}

/** The export as an object, for the readable (HTML) form. */
export async function exportForPage(
  ctx: RequestContext,
  memberId: string | null,
  input?: PrivacyRequestInput | null,
): Promise<Record<string, unknown>> {
  if (memberId === null) return exportMyData(ctx);
  return exportMemberData(ctx, memberId, input);
}

// ---------------------------------------------------------------------------------------------
// Erasure

/** The person erases themself in every bank; their session ends with it. */
export async function forgetMe(ctx: RequestContext): Promise<Forgotten | ForgetRefused> {
  const viewer = requireViewer(ctx);
  const person = await ctx.db.person.findUniqueOrThrow({ where: { id: viewer.personId } });
  const memberships = await unerasedMemberships(ctx.db, viewer.personId);
  const identifiers = await everyBank(() => identifiersOf(ctx.db, person));
  const e: Erasure = {
    person,
    memberships,
    wholePerson: true,
    actorId: viewer.personId,
    requestedBy: "MEMBER",
    note: "",
    now: ctx.clock.now(),
    rowSecurity: ctx.app.database.rowSecurity,
    identifiers,
  };
  const outcome = await runErasure(
    ctx,
    e,
    memberships.map((m) => m.timebankId),
  );
  if ("code" in outcome) return errorResult(ForgetRefused, outcome.code, outcome.message);
  ctx.log.info({ memberships: memberships.length }, "person erased at their request");
  return Object.assign(new Forgotten(), { erasedAt: outcome.erasedAt, anonymisedMemberships: outcome.memberships });
}

/**
 * A member's data in one bank is erased, asked for by the member, their helper or a
 * coordinator. The person's login and name go too when no other membership of theirs remains.
 */
export async function eraseMember(
  ctx: RequestContext,
  memberId: string,
  input?: PrivacyRequestInput | null,
): Promise<MemberErased | ErasureRefused> {
  const s = await subjectFor(ctx, memberId);
  const text = note(input);
  const person = await ctx.db.person.findUniqueOrThrow({ where: { id: s.member.personId } });
  const open = await unerasedMemberships(ctx.db, person.id);
  if (!open.some((m) => m.id === s.member.id)) throw badInput("this member's data has already been erased", "memberId");
  const identifiers = await everyBank(() => identifiersOf(ctx.db, person));
  const e: Erasure = {
    person,
    memberships: [s.member],
    wholePerson: open.length === 1,
    actorId: s.bank.viewer!.personId,
    requestedBy: s.requestedBy,
    note: text,
    now: ctx.clock.now(),
    rowSecurity: ctx.app.database.rowSecurity,
    identifiers,
  };
  const outcome = await runErasure(s.bank, e, [s.member.timebankId], s.requestedBy === "HELPER" ? (tx) => helperLog(s, tx) : undefined);
  if ("code" in outcome) return outcome;
  ctx.log.info({ memberId: s.member.id, requestedBy: s.requestedBy }, "member erased on request");
  return Object.assign(new MemberErased(), { memberId: s.member.id, erasedAt: outcome.erasedAt, settledMinutes: outcome.settledMinutes });
}

async function helperLog(s: Subject, tx: Tx): Promise<void> {
  await tx.actingLog.create({
    data: {
      timebankId: s.bank.bank.id,
      actorId: s.bank.membership!.membershipId,
      memberId: s.member.id,
      action: "eraseMember",
      targetId: null,
      outcome: "OK",
      createdAt: s.bank.clock.now(),
    },
  });
}

/** One transaction: the refusal checks, then the erasure; a refusal (returned or thrown) changes nothing. */
async function runErasure(
  ctx: RequestContext,
  e: Erasure,
  bankIds: string[],
  extra?: (tx: Tx) => Promise<void>,
): Promise<{ erasedAt: Date; memberships: number; settledMinutes: number } | ErasureRefused> {
  try {
    return await inTransaction(ctx, async (tx) => {
      if (e.rowSecurity && bankIds.length) await scopeTransactionToBanks(tx.db, bankIds);
      const refusal = await erasureRefusal(tx.db, e);
      if (refusal) return refusal;
      const done = await erase(tx.db, e);
      if (extra) await extra(tx.db);
      return done;
    });
  } catch (err) {
    if (err instanceof ErasureBlocked) return errorResult(ErasureRefused, err.code, err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Audit trail and retention policy

/** Coordinators read who exported or erased whose data, when, at whose request. */
export async function privacyRequests(ctx: RequestContext, slug: string, first?: number | null): Promise<PrivacyRequestEntry[]> {
  const bank = await timebanks.forBank(ctx, slug);
  requireStaff(bank);
  const rows = await bank.db.privacyRequest.findMany({
    where: { timebankId: bank.bank.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: v.intInRange(first ?? 50, "first", 1, 500),
  });
  const actors = await bank.db.person.findMany({
    where: { id: { in: rows.flatMap((r) => (r.actorId ? [r.actorId] : [])) } },
    select: { id: true, displayName: true },
  });
  const name = new Map(actors.map((a) => [a.id, a.displayName]));
  return rows.map((r) =>
    Object.assign(new PrivacyRequestEntry(), {
      id: r.id,
      memberId: r.membershipId,
      action: r.action,
      requestedBy: r.requestedBy,
      actorName: r.actorId ? (name.get(r.actorId) ?? null) : null,
      note: r.note,
      createdAt: r.createdAt,
    }),
  );
}

export async function privacyPolicy(ctx: RequestContext, slug: string): Promise<PrivacyPolicyView> {
  const bank = await timebanks.forBank(ctx, slug);
  requireInsider(bank);
  const row = await bank.db.privacyPolicy.findUnique({ where: { timebankId: bank.bank.id } });
  return Object.assign(new PrivacyPolicyView(), {
    eraseLeftMembersAfterMonths: row?.eraseLeftMembersAfterMonths ?? null,
    updatedAt: row?.updatedAt ?? null,
  });
}

/** Bank admins set how many months after leaving a member's data is erased (null: never automatically). */
export async function setPrivacyPolicy(ctx: RequestContext, slug: string, months: number | null): Promise<PrivacyPolicyView> {
  const bank = await timebanks.forBank(ctx, slug);
  requireBankAdmin(bank);
  const value = months === null ? null : v.intInRange(months, "eraseLeftMembersAfterMonths", 1, MAX_RETENTION_MONTHS);
  const now = bank.clock.now();
  const data = { eraseLeftMembersAfterMonths: value, updatedAt: now, updatedById: bank.viewer!.personId };
  await bank.db.privacyPolicy.upsert({ where: { timebankId: bank.bank.id }, create: { timebankId: bank.bank.id, ...data }, update: data });
  return privacyPolicy(ctx, slug);
}

/** The instant `months` calendar months before `now` (the day is clamped to the shorter month's end). */
export function monthsBefore(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

export interface RetentionReport {
  erased: number;
  /** Memberships that could not be erased yet, with the reason (e.g. a pending inter-bank transfer). */
  skipped: { timebankId: string; membershipId: string; code: string }[];
}

/**
 * Applies every bank's retention policy at `now`: the memberships that ended (LEFT, or a
 * declined application) more than the bank's months ago and were not erased yet are erased, one
 * transaction each; the person too when it was their last membership.
 */
export async function applyRetention(database: Pick<Database, "prisma" | "rowSecurity">, clock: Clock): Promise<RetentionReport> {
  const db = database.prisma;
  const now = clock.now();
  const report: RetentionReport = { erased: 0, skipped: [] };
  await everyBank(async () => {
    const policies = await db.privacyPolicy.findMany({
      where: { eraseLeftMembersAfterMonths: { not: null } },
      orderBy: { timebankId: "asc" },
    });
    for (const policy of policies) {
      const cutoff = monthsBefore(now, policy.eraseLeftMembersAfterMonths!);
      const due = await db.membership.findMany({
        where: {
          timebankId: policy.timebankId,
          OR: [
            { status: "LEFT", leftAt: { lt: cutoff } },
            { status: "DECLINED", updatedAt: { lt: cutoff } },
          ],
        },
        orderBy: { id: "asc" },
      });
      const erased = new Set(
        (
          await db.privacyRequest.findMany({
            where: { timebankId: policy.timebankId, action: "ERASURE", membershipId: { in: due.map((d) => d.id) } },
            select: { membershipId: true },
          })
        ).map((r) => r.membershipId),
      );
      for (const m of due.filter((d) => !erased.has(d.id))) {
        const person = await db.person.findUniqueOrThrow({ where: { id: m.personId } });
        const open = await unerasedMemberships(db, person.id);
        const e: Erasure = {
          person,
          memberships: [m],
          wholePerson: open.length === 1 && open[0].id === m.id,
          actorId: null,
          requestedBy: "RETENTION",
          note: `retention policy: ${policy.eraseLeftMembersAfterMonths} months after the membership ended`,
          now,
          rowSecurity: database.rowSecurity,
          identifiers: await identifiersOf(db, person),
        };
        try {
          const outcome = await db.$transaction(async (tx) => {
            if (database.rowSecurity) await scopeTransactionToBanks(tx as unknown as Db, [m.timebankId]);
            const refusal = await erasureRefusal(tx, e);
            if (refusal) return refusal;
            return erase(tx, e);
          });
          if ("code" in outcome) report.skipped.push({ timebankId: m.timebankId, membershipId: m.id, code: outcome.code });
          else report.erased++;
        } catch (err) {
          if (!(err instanceof ErasureBlocked)) throw err;
          report.skipped.push({ timebankId: m.timebankId, membershipId: m.id, code: err.code });
        }
      }
    }
  });
  return report;
}
