// Pure rules of onboarding: which required steps an application still misses.
import { badInput } from "../../common/errors";

export type OnboardingStep = "INTERVIEW" | "REFERENCES" | "SAFEGUARDING_CHECK";

export interface OnboardingRequirements {
  requireInterview: boolean;
  requiredReferences: number;
  requireSafeguardingCheck: boolean;
}

export const NO_REQUIREMENTS: OnboardingRequirements = { requireInterview: false, requiredReferences: 0, requireSafeguardingCheck: false };

export interface OnboardingFacts {
  interviewsHeld: number;
  referencesChecked: number;
  /** Expiry dates of the member's checks (null: does not expire). */
  checkExpiries: (Date | null)[];
}

/** A check counts while it has no expiry or expires after today (dates are whole days, UTC). */
export function checkIsValid(expiresOn: Date | null, today: Date): boolean {
  return expiresOn === null || expiresOn.getTime() > startOfDay(today).getTime();
}

export function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** The required steps not done yet, in the order an applicant goes through them. */
export function missingSteps(req: OnboardingRequirements, facts: OnboardingFacts, today: Date): OnboardingStep[] {
  const missing: OnboardingStep[] = [];
  if (req.requireInterview && facts.interviewsHeld === 0) missing.push("INTERVIEW");
  if (facts.referencesChecked < req.requiredReferences) missing.push("REFERENCES");
  if (req.requireSafeguardingCheck && !facts.checkExpiries.some((e) => checkIsValid(e, today))) missing.push("SAFEGUARDING_CHECK");
  return missing;
}

export const STEP_MESSAGES: Record<OnboardingStep, (req: OnboardingRequirements, facts: OnboardingFacts) => string> = {
  INTERVIEW: () => "no interview has been held",
  REFERENCES: (req, facts) => `${facts.referencesChecked} of ${req.requiredReferences} references checked`,
  SAFEGUARDING_CHECK: () => "no valid safeguarding check",
};

/** A date argument YYYY-MM-DD as a UTC day. */
export function parseDay(raw: string, field: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw badInput(`${field} must be a date like 2027-02-01`, field);
  const d = new Date(`${raw}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== raw) throw badInput(`${field} is not a real date`, field);
  return d;
}

export const dayString = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 10) : null);
