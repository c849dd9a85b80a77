// Pure ledger arithmetic: what an account can still pay or receive, how a set of transfers
// nets out per account, and how a statement's running balance is computed. The guarded SQL in
// ledger.engine.ts states the same conditions; these functions are what the property tests
// exercise and what the service uses to explain a refusal.
import { createHash } from "node:crypto";
import { badInput } from "../../common/errors";
import * as v from "../../common/validation";

/** One exchange or gift is at most 100 hours: anything larger is a typing error. */
export const MAX_TRANSFER_MINUTES = 6000;
export const MAX_MEMO_LENGTH = 500;
export const MAX_GROUP_LEGS = 50;
/** Limits a coordinator may set, in minutes (1,000 hours either way). */
export const MAX_ACCOUNT_LIMIT_MINUTES = 60_000;
/** The community pot may lend the bank up to this much by default (it pays before donations arrive). */
export const DEFAULT_POT_FLOOR_MINUTES = -30_000;
export const DEFAULT_POT_CEILING_MINUTES = 60_000;

export interface Limits {
  balanceMinutes: number;
  pendingOutMinutes: number;
  pendingInMinutes: number;
  floorMinutes: number;
  ceilingMinutes: number;
}

/** Minutes the account can still pay out: what stays above the floor after every reservation lands. */
export function availableMinutes(a: Limits): number {
  return a.balanceMinutes - a.pendingOutMinutes - a.floorMinutes;
}

/** Minutes the account can still receive before reaching its ceiling, counting promised minutes. */
export function roomMinutes(a: Limits): number {
  return a.ceilingMinutes - a.balanceMinutes - a.pendingInMinutes;
}

/** Whether an account is within its limits (the CHECK constraints of the Account table). */
export function withinLimits(a: Limits): boolean {
  return (
    a.pendingOutMinutes >= 0 &&
    a.pendingInMinutes >= 0 &&
    a.floorMinutes <= a.ceilingMinutes &&
    availableMinutes(a) >= 0 &&
    roomMinutes(a) >= 0
  );
}

export type Refusal = "FLOOR" | "CEILING";

/** Posting a net change of `delta` minutes at once: null when allowed, otherwise which limit is hit. */
export function postingRefusal(a: Limits, delta: number): Refusal | null {
  if (delta < 0 && availableMinutes(a) + delta < 0) return "FLOOR";
  if (delta > 0 && roomMinutes(a) - delta < 0) return "CEILING";
  return null;
}

/** Reserving `minutes` for a PENDING transfer on the paying (out) or receiving (in) side. */
export function reservationRefusal(a: Limits, side: "out" | "in", minutes: number): Refusal | null {
  if (side === "out") return availableMinutes(a) - minutes < 0 ? "FLOOR" : null;
  return roomMinutes(a) - minutes < 0 ? "CEILING" : null;
}

export function post<T extends Limits>(a: T, delta: number): T {
  return { ...a, balanceMinutes: a.balanceMinutes + delta };
}

export function reserve<T extends Limits>(a: T, side: "out" | "in", minutes: number): T {
  return side === "out"
    ? { ...a, pendingOutMinutes: a.pendingOutMinutes + minutes }
    : { ...a, pendingInMinutes: a.pendingInMinutes + minutes };
}

/** A reservation lands (confirm): needs no check, the reservation already counted against the limit. */
export function settle<T extends Limits>(a: T, side: "out" | "in", minutes: number): T {
  return side === "out"
    ? { ...a, balanceMinutes: a.balanceMinutes - minutes, pendingOutMinutes: a.pendingOutMinutes - minutes }
    : { ...a, balanceMinutes: a.balanceMinutes + minutes, pendingInMinutes: a.pendingInMinutes - minutes };
}

/** A reservation is released (reject): nothing moves. */
export function release<T extends Limits>(a: T, side: "out" | "in", minutes: number): T {
  return side === "out"
    ? { ...a, pendingOutMinutes: a.pendingOutMinutes - minutes }
    : { ...a, pendingInMinutes: a.pendingInMinutes - minutes };
}

export interface Leg {
  debitAccountId: string;
  creditAccountId: string;
  minutes: number;
}

/**
 * The net change per account of posting several legs together, in account-id order: the order
 * in which their rows are locked, so two transactions never wait on each other in a circle.
 */
export function netDeltas(legs: readonly Leg[]): Array<{ accountId: string; delta: number }> {
  const map = new Map<string, number>();
  for (const l of legs) {
    map.set(l.debitAccountId, (map.get(l.debitAccountId) ?? 0) - l.minutes);
    map.set(l.creditAccountId, (map.get(l.creditAccountId) ?? 0) + l.minutes);
  }
  return [...map.entries()]
    .filter(([, delta]) => delta !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([accountId, delta]) => ({ accountId, delta }));
}

export interface StatementTransfer {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  minutes: number;
}

export interface StatementLineValue<T> {
  transfer: T;
  inMinutes: number;
  outMinutes: number;
  balanceAfterMinutes: number;
}

/** Lines with a running balance, from an opening balance and the period's posted transfers in order. */
export function statementLines<T extends StatementTransfer>(accountId: string, openingMinutes: number, transfers: readonly T[]) {
  let balance = openingMinutes;
  let totalIn = 0;
  let totalOut = 0;
  const lines: StatementLineValue<T>[] = transfers.map((t) => {
    const inMinutes = t.creditAccountId === accountId ? t.minutes : 0;
    const outMinutes = t.debitAccountId === accountId ? t.minutes : 0;
    balance += inMinutes - outMinutes;
    totalIn += inMinutes;
    totalOut += outMinutes;
    return { transfer: t, inMinutes, outMinutes, balanceAfterMinutes: balance };
  });
  return { openingMinutes, lines, totalInMinutes: totalIn, totalOutMinutes: totalOut, closingMinutes: balance };
}

// ---- input rules ------------------------------------------------------------------------------

export function minutes(value: number, field = "minutes"): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TRANSFER_MINUTES) {
    throw badInput(`${field} must be a whole number of minutes from 1 to ${MAX_TRANSFER_MINUTES} (100 hours)`, field);
  }
  return value;
}

export function memo(raw: string | null | undefined, field = "memo"): string {
  return v.optionalText(raw, field, MAX_MEMO_LENGTH) ?? "";
}

const KEY = /^[\x21-\x7e]{1,128}$/;

/** Idempotency keys are chosen by the client (a uuid is ideal): 1 to 128 printable ASCII characters. */
export function idempotencyKey(raw: string): string {
  if (!KEY.test(raw)) throw badInput("idempotencyKey must be 1 to 128 printable characters without spaces, e.g. a uuid", "idempotencyKey");
  return raw;
}

export function limits(floorMinutes: number, ceilingMinutes: number): { floorMinutes: number; ceilingMinutes: number } {
  v.intInRange(floorMinutes, "floorMinutes", -MAX_ACCOUNT_LIMIT_MINUTES, 0);
  v.intInRange(ceilingMinutes, "ceilingMinutes", 0, MAX_ACCOUNT_LIMIT_MINUTES);
  return { floorMinutes, ceilingMinutes };
}

/** JSON with sorted keys, so the same payload always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** What an idempotency key is bound to: the operation, the person and the normalised payload. */
export function requestHash(operation: string, personId: string, payload: Record<string, unknown>): string {
  return createHash("sha256").update(canonical({ operation, personId, payload })).digest("hex");
}
