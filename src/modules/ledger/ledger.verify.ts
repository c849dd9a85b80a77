// Reconciliation (ledger rule 8): every stored balance equals the sum of its posted transfers,
// every stored reservation the sum of its pending transfers, every account lies within its
// limits, and the balances of each bank, and of the federation, add up to zero (every minute
// credited somewhere was debited somewhere else). Used by `npm run ledger:verify` and by tests.
import type { Db } from "../../db/database";
import { withinLimits } from "./ledger.rules";
import { verifyFederation } from "../federation/federation.verify";

export interface LedgerProblem {
  bank: string;
  accountId: string | null;
  problem: string;
}

export interface BankTotals {
  bank: string;
  accounts: number;
  totalBalanceMinutes: number;
}

export interface LedgerReport {
  ok: boolean;
  accounts: number;
  transfers: number;
  banks: BankTotals[];
  federationTotalMinutes: number;
  problems: LedgerProblem[];
}

interface Row {
  slug: string;
  id: string;
  balanceMinutes: number;
  pendingOutMinutes: number;
  pendingInMinutes: number;
  floorMinutes: number;
  ceilingMinutes: number;
  posted: number;
  pendingOut: number;
  pendingIn: number;
}

export async function verifyLedger(db: Db): Promise<LedgerReport> {
  // One statement, so that the stored balances and the transfers are read from one snapshot.
  const rows = await db.$queryRaw<Row[]>`
    WITH moves AS (
      SELECT "timebankId", "creditAccountId" AS account, "minutes" AS posted, 0 AS pout, 0 AS pin FROM "Transfer" WHERE "status" = 'POSTED'
      UNION ALL SELECT "timebankId", "debitAccountId", -"minutes", 0, 0 FROM "Transfer" WHERE "status" = 'POSTED'
      UNION ALL SELECT "timebankId", "debitAccountId", 0, "minutes", 0 FROM "Transfer" WHERE "status" = 'PENDING'
      UNION ALL SELECT "timebankId", "creditAccountId", 0, 0, "minutes" FROM "Transfer" WHERE "status" = 'PENDING'
    ), sums AS (
      SELECT "timebankId", account, SUM(posted)::float8 AS posted, SUM(pout)::float8 AS pout, SUM(pin)::float8 AS pin FROM moves GROUP BY 1, 2
    )
    SELECT b."slug", a."id", a."balanceMinutes", a."pendingOutMinutes", a."pendingInMinutes", a."floorMinutes", a."ceilingMinutes",
           COALESCE(s.posted, 0)::float8 AS posted, COALESCE(s.pout, 0)::float8 AS "pendingOut", COALESCE(s.pin, 0)::float8 AS "pendingIn"
    FROM "Account" a
    JOIN "Timebank" b ON b."id" = a."timebankId"
    LEFT JOIN sums s ON s."timebankId" = a."timebankId" AND s.account = a."id"
    ORDER BY b."slug", a."id"`;
  const [{ count }] = await db.$queryRaw<{ count: number }[]>`SELECT COUNT(*)::float8 AS count FROM "Transfer"`;
  const problems: LedgerProblem[] = [];
  const banks = new Map<string, BankTotals>();
  for (const r of rows) {
    const bank = banks.get(r.slug) ?? { bank: r.slug, accounts: 0, totalBalanceMinutes: 0 };
    bank.accounts++;
    bank.totalBalanceMinutes += r.balanceMinutes;
    banks.set(r.slug, bank);
    if (r.balanceMinutes !== r.posted) {
      problems.push({
        bank: r.slug,
        accountId: r.id,
        problem: `stored balance ${r.balanceMinutes} but posted transfers sum to ${r.posted}`,
      });
    }
    if (r.pendingOutMinutes !== r.pendingOut || r.pendingInMinutes !== r.pendingIn) {
      problems.push({
        bank: r.slug,
        accountId: r.id,
        problem: `stored reservations out ${r.pendingOutMinutes} / in ${r.pendingInMinutes} but pending transfers sum to ${r.pendingOut} / ${r.pendingIn}`,
      });
    }
    if (!withinLimits(r)) {
      problems.push({
        bank: r.slug,
        accountId: r.id,
        problem: `outside its limits: balance ${r.balanceMinutes}, floor ${r.floorMinutes}, ceiling ${r.ceilingMinutes}`,
      });
    }
  }
  for (const b of banks.values()) {
    if (b.totalBalanceMinutes !== 0)
      problems.push({ bank: b.bank, accountId: null, problem: `the bank's balances add up to ${b.totalBalanceMinutes}, not 0` });
  }
  const federationTotalMinutes = [...banks.values()].reduce((sum, b) => sum + b.totalBalanceMinutes, 0);
  if (federationTotalMinutes !== 0)
    problems.push({ bank: "(federation)", accountId: null, problem: `all balances add up to ${federationTotalMinutes}, not 0` });
  // Federation: both legs of every inter-bank transfer, no leg without its twin, mirrored clearing accounts.
  problems.push(...(await verifyFederation(db)));
  return {
    ok: problems.length === 0,
    accounts: rows.length,
    transfers: count,
    banks: [...banks.values()],
    federationTotalMinutes,
    problems,
  };
}
