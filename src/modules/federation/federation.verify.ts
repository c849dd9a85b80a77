// Reconciliation of the federation (ledger rules 1 and 6), run by ledger:verify after the
// per-bank checks: every InterBankTransfer has both legs, in the right banks, for the same
// minutes, in the state its own status says; no INTER_BANK leg exists without its transfer;
// and the two clearing accounts of every partnership mirror each other (what one bank's side
// sent is what the other's received). Read in one REPEATABLE READ snapshot.
import type { Db } from "../../db/database";
import type { LedgerProblem } from "../ledger/ledger.verify";

interface PairRow {
  id: string;
  bank: string;
  status: string;
  minutes: number;
  src_status: string | null;
  src_minutes: number | null;
  src_group: string | null;
  src_kind: string | null;
  dst_status: string | null;
  dst_minutes: number | null;
  dst_group: string | null;
  dst_kind: string | null;
}

/** The leg status each InterBankTransfer status requires of both legs. */
const LEG_STATUS: Record<string, string> = {
  PENDING_APPROVAL: "PENDING",
  PENDING_ACCEPTANCE: "PENDING",
  POSTED: "POSTED",
  VOIDED: "VOIDED",
  EXPIRED: "VOIDED",
};

export async function verifyFederation(db: Db): Promise<LedgerProblem[]> {
  return db.$transaction(
    async (tx) => {
      const problems: LedgerProblem[] = [];
      const pairs = await tx.$queryRaw<PairRow[]>`
        SELECT i."id", b."slug" AS bank, i."status"::text AS status, i."minutes",
               s."status"::text AS src_status, s."minutes" AS src_minutes, s."groupId" AS src_group, s."kind"::text AS src_kind,
               d."status"::text AS dst_status, d."minutes" AS dst_minutes, d."groupId" AS dst_group, d."kind"::text AS dst_kind
        FROM "InterBankTransfer" i
        JOIN "Timebank" b ON b."id" = i."timebankId"
        LEFT JOIN "Transfer" s ON s."timebankId" = i."timebankId" AND s."id" = i."sourceTransferId"
        LEFT JOIN "Transfer" d ON d."timebankId" = i."targetTimebankId" AND d."id" = i."targetTransferId"`;
      for (const p of pairs) {
        const where = { bank: p.bank, accountId: null };
        for (const [side, status, minutes, group, kind] of [
          ["source", p.src_status, p.src_minutes, p.src_group, p.src_kind],
          ["target", p.dst_status, p.dst_minutes, p.dst_group, p.dst_kind],
        ] as const) {
          if (status === null) {
            problems.push({ ...where, problem: `inter-bank transfer ${p.id} has no ${side} leg` });
            continue;
          }
          if (kind !== "INTER_BANK" || group !== p.id || minutes !== p.minutes) {
            problems.push({
              ...where,
              problem: `inter-bank transfer ${p.id}: its ${side} leg is not an INTER_BANK leg of ${p.minutes} minutes naming it`,
            });
          }
          if (status !== LEG_STATUS[p.status]) {
            problems.push({ ...where, problem: `inter-bank transfer ${p.id} is ${p.status} but its ${side} leg is ${status}` });
          }
        }
      }
      const orphans = await tx.$queryRaw<{ id: string; bank: string }[]>`
        SELECT t."id", b."slug" AS bank FROM "Transfer" t JOIN "Timebank" b ON b."id" = t."timebankId"
        WHERE t."kind"::text = 'INTER_BANK' AND NOT EXISTS (
          SELECT 1 FROM "InterBankTransfer" i WHERE i."id" = t."groupId"
            AND ((i."timebankId" = t."timebankId" AND i."sourceTransferId" = t."id") OR (i."targetTimebankId" = t."timebankId" AND i."targetTransferId" = t."id")))`;
      for (const o of orphans)
        problems.push({ bank: o.bank, accountId: null, problem: `inter-bank leg ${o.id} has no twin: no inter-bank transfer names it` });
      const clearings = await tx.$queryRaw<
        { partnershipId: string; bank: string; accountId: string; balance: number; pout: number; pin: number }[]
      >`
        SELECT c."partnershipId", b."slug" AS bank, a."id" AS "accountId", a."balanceMinutes" AS balance, a."pendingOutMinutes" AS pout, a."pendingInMinutes" AS pin
        FROM "PartnerClearing" c JOIN "Account" a ON a."timebankId" = c."timebankId" AND a."id" = c."accountId"
        JOIN "Timebank" b ON b."id" = c."timebankId" ORDER BY c."partnershipId", b."slug"`;
      const byPartnership = new Map<string, typeof clearings>();
      for (const c of clearings) byPartnership.set(c.partnershipId, [...(byPartnership.get(c.partnershipId) ?? []), c]);
      for (const [id, sides] of byPartnership) {
        if (sides.length !== 2) {
          problems.push({
            bank: sides[0].bank,
            accountId: sides[0].accountId,
            problem: `partnership ${id} has ${sides.length} clearing account(s), not 2`,
          });
          continue;
        }
        const [a, b] = sides;
        if (a.balance + b.balance !== 0 || a.pin !== b.pout || a.pout !== b.pin) {
          problems.push({
            bank: `${a.bank}/${b.bank}`,
            accountId: null,
            problem: `partnership ${id}: clearing accounts do not mirror (balances ${a.balance} and ${b.balance}, pending in/out ${a.pin}/${a.pout} and ${b.pin}/${b.pout})`,
          });
        }
      }
      return problems;
    },
    { isolationLevel: "RepeatableRead" },
  );
}
