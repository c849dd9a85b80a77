// npm run ledger:verify
// Checks, per bank and federation-wide, that every stored balance equals the sum of its posted
// transfers, that reservations equal the pending transfers, that no account is outside its
// limits and that all balances add up to zero. Exits 1 naming the accounts when not.
// Uses DATABASE_URL (PostgreSQL) or the embedded database in DATA_DIR, like the server.
import "reflect-metadata";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { verifyLedger } from "../src/modules/ledger/ledger.verify";

async function main() {
  const db = await openDatabase(loadConfig());
  try {
    const report = await verifyLedger(db.prisma);
    for (const b of report.banks)
      console.log(`${b.bank.padEnd(32)} ${String(b.accounts).padStart(6)} accounts   total ${b.totalBalanceMinutes} min`);
    console.log(`federation: ${report.accounts} accounts, ${report.transfers} transfers, total ${report.federationTotalMinutes} min`);
    if (report.ok) {
      console.log("ledger OK: every balance equals its transfers and everything adds up to zero");
      return;
    }
    console.error(`ledger has ${report.problems.length} problem(s):`);
    for (const p of report.problems) console.error(`  ${p.bank} ${p.accountId ?? ""} ${p.problem}`);
    process.exitCode = 1;
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
