// Hard rules of matching, applied before any score: who may never be proposed for a request.
// The candidate query applies the same rules in SQL; proposeMatch checks them here one by one
// so that a coordinator gets the exact reason.
import type { MembershipStatus } from "../../generated/prisma/enums";

export interface EligibilityFacts {
  candidateId: string;
  candidateStatus: MembershipStatus;
  requesterId: string;
  /** The candidate declined a proposal for this request before. */
  declinedThisRequest: boolean;
  requiresVouchedHelper: boolean;
  candidateVouched: boolean;
  /** A valid safeguarding check, or the bank requires none; counts for requests that need a vouched helper. */
  candidateChecked?: boolean;
  /** The candidate has given what they want to give this week or month. */
  candidateAtLimit?: boolean;
}

export type Ineligibility =
  | "CANDIDATE_IS_REQUESTER"
  | "CANDIDATE_NOT_ACTIVE"
  | "CANDIDATE_DECLINED"
  | "CANDIDATE_NOT_VOUCHED"
  | "CANDIDATE_CHECK_EXPIRED"
  | "CANDIDATE_AT_LIMIT";

export const INELIGIBILITY_MESSAGES: Record<Ineligibility, string> = {
  CANDIDATE_IS_REQUESTER: "a member cannot be proposed for their own request",
  CANDIDATE_NOT_ACTIVE: "only active members can be proposed (paused members are resting)",
  CANDIDATE_DECLINED: "this member has already declined this request",
  CANDIDATE_NOT_VOUCHED: "this request needs a helper a coordinator has vouched for",
  CANDIDATE_CHECK_EXPIRED: "this request needs a helper with a valid safeguarding check, and this member has none (it may have expired)",
  CANDIDATE_AT_LIMIT: "this member has already given what they want to give this week or month",
};

/** The first hard rule the candidate breaks, or null when they may be proposed. */
export function ineligibility(f: EligibilityFacts): Ineligibility | null {
  if (f.candidateId === f.requesterId) return "CANDIDATE_IS_REQUESTER";
  if (f.candidateStatus !== "ACTIVE") return "CANDIDATE_NOT_ACTIVE";
  if (f.declinedThisRequest) return "CANDIDATE_DECLINED";
  if (f.requiresVouchedHelper && !f.candidateVouched) return "CANDIDATE_NOT_VOUCHED";
  if (f.requiresVouchedHelper && f.candidateChecked === false) return "CANDIDATE_CHECK_EXPIRED";
  if (f.candidateAtLimit) return "CANDIDATE_AT_LIMIT";
  return null;
}

/** Phrases of one to three words of a text: skill labels that appear in a request are found by index. */
export function phrases(text: string, maxWords = 3): string[] {
  const ws = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const out = new Set<string>();
  for (let i = 0; i < ws.length; i++) {
    for (let n = 1; n <= maxWords && i + n <= ws.length; n++) out.add(ws.slice(i, i + n).join(" "));
  }
  return [...out];
}
