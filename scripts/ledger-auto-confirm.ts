// npm run ledger:auto-confirm
// Confirms pending exchanges older than their bank's autoConfirmAfterDays setting. Safe to run
// as often as wanted (e.g. hourly from cron): each exchange is decided exactly once.
import "reflect-metadata";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { autoConfirmOverdueExchanges } from "../src/modules/ledger/ledger.service";

async function main() {
  const db = await openDatabase(loadConfig());
  try {
    const confirmed = await autoConfirmOverdueExchanges(db.prisma, new Date());
    console.log(`confirmed ${confirmed} overdue pending exchange(s)`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
