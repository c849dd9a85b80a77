// "Earned hours only" (issue 22): a member supervised by an institution (a prisoner by the
// prison) may give away only hours they hold, not the bank's credit, unless the institution
// allows otherwise. A member's floor lets them receive help on credit; it is not meant to let a
// supervised person hand hours they never earned to family outside. The rule holds wherever a
// member gives hours away: inter-bank sends (federation.transfers.ts), gifts and pot donations
// (ledger.service.ts); what the member is told they can give (Account.availableMinutes) says so.
//
// This file imports nothing of the ledger's, so that the ledger may call it without a cycle.
import DataLoader from "dataloader";
import { forgetWithRequestReads } from "../../context/fresh-answers";
import type { Db } from "../../db/database";
import type { Prisma } from "../../generated/prisma/client";

type Reader = Db | Prisma.TransactionClient;

/** The supervision that binds a member account now, if any: not ended, its institution's membership active. */
export async function activeSupervision(db: Reader, timebankId: string, membershipId: string) {
  const s = await db.institutionSupervision.findUnique({
    where: { timebankId_membershipId: { timebankId, membershipId } },
    include: { institutionMembership: true },
  });
  if (!s || s.endedAt || s.institutionMembership.status !== "ACTIVE") return null;
  return s;
}

/** Whether the member may give only what they hold (supervised, and the institution does not allow credit). */
export async function earnedHoursOnly(db: Reader, timebankId: string, membershipId: string | null): Promise<boolean> {
  if (!membershipId) return false;
  const s = await activeSupervision(db, timebankId, membershipId);
  return !!s && !s.institutionMembership.supervisedMayUseCredit;
}

/** Minutes an account holds and has not promised: what an "earned hours only" member may give. */
export function earnedMinutes(a: { balanceMinutes: number; pendingOutMinutes: number }): number {
  return Math.max(0, a.balanceMinutes - a.pendingOutMinutes);
}

/**
 * Inside the giving transaction: locks the account and answers how many minutes it may give when
 * its owner may give only earned hours, or null when the rule does not apply.
 */
export async function earnedMinutesLocked(
  tx: Reader,
  timebankId: string,
  accountId: string,
  membershipId: string | null,
): Promise<number | null> {
  if (!(await earnedHoursOnly(tx, timebankId, membershipId))) return null;
  const [a] = await tx.$queryRaw<{ balanceMinutes: number; pendingOutMinutes: number }[]>`
    SELECT "balanceMinutes", "pendingOutMinutes" FROM "Account" WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid FOR UPDATE`;
  return a ? earnedMinutes(a) : 0;
}

// One batched lookup per request for Account.availableMinutes over many accounts. Keyed by the
// request's loaders object, which lives exactly as long as the request.
const perRequest = new WeakMap<object, DataLoader<string, boolean>>();
forgetWithRequestReads((requestLoaders) => perRequest.delete(requestLoaders));

/** Per request: "<bank id>:<membership id>" -> whether that member may give only earned hours. */
export function earnedOnlyLoader(requestLoaders: object, db: Db): DataLoader<string, boolean> {
  let loader = perRequest.get(requestLoaders);
  if (!loader) {
    loader = new DataLoader<string, boolean>(async (keys) => {
      const pairs = keys.map((k) => k.split(":"));
      const rows = await db.institutionSupervision.findMany({
        where: {
          OR: pairs.map(([timebankId, membershipId]) => ({ timebankId, membershipId })),
          endedAt: null,
          institutionMembership: { status: "ACTIVE", supervisedMayUseCredit: false },
        },
        select: { timebankId: true, membershipId: true },
      });
      const bound = new Set(rows.map((r) => `${r.timebankId}:${r.membershipId}`));
      return keys.map((k) => bound.has(k));
    });
    perRequest.set(requestLoaders, loader);
  }
  return loader;
}

/**
 * Issue 22: an institution's delegates read its account (balance, transfers, statements) in every
 * bank where its membership is active, as a member reads their own. Not the members' accounts:
 * those show only as the other party of a transfer.
 */
export async function delegateReadsAccount(
  db: Reader,
  personId: string,
  account: { timebankId: string; id: string; kind: string },
): Promise<boolean> {
  if (account.kind !== "INSTITUTION") return false;
  const found = await db.institutionMembership.count({
    where: { timebankId: account.timebankId, accountId: account.id, status: "ACTIVE", institution: { delegates: { some: { personId } } } },
  });
  return found > 0;
}
