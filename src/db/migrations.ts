// Applies prisma/migrations/<timestamp>_<name>/migration.sql in order, the way `prisma migrate
// deploy` would, without Prisma's native engine (unavailable offline). Each migration runs in
// its own transaction under Prisma's advisory lock and is recorded in Prisma's own
// `_prisma_migrations` table with the same checksum, so the Prisma CLI accepts the database.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../common/paths";

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");
/** Prisma's own advisory lock id for migrations. */
const PRISMA_MIGRATION_LOCK_ID = 72707369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The minimal SQL surface the runner needs; implemented over pg and over PGlite. */
export interface SqlSession {
  /** Runs one statement with parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
}

export class MigrationError extends Error {}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Names of migrations on disk that the database has not applied; throws on a checksum mismatch. */
export async function pendingMigrations(session: SqlSession, migrations = listMigrations()): Promise<Migration[]> {
  const exists = await session.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists[0]?.t) return migrations;
  const rows = await session.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  const applied = new Map(rows.map((r) => [r.migration_name, r]));
  const pending: Migration[] = [];
  for (const m of migrations) {
    const row = applied.get(m.name);
    if (!row) {
      pending.push(m);
      continue;
    }
    if (!row.finished_at) {
      throw new MigrationError(`migration ${m.name} started but did not finish; inspect the database before going on`);
    }
    if (row.checksum !== m.checksum) {
      throw new MigrationError(`migration ${m.name} was changed after it was applied (checksum differs); write a new migration instead`);
    }
  }
  return pending;
}

/** Applies every pending migration; returns the names applied. Safe to run from several processes at once. */
export async function migrate(session: SqlSession, log: (msg: string) => void = () => {}, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = listMigrations(dir);
  await session.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATION_LOCK_ID})`);
  try {
    await session.exec(CREATE_TABLE);
    const pending = await pendingMigrations(session, migrations);
    for (const m of pending) {
      const id = randomUUID();
      await session.exec("BEGIN");
      try {
        await session.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
          [id, m.checksum, m.name],
        );
        await session.exec(m.sql);
        await session.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
        await session.exec("COMMIT");
      } catch (err) {
        await session.exec("ROLLBACK");
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      log(`applied migration ${m.name}`);
    }
    return pending.map((m) => m.name);
  } finally {
    await session.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATION_LOCK_ID})`);
  }
}
