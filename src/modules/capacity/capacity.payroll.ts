// What an employer runs payroll on: the period kind and period closes, position percentages,
// payouts, managers' corrections, the payroll export and the audit trail. The balance rules are
// in capacity.rules.ts; the limit guard and the closed-period boundary in capacity.facts.ts.
import type { PayoutRequest as PayoutRow } from "../../generated/prisma/client";
import type { CapacityPeriodKind, CapacityRequestStatus } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound } from "../../common/errors";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { requireBankAdmin, requireInsider, requireStaff } from "../../context/access";
import type { CorrectionInput, PayoutInput, PositionInput } from "./capacity.input";
import {
  addDays,
  balanceOf,
  derivedWeek,
  parseBankDate,
  periodOf,
  statement,
  type CalendarDate,
  type TimeAccountFacts,
} from "./capacity.rules";
import {
  audit,
  balancesOf,
  checkLimits,
  closedThrough,
  fromDay,
  guarded,
  loadBankFacts,
  loadFacts,
  lockAccount,
  lockBank,
  overrideOf,
  requireOpen,
  toDay,
  today,
  weekOf,
} from "./capacity.facts";
import { inBank } from "../../context/context";
import { accountOf, alreadyDecided, requestFilter, requestForManager, requireCurrent, type Decision } from "./capacity.service";
import {
  BalanceLimitExceeded,
  InsufficientTimeBalance,
  PeriodNotReady,
  RequestAlreadyDecided,
  type CapacityAuditEntry,
  type CapacityPeriod,
  type CapacityPosition,
  type CapacitySettings,
  type PayoutRequest,
  type PayrollExport,
  type PayrollLine,
  type TimeCorrection,
} from "./capacity.type";

const DEFAULT_PERIOD_KIND: CapacityPeriodKind = "MONTH";

async function periodKindOf(ctx: BankContext): Promise<CapacityPeriodKind> {
  const row = await ctx.db.capacitySettings.findUnique({ where: { timebankId: ctx.bank.id } });
  return row?.periodKind ?? DEFAULT_PERIOD_KIND;
}

function periodView(p: { id: string; kind: CapacityPeriodKind; startsOn: Date; endsOn: Date; closedAt: Date }): CapacityPeriod {
  return { id: p.id, kind: p.kind, startsOn: toDay(p.startsOn), endsOn: toDay(p.endsOn), closedAt: p.closedAt };
}

// ----- settings and periods ------------------------------------------------------------------

export async function capacitySettings(ctx: BankContext): Promise<CapacitySettings> {
  requireInsider(ctx);
  return { periodKind: await periodKindOf(ctx), closedThrough: await closedThrough(ctx) };
}

/**
 * Bank admins choose weekly or monthly periods. Once periods are closed, the next one must start
 * where the last ended, so the kind can change only where a period of the new kind begins.
 */
export async function setCapacitySettings(ctx: BankContext, periodKind: CapacityPeriodKind): Promise<CapacitySettings> {
  const viewer = requireViewer(ctx);
  requireBankAdmin(ctx);
  return inTransaction(ctx, async (tx) => {
    await lockBank(tx);
    const closed = await closedThrough(tx);
    if (closed !== null) {
      const next = addDays(closed, 1);
      if (periodOf(periodKind, next).start !== next) {
        throw badInput(
          `periods are closed through ${closed}: the next period starts on ${next}, which does not begin a ${periodKind === "WEEK" ? "week (Monday)" : "month"}`,
          "periodKind",
        );
      }
    }
    await tx.db.capacitySettings.upsert({
      where: { timebankId: tx.bank.id },
      create: { timebankId: tx.bank.id, periodKind, setById: viewer.personId },
      update: { periodKind, setById: viewer.personId },
    });
    return { periodKind, closedThrough: closed };
  });
}

export async function listCapacityPeriods(ctx: BankContext): Promise<CapacityPeriod[]> {
  requireInsider(ctx);
  const rows = await ctx.db.capacityPeriod.findMany({ where: inBank(ctx), orderBy: { startsOn: "asc" } });
  return rows.map(periodView);
}

/**
 * A manager closes the period that starts on `startsOn`: it must have ended, follow the last
 * closed one without a gap (the first close may be any period, and also settles everything
 * before it), and have no request dated in it still waiting for a decision.
 */
export async function closeCapacityPeriod(ctx: BankContext, rawStartsOn: string): Promise<CapacityPeriod | PeriodNotReady> {
  const viewer = requireViewer(ctx);
  requireStaff(ctx);
  const startsOn = parseBankDate(rawStartsOn, ctx.bank.timezone, "startsOn");
  return inTransaction(ctx, async (tx) => {
    await lockBank(tx);
    const kind = await periodKindOf(tx);
    const period = periodOf(kind, startsOn);
    if (period.start !== startsOn)
      throw badInput(
        `${startsOn} does not begin a ${kind === "WEEK" ? "week (periods start on Monday)" : "month"}: the period containing it starts on ${period.start}`,
        "startsOn",
      );
    if (period.end >= today(tx)) throw badInput(`the period ${period.start} to ${period.end} has not ended yet`, "startsOn");
    const closed = await closedThrough(tx);
    if (closed !== null && startsOn <= closed) throw badInput(`the period ${period.start} to ${period.end} is already closed`, "startsOn");
    if (closed !== null && startsOn !== addDays(closed, 1))
      throw badInput(`close the periods in order: the next one starts on ${addDays(closed, 1)}`, "startsOn");
    const through = { lte: fromDay(period.end) };
    const [timeOff, deposits] = await Promise.all([
      tx.db.timeOffRequest.count({ where: { ...inBank(tx), status: "PENDING", takenOn: through } }),
      tx.db.depositRequest.count({ where: { ...inBank(tx), status: "PENDING", workDate: through } }),
    ]);
    if (timeOff + deposits > 0) {
      return errorResult(
        PeriodNotReady,
        "PERIOD_NOT_READY",
        `${timeOff + deposits} requests dated on or before ${period.end} still wait for a decision: approve or refuse them first`,
        {
          pendingRequests: timeOff + deposits,
        },
      );
    }
    const row = await tx.db.capacityPeriod.create({
      data: {
        ...inBank(tx),
        kind,
        startsOn: fromDay(period.start),
        endsOn: fromDay(period.end),
        closedById: viewer.personId,
        closedAt: tx.clock.now(),
      },
    });
    await audit(tx, [{ action: "PERIOD_CLOSED", detail: { kind, startsOn: period.start, endsOn: period.end } }]);
    return periodView(row);
  });
}

// ----- positions -----------------------------------------------------------------------------

async function positionView(
  ctx: BankContext,
  p: { id: string; effectiveFrom: Date; percent: number; membershipId: string },
): Promise<CapacityPosition> {
  const effectiveFrom = toDay(p.effectiveFrom);
  const defaults = await ctx.db.capacitySchedule.findFirst({
    where: { ...inBank(ctx), membershipId: null, effectiveFrom: { lte: p.effectiveFrom } },
    orderBy: { effectiveFrom: "desc" },
  });
  const plannedWeekMinutes = defaults ? derivedWeek(weekOf(defaults), p.percent).reduce((a, b) => a + b, 0) : 0;
  return { id: p.id, effectiveFrom, percent: p.percent, plannedWeekMinutes, membershipId: p.membershipId };
}

/**
 * Coordinators: a person's position percentage from a date. From then on their plan is the
 * organisation default scaled by it, until a personal schedule is set from a later date.
 */
export async function setPosition(
  ctx: BankContext,
  input: PositionInput,
  overrideLimitReason: string | null = null,
): Promise<CapacityPosition | BalanceLimitExceeded> {
  const viewer = requireViewer(ctx);
  requireStaff(ctx);
  const override = overrideOf(ctx, overrideLimitReason);
  const account = await accountOf(ctx, input.member, "staff");
  if (account.member.timebankId !== ctx.bank.id) throw notFound("member");
  requireCurrent(account.member);
  if (override && account.own) throw forbidden("another coordinator must override a limit on your own account");
  const effectiveFrom = parseBankDate(input.effectiveFrom, ctx.bank.timezone, "effectiveFrom");
  const percent = v.intInRange(input.percent, "percent", 1, 100);
  const membershipId = account.member.id;
  return guarded(ctx, async (tx) => {
    await lockAccount(tx, membershipId);
    requireOpen(await closedThrough(tx), effectiveFrom, "effectiveFrom");
    const before = await balancesOf(tx, [membershipId]);
    const key = { ...inBank(tx), membershipId, effectiveFrom: fromDay(effectiveFrom) };
    const row = await tx.db.capacityPosition.upsert({
      where: { timebankId_membershipId_effectiveFrom: key },
      create: { ...key, percent, setById: viewer.personId },
      update: { percent, setById: viewer.personId },
    });
    await checkLimits(tx, before.balances, `the position of ${percent} % from ${effectiveFrom}`, override, [membershipId]);
    return positionView(tx, row);
  });
}

export async function listPositions(ctx: BankContext, memberId: string): Promise<CapacityPosition[]> {
  requireInsider(ctx);
  const account = await accountOf(ctx, memberId, "self-or-staff");
  if (account.member.timebankId !== ctx.bank.id) throw notFound("member");
  const rows = await ctx.db.capacityPosition.findMany({
    where: { ...inBank(ctx), membershipId: account.member.id },
    orderBy: { effectiveFrom: "asc" },
  });
  return Promise.all(rows.map((r) => positionView(ctx, r)));
}

// ----- payouts -------------------------------------------------------------------------------

function payoutView(r: PayoutRow, paidOn: CalendarDate | null): PayoutRequest {
  return {
    id: r.id,
    minutes: r.minutes,
    note: r.note,
    status: r.status,
    submittedAt: r.submittedAt,
    decidedAt: r.decidedAt,
    refusalReason: r.refusalReason,
    paidOn,
    membershipId: r.membershipId,
  };
}

async function paidOnOf(ctx: BankContext, r: PayoutRow): Promise<CalendarDate | null> {
  if (r.status !== "APPROVED") return null;
  const entry = await ctx.db.timeAccountEntry.findUnique({
    where: { timebankId_payoutRequestId: { ...inBank(ctx), payoutRequestId: r.id } },
    select: { entryDate: true },
  });
  return entry ? toDay(entry.entryDate) : null;
}

/** The employee (or a coordinator for them) asks to have hours paid out. */
export async function requestPayout(ctx: RequestContext, input: PayoutInput): Promise<PayoutRequest> {
  const { member, bank } = await accountOf(ctx, input.member, "self-or-staff");
  requireCurrent(member);
  const minutes = v.intInRange(input.minutes, "minutes", 1, 100_000);
  const row = await bank.db.payoutRequest.create({
    data: {
      ...inBank(bank),
      membershipId: member.id,
      minutes,
      note: v.optionalText(input.note, "note", 500),
      submittedById: ctx.viewer!.personId,
    },
  });
  return payoutView(row, null);
}

/**
 * Another manager approves or refuses a payout, exactly once. Approved hours leave the account
 * on the day of approval (in the bank's time zone) and appear in that period's payroll export.
 * Only hours the account holds are paid out: the negative-balance limit allows time off before
 * it is earned, never money for hours not worked.
 */
export async function decidePayout(
  ctx: RequestContext,
  rawId: string,
  d: Decision,
): Promise<PayoutRequest | InsufficientTimeBalance | RequestAlreadyDecided> {
  const id = v.id(rawId, "id");
  const reason = d.decision === "REFUSED" ? v.optionalText(d.reason, "reason", 500) : null;
  const { request, account } = await requestForManager(
    ctx,
    (banks) => ctx.db.payoutRequest.findFirst({ where: { id, timebankId: { in: banks } } }),
    "payout request",
  );
  return inTransaction(account.bank, async (tx) => {
    await lockAccount(tx, request.membershipId);
    const current = await tx.db.payoutRequest.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: request.id } } });
    if (current.status !== "PENDING") return alreadyDecided(current.status);
    const paidOn = today(tx);
    if (d.decision === "APPROVED") {
      const { balanceMinutes } = balanceOf(await loadFacts(tx, current.membershipId));
      if (balanceMinutes < current.minutes) {
        return errorResult(
          InsufficientTimeBalance,
          "INSUFFICIENT_TIME_BALANCE",
          `the balance is ${balanceMinutes} minutes: only hours the account holds are paid out (limit 0 for payouts)`,
          {
            balanceMinutes,
            requestedMinutes: current.minutes,
            negativeBalanceLimitMinutes: 0,
          },
        );
      }
    }
    const moved = await tx.db.payoutRequest.updateMany({
      where: { ...inBank(tx), id: current.id, status: "PENDING" },
      data: { status: d.decision, decidedById: ctx.viewer!.personId, decidedAt: tx.clock.now(), refusalReason: reason },
    });
    const decided = await tx.db.payoutRequest.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: current.id } } });
    if (moved.count !== 1) return alreadyDecided(decided.status);
    if (d.decision === "APPROVED") {
      await tx.db.timeAccountEntry.create({
        data: {
          ...inBank(tx),
          membershipId: current.membershipId,
          kind: "PAYOUT",
          entryDate: fromDay(paidOn),
          minutes: current.minutes,
          payoutRequestId: current.id,
          approvedById: ctx.viewer!.personId,
        },
      });
    }
    return payoutView(decided, d.decision === "APPROVED" ? paidOn : null);
  });
}

export async function listPayoutRequests(
  ctx: BankContext,
  memberId: string | null,
  status: CapacityRequestStatus | null,
): Promise<PayoutRequest[]> {
  const where = await requestFilter(ctx, memberId, status);
  const rows = await ctx.db.payoutRequest.findMany({ where, orderBy: { submittedAt: "asc" }, take: 200 });
  return Promise.all(rows.map(async (r) => payoutView(r, await paidOnOf(ctx, r))));
}

// ----- corrections ---------------------------------------------------------------------------

/**
 * A manager (not on their own account) corrects a balance: signed minutes dated today, in an
 * open period, with a reason and the day that was wrong. A correction that lowers the balance
 * is held to the limit like any other change.
 */
export async function recordTimeCorrection(
  ctx: RequestContext,
  input: CorrectionInput,
  overrideLimitReason: string | null = null,
): Promise<TimeCorrection | BalanceLimitExceeded> {
  const account = await accountOf(ctx, input.member, "staff");
  if (account.own) throw forbidden("another coordinator must correct your own time account");
  const bank = account.bank;
  const override = overrideOf(bank, overrideLimitReason);
  const minutes = v.intInRange(input.minutes, "minutes", -100_000, 100_000);
  if (minutes === 0) throw badInput("a correction of 0 minutes changes nothing", "minutes");
  const reason = v.text(input.reason, "reason", { min: 3, max: 500 });
  const correctsDate = input.correctsDate ? parseBankDate(input.correctsDate, bank.bank.timezone, "correctsDate") : null;
  const membershipId = account.member.id;
  return guarded(bank, async (tx) => {
    await lockAccount(tx, membershipId);
    const date = today(tx);
    requireOpen(await closedThrough(tx), date, "date");
    const before = await balancesOf(tx, [membershipId]);
    const row = await tx.db.timeAccountEntry.create({
      data: {
        ...inBank(tx),
        membershipId,
        kind: minutes > 0 ? "CORRECTION_DEPOSIT" : "CORRECTION_WITHDRAWAL",
        entryDate: fromDay(date),
        minutes: Math.abs(minutes),
        reason,
        correctsDate: correctsDate ? fromDay(correctsDate) : null,
        approvedById: ctx.viewer!.personId,
      },
    });
    await checkLimits(tx, before.balances, `the correction of ${minutes} minutes`, override, [membershipId]);
    await audit(tx, [{ membershipId, action: "CORRECTION", detail: { entryId: row.id, minutes, reason, correctsDate, date } }]);
    return { id: row.id, date, minutes, reason, correctsDate, membershipId };
  });
}

// ----- the payroll export --------------------------------------------------------------------

/** An employee is someone with a position, a personal schedule, a work log or an entry. */
function isEmployee(f: TimeAccountFacts): boolean {
  return (
    (f.positions?.length ?? 0) > 0 ||
    f.schedules.some((s) => s.personal) ||
    f.logs.length > 0 ||
    f.deposits.length + f.withdrawals.length > 0 ||
    (f.absences?.length ?? 0) > 0 ||
    (f.payouts?.length ?? 0) > 0 ||
    (f.corrections?.length ?? 0) > 0
  );
}

export function payrollLine(
  facts: TimeAccountFacts,
  start: CalendarDate,
  end: CalendarDate,
): Omit<PayrollLine, "memberName" | "membershipId"> {
  const s = statement(facts, start, end);
  const absent = (type: string) =>
    (facts.absences ?? []).filter((a) => a.type === type && a.date >= start && a.date <= end).reduce((n, a) => n + a.minutes, 0);
  return {
    plannedMinutes: s.totals.capacityMinutes,
    workedMinutes: s.totals.loggedMinutes,
    sicknessMinutes: absent("SICKNESS"),
    childSicknessMinutes: absent("CHILD_SICKNESS"),
    holidayMinutes: absent("HOLIDAY"),
    timeOffInLieuMinutes: absent("TIME_OFF_IN_LIEU"),
    depositedMinutes: s.totals.depositedMinutes,
    withdrawnMinutes: s.totals.withdrawnMinutes,
    payoutMinutes: s.totals.payoutMinutes,
    correctionMinutes: s.totals.correctionMinutes,
    openingBalanceMinutes: s.openingBalanceMinutes,
    closingBalanceMinutes: s.closingBalanceMinutes,
  };
}

const CSV_COLUMNS: (keyof PayrollLine)[] = [
  "membershipId",
  "memberName",
  "plannedMinutes",
  "workedMinutes",
  "sicknessMinutes",
  "childSicknessMinutes",
  "holidayMinutes",
  "timeOffInLieuMinutes",
  "depositedMinutes",
  "withdrawnMinutes",
  "payoutMinutes",
  "correctionMinutes",
  "openingBalanceMinutes",
  "closingBalanceMinutes",
];

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so that a spreadsheet does not run it. */
function csvCell(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function payrollCsv(start: CalendarDate, end: CalendarDate, lines: PayrollLine[]): string {
  const header = ["periodStart", "periodEnd", ...CSV_COLUMNS].join(",");
  const rows = lines.map((l) => [start, end, ...CSV_COLUMNS.map((c) => l[c])].map((c) => csvCell(c as string | number)).join(","));
  return [header, ...rows].join("\r\n") + "\r\n";
}

/** Coordinators: one line per employee for a closed period, in GraphQL and as CSV. */
export async function payrollExport(ctx: BankContext, rawStartsOn: string): Promise<PayrollExport> {
  requireStaff(ctx);
  const startsOn = parseBankDate(rawStartsOn, ctx.bank.timezone, "startsOn");
  const period = await ctx.db.capacityPeriod.findUnique({
    where: { timebankId_startsOn: { ...inBank(ctx), startsOn: fromDay(startsOn) } },
  });
  if (!period) throw badInput(`no closed period starts on ${startsOn}: payroll is exported for closed periods only`, "startsOn");
  const start = toDay(period.startsOn);
  const end = toDay(period.endsOn);
  const facts = await loadBankFacts(ctx);
  const ids = [...facts].filter(([, f]) => isEmployee(f)).map(([id]) => id);
  const members = await ctx.db.membership.findMany({
    where: { ...inBank(ctx), id: { in: ids } },
    select: { id: true, person: { select: { displayName: true } } },
  });
  const lines = members
    .map((m) => ({ membershipId: m.id, memberName: m.person.displayName, ...payrollLine(facts.get(m.id)!, start, end) }))
    .sort((a, b) => a.memberName.localeCompare(b.memberName) || a.membershipId.localeCompare(b.membershipId));
  return { period: periodView(period), lines, csv: payrollCsv(start, end, lines) };
}

// ----- the audit trail -----------------------------------------------------------------------

export async function listCapacityAudit(ctx: BankContext, memberId: string | null): Promise<CapacityAuditEntry[]> {
  requireStaff(ctx);
  let membershipId: string | undefined;
  if (memberId) {
    const account = await accountOf(ctx, memberId, "staff");
    if (account.member.timebankId !== ctx.bank.id) throw notFound("member");
    membershipId = account.member.id;
  }
  const rows = await ctx.db.capacityAudit.findMany({
    where: { ...inBank(ctx), ...(membershipId ? { membershipId } : {}) },
    orderBy: { seq: "asc" },
    take: 500,
  });
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    detail: JSON.stringify(r.detail),
    createdAt: r.createdAt,
    actorId: r.actorId,
    membershipId: r.membershipId,
  }));
}
