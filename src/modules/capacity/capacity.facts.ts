// What the capacity services share: reading a person's (or a whole bank's) time-account facts,
// the closed-period boundary, the per-person lock, and the limit guard that every change which
// can lower a balance goes through (docs/capacity.md "Limits on every change").
import type { Prisma } from "../../generated/prisma/client";
import { badInput, errorResult, forbidden } from "../../common/errors";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, inBank } from "../../context/context";
import { isStaff } from "../../context/access";
import {
  balanceOf,
  breaksLimit,
  policyOn,
  todayIn,
  type AbsenceKind,
  type CalendarDate,
  type TimeAccountFacts,
  type WeeklyMinutes,
} from "./capacity.rules";
import { BalanceLimitExceeded, type LimitBreach } from "./capacity.type";

/** The tenant filter of this module: rows of the context's bank only. */

export const toDay = (d: Date): CalendarDate => d.toISOString().slice(0, 10);
export const fromDay = (day: CalendarDate): Date => new Date(`${day}T00:00:00Z`);
export const today = (ctx: BankContext) => todayIn(ctx.bank.timezone, ctx.clock.now());

/**
 * WARNING: every change to one person's facts (logs, their schedule override, position) and
 * every approval that checks their balance takes this lock first, so an approval cannot race a
 * concurrent edit of the same person's logs. Organisation-wide changes take the bank's capacity
 * lock (lockBank) and check every person's balance under it.
 * FOR NO KEY UPDATE does not block foreign-key checks of other tables on the membership row.
 */
export async function lockAccount(tx: BankContext, membershipId: string): Promise<void> {
  // Shared with other people's changes, exclusive against lockBank (closes, organisation changes).
  await tx.db.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${`capacity-bank:${tx.bank.id}`}, 0))`;
  await tx.db
    .$executeRaw`SELECT 1 FROM "Membership" WHERE "timebankId" = ${tx.bank.id}::uuid AND "id" = ${membershipId}::uuid FOR NO KEY UPDATE`;
}

/** Organisation-wide changes and period closes queue here, one bank at a time. */
export async function lockBank(tx: BankContext): Promise<void> {
  await tx.db.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`capacity-bank:${tx.bank.id}`}, 0))`;
}

// ----- facts ---------------------------------------------------------------------------------

interface ScheduleRowLike {
  membershipId: string | null;
  effectiveFrom: Date;
  mondayMinutes: number;
  tuesdayMinutes: number;
  wednesdayMinutes: number;
  thursdayMinutes: number;
  fridayMinutes: number;
  saturdayMinutes: number;
  sundayMinutes: number;
}

export function weekOf(s: ScheduleRowLike): WeeklyMinutes {
  return [s.mondayMinutes, s.tuesdayMinutes, s.wednesdayMinutes, s.thursdayMinutes, s.fridayMinutes, s.saturdayMinutes, s.sundayMinutes];
}

export function policiesOf(rows: { effectiveFrom: Date; meterOn: boolean; negativeBalanceLimitMinutes: number }[]) {
  return rows.map((p) => ({
    effectiveFrom: toDay(p.effectiveFrom),
    meterOn: p.meterOn,
    negativeBalanceLimitMinutes: p.negativeBalanceLimitMinutes,
  }));
}

function emptyFacts(): TimeAccountFacts & {
  logs: { date: CalendarDate; minutes: number }[];
  deposits: { date: CalendarDate; minutes: number }[];
  withdrawals: { date: CalendarDate; minutes: number }[];
  positions: { effectiveFrom: CalendarDate; percent: number }[];
  absences: { date: CalendarDate; minutes: number; type: AbsenceKind }[];
  payouts: { date: CalendarDate; minutes: number }[];
  corrections: { date: CalendarDate; minutes: number }[];
  schedules: { effectiveFrom: CalendarDate; personal: boolean; weekdayMinutes: WeeklyMinutes }[];
} {
  return {
    schedules: [],
    policies: [],
    logs: [],
    deposits: [],
    withdrawals: [],
    positions: [],
    absences: [],
    payouts: [],
    corrections: [],
  };
}

/**
 * The facts of every person of the bank who has any (or of the given people), read in one
 * statement per table. Community-service work is not working time: logs against a service
 * commitment never enter a time account.
 */
export async function loadBankFacts(ctx: BankContext, membershipIds?: readonly string[]): Promise<Map<string, TimeAccountFacts>> {
  const who = membershipIds ? { membershipId: { in: [...membershipIds] } } : {};
  const [schedules, policies, positions, logs, entries, absences] = await Promise.all([
    ctx.db.capacitySchedule.findMany({ where: inBank(ctx) }),
    ctx.db.capacityPolicy.findMany({ where: inBank(ctx) }),
    ctx.db.capacityPosition.findMany({ where: { ...inBank(ctx), ...who } }),
    ctx.db.workLog.findMany({
      where: { ...inBank(ctx), ...who, serviceCommitmentId: null },
      select: { membershipId: true, workDate: true, minutes: true },
    }),
    ctx.db.timeAccountEntry.findMany({
      where: { ...inBank(ctx), ...who },
      select: { membershipId: true, kind: true, entryDate: true, minutes: true },
    }),
    ctx.db.timeOffRequest.findMany({
      where: { ...inBank(ctx), ...who, status: "APPROVED" },
      select: { membershipId: true, takenOn: true, minutes: true, absenceType: true },
    }),
  ]);
  const byMember = new Map<string, ReturnType<typeof emptyFacts>>();
  const of = (id: string) => {
    let f = byMember.get(id);
    if (!f) byMember.set(id, (f = emptyFacts()));
    return f;
  };
  for (const id of membershipIds ?? []) of(id);
  for (const p of positions) of(p.membershipId).positions.push({ effectiveFrom: toDay(p.effectiveFrom), percent: p.percent });
  for (const s of schedules) if (s.membershipId && (!membershipIds || membershipIds.includes(s.membershipId))) of(s.membershipId);
  for (const l of logs) of(l.membershipId).logs.push({ date: toDay(l.workDate), minutes: l.minutes });
  for (const a of absences) of(a.membershipId).absences.push({ date: toDay(a.takenOn), minutes: a.minutes, type: a.absenceType });
  for (const e of entries) {
    const f = of(e.membershipId);
    const item = { date: toDay(e.entryDate), minutes: e.minutes };
    if (e.kind === "DEPOSIT") f.deposits.push(item);
    else if (e.kind === "WITHDRAWAL") f.withdrawals.push(item);
    else if (e.kind === "PAYOUT") f.payouts.push(item);
    else if (e.kind === "CORRECTION_DEPOSIT") f.corrections.push(item);
    else f.corrections.push({ ...item, minutes: -item.minutes });
  }
  const policyFacts = policiesOf(policies);
  for (const [id, f] of byMember) {
    f.policies = policyFacts;
    f.schedules = schedules
      .filter((s) => s.membershipId === null || s.membershipId === id)
      .map((s) => ({ effectiveFrom: toDay(s.effectiveFrom), personal: s.membershipId !== null, weekdayMinutes: weekOf(s) }));
  }
  return byMember;
}

export async function loadFacts(ctx: BankContext, membershipId: string): Promise<TimeAccountFacts> {
  return (await loadBankFacts(ctx, [membershipId])).get(membershipId)!;
}

// ----- closed periods ------------------------------------------------------------------------

/** The last day of the last closed period, or null while nothing is closed. */
export async function closedThrough(ctx: BankContext): Promise<CalendarDate | null> {
  const last = await ctx.db.capacityPeriod.findFirst({ where: inBank(ctx), orderBy: { endsOn: "desc" }, select: { endsOn: true } });
  return last ? toDay(last.endsOn) : null;
}

/** Nothing dated in a closed period changes: a mistake there is corrected in an open period. */
export function requireOpen(closed: CalendarDate | null, day: CalendarDate, field: string): void {
  if (closed !== null && day <= closed) {
    throw badInput(`${day} is in a closed period (closed through ${closed}): record a correction in an open period instead`, field);
  }
}

// ----- the limit guard -----------------------------------------------------------------------

/** A refusal found inside a transaction: thrown to roll it back, returned as a typed result. */
export class CapacityRefusal extends Error {
  constructor(readonly result: BalanceLimitExceeded) {
    super(result.message);
  }
}

/** Runs fn in a transaction; a limit refusal rolls it back and is returned as data. */
export async function guarded<T>(ctx: BankContext, fn: (tx: BankContext) => Promise<T>): Promise<T | BalanceLimitExceeded> {
  try {
    return await inTransaction(ctx, fn);
  } catch (err) {
    if (err instanceof CapacityRefusal) return err.result;
    throw err;
  }
}

/** Validates an override before anything is read: only a manager, with a reason. */
export function overrideOf(ctx: BankContext, reason: string | null | undefined): string | null {
  if (reason === undefined || reason === null) return null;
  requireViewer(ctx);
  if (!isStaff(ctx.membership)) throw forbidden("only the bank's coordinators can override a balance limit");
  return v.text(reason, "overrideLimitReason", { min: 3, max: 500 });
}

export type Balances = Map<string, number>;

export async function balancesOf(tx: BankContext, membershipIds?: readonly string[]): Promise<{ balances: Balances; limit: number }> {
  const facts = await loadBankFacts(tx, membershipIds);
  const balances: Balances = new Map();
  for (const [id, f] of facts) balances.set(id, balanceOf(f).balanceMinutes);
  const policies = policiesOf(await tx.db.capacityPolicy.findMany({ where: inBank(tx) }));
  return { balances, limit: policyOn(policies, today(tx)).negativeBalanceLimitMinutes };
}

/**
 * Compares the balances after a change (made in tx) with those before it. A balance the change
 * lowered below the organisation's negative limit (in force today, after the change) refuses
 * the change, unless a manager overrides it with a reason: then each breach is logged.
 */
export async function checkLimits(
  tx: BankContext,
  before: Balances,
  change: string,
  override: string | null,
  membershipIds?: readonly string[],
): Promise<void> {
  const after = await balancesOf(tx, membershipIds);
  const breaches: LimitBreach[] = [];
  for (const [membershipId, balanceAfterMinutes] of after.balances) {
    const balanceBeforeMinutes = before.get(membershipId) ?? 0;
    if (breaksLimit(balanceBeforeMinutes, balanceAfterMinutes, after.limit))
      breaches.push({ membershipId, balanceBeforeMinutes, balanceAfterMinutes });
  }
  if (breaches.length === 0) return;
  if (override === null) {
    const floor = after.limit
      ? `the organisation's negative-balance limit of -${after.limit} minutes`
      : "the organisation's negative-balance limit of 0 minutes (no negative balance)";
    const first = breaches[0];
    const who = breaches.length === 1 ? "a balance" : `${breaches.length} balances`;
    throw new CapacityRefusal(
      errorResult(
        BalanceLimitExceeded,
        "BALANCE_LIMIT_EXCEEDED",
        `${change} would take ${who} below ${floor} (${first.balanceBeforeMinutes} -> ${first.balanceAfterMinutes} minutes); a coordinator may override it with a reason`,
        { negativeBalanceLimitMinutes: after.limit, breaches },
      ),
    );
  }
  await audit(
    tx,
    breaches.map((b) => ({
      membershipId: b.membershipId,
      action: "LIMIT_OVERRIDE",
      detail: { change, reason: override, negativeBalanceLimitMinutes: after.limit, ...b },
    })),
  );
}

/** Append-only audit rows: overrides, period closes, corrections. */
export async function audit(
  tx: BankContext,
  rows: { membershipId?: string | null; action: string; detail: Prisma.InputJsonObject }[],
): Promise<void> {
  const actorId = requireViewer(tx).personId;
  const createdAt = tx.clock.now();
  if (rows.length === 0) return;
  await tx.db.capacityAudit.createMany({
    data: rows.map((r) => ({
      ...inBank(tx),
      membershipId: r.membershipId ?? null,
      action: r.action,
      detail: r.detail,
      actorId,
      createdAt,
    })),
  });
}
