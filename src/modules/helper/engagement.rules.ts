// How much a member wants to give, and whether they have reached it. Until the ledger records
// exchanges, what a member has committed is the expected minutes of the requests they accepted
// (60 when a request does not say) within a rolling window of 7 days (WEEK) or 30 days (MONTH).
import type { EngagementPeriod } from "../../generated/prisma/enums";
import { badInput } from "../../common/errors";

export const DEFAULT_REQUEST_MINUTES = 60;
export const WINDOW_DAYS: Record<Exclude<EngagementPeriod, "FLEXIBLE">, number> = { WEEK: 7, MONTH: 30 };

export interface EngagementLimit {
  period: EngagementPeriod;
  maxMinutes: number | null;
}

export function validateEngagement(period: EngagementPeriod, maxMinutes: number | null | undefined): EngagementLimit {
  if (period === "FLEXIBLE") {
    if (maxMinutes != null) throw badInput("a flexible engagement has no maximum: leave maxMinutes out", "maxMinutes");
    return { period, maxMinutes: null };
  }
  if (maxMinutes == null || !Number.isInteger(maxMinutes) || maxMinutes < 15 || maxMinutes > 10_000) {
    throw badInput("maxMinutes must be a whole number of minutes from 15 to 10000", "maxMinutes");
  }
  return { period, maxMinutes };
}

/** A member at (or over) their limit is not proposed for more help. */
export function atEngagementLimit(limit: EngagementLimit | null, committedMinutes: number): boolean {
  if (!limit || limit.period === "FLEXIBLE" || limit.maxMinutes === null) return false;
  return committedMinutes >= limit.maxMinutes;
}
