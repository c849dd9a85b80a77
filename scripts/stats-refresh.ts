// npm run stats:refresh [-- --full]
// Brings the statistics rollups up to date with the ledger (reads also refresh when the rollups
// are older than STATS_MAX_STALENESS_MS). --full rebuilds every bank-period from the beginning,
// e.g. after restoring a backup or importing back-dated transfers.
import "reflect-metadata";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { refreshRollups } from "../src/modules/stats/stats.refresh";

async function main() {
  const db = await openDatabase(loadConfig());
  try {
    const r = await refreshRollups(db, { full: process.argv.includes("--full") });
    console.log(
      r.skipped
        ? "another refresh is running: skipped"
        : `refreshed ${r.bankPeriods} bank-period(s) in ${r.ms} ms; watermark ${r.horizon.toISOString()}`,
    );
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
