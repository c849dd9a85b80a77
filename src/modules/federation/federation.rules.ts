// Pure federation arithmetic: which cap applies to which side of a partnership, and which
// calendar month an instant falls in for a bank. Exercised by federation.rules.spec.ts.
import type { Partnership } from "../../generated/prisma/client";

type Caps = Pick<Partnership, "proposerBankId" | "proposerToPartnerCapMinutes" | "partnerToProposerCapMinutes">;

/** Net minutes bank `timebankId` may send to (outgoing) and receive from (incoming) its partner. */
export function capsFor(p: Caps, timebankId: string): { outgoing: number; incoming: number } {
  const proposer = p.proposerBankId === timebankId;
  return {
    outgoing: proposer ? p.proposerToPartnerCapMinutes : p.partnerToProposerCapMinutes,
    incoming: proposer ? p.partnerToProposerCapMinutes : p.proposerToPartnerCapMinutes,
  };
}

/**
 * Limits of a bank's clearing account for a partner. Its balance is the net minutes the bank's
 * side has sent (outgoing legs credit it, incoming legs debit it), so the ledger's own floor and
 * ceiling checks hold the partnership's exposure caps.
 */
export function clearingLimits(p: Caps, timebankId: string): { floorMinutes: number; ceilingMinutes: number } {
  const caps = capsFor(p, timebankId);
  return { floorMinutes: -caps.incoming, ceilingMinutes: caps.outgoing };
}

/** "2026-10": the calendar month of an instant in the bank's time zone (caps count per month). */
export function monthOf(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit" }).format(instant).slice(0, 7);
}
