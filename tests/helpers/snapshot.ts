// A fingerprint of every table, to prove that a rejected call changed nothing. One statement:
// an md5 per table over its rows in a stable order, combined.
import type { Database } from "../../src/db/database";

const cache = new WeakMap<Database, string>();

async function fingerprintSql(db: Database): Promise<string> {
  const known = cache.get(db);
  if (known) return known;
  const tables = await db.withSession((s) =>
    s.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
    ),
  );
  const parts = tables.map(({ name }) => `(SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM "${name}" x)`);
  const sql = `SELECT md5(concat_ws('|', ${parts.join(", ")})) AS h`;
  cache.set(db, sql);
  return sql;
}

export async function databaseFingerprint(db: Database): Promise<string> {
  const sql = await fingerprintSql(db);
  const [row] = await db.withSession((s) => s.query<{ h: string }>(sql));
  return row.h;
}

const bankCache = new WeakMap<Database, string>();

/** The same for the rows of one bank (every table with a timebankId column), in one statement. */
export async function bankFingerprint(db: Database, timebankId: string): Promise<string> {
  let sql = bankCache.get(db);
  if (!sql) {
    const tables = await db.withSession((s) =>
      s.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'timebankId' ORDER BY 1`,
      ),
    );
    const parts = tables.map(
      ({ name }) =>
        `(SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM "${name}" x WHERE x."timebankId" = $1::uuid)`,
    );
    sql = `SELECT md5(concat_ws('|', ${parts.join(", ")})) AS h`;
    bankCache.set(db, sql);
  }
  const query = sql;
  const [row] = await db.withSession((s) => s.query<{ h: string }>(query, [timebankId]));
  return row.h;
}
