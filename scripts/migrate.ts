// npm run migrate: applies pending migrations to DATABASE_URL (or the embedded database in DATA_DIR).
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { migrate } from "../src/db/migrations";

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const applied = await db.withSession((s) => migrate(s, (msg) => console.log(msg)));
    console.log(applied.length ? `${applied.length} migration(s) applied to ${db.description}` : `${db.description} is up to date`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(`migration failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
