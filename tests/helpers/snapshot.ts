// A fingerprint of every table, to prove that a rejected call changed nothing.
import { createHash } from "node:crypto";
import type { Database } from "../../src/db/database";

export async function databaseFingerprint(db: Database): Promise<string> {
  return db.withSession(async (s) => {
    const tables = await s.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
    );
    const h = createHash("sha256");
    for (const { name } of tables) {
      const rows = await s.query(`SELECT * FROM "${name}" ORDER BY 1`);
      h.update(name).update(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    }
    return h.digest("hex");
  });
}
