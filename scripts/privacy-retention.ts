// npm run privacy:retention
// Applies every bank's retention policy (setPrivacyPolicy): the personal data of members whose
// membership ended more than the bank's months ago is erased, as an erasure asked for by the
// member would (docs/privacy.md). Prints what it did; exits 1 if some membership could not be
// erased yet (e.g. a pending inter-bank transfer), naming it. Run it daily from cron.
// Uses DATABASE_URL (PostgreSQL) or the embedded database in DATA_DIR, like the server.
import "reflect-metadata";
import { loadConfig } from "../src/config";
import { systemClock } from "../src/common/clock";
import { openDatabase } from "../src/db/database";
import { applyRetention } from "../src/modules/privacy/privacy.service";

async function main() {
  const db = await openDatabase(loadConfig());
  try {
    const report = await applyRetention(db, systemClock);
    console.log(`retention: ${report.erased} membership(s) erased`);
    for (const s of report.skipped) console.error(`  not yet: bank ${s.timebankId} member ${s.membershipId}: ${s.code}`);
    if (report.skipped.length) process.exitCode = 1;
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
