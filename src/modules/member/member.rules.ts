// Pure rules of membership: which status changes are allowed, and what a valid profile is.
import type { MembershipStatus } from "../../generated/prisma/enums";
import { badInput } from "../../common/errors";
import * as v from "../../common/validation";

export type MembershipAction = "approve" | "decline" | "pause" | "resume" | "leave" | "reapply";

export const TRANSITIONS: Record<MembershipAction, { from: readonly MembershipStatus[]; to: MembershipStatus }> = {
  approve: { from: ["APPLIED"], to: "ACTIVE" },
  decline: { from: ["APPLIED"], to: "DECLINED" },
  pause: { from: ["ACTIVE"], to: "PAUSED" },
  resume: { from: ["PAUSED"], to: "ACTIVE" },
  leave: { from: ["APPLIED", "ACTIVE", "PAUSED"], to: "LEFT" },
  reapply: { from: ["LEFT", "DECLINED"], to: "APPLIED" },
};

export function canTransition(action: MembershipAction, current: MembershipStatus): boolean {
  return TRANSITIONS[action].from.includes(current);
}

export function refusalMessage(action: MembershipAction, current: MembershipStatus): string {
  const wanted = TRANSITIONS[action].from.map((s) => s.toLowerCase()).join(" or ");
  return `cannot ${action} a membership that is ${current.toLowerCase()}; it must be ${wanted}`;
}

export interface WindowInput {
  weekday: number;
  startMinute: number;
  endMinute: number;
}

export function validateAvailability(windows: WindowInput[]): WindowInput[] {
  if (windows.length > 50) throw badInput("at most 50 availability windows", "availability");
  const clean = windows.map((w, i) => {
    const field = `availability[${i}]`;
    if (!Number.isInteger(w.weekday) || w.weekday < 1 || w.weekday > 7)
      throw badInput(`${field}.weekday must be 1 (Monday) to 7 (Sunday)`, field);
    if (!Number.isInteger(w.startMinute) || w.startMinute < 0 || w.startMinute > 1439)
      throw badInput(`${field}.startMinute must be 0 to 1439`, field);
    if (!Number.isInteger(w.endMinute) || w.endMinute <= w.startMinute || w.endMinute > 1440) {
      throw badInput(`${field} ends before it starts (endMinute must be after startMinute, at most 1440)`, field);
    }
    return { weekday: w.weekday, startMinute: w.startMinute, endMinute: w.endMinute };
  });
  return clean.sort((a, b) => a.weekday - b.weekday || a.startMinute - b.startMinute);
}

/** Tags are compared in lower case with single spaces. */
export function normaliseTag(raw: string, field = "label"): string {
  const tag = raw.trim().toLowerCase().replace(/\s+/g, " ");
  if (tag.length < 1 || tag.length > 60) throw badInput(`${field} must have 1 to 60 characters`, field);
  return tag;
}

export function validateLanguages(codes: string[]): string[] {
  if (codes.length > 20) throw badInput("at most 20 languages", "languages");
  const clean = codes.map((c) => c.trim().toLowerCase());
  for (const c of clean) if (!/^[a-z]{2,3}$/.test(c)) throw badInput(`'${c}' is not a language code such as 'da' or 'ar'`, "languages");
  return [...new Set(clean)];
}

const PHONE = /^\+?[0-9 ()-]{5,30}$/;

export function validatePhone(raw: string | null | undefined): string | null | undefined {
  if (raw === undefined) return undefined;
  const value = v.optionalText(raw, "contactPhone", 30);
  if (value !== null && !PHONE.test(value)) throw badInput("contactPhone may hold digits, spaces, ( ) - and a leading +", "contactPhone");
  return value;
}
