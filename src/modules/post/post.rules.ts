// Pure rules of posts: what a valid offer or request is, when a post counts as expired, and how a
// moment maps onto the bank's weekly windows. Each refusal is BAD_USER_INPUT naming the field.
import { badInput } from "../../common/errors";
import * as v from "../../common/validation";
import type { PlaceMode, PostKind, PostStatus } from "../../generated/prisma/enums";
import { normaliseTag, validateAvailability, type WindowInput } from "../member/member.rules";

export const MAX_TAGS = 20;
export const MAX_DATES = 30;
/** A post is about one task: a week of minutes is already generous. */
export const MAX_EXPECTED_MINUTES = 7 * 24 * 60;
export const MAX_EXPIRY_DAYS = 366;

export function validateTitle(raw: string): string {
  return v.text(raw, "title", { min: 1, max: 120 });
}

export function validateDescription(raw: string | null | undefined): string {
  return raw === null || raw === undefined ? "" : v.text(raw, "description", { max: 4000 });
}

export function validateTags(raw: string[]): string[] {
  if (raw.length > MAX_TAGS) throw badInput(`at most ${MAX_TAGS} tags`, "tags");
  return [...new Set(raw.map((t) => normaliseTag(t, "tags")))];
}

export function validateExpectedMinutes(raw: number | null | undefined): number | null {
  if (raw === null || raw === undefined) return null;
  return v.intInRange(raw, "expectedMinutes", 1, MAX_EXPECTED_MINUTES);
}

export function validateWindows(raw: WindowInput[]): WindowInput[] {
  return validateAvailability(raw);
}

/** The calendar day of `at` in a time zone, as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Weekday (1 = Monday), minute after midnight and day of `at` in a time zone. */
export function localMoment(at: Date, timeZone: string): { weekday: number; minute: number; date: string } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday")) + 1;
  return { weekday, minute: Number(get("hour")) * 60 + Number(get("minute")), date: localDate(at, timeZone) };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Specific days (YYYY-MM-DD), today or later in the bank's time zone, sorted and without repeats. */
export function validateDates(raw: string[], now: Date, timeZone: string): string[] {
  if (raw.length > MAX_DATES) throw badInput(`at most ${MAX_DATES} dates`, "dates");
  const today = localDate(now, timeZone);
  const clean = raw.map((d, i) => {
    const day = d.trim();
    const parsed = DAY.test(day) ? new Date(`${day}T00:00:00Z`) : null;
    if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) {
      throw badInput(`dates[${i}] must be a day like 2027-02-01`, `dates[${i}]`);
    }
    if (day < today) throw badInput(`dates[${i}] (${day}) is in the past`, `dates[${i}]`);
    return day;
  });
  return [...new Set(clean)].sort();
}

/** Expiry must lie ahead, and not absurdly far. */
export function validateExpiry(raw: Date | null | undefined, now: Date): Date | null {
  if (raw === null || raw === undefined) return null;
  if (!(raw instanceof Date) || Number.isNaN(raw.getTime())) throw badInput("expiresAt is not a valid date-time", "expiresAt");
  if (raw.getTime() <= now.getTime()) throw badInput("expiresAt is in the past: a post must expire in the future", "expiresAt");
  if (raw.getTime() > now.getTime() + MAX_EXPIRY_DAYS * 86_400_000)
    throw badInput(`expiresAt is more than ${MAX_EXPIRY_DAYS} days ahead`, "expiresAt");
  return raw;
}

/** A home visit needs a vouched helper unless the requester says otherwise; offers have no such requirement. */
export function requiresVouchedHelper(kind: PostKind, placeMode: PlaceMode, asked: boolean | null | undefined): boolean {
  if (kind === "OFFER") {
    if (asked) throw badInput("only requests can require a vouched helper", "requiresVouchedHelper");
    return false;
  }
  return asked ?? placeMode === "AT_HOME";
}

/** The status a reader sees: an open post past its expiry is EXPIRED. */
export function effectiveStatus(post: { status: PostStatus; expiresAt: Date | null }, now: Date): PostStatus {
  return post.status === "OPEN" && post.expiresAt !== null && post.expiresAt.getTime() <= now.getTime() ? "EXPIRED" : post.status;
}
