// Capacity time accounts: schedules, work logs, manual deposits, time off in lieu, statements
// and community-service commitments. The balance is derived by capacity.rules.ts from the rows
// read here; only approved manual deposits and approved time off are stored (TimeAccountEntry).
// "Managers" are the bank's coordinators and admins. Every change that can lower a balance goes
// through the limit guard (capacity.facts.ts); nothing dated in a closed period changes.
// Periods, payouts, positions, corrections and the payroll export are in capacity.payroll.ts;
// what probation officers see is in capacity.probation.ts.
import type {
  CapacitySchedule as ScheduleRow,
  DepositRequest as DepositRow,
  Membership,
  ServiceCommitment as CommitmentRow,
  TimeOffRequest as TimeOffRow,
  WorkLog as WorkLogRow,
} from "../../generated/prisma/client";
import type { AbsenceType, CapacityRequestStatus, ServiceCommitmentStatus } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound } from "../../common/errors";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { insiderBankIds, isInsider, isStaff, requireBankAdmin, requireInsider, requireStaff } from "../../context/access";
import { findVisibleMember } from "../member/member.service";
import type { CapacityPolicyInput, CapacityScheduleInput, DatedMinutesInput, ServiceCommitmentInput, WorkLogInput } from "./capacity.input";
import {
  absenceRefusal,
  addDays,
  balanceOf,
  capacityOn,
  commitmentProgress,
  mayWithdraw,
  MINUTES_PER_DAY,
  parseBankDate,
  policyOn,
  statement,
  validateWeeklyMinutes,
  weekdayIndex,
  workTime,
  type CalendarDate,
} from "./capacity.rules";
import {
  audit,
  balancesOf,
  checkLimits,
  closedThrough,
  fromDay,
  guarded,
  loadFacts,
  lockAccount,
  lockBank,
  overrideOf,
  policiesOf,
  requireOpen,
  toDay,
  today,
  weekOf,
} from "./capacity.facts";
import { inBank } from "../../context/context";
import {
  BalanceLimitExceeded,
  CapacityMeterOn,
  CommitmentAlreadyCompleted,
  CommitmentNotFulfilled,
  InsufficientTimeBalance,
  RequestAlreadyDecided,
  type CapacityPolicy,
  type DeletedWorkLog,
  type CapacitySchedule,
  type DepositRequest,
  type ServiceCommitment,
  type TimeAccount,
  type TimeAccountStatement,
  type TimeOffRequest,
  type WorkLog,
} from "./capacity.type";

const clock = (minute: number | null) =>
  minute === null ? null : `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

// ----- access --------------------------------------------------------------------------------

type Access = "self-or-staff" | "staff";

export interface Account {
  member: Membership;
  bank: BankContext;
  own: boolean;
}

/**
 * The member's time account as the viewer may use it: their own, or anyone's in a bank where
 * the viewer is a coordinator. Outsiders get NOT_FOUND; other members FORBIDDEN.
 */
export async function accountOf(ctx: RequestContext, memberId: string, access: Access, field = "member"): Promise<Account> {
  const viewer = requireViewer(ctx);
  const { member, bank } = await findVisibleMember(ctx, v.id(memberId, field));
  const own = member.personId === viewer.personId;
  const staff = isStaff(bank.membership);
  if (access === "staff" && !staff) throw forbidden("only the bank's coordinators can do this");
  if (!own && !staff) throw forbidden("only the member themself or a coordinator can see or change a time account");
  return { member, bank, own };
}

export function requireCurrent(member: Membership): void {
  if (member.status !== "ACTIVE" && member.status !== "PAUSED") throw badInput("that membership is not active", "member");
}

// ----- views ---------------------------------------------------------------------------------

function scheduleView(s: ScheduleRow): CapacitySchedule {
  return {
    id: s.id,
    effectiveFrom: toDay(s.effectiveFrom),
    isOrganisationDefault: s.membershipId === null,
    mondayMinutes: s.mondayMinutes,
    tuesdayMinutes: s.tuesdayMinutes,
    wednesdayMinutes: s.wednesdayMinutes,
    thursdayMinutes: s.thursdayMinutes,
    fridayMinutes: s.fridayMinutes,
    saturdayMinutes: s.saturdayMinutes,
    sundayMinutes: s.sundayMinutes,
    weeklyMinutes: weekOf(s).reduce((a, b) => a + b, 0),
    membershipId: s.membershipId,
  };
}

function workLogView(l: WorkLogRow): WorkLog {
  return {
    id: l.id,
    date: toDay(l.workDate),
    minutes: l.minutes,
    start: clock(l.startMinute),
    end: clock(l.endMinute),
    breakMinutes: l.breakMinutes,
    note: l.note,
    updatedAt: l.updatedAt,
    membershipId: l.membershipId,
    serviceCommitmentId: l.serviceCommitmentId,
    confirmed: l.serviceCommitmentId === null || l.confirmedAt !== null,
  };
}

function requestView(r: DepositRow | TimeOffRow): DepositRequest & TimeOffRequest {
  return {
    id: r.id,
    absenceType: "absenceType" in r ? r.absenceType : "TIME_OFF_IN_LIEU",
    date: toDay("workDate" in r ? r.workDate : r.takenOn),
    minutes: r.minutes,
    note: r.note,
    status: r.status,
    submittedAt: r.submittedAt,
    decidedAt: r.decidedAt,
    refusalReason: r.refusalReason,
    membershipId: r.membershipId,
  };
}

export async function commitmentView(ctx: BankContext, c: CommitmentRow): Promise<ServiceCommitment> {
  const [logged, confirmed] = await Promise.all([
    ctx.db.workLog.aggregate({ where: { ...inBank(ctx), serviceCommitmentId: c.id }, _sum: { minutes: true } }),
    ctx.db.workLog.aggregate({ where: { ...inBank(ctx), serviceCommitmentId: c.id, NOT: { confirmedAt: null } }, _sum: { minutes: true } }),
  ]);
  return {
    id: c.id,
    title: c.title,
    requiredMinutes: c.requiredMinutes,
    dueOn: toDay(c.dueOn),
    status: c.status,
    completedAt: c.completedAt,
    membershipId: c.membershipId,
    completionApprovedById: c.completionApprovedById,
    confirmedMinutes: confirmed._sum.minutes ?? 0,
    acknowledgedAt: c.acknowledgedAt,
    supervisingInstitutionId: c.supervisingInstitutionId,
    ...commitmentProgress(c.requiredMinutes, logged._sum.minutes ?? 0, toDay(c.dueOn), today(ctx)),
  };
}

const note = (raw: string | null | undefined) => v.optionalText(raw, "note", 500);

// ----- organisation settings and schedules ---------------------------------------------------

/**
 * Bank admins: switches the capacity meter and sets the negative limit from a date. Switching
 * the meter off, or tightening the limit, is checked against every balance of the bank.
 */
export async function setCapacityPolicy(
  ctx: BankContext,
  input: CapacityPolicyInput,
  overrideLimitReason: string | null = null,
): Promise<CapacityPolicy | BalanceLimitExceeded> {
  const viewer = requireViewer(ctx);
  requireBankAdmin(ctx);
  const override = overrideOf(ctx, overrideLimitReason);
  const effectiveFrom = parseBankDate(input.effectiveFrom, ctx.bank.timezone, "effectiveFrom");
  const negativeBalanceLimitMinutes = v.intInRange(input.negativeBalanceLimitMinutes ?? 0, "negativeBalanceLimitMinutes", 0, 100_000);
  const key = { ...inBank(ctx), effectiveFrom: fromDay(effectiveFrom) };
  const data = { meterOn: input.meterOn, negativeBalanceLimitMinutes, setById: viewer.personId };
  return guarded(ctx, async (tx) => {
    await lockBank(tx);
    requireOpen(await closedThrough(tx), effectiveFrom, "effectiveFrom");
    const before = await balancesOf(tx);
    await tx.db.capacityPolicy.upsert({ where: { timebankId_effectiveFrom: key }, create: { ...key, ...data }, update: data });
    await checkLimits(tx, before.balances, `the capacity policy from ${effectiveFrom}`, override);
    return { effectiveFrom, meterOn: input.meterOn, negativeBalanceLimitMinutes };
  });
}

export async function listCapacityPolicies(ctx: BankContext): Promise<CapacityPolicy[]> {
  requireInsider(ctx);
  const rows = await ctx.db.capacityPolicy.findMany({ where: inBank(ctx), orderBy: { effectiveFrom: "asc" } });
  return rows.map((p) => ({
    effectiveFrom: toDay(p.effectiveFrom),
    meterOn: p.meterOn,
    negativeBalanceLimitMinutes: p.negativeBalanceLimitMinutes,
  }));
}

/** Coordinators: the organisation default or one member's override, from a date. */
export async function setCapacitySchedule(
  ctx: BankContext,
  input: CapacityScheduleInput,
  overrideLimitReason: string | null = null,
): Promise<CapacitySchedule | BalanceLimitExceeded> {
  const viewer = requireViewer(ctx);
  requireStaff(ctx);
  const override = overrideOf(ctx, overrideLimitReason);
  let membershipId: string | null = null;
  if (input.member !== undefined && input.member !== null) {
    const account = await accountOf(ctx, input.member, "staff");
    if (account.member.timebankId !== ctx.bank.id) throw notFound("member");
    requireCurrent(account.member);
    membershipId = account.member.id;
  }
  const effectiveDay = parseBankDate(input.effectiveFrom, ctx.bank.timezone, "effectiveFrom");
  const effectiveFrom = fromDay(effectiveDay);
  const week = validateWeeklyMinutes([
    input.mondayMinutes,
    input.tuesdayMinutes,
    input.wednesdayMinutes,
    input.thursdayMinutes,
    input.fridayMinutes,
    input.saturdayMinutes,
    input.sundayMinutes,
  ]);
  const data = {
    mondayMinutes: week[0],
    tuesdayMinutes: week[1],
    wednesdayMinutes: week[2],
    thursdayMinutes: week[3],
    fridayMinutes: week[4],
    saturdayMinutes: week[5],
    sundayMinutes: week[6],
    setById: viewer.personId,
  };
  return guarded(ctx, async (tx) => {
    // One schedule per (member or default, date): concurrent settings of the same one queue here.
    await tx.db
      .$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`capacity-schedule:${tx.bank.id}:${membershipId ?? "default"}`}, 0))`;
    if (membershipId) await lockAccount(tx, membershipId);
    else await lockBank(tx);
    requireOpen(await closedThrough(tx), effectiveDay, "effectiveFrom");
    // A lower plan raises balances; a higher one lowers them (the default: everyone's).
    const who = membershipId ? [membershipId] : undefined;
    const before = await balancesOf(tx, who);
    const existing = await tx.db.capacitySchedule.findFirst({ where: { ...inBank(tx), membershipId, effectiveFrom } });
    const row = existing
      ? await tx.db.capacitySchedule.update({ where: { timebankId_id: { ...inBank(tx), id: existing.id } }, data })
      : await tx.db.capacitySchedule.create({ data: { ...inBank(tx), membershipId, effectiveFrom, ...data } });
    await checkLimits(
      tx,
      before.balances,
      `the ${membershipId ? "personal" : "organisation"} schedule from ${effectiveDay}`,
      override,
      who,
    );
    return scheduleView(row);
  });
}

/** The organisation defaults (any insider), or one member's overrides (the member or a coordinator). */
export async function listCapacitySchedules(ctx: BankContext, memberId: string | null): Promise<CapacitySchedule[]> {
  requireInsider(ctx);
  let membershipId: string | null = null;
  if (memberId) {
    const account = await accountOf(ctx, memberId, "self-or-staff");
    if (account.member.timebankId !== ctx.bank.id) throw notFound("member");
    membershipId = account.member.id;
  }
  const rows = await ctx.db.capacitySchedule.findMany({ where: { ...inBank(ctx), membershipId }, orderBy: { effectiveFrom: "asc" } });
  return rows.map(scheduleView);
}

// ----- work logs -----------------------------------------------------------------------------

interface ValidLog {
  workDate: Date;
  minutes: number;
  startMinute: number | null;
  endMinute: number | null;
  breakMinutes: number;
  serviceCommitmentId: string | null;
  note: string | null;
}

/** Validates a log completely before anything is written. */
async function validLog(account: Account, input: WorkLogInput): Promise<ValidLog> {
  const { bank, member } = account;
  const day = parseBankDate(input.date, bank.bank.timezone, "date");
  // Otherwise hours could be banked before they are worked, and taken out as time off.
  if (day > today(bank)) throw badInput("work cannot be logged for a day that has not come yet", "date");
  const time = workTime(input);
  let serviceCommitmentId: string | null = null;
  if (input.serviceCommitment !== undefined && input.serviceCommitment !== null) {
    const id = v.id(input.serviceCommitment, "serviceCommitment");
    const c = await bank.db.serviceCommitment.findFirst({ where: { ...inBank(bank), id, membershipId: member.id } });
    if (!c) throw badInput("no such service commitment for this member", "serviceCommitment");
    if (c.status === "COMPLETED") throw badInput("that service commitment is already completed", "serviceCommitment");
    serviceCommitmentId = c.id;
  }
  return { workDate: fromDay(day), ...time, serviceCommitmentId, note: note(input.note) };
}

/** Community service: hours a coordinator enters (not on their own order) are confirmed at once. */
function confirmation(ctx: RequestContext, account: Account, log: ValidLog) {
  const byManager = isStaff(account.bank.membership) && !account.own;
  return log.serviceCommitmentId && byManager
    ? { confirmedById: ctx.viewer!.personId, confirmedAt: ctx.clock.now() }
    : { confirmedById: null, confirmedAt: null };
}

/**
 * Checks made under the account lock: a day has 1440 minutes however many logs it is split
 * into, and a commitment completed since the input was validated takes no more hours
 * (completion takes the same lock).
 */
async function checkUnderLock(tx: BankContext, membershipId: string, log: ValidLog, excludeId?: string): Promise<void> {
  if (log.serviceCommitmentId) {
    const c = await tx.db.serviceCommitment.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: log.serviceCommitmentId } } });
    if (c.status === "COMPLETED") throw badInput("that service commitment is already completed", "serviceCommitment");
  }
  const others = await tx.db.workLog.aggregate({
    where: { ...inBank(tx), membershipId, workDate: log.workDate, ...(excludeId ? { NOT: { id: excludeId } } : {}) },
    _sum: { minutes: true },
  });
  if ((others._sum.minutes ?? 0) + log.minutes > MINUTES_PER_DAY)
    throw badInput("the work logged on that day would exceed 24 hours", "minutes");
}

/** The member or a coordinator logs work on a day. */
export async function logWork(ctx: RequestContext, memberId: string, input: WorkLogInput): Promise<WorkLog> {
  const account = await accountOf(ctx, memberId, "self-or-staff");
  requireCurrent(account.member);
  const log = await validLog(account, input);
  return inTransaction(account.bank, async (tx) => {
    await lockAccount(tx, account.member.id);
    requireOpen(await closedThrough(tx), toDay(log.workDate), "date");
    await checkUnderLock(tx, account.member.id, log);
    const row = await tx.db.workLog.create({
      data: {
        ...inBank(tx),
        membershipId: account.member.id,
        loggedById: ctx.viewer!.personId,
        ...log,
        ...confirmation(ctx, account, log),
      },
    });
    return workLogView(row);
  });
}

export async function visibleLog(ctx: RequestContext, rawId: string): Promise<{ log: WorkLogRow; account: Account }> {
  const viewer = requireViewer(ctx);
  const id = v.id(rawId, "id");
  // Banks the caller is inside of (not a declined or past membership's): no existence oracle.
  const log = await ctx.db.workLog.findFirst({ where: { id, timebankId: { in: insiderBankIds(viewer) } } });
  if (!log) throw notFound("work log");
  const account = await accountOf(ctx, log.membershipId, "self-or-staff");
  if (log.serviceCommitmentId) {
    const c = await account.bank.db.serviceCommitment.findFirst({ where: { ...inBank(account.bank), id: log.serviceCommitmentId } });
    if (c?.status === "COMPLETED") throw badInput("this work counts towards a completed service commitment and can no longer change", "id");
  }
  return { log, account };
}

/**
 * Replaces a log; the balance is derived, so the old minutes simply stop counting. Neither the
 * old day nor the new one may be in a closed period, and a lower balance is held to the limit.
 */
export async function updateWorkLog(
  ctx: RequestContext,
  id: string,
  input: WorkLogInput,
  overrideLimitReason: string | null = null,
): Promise<WorkLog | BalanceLimitExceeded> {
  const { log: old, account } = await visibleLog(ctx, id);
  requireCurrent(account.member);
  const override = overrideOf(account.bank, overrideLimitReason);
  if (override && account.own) throw forbidden("another coordinator must override a limit on your own account");
  const log = await validLog(account, input);
  return guarded(account.bank, async (tx) => {
    await lockAccount(tx, account.member.id);
    const closed = await closedThrough(tx);
    requireOpen(closed, toDay(old.workDate), "id");
    requireOpen(closed, toDay(log.workDate), "date");
    await checkUnderLock(tx, account.member.id, log, old.id);
    const before = await balancesOf(tx, [account.member.id]);
    const row = await tx.db.workLog.update({
      where: { timebankId_id: { ...inBank(tx), id: old.id } },
      data: { ...log, loggedById: ctx.viewer!.personId, ...confirmation(ctx, account, log) },
    });
    await checkLimits(tx, before.balances, `changing the work log of ${toDay(old.workDate)}`, override, [account.member.id]);
    return workLogView(row);
  });
}

export async function deleteWorkLog(
  ctx: RequestContext,
  id: string,
  overrideLimitReason: string | null = null,
): Promise<DeletedWorkLog | BalanceLimitExceeded> {
  const { log, account } = await visibleLog(ctx, id);
  const override = overrideOf(account.bank, overrideLimitReason);
  if (override && account.own) throw forbidden("another coordinator must override a limit on your own account");
  return guarded(account.bank, async (tx) => {
    await lockAccount(tx, account.member.id);
    requireOpen(await closedThrough(tx), toDay(log.workDate), "id");
    const before = await balancesOf(tx, [account.member.id]);
    await tx.db.workLog.delete({ where: { timebankId_id: { ...inBank(tx), id: log.id } } });
    await checkLimits(tx, before.balances, `deleting the work log of ${toDay(log.workDate)}`, override, [account.member.id]);
    return { id: log.id };
  });
}

function period(ctx: BankContext, from: string, to: string): [CalendarDate, CalendarDate] {
  const start = parseBankDate(from, ctx.bank.timezone, "from");
  const end = parseBankDate(to, ctx.bank.timezone, "to");
  if (end < start) throw badInput("the period ends before it starts", "to");
  return [start, end];
}

export async function listWorkLogs(ctx: RequestContext, memberId: string, from: string, to: string): Promise<WorkLog[]> {
  const { member, bank } = await accountOf(ctx, memberId, "self-or-staff");
  const [start, end] = period(bank, from, to);
  const rows = await bank.db.workLog.findMany({
    where: { ...inBank(bank), membershipId: member.id, workDate: { gte: fromDay(start), lte: fromDay(end) } },
    orderBy: [{ workDate: "asc" }, { startMinute: "asc" }, { createdAt: "asc" }],
    take: 1000,
  });
  return rows.map(workLogView);
}

// ----- the account and its statement ---------------------------------------------------------

export async function timeAccount(ctx: RequestContext, memberId: string): Promise<TimeAccount> {
  const { member, bank } = await accountOf(ctx, memberId, "self-or-staff");
  const [facts, pending] = await Promise.all([
    loadFacts(bank, member.id),
    bank.db.timeOffRequest.aggregate({
      where: { ...inBank(bank), membershipId: member.id, status: "PENDING", absenceType: "TIME_OFF_IN_LIEU" },
      _sum: { minutes: true },
    }),
  ]);
  const day = today(bank);
  const policy = policyOn(facts.policies, day);
  const positions = facts.positions ?? [];
  const monday = addDays(day, -weekdayIndex(day));
  let plannedWeekMinutes = 0;
  for (let i = 0; i < 7; i++) plannedWeekMinutes += capacityOn(facts.schedules, addDays(monday, i), positions);
  const position = positions.filter((p) => p.effectiveFrom <= day).sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
  return {
    ...balanceOf(facts),
    pendingTimeOffMinutes: pending._sum.minutes ?? 0,
    meterOn: policy.meterOn,
    negativeBalanceLimitMinutes: policy.negativeBalanceLimitMinutes,
    capacityTodayMinutes: capacityOn(facts.schedules, day, positions),
    positionPercent: position?.percent ?? 100,
    plannedWeekMinutes,
    closedThrough: await closedThrough(bank),
    membershipId: member.id,
  };
}

export async function timeAccountStatement(ctx: RequestContext, memberId: string, from: string, to: string): Promise<TimeAccountStatement> {
  const { member, bank } = await accountOf(ctx, memberId, "self-or-staff");
  const [start, end] = period(bank, from, to);
  const s = statement(await loadFacts(bank, member.id), start, end);
  return { ...s, days: s.days.map((d) => ({ ...d, weekday: weekdayIndex(d.date) + 1 })), membershipId: member.id };
}

// ----- manual deposits -----------------------------------------------------------------------

/** Manual mode: the member (or a coordinator for them) submits a deposit for a manager to approve. */
export async function submitDeposit(ctx: RequestContext, input: DatedMinutesInput): Promise<DepositRequest | CapacityMeterOn> {
  const { member, bank } = await accountOf(ctx, input.member, "self-or-staff");
  requireCurrent(member);
  const day = parseBankDate(input.date, bank.bank.timezone, "date");
  if (day > today(bank)) throw badInput("hours cannot be deposited for a day that has not come yet", "date");
  requireOpen(await closedThrough(bank), day, "date");
  const minutes = v.intInRange(input.minutes, "minutes", 1, MINUTES_PER_DAY);
  if (policyOn(policiesOf(await bank.db.capacityPolicy.findMany({ where: inBank(bank) })), day).meterOn) return meterIsOn(day);
  const row = await bank.db.depositRequest.create({
    data: {
      ...inBank(bank),
      membershipId: member.id,
      workDate: fromDay(day),
      minutes,
      note: note(input.note),
      submittedById: ctx.viewer!.personId,
    },
  });
  return requestView(row);
}

export type Decision = { decision: "APPROVED" } | { decision: "REFUSED"; reason: string | null };

export function alreadyDecided(status: CapacityRequestStatus) {
  return errorResult(RequestAlreadyDecided, "ALREADY_DECIDED", `this request was already ${status.toLowerCase()}`, {
    currentStatus: status,
  });
}

/** A manager of the member's bank, who is not the member: nobody approves their own hours. */
export async function requestForManager<R extends { membershipId: string }>(
  ctx: RequestContext,
  find: (ids: string[]) => Promise<R | null>,
  what: string,
) {
  const viewer = requireViewer(ctx);
  const request = await find(viewer.memberships.filter(isInsider).map((m) => m.timebankId));
  if (!request) throw notFound(what);
  const account = await accountOf(ctx, request.membershipId, "staff");
  if (account.own) throw forbidden("another coordinator must decide on your own request");
  return { request, account };
}

function meterIsOn(day: CalendarDate) {
  return errorResult(
    CapacityMeterOn,
    "CAPACITY_METER_ON",
    `the capacity meter is on for ${day}: extra hours are deposited from the work log`,
  );
}

export async function decideDeposit(
  ctx: RequestContext,
  rawId: string,
  d: Decision,
): Promise<DepositRequest | RequestAlreadyDecided | CapacityMeterOn> {
  const id = v.id(rawId, "id");
  const reason = d.decision === "REFUSED" ? v.optionalText(d.reason, "reason", 500) : null;
  const { request, account } = await requestForManager(
    ctx,
    (banks) => ctx.db.depositRequest.findFirst({ where: { id, timebankId: { in: banks } } }),
    "deposit request",
  );
  if (d.decision === "APPROVED") {
    // The meter may have been switched on for that day since: the hours would count twice.
    const day = toDay(request.workDate);
    if (
      request.status === "PENDING" &&
      policyOn(policiesOf(await ctx.db.capacityPolicy.findMany({ where: { timebankId: request.timebankId } })), day).meterOn
    ) {
      return meterIsOn(day);
    }
  }
  return inTransaction(account.bank, async (tx) => {
    const now = tx.clock.now();
    // Guarded: only a pending request changes, so two managers cannot both decide it.
    const moved = await tx.db.depositRequest.updateMany({
      where: { ...inBank(tx), id: request.id, status: "PENDING" },
      data: { status: d.decision, decidedById: ctx.viewer!.personId, decidedAt: now, refusalReason: reason },
    });
    const current = await tx.db.depositRequest.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: request.id } } });
    if (moved.count !== 1) return alreadyDecided(current.status);
    requireOpen(await closedThrough(tx), toDay(current.workDate), "id");
    if (d.decision === "APPROVED") {
      await tx.db.timeAccountEntry.create({
        data: {
          ...inBank(tx),
          membershipId: current.membershipId,
          kind: "DEPOSIT",
          entryDate: current.workDate,
          minutes: current.minutes,
          depositRequestId: current.id,
          approvedById: ctx.viewer!.personId,
        },
      });
    }
    return requestView(current);
  });
}

// ----- time off in lieu ----------------------------------------------------------------------

/**
 * The planned minutes of the day, the other absences on it (pending or approved, other than
 * `excludeId`), and whether `minutes` more fit. Throws BAD_USER_INPUT when they do not.
 */
async function requireRoomForAbsence(
  tx: BankContext,
  membershipId: string,
  day: CalendarDate,
  minutes: number,
  excludeId?: string,
): Promise<void> {
  const facts = await loadFacts(tx, membershipId);
  const planned = capacityOn(facts.schedules, day, facts.positions ?? []);
  const others = await tx.db.timeOffRequest.aggregate({
    where: {
      ...inBank(tx),
      membershipId,
      takenOn: fromDay(day),
      status: { in: ["PENDING", "APPROVED"] },
      ...(excludeId ? { NOT: { id: excludeId } } : {}),
    },
    _sum: { minutes: true },
  });
  const refusal = absenceRefusal(planned, others._sum.minutes ?? 0, minutes, day);
  if (refusal) throw badInput(refusal, "minutes");
}

/** An absence on a day, in minutes of the planned time (a partial day is fewer minutes). */
export async function requestTimeOff(
  ctx: RequestContext,
  input: DatedMinutesInput,
  absenceType: AbsenceType = "TIME_OFF_IN_LIEU",
): Promise<TimeOffRequest> {
  const account = await accountOf(ctx, input.member, "self-or-staff");
  const { member, bank } = account;
  requireCurrent(member);
  const day = parseBankDate(input.date, bank.bank.timezone, "date");
  const minutes = v.intInRange(input.minutes, "minutes", 1, MINUTES_PER_DAY);
  const text = note(input.note);
  return inTransaction(bank, async (tx) => {
    await lockAccount(tx, member.id);
    requireOpen(await closedThrough(tx), day, "date");
    await requireRoomForAbsence(tx, member.id, day, minutes);
    const row = await tx.db.timeOffRequest.create({
      data: {
        ...inBank(tx),
        membershipId: member.id,
        takenOn: fromDay(day),
        minutes,
        absenceType,
        note: text,
        submittedById: ctx.viewer!.personId,
      },
    });
    return requestView(row);
  });
}

/**
 * Approves or refuses time off. Approval withdraws it from the balance, unless that would take
 * the balance below minus the organisation's negative limit (in force today).
 */
export async function decideTimeOff(
  ctx: RequestContext,
  rawId: string,
  d: Decision,
  overrideLimitReason: string | null = null,
): Promise<TimeOffRequest | InsufficientTimeBalance | RequestAlreadyDecided> {
  const id = v.id(rawId, "id");
  const reason = d.decision === "REFUSED" ? v.optionalText(d.reason, "reason", 500) : null;
  const { request, account } = await requestForManager(
    ctx,
    (banks) => ctx.db.timeOffRequest.findFirst({ where: { id, timebankId: { in: banks } } }),
    "time-off request",
  );
  const override = overrideOf(account.bank, overrideLimitReason);
  return inTransaction(account.bank, async (tx) => {
    await lockAccount(tx, request.membershipId);
    const current = await tx.db.timeOffRequest.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: request.id } } });
    if (current.status !== "PENDING") return alreadyDecided(current.status);
    if (d.decision === "APPROVED") {
      requireOpen(await closedThrough(tx), toDay(current.takenOn), "id");
      // The plan may have changed since the request: it must still fit.
      await requireRoomForAbsence(tx, current.membershipId, toDay(current.takenOn), current.minutes, current.id);
    }
    if (d.decision === "APPROVED" && current.absenceType === "TIME_OFF_IN_LIEU") {
      const facts = await loadFacts(tx, current.membershipId);
      const { balanceMinutes } = balanceOf(facts);
      const { negativeBalanceLimitMinutes } = policyOn(facts.policies, today(tx));
      if (!mayWithdraw(balanceMinutes, current.minutes, negativeBalanceLimitMinutes) && override !== null) {
        await audit(tx, [
          {
            membershipId: current.membershipId,
            action: "LIMIT_OVERRIDE",
            detail: {
              change: `time off in lieu on ${toDay(current.takenOn)}`,
              reason: override,
              negativeBalanceLimitMinutes,
              balanceBeforeMinutes: balanceMinutes,
              balanceAfterMinutes: balanceMinutes - current.minutes,
            },
          },
        ]);
      } else if (!mayWithdraw(balanceMinutes, current.minutes, negativeBalanceLimitMinutes)) {
        const floor = negativeBalanceLimitMinutes ? `more than ${negativeBalanceLimitMinutes} minutes below zero` : "below zero";
        return errorResult(
          InsufficientTimeBalance,
          "INSUFFICIENT_TIME_BALANCE",
          `the balance is ${balanceMinutes} minutes: ${current.minutes} minutes of time off would take it ${floor}`,
          {
            balanceMinutes,
            requestedMinutes: current.minutes,
            negativeBalanceLimitMinutes,
          },
        );
      }
    }
    const moved = await tx.db.timeOffRequest.updateMany({
      where: { ...inBank(tx), id: current.id, status: "PENDING" },
      data: { status: d.decision, decidedById: ctx.viewer!.personId, decidedAt: tx.clock.now(), refusalReason: reason },
    });
    const decided = await tx.db.timeOffRequest.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: current.id } } });
    if (moved.count !== 1) return alreadyDecided(decided.status);
    if (d.decision === "APPROVED" && current.absenceType === "TIME_OFF_IN_LIEU") {
      await tx.db.timeAccountEntry.create({
        data: {
          ...inBank(tx),
          membershipId: current.membershipId,
          kind: "WITHDRAWAL",
          entryDate: current.takenOn,
          minutes: current.minutes,
          timeOffRequestId: current.id,
          approvedById: ctx.viewer!.personId,
        },
      });
    }
    return requestView(decided);
  });
}

/** Coordinators see every request of their bank; a member sees their own. */
export async function requestFilter(ctx: BankContext, memberId: string | null, status: CapacityRequestStatus | null) {
  const me = requireInsider(ctx);
  const where: { timebankId: string; membershipId?: string; status?: CapacityRequestStatus } = { ...inBank(ctx) };
  if (memberId) {
    const account = await accountOf(ctx, memberId, "self-or-staff");
    if (account.member.timebankId !== ctx.bank.id) throw notFound("member");
    where.membershipId = account.member.id;
  } else if (!isStaff(me)) {
    where.membershipId = me.membershipId;
  }
  if (status) where.status = status;
  return where;
}

export async function listTimeOffRequests(
  ctx: BankContext,
  memberId: string | null,
  status: CapacityRequestStatus | null,
): Promise<TimeOffRequest[]> {
  const where = await requestFilter(ctx, memberId, status);
  return (await ctx.db.timeOffRequest.findMany({ where, orderBy: { submittedAt: "asc" }, take: 200 })).map(requestView);
}

export async function listDepositRequests(
  ctx: BankContext,
  memberId: string | null,
  status: CapacityRequestStatus | null,
): Promise<DepositRequest[]> {
  const where = await requestFilter(ctx, memberId, status);
  return (await ctx.db.depositRequest.findMany({ where, orderBy: { submittedAt: "asc" }, take: 200 })).map(requestView);
}

// ----- community-service commitments ---------------------------------------------------------

export async function createServiceCommitment(ctx: RequestContext, input: ServiceCommitmentInput): Promise<ServiceCommitment> {
  const { member, bank } = await accountOf(ctx, input.member, "staff");
  requireCurrent(member);
  const title = v.text(input.title, "title", { min: 2, max: 200 });
  const requiredMinutes = v.intInRange(input.requiredMinutes, "requiredMinutes", 1, 100_000);
  const dueOn = parseBankDate(input.dueOn, bank.bank.timezone, "dueOn");
  let supervisingInstitutionId: string | null = null;
  if (input.supervisingInstitution !== undefined && input.supervisingInstitution !== null) {
    const institution = await ctx.db.institution.findUnique({
      where: { id: v.id(input.supervisingInstitution, "supervisingInstitution") },
    });
    if (!institution) throw notFound("institution");
    if (institution.kind !== "PROBATION" && institution.kind !== "COURT") {
      throw badInput(
        "a community-service order is supervised by a probation service or a court (an institution of kind PROBATION or COURT)",
        "supervisingInstitution",
      );
    }
    supervisingInstitutionId = institution.id;
  }
  const row = await bank.db.serviceCommitment.create({
    data: {
      ...inBank(bank),
      membershipId: member.id,
      title,
      requiredMinutes,
      dueOn: fromDay(dueOn),
      createdById: ctx.viewer!.personId,
      supervisingInstitutionId,
    },
  });
  return commitmentView(bank, row);
}

/** The bank's coordinators: every community-service order of the bank, oldest due first. */
export async function listBankServiceCommitments(ctx: BankContext, status: ServiceCommitmentStatus | null): Promise<ServiceCommitment[]> {
  requireStaff(ctx);
  const rows = await ctx.db.serviceCommitment.findMany({
    where: { ...inBank(ctx), ...(status ? { status } : {}) },
    orderBy: [{ dueOn: "asc" }, { createdAt: "asc" }],
    take: 500,
  });
  return Promise.all(rows.map((c) => commitmentView(ctx, c)));
}

/** A coordinator (not the person serving it) confirms hours logged against a commitment. */
export async function confirmServiceLog(ctx: RequestContext, rawId: string): Promise<WorkLog> {
  const { log, account } = await visibleLog(ctx, rawId);
  if (!isStaff(account.bank.membership)) throw forbidden("only the bank's coordinators confirm community-service hours");
  if (account.own) throw forbidden("another coordinator must confirm your own community-service hours");
  if (!log.serviceCommitmentId) throw badInput("this work log is not community service: only community-service hours are confirmed", "id");
  return inTransaction(account.bank, async (tx) => {
    await lockAccount(tx, account.member.id);
    await tx.db.workLog.updateMany({
      where: { ...inBank(tx), id: log.id, confirmedAt: null },
      data: { confirmedById: ctx.viewer!.personId, confirmedAt: tx.clock.now() },
    });
    return workLogView(await tx.db.workLog.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: log.id } } }));
  });
}

export async function listServiceCommitments(ctx: RequestContext, memberId: string): Promise<ServiceCommitment[]> {
  const { member, bank } = await accountOf(ctx, memberId, "self-or-staff");
  const rows = await bank.db.serviceCommitment.findMany({
    where: { ...inBank(bank), membershipId: member.id },
    orderBy: [{ dueOn: "asc" }, { createdAt: "asc" }],
  });
  return Promise.all(rows.map((c) => commitmentView(bank, c)));
}

/**
 * A coordinator of the bank records that the order is served: all required hours must be
 * logged and confirmed by the bank, and it is recorded once. The supervising officer then
 * acknowledges it (capacity.probation.ts).
 */
export async function completeServiceCommitment(
  ctx: RequestContext,
  rawId: string,
): Promise<ServiceCommitment | CommitmentNotFulfilled | CommitmentAlreadyCompleted> {
  const id = v.id(rawId, "id");
  const { request: commitment, account } = await requestForManager(
    ctx,
    (banks) => ctx.db.serviceCommitment.findFirst({ where: { id, timebankId: { in: banks } } }),
    "service commitment",
  );
  return inTransaction(account.bank, async (tx) => {
    // Logs against the commitment take the same lock, so progress cannot change under the check.
    await lockAccount(tx, commitment.membershipId);
    const current = await tx.db.serviceCommitment.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: commitment.id } } });
    if (current.status === "COMPLETED")
      return errorResult(CommitmentAlreadyCompleted, "ALREADY_COMPLETED", "the completion of this commitment is already recorded");
    const view = await commitmentView(tx, current);
    if (!view.fulfilled) {
      return errorResult(
        CommitmentNotFulfilled,
        "NOT_FULFILLED",
        `${view.remainingMinutes} of ${current.requiredMinutes} minutes are still to be served`,
        {
          remainingMinutes: view.remainingMinutes,
        },
      );
    }
    if (view.confirmedMinutes < current.requiredMinutes) {
      const unconfirmed = current.requiredMinutes - view.confirmedMinutes;
      return errorResult(
        CommitmentNotFulfilled,
        "NOT_CONFIRMED",
        `${unconfirmed} of ${current.requiredMinutes} minutes are logged but not yet confirmed by the bank`,
        {
          remainingMinutes: unconfirmed,
        },
      );
    }
    const done = await tx.db.serviceCommitment.update({
      where: { timebankId_id: { ...inBank(tx), id: current.id } },
      data: { status: "COMPLETED", completedAt: tx.clock.now(), completionApprovedById: ctx.viewer!.personId },
    });
    return commitmentView(tx, done);
  });
}
