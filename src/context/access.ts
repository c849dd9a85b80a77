// Access rules in one place. Outsiders get NOT_FOUND (a bank's members are not confirmed to
// exist to people outside it); insiders without the right role get FORBIDDEN.
import { forbidden, notFound } from "../common/errors";
import type { BankContext, RequestContext, Viewer, ViewerMembership } from "./context";
import { requireViewer } from "./context";

const STAFF = new Set(["COORDINATOR", "ADMIN"]);

/** Members in good standing (active, or paused but still part of the bank). */
export function isInsider(m: ViewerMembership | null | undefined): m is ViewerMembership {
  return !!m && (m.status === "ACTIVE" || m.status === "PAUSED");
}

export function isStaff(m: ViewerMembership | null | undefined): boolean {
  return !!m && m.status === "ACTIVE" && STAFF.has(m.role);
}

export function isBankAdmin(m: ViewerMembership | null | undefined): boolean {
  return !!m && m.status === "ACTIVE" && m.role === "ADMIN";
}

/** Bank ids whose members the viewer may see. */
export function insiderBankIds(viewer: Viewer | null): string[] {
  return viewer ? viewer.memberships.filter(isInsider).map((m) => m.timebankId) : [];
}

export function membershipIn(viewer: Viewer | null, timebankId: string): ViewerMembership | null {
  return viewer?.memberships.find((m) => m.timebankId === timebankId) ?? null;
}

export function requireInsider(ctx: BankContext): ViewerMembership {
  requireViewer(ctx);
  if (!isInsider(ctx.membership)) throw notFound(`member list of ${ctx.bank.slug}`);
  return ctx.membership;
}

export function requireStaff(ctx: BankContext): ViewerMembership {
  const m = requireInsider(ctx);
  if (!isStaff(m)) throw forbidden("only the bank's coordinators can do this");
  return m;
}

export function requireBankAdmin(ctx: BankContext): ViewerMembership {
  const m = requireInsider(ctx);
  if (!isBankAdmin(m)) throw forbidden("only the bank's admins can do this");
  return m;
}

export function requirePlatformAdmin(ctx: RequestContext): Viewer {
  const viewer = requireViewer(ctx);
  if (!viewer.isPlatformAdmin) throw forbidden("only platform admins can do this");
  return viewer;
}
