// A fresh, migrated database per test file: a copy of a migrated PGlite template, or a new
// PostgreSQL database created from a migrated template database.
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openPglite, openPostgres, type Database } from "../../src/db/database";
import { listMigrations, migrate } from "../../src/db/migrations";

export type Flavour = "pglite" | "postgres";

export function flavour(): Flavour {
  return process.env.TEST_DB_FLAVOUR === "postgres" ? "postgres" : "pglite";
}

/** Changes whenever a migration changes, so templates are rebuilt. */
function migrationsHash(): string {
  const h = createHash("sha256");
  for (const m of listMigrations()) h.update(m.name).update(m.checksum);
  return h.digest("hex").slice(0, 12);
}

const CACHE = path.resolve(__dirname, "../../.test-cache");

async function pgliteTemplate(): Promise<string> {
  const dir = path.join(CACHE, `pglite-${migrationsHash()}`);
  if (existsSync(path.join(dir, "ready"))) return dir;
  mkdirSync(CACHE, { recursive: true });
  // Several jest workers may get here at once: each builds its own copy and renames it into
  // place; the first rename wins and the others throw theirs away.
  const tmp = mkdtempSync(path.join(CACHE, "building-"));
  const db = await openPglite({ dataDir: tmp });
  await db.withSession((s) => migrate(s));
  await db.close();
  mkdirSync(path.join(tmp, "ready"));
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function postgresTemplate(admin: pg.Client): Promise<string> {
  const name = `tb_tpl_${migrationsHash()}`;
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (exists.rowCount) return name;
  await admin.query(`CREATE DATABASE ${name}`);
  const db = await openPostgres({ url: withDatabase(adminUrl(), name), poolSize: 1 });
  await db.withSession((s) => migrate(s));
  await db.close();
  return name;
}

export interface TestDatabase extends Database {
  /** The PostgreSQL database's URL (null on PGlite), for a second server on the same database. */
  url: string | null;
  /** Removes the database (its directory or the PostgreSQL database). */
  destroy(): Promise<void>;
}

/** A directory holding a copy of the migrated PGlite template, for a server process's DATA_DIR. */
export async function pgliteDataDirCopy(): Promise<string> {
  const template = await pgliteTemplate();
  const dir = mkdtempSync(path.join(os.tmpdir(), "timebank-test-"));
  cpSync(path.join(template, "pgdata"), path.join(dir, "pgdata"), { recursive: true });
  return dir;
}

export async function createTestDatabase(opts: { poolSize?: number } = {}): Promise<TestDatabase> {
  if (flavour() === "pglite") {
    const template = await pgliteTemplate();
    const dir = mkdtempSync(path.join(os.tmpdir(), "timebank-test-"));
    cpSync(path.join(template, "pgdata"), path.join(dir, "pgdata"), { recursive: true });
    const db = await openPglite({ dataDir: dir });
    return Object.assign(db, {
      url: null,
      async destroy() {
        await db.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    });
  }
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  const name = `tb_test_${randomBytes(6).toString("hex")}`;
  try {
    // One template build and one copy at a time across jest workers.
    await admin.query("SELECT pg_advisory_lock(815001)");
    const template = await postgresTemplate(admin);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.query("SELECT pg_advisory_unlock(815001)").catch(() => {});
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  // As the server runs in production: as the application role, under row-level security.
  const db = await openPostgres({ url, poolSize: opts.poolSize ?? 5, appRole: "timebank_app" });
  return Object.assign(db, {
    url,
    async destroy() {
      await db.close().catch(() => {});
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await c.end();
    },
  });
}
