// Pure rules of capacity time accounts (flexitime), after the rules of the Svenn timesheet:
// - capacity is planned minutes per weekday, from a date; a person's override beats the
//   organisation default, and the latest schedule whose effectiveFrom <= the day is in force;
// - with the capacity meter ON, every logged minute beyond the day's capacity is deposited
//   (all of them on a day with capacity 0); a short day withdraws nothing;
// - with the meter OFF (manual mode) logged hours do not touch the account: only approved
//   manual deposits do;
// - approved time off in lieu is withdrawn; payouts leave the account; a manager's corrections
//   add or take minutes; balance = deposits - withdrawals - payouts + corrections;
// - approved absences of every type cover planned time on their day (docs/capacity.md);
// - a person's plan is their own schedule, or the organisation default scaled by their
//   position percentage, whichever was set from the later date.
// Nothing here reads the database or the clock: the service gathers the facts and asks.
import { badInput } from "../../common/errors";

/** A calendar date in the bank's time zone, "YYYY-MM-DD". Strings of this shape sort by date. */
export type CalendarDate = string;

export const MINUTES_PER_DAY = 1440;
export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Planned minutes for Monday..Sunday (index 0 = Monday). */
export type WeeklyMinutes = readonly [number, number, number, number, number, number, number];

export interface ScheduleFact {
  effectiveFrom: CalendarDate;
  /** true: a person's override; false: the organisation default. */
  personal: boolean;
  weekdayMinutes: WeeklyMinutes;
}

export interface PolicyFact {
  effectiveFrom: CalendarDate;
  meterOn: boolean;
  negativeBalanceLimitMinutes: number;
}

export interface DatedMinutes {
  date: CalendarDate;
  minutes: number;
}

export interface PositionFact {
  effectiveFrom: CalendarDate;
  /** 1..100: the share of the organisation default this person works. */
  percent: number;
}

export type AbsenceKind = "TIME_OFF_IN_LIEU" | "SICKNESS" | "CHILD_SICKNESS" | "HOLIDAY";

export interface AbsenceFact extends DatedMinutes {
  type: AbsenceKind;
}

/** Everything the balance of one person's time account is derived from. */
export interface TimeAccountFacts {
  schedules: readonly ScheduleFact[];
  policies: readonly PolicyFact[];
  /** Net minutes worked, one element per work log (several logs on a day add up). */
  logs: readonly DatedMinutes[];
  /** Approved manual deposits. */
  deposits: readonly DatedMinutes[];
  /** Approved time off in lieu. */
  withdrawals: readonly DatedMinutes[];
  /** Position percentages over time (none: 100 %). */
  positions?: readonly PositionFact[];
  /** Approved absences of every type (time off in lieu included): they cover planned time. */
  absences?: readonly AbsenceFact[];
  /** Approved payouts, dated the day they left the account. */
  payouts?: readonly DatedMinutes[];
  /** Managers' corrections, signed (+ adds to the balance). */
  corrections?: readonly DatedMinutes[];
}

/** With no policy row the meter is on and the balance may not go below zero. */
export const DEFAULT_POLICY: Omit<PolicyFact, "effectiveFrom"> = { meterOn: true, negativeBalanceLimitMinutes: 0 };

// ----- calendar dates ------------------------------------------------------------------------

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] && +m[1] >= 1900 && +m[1] <= 2200;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** 0 = Monday ... 6 = Sunday. */
export function weekdayIndex(date: CalendarDate): number {
  return (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
}

export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatter(timezone: string): Intl.DateTimeFormat {
  let f = offsetFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      timeZoneName: "longOffset",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    offsetFormatters.set(timezone, f);
  }
  return f;
}

/** The zone's UTC offset in minutes at an instant, and the calendar date there. */
export function zoneAt(timezone: string, instant: Date): { offsetMinutes: number; date: CalendarDate } {
  const parts = offsetFormatter(timezone).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const name = get("timeZoneName"); // "GMT", "GMT+01:00", "GMT-03:30"
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  const offsetMinutes = m && m[1] ? (m[1] === "-" ? -1 : 1) * (+m[2] * 60 + +m[3]) : 0;
  return { offsetMinutes, date: `${get("year")}-${get("month")}-${get("day")}` };
}

/** Today's calendar date in the bank's time zone. */
export function todayIn(timezone: string, now: Date): CalendarDate {
  return zoneAt(timezone, now).date;
}

function parseOffset(text: string): number {
  if (text === "Z") return 0;
  return (text[0] === "-" ? -1 : 1) * (+text.slice(1, 3) * 60 + +text.slice(4, 6));
}

const DATE_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads a calendar date for the bank: "2026-11-16", or the same with the bank's own UTC offset
 * ("2026-11-16+01:00", "2026-11-16T08:00:00+01:00"). A date written in another time zone
 * would name a different day for the bank, so it is refused rather than converted.
 */
export function parseBankDate(raw: string, timezone: string, field: string): CalendarDate {
  const value = raw.trim();
  if (DATE.test(value)) {
    if (!isCalendarDate(value)) throw badInput(`${field} is not a real date`, field);
    return value;
  }
  const withOffset = DATE_WITH_OFFSET.exec(value);
  if (withOffset) {
    const [, date, offsetText] = withOffset;
    if (!isCalendarDate(date)) throw badInput(`${field} is not a real date`, field);
    if (!offsetsOnDay(timezone, date).has(parseOffset(offsetText))) throw otherZone(field, timezone);
    return date;
  }
  const dateTime = DATE_TIME.exec(value);
  if (dateTime) {
    const [, date, offsetText] = dateTime;
    const instant = new Date(value);
    if (!isCalendarDate(date) || Number.isNaN(instant.getTime())) throw badInput(`${field} is not a real date`, field);
    if (zoneAt(timezone, instant).offsetMinutes !== parseOffset(offsetText)) throw otherZone(field, timezone);
    return date;
  }
  throw badInput(`${field} must be a date like 2026-11-16`, field);
}

function otherZone(field: string, timezone: string) {
  return badInput(
    `${field} is given in another time zone: dates are calendar days in the bank's time zone (${timezone}); give it without an offset`,
    field,
  );
}

/** The UTC offsets the zone uses at some moment of a calendar day (two on a DST change day). */
function offsetsOnDay(timezone: string, date: CalendarDate): Set<number> {
  const found = new Set<number>();
  const start = Date.parse(`${date}T00:00:00Z`) - 15 * 3_600_000;
  for (let h = 0; h <= 54; h++) {
    const z = zoneAt(timezone, new Date(start + h * 3_600_000));
    if (z.date === date) found.add(z.offsetMinutes);
  }
  return found;
}

// ----- work logs -----------------------------------------------------------------------------

/** "HH:MM" to minutes after midnight; "24:00" is the end of the day. */
export function parseClockTime(raw: string, field: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(raw.trim());
  if (!m || +m[2] > 59 || +m[1] > 24 || (+m[1] === 24 && +m[2] !== 0)) throw badInput(`${field} must be a time like 08:00`, field);
  return +m[1] * 60 + +m[2];
}

export interface WorkTimeInput {
  minutes?: number | null;
  start?: string | null;
  end?: string | null;
  breakMinutes?: number | null;
}

export interface WorkTime {
  minutes: number;
  startMinute: number | null;
  endMinute: number | null;
  breakMinutes: number;
}

/** Net minutes worked on one day: either given, or end - start - break. */
export function workTime(input: WorkTimeInput): WorkTime {
  const hasClock = (input.start ?? null) !== null || (input.end ?? null) !== null;
  const hasMinutes = input.minutes !== undefined && input.minutes !== null;
  if (hasClock && hasMinutes) throw badInput("give either minutes or start and end, not both", "minutes");
  if (!hasClock) {
    if (!hasMinutes) throw badInput("give the minutes worked, or start and end", "minutes");
    if ((input.breakMinutes ?? 0) !== 0)
      throw badInput("a break is subtracted from start and end: give start and end with it", "breakMinutes");
    const minutes = input.minutes!;
    if (!Number.isInteger(minutes) || minutes < 0) throw badInput("minutes worked cannot be negative", "minutes");
    if (minutes > MINUTES_PER_DAY) throw badInput("a day has at most 1440 minutes", "minutes");
    return { minutes, startMinute: null, endMinute: null, breakMinutes: 0 };
  }
  if (!input.start || !input.end) throw badInput("give both start and end", input.start ? "end" : "start");
  const startMinute = parseClockTime(input.start, "start");
  const endMinute = parseClockTime(input.end, "end");
  if (startMinute >= MINUTES_PER_DAY) throw badInput("start must be before 24:00", "start");
  if (endMinute <= startMinute) throw badInput("end is before start (log work after midnight on the next day)", "end");
  const breakMinutes = input.breakMinutes ?? 0;
  if (!Number.isInteger(breakMinutes) || breakMinutes < 0) throw badInput("breakMinutes cannot be negative", "breakMinutes");
  if (breakMinutes > endMinute - startMinute) throw badInput("the break is longer than the time between start and end", "breakMinutes");
  return { minutes: endMinute - startMinute - breakMinutes, startMinute, endMinute, breakMinutes };
}

/** Planned minutes per weekday, each 0..1440. */
export function validateWeeklyMinutes(values: readonly (number | null | undefined)[]): WeeklyMinutes {
  return values.map((v, i) => {
    const minutes = v ?? 0;
    const field = `${WEEKDAYS[i]}Minutes`;
    if (!Number.isInteger(minutes) || minutes < 0 || minutes > MINUTES_PER_DAY) throw badInput(`${field} must be 0 to 1440 minutes`, field);
    return minutes;
  }) as unknown as WeeklyMinutes;
}

// ----- capacity and the balance --------------------------------------------------------------

function latestInForce<T extends { effectiveFrom: CalendarDate }>(rows: readonly T[], day: CalendarDate): T | null {
  let best: T | null = null;
  for (const r of rows) if (r.effectiveFrom <= day && (!best || r.effectiveFrom > best.effectiveFrom)) best = r;
  return best;
}

/** The schedule in force on a day: the person's latest override, else the organisation's latest default. */
export function scheduleInForce(schedules: readonly ScheduleFact[], day: CalendarDate): ScheduleFact | null {
  return (
    latestInForce(
      schedules.filter((s) => s.personal),
      day,
    ) ??
    latestInForce(
      schedules.filter((s) => !s.personal),
      day,
    )
  );
}

/**
 * Planned minutes on a day; 0 when no schedule is in force (then every logged minute counts as
 * extra). A person's own schedule wins unless a position percentage was set from a later date;
 * otherwise the organisation default is scaled by the position in force (100 % without one),
 * rounded to the minute per day: 80 % of 450 minutes is 360.
 */
export function capacityOn(schedules: readonly ScheduleFact[], day: CalendarDate, positions: readonly PositionFact[] = []): number {
  const weekday = weekdayIndex(day);
  const own = latestInForce(
    schedules.filter((s) => s.personal),
    day,
  );
  const position = latestInForce(positions, day);
  if (own && (!position || own.effectiveFrom >= position.effectiveFrom)) return own.weekdayMinutes[weekday];
  const base = latestInForce(
    schedules.filter((s) => !s.personal),
    day,
  );
  if (!base) return 0;
  return Math.round((base.weekdayMinutes[weekday] * (position ? position.percent : 100)) / 100);
}

/** The planned week a position percentage gives: 80 % of 37.5 h = 30 h. */
export function derivedWeek(base: WeeklyMinutes, percent: number): WeeklyMinutes {
  return base.map((m) => Math.round((m * percent) / 100)) as unknown as WeeklyMinutes;
}

export function policyOn(policies: readonly PolicyFact[], day: CalendarDate): Omit<PolicyFact, "effectiveFrom"> {
  const p = latestInForce(policies, day);
  return p ? { meterOn: p.meterOn, negativeBalanceLimitMinutes: p.negativeBalanceLimitMinutes } : DEFAULT_POLICY;
}

/** Deposits only are automatic: minutes beyond capacity go in, a short day takes nothing out. */
export function automaticDeposit(capacityMinutes: number, loggedMinutes: number, meterOn: boolean): number {
  return meterOn ? Math.max(0, loggedMinutes - capacityMinutes) : 0;
}

export interface DayLine {
  date: CalendarDate;
  meterOn: boolean;
  capacityMinutes: number;
  loggedMinutes: number;
  /** Deposited by the capacity meter (meter on) plus approved manual deposits. */
  depositedMinutes: number;
  automaticDepositMinutes: number;
  manualDepositMinutes: number;
  withdrawnMinutes: number;
  /** Approved absences of every type on the day (they cover planned time). */
  absenceMinutes: number;
  payoutMinutes: number;
  /** Signed. */
  correctionMinutes: number;
  /** Balance at the end of the day. */
  balanceMinutes: number;
}

export interface Totals {
  capacityMinutes: number;
  loggedMinutes: number;
  depositedMinutes: number;
  withdrawnMinutes: number;
  absenceMinutes: number;
  payoutMinutes: number;
  correctionMinutes: number;
}

export interface Statement {
  from: CalendarDate;
  to: CalendarDate;
  openingBalanceMinutes: number;
  closingBalanceMinutes: number;
  days: DayLine[];
  totals: Totals;
}

function sumByDate(items: readonly DatedMinutes[]): Map<CalendarDate, number> {
  const map = new Map<CalendarDate, number>();
  for (const i of items) map.set(i.date, (map.get(i.date) ?? 0) + i.minutes);
  return map;
}

/** An absence covers planned time: the meter counts it with the work logged that day. */
function dayFigures(facts: TimeAccountFacts, date: CalendarDate, logged: number, absent: number, manual: number, withdrawn: number) {
  const capacityMinutes = capacityOn(facts.schedules, date, facts.positions ?? []);
  const { meterOn } = policyOn(facts.policies, date);
  const automaticDepositMinutes = automaticDeposit(capacityMinutes, logged + absent, meterOn);
  return {
    meterOn,
    capacityMinutes,
    automaticDepositMinutes,
    depositedMinutes: automaticDepositMinutes + manual,
    withdrawnMinutes: withdrawn,
  };
}

export interface Balance {
  depositedMinutes: number;
  withdrawnMinutes: number;
  payoutMinutes: number;
  correctionMinutes: number;
  balanceMinutes: number;
}

const sum = (values: Iterable<number>) => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/**
 * The balance over everything recorded (past and already-approved future time off), or up to
 * and including `until`. Only days with something on them can move it, so those are walked.
 */
export function balanceOf(facts: TimeAccountFacts, until?: CalendarDate): Balance {
  const within = (d: DatedMinutes) => until === undefined || d.date <= until;
  const logged = sumByDate(facts.logs.filter(within));
  const absent = sumByDate((facts.absences ?? []).filter(within));
  let depositedMinutes = sum(facts.deposits.filter(within).map((d) => d.minutes));
  for (const date of new Set([...logged.keys(), ...absent.keys()])) {
    depositedMinutes += dayFigures(facts, date, logged.get(date) ?? 0, absent.get(date) ?? 0, 0, 0).automaticDepositMinutes;
  }
  const withdrawnMinutes = sum(facts.withdrawals.filter(within).map((d) => d.minutes));
  const payoutMinutes = sum((facts.payouts ?? []).filter(within).map((d) => d.minutes));
  const correctionMinutes = sum((facts.corrections ?? []).filter(within).map((d) => d.minutes));
  return {
    depositedMinutes,
    withdrawnMinutes,
    payoutMinutes,
    correctionMinutes,
    balanceMinutes: depositedMinutes - withdrawnMinutes - payoutMinutes + correctionMinutes,
  };
}

export const MAX_STATEMENT_DAYS = 400;

/** One line per day from `from` to `to` (inclusive) with a running balance, and the totals. */
export function statement(facts: TimeAccountFacts, from: CalendarDate, to: CalendarDate): Statement {
  if (to < from) throw badInput("the statement period ends before it starts", "to");
  if (daysBetween(from, to) + 1 > MAX_STATEMENT_DAYS) throw badInput(`a statement covers at most ${MAX_STATEMENT_DAYS} days`, "to");
  const openingBalanceMinutes = balanceOf(facts, addDays(from, -1)).balanceMinutes;
  const logged = sumByDate(facts.logs);
  const manual = sumByDate(facts.deposits);
  const withdrawn = sumByDate(facts.withdrawals);
  const absent = sumByDate(facts.absences ?? []);
  const paid = sumByDate(facts.payouts ?? []);
  const corrected = sumByDate(facts.corrections ?? []);
  const totals: Totals = {
    capacityMinutes: 0,
    loggedMinutes: 0,
    depositedMinutes: 0,
    withdrawnMinutes: 0,
    absenceMinutes: 0,
    payoutMinutes: 0,
    correctionMinutes: 0,
  };
  const days: DayLine[] = [];
  let running = openingBalanceMinutes;
  for (let date = from; date <= to; date = addDays(date, 1)) {
    const loggedMinutes = logged.get(date) ?? 0;
    const manualDepositMinutes = manual.get(date) ?? 0;
    const absenceMinutes = absent.get(date) ?? 0;
    const payoutMinutes = paid.get(date) ?? 0;
    const correctionMinutes = corrected.get(date) ?? 0;
    const f = dayFigures(facts, date, loggedMinutes, absenceMinutes, manualDepositMinutes, withdrawn.get(date) ?? 0);
    running += f.depositedMinutes - f.withdrawnMinutes - payoutMinutes + correctionMinutes;
    days.push({
      date,
      loggedMinutes,
      manualDepositMinutes,
      absenceMinutes,
      payoutMinutes,
      correctionMinutes,
      ...f,
      balanceMinutes: running,
    });
    totals.capacityMinutes += f.capacityMinutes;
    totals.loggedMinutes += loggedMinutes;
    totals.depositedMinutes += f.depositedMinutes;
    totals.withdrawnMinutes += f.withdrawnMinutes;
    totals.absenceMinutes += absenceMinutes;
    totals.payoutMinutes += payoutMinutes;
    totals.correctionMinutes += correctionMinutes;
  }
  return { from, to, openingBalanceMinutes, closingBalanceMinutes: running, days, totals };
}

/**
 * Whether time off of `minutes` may be approved: the balance after it must stay at or above
 * minus the organisation's negative limit (0: no negative balance).
 */
export function mayWithdraw(balanceMinutes: number, minutes: number, negativeBalanceLimitMinutes: number): boolean {
  return balanceMinutes - minutes >= -negativeBalanceLimitMinutes;
}

/**
 * Whether a change takes a balance below its limit: only a change that lowers the balance is
 * refused, so a balance already below a limit that was tightened since can still be raised.
 */
export function breaksLimit(beforeMinutes: number, afterMinutes: number, negativeBalanceLimitMinutes: number): boolean {
  return afterMinutes < beforeMinutes && afterMinutes < -negativeBalanceLimitMinutes;
}

// ----- periods -------------------------------------------------------------------------------

export type PeriodKind = "WEEK" | "MONTH";

/** The period (Monday-Sunday week, or calendar month) a day belongs to. */
export function periodOf(kind: PeriodKind, day: CalendarDate): { start: CalendarDate; end: CalendarDate } {
  if (kind === "WEEK") {
    const start = addDays(day, -weekdayIndex(day));
    return { start, end: addDays(start, 6) };
  }
  const start = `${day.slice(0, 8)}01`;
  const next = new Date(`${start}T00:00:00Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return { start, end: addDays(next.toISOString().slice(0, 10), -1) };
}

/**
 * Time off of `minutes` on a day: it must fit within what is planned that day, with the other
 * absences already asked for or approved. Returns the refusal, or null.
 */
export function absenceRefusal(plannedMinutes: number, otherAbsenceMinutes: number, minutes: number, day: CalendarDate): string | null {
  if (plannedMinutes === 0) return `nothing is planned on ${day}: there is no working time to take off`;
  if (otherAbsenceMinutes + minutes > plannedMinutes) {
    const left = Math.max(0, plannedMinutes - otherAbsenceMinutes);
    return `${plannedMinutes} minutes are planned on ${day}${otherAbsenceMinutes ? ` and ${otherAbsenceMinutes} are already taken off` : ""}: at most ${left} more can be taken off`;
  }
  return null;
}

/** Progress of a community-service commitment. */
export function commitmentProgress(requiredMinutes: number, loggedMinutes: number, dueOn: CalendarDate, today: CalendarDate) {
  const remainingMinutes = Math.max(0, requiredMinutes - loggedMinutes);
  return {
    loggedMinutes,
    remainingMinutes,
    fulfilled: remainingMinutes === 0,
    overdue: remainingMinutes > 0 && today > dueOn,
    percentDone: Math.min(100, Math.floor((loggedMinutes * 100) / requiredMinutes)),
  };
}
