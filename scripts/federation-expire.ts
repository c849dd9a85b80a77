// npm run federation:expire
// Expires pending inter-bank transfers past their partnership's expiry time: both legs are
// voided and the reserved minutes return. Safe to run as often as wanted (e.g. hourly from
// cron): each transfer changes state exactly once. Reads expire due transfers too.
import "reflect-metadata";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { expireDueInterBankTransfers } from "../src/modules/federation/federation.transfers";

async function main() {
  const db = await openDatabase(loadConfig());
  try {
    let total = 0;
    for (
      let batch = await expireDueInterBankTransfers(db.prisma, new Date());
      batch > 0;
      batch = await expireDueInterBankTransfers(db.prisma, new Date())
    )
      total += batch;
    console.log(`expired ${total} pending inter-bank transfer(s)`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
