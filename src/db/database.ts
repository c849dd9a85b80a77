// Opens the database the configuration asks for: PostgreSQL through @prisma/adapter-pg with a
// connection pool, or the embedded PGlite (single process, guarded by a lock file).
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import type { Config } from "../config";
import type { SqlSession } from "./migrations";
import { BankScopedPool, keepBankScopeThroughBatching } from "./bank-scope";
import { DEFAULT_STATEMENT_NAMES, StatementNames, type StatementNameOptions } from "./statement-names";

export type Db = PrismaClient;

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  /** A human-readable description without credentials, for the start-up banner. */
  description: string;
  /**
   * Runs fn with a raw SQL session (one connection) as the owner of the tables, e.g. for the
   * migration runner. Row-level security does not apply to it.
   */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /**
   * True when `prisma` works as a role that does not own the tables, so that row-level security
   * applies to it (PostgreSQL with DATABASE_APP_ROLE; the embedded database works as owner).
   */
  rowSecurity: boolean;
  /**
   * Session settings of timebank.bank_ids sent so far because a connection served a request of
   * other banks than its previous one (for tests and benchmarks; 0 without row-level security).
   */
  scopeSwitches(): number;
  /** The PostgreSQL pool's connections (total, idle) and waiting requests, for metrics; null on the embedded database. */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /** Number of SQL statements Prisma has sent so far (for tests and benchmarks). */
  queryCount(): number;
  close(): Promise<void>;
}

export class DatabaseLockedError extends Error {}

function countQueries(prisma: PrismaClient): () => number {
  let count = 0;
  (prisma as unknown as { $on(ev: "query", cb: () => void): void }).$on("query", () => {
    count++;
  });
  return () => count;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgresql://(unparseable url)";
  }
}

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** PostgreSQL schema to use instead of public (tests use one per file). */
  schema?: string;
  /**
   * The role the server's queries run as (SET ROLE at connection start), which must not own the
   * tables so that row-level security applies; null: the connecting user. Migrations always run
   * as the connecting user, the owner.
   */
  appRole?: string | null;
  /** Which statements are sent as named (prepared) statements; maxNames 0: none. */
  preparedStatements?: StatementNameOptions;
}

export async function openPostgres(opts: PostgresOptions): Promise<Database> {
  const searchPath = opts.schema ? ` -c search_path=${opts.schema}` : "";
  // Guard rails on every connection of the server: a runaway statement or a transaction
  // left open cannot hold locks on people's accounts for long.
  const guards = `-c statement_timeout=15000 -c idle_in_transaction_session_timeout=30000${searchPath}`;
  const appRole = opts.appRole ?? null;
  if (appRole && !/^[a-z_][a-z0-9_]*$/.test(appRole)) throw new Error(`invalid role name ${appRole}`);
  const poolConfig = {
    connectionString: opts.url,
    max: opts.poolSize,
    // As the application role, a connection starts with every bank in the protected tables; a
    // request's statements narrow it to the request's banks (src/db/bank-scope.ts), a transaction
    // narrows itself (src/db/row-security.ts). A connection of that role without this setting
    // sees nothing there.
    options: appRole ? `${guards} -c role=${appRole} -c timebank.bank_ids=*` : guards,
  };
  const pool = appRole ? new BankScopedPool(poolConfig) : new pg.Pool(poolConfig);
  // The owner's connection, for migrations and /readyz: at most one, opened when needed. The
  // application pool connects lazily, after the migration that creates its role has run.
  const ownerPool = new pg.Pool({ connectionString: opts.url, max: 1, idleTimeoutMillis: 5_000, options: guards });
  for (const p of [pool, ownerPool]) {
    p.on("error", () => {
      // An idle client died (server restart, pg_terminate_backend): the pool replaces it.
    });
    // WARNING: the pool listens for errors only on idle clients. A client checked out (inside a
    // Prisma transaction, between two statements) whose backend is terminated emits 'error' with
    // no listener, and Node kills the process. With this listener the statement in flight fails,
    // the transaction rolls back, and the pool drops the broken client when it is released.
    p.on("connect", (client) => {
      client.on("error", () => {});
    });
  }
  // Hot statements as named prepared statements, parsed and planned once per connection
  // (src/db/statement-names.ts). Names are per pool: its connections all share one search_path.
  const names = new StatementNames(opts.preparedStatements ?? DEFAULT_STATEMENT_NAMES);
  const adapter = new PrismaPg(pool, {
    schema: opts.schema,
    // The adapter's type says string; undefined (sent unnamed) is what pg does without a name.
    statementNameGenerator: names.options.maxNames > 0 ? (query) => names.name(query.sql) as string : undefined,
  });
  const prisma = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  if (appRole) keepBankScopeThroughBatching(prisma);
  const queryCount = countQueries(prisma);
  // Fail fast with a clear message when the database cannot be reached.
  const probe = await ownerPool.connect();
  probe.release();
  return {
    kind: "postgres",
    prisma,
    description: `PostgreSQL ${redact(opts.url)}${opts.schema ? ` (schema ${opts.schema})` : ""}${appRole ? ` as role ${appRole}` : ""}`,
    queryCount,
    scopeSwitches: () => (pool instanceof BankScopedPool ? pool.scopeSwitches : 0),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    rowSecurity: appRole !== null,
    async withSession(fn) {
      const client = await ownerPool.connect();
      try {
        return await fn({
          query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
          exec: async (sql) => {
            await client.query(sql);
          },
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end().catch(() => {});
      await ownerPool.end().catch(() => {});
    },
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is single-process: two servers on one data directory lose writes silently. The lock
 * file holds the owner's pid; a stale lock (its process is gone) is taken over.
 */
const lockedInThisProcess = new Set<string>();

function acquireLock(dir: string): () => void {
  const lockPath = path.join(dir, "server.lock");
  if (lockedInThisProcess.has(lockPath)) {
    throw new DatabaseLockedError(`the embedded database in ${dir} is already open in this process`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      lockedInThisProcess.add(lockPath);
      return () => {
        lockedInThisProcess.delete(lockPath);
        rmSync(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(lockPath, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) {
        throw new DatabaseLockedError(
          `the embedded database in ${dir} is in use by another server (pid ${owner}). ` +
            `PGlite allows one process only: stop that server, use another DATA_DIR, or set DATABASE_URL to run several processes on PostgreSQL.`,
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseLockedError(`could not take the lock ${lockPath}`);
}

export interface PgliteOptions {
  /** Directory holding the database; null for an in-memory database. */
  dataDir: string | null;
}

export async function openPglite(opts: PgliteOptions): Promise<Database> {
  let release = () => {};
  let dataPath: string | undefined;
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    release = acquireLock(opts.dataDir);
    dataPath = path.join(opts.dataDir, "pgdata");
  }
  try {
    const pglite = dataPath ? new PGlite(dataPath) : new PGlite();
    await pglite.waitReady;
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), log: [{ emit: "event", level: "query" }] });
    const queryCount = countQueries(prisma);
    return {
      kind: "pglite",
      prisma,
      description: dataPath ? `embedded PGlite in ${dataPath}` : "embedded PGlite in memory",
      queryCount,
      scopeSwitches: () => 0,
      poolStats: () => null,
      // One connection, which also migrates: it stays the owner, and owners bypass the policies.
      rowSecurity: false,
      async withSession(fn) {
        return fn({
          query: async (sql, params) => (await pglite.query(sql, params as unknown[])).rows as never[],
          exec: async (sql) => {
            await pglite.exec(sql);
          },
        });
      },
      async close() {
        await prisma.$disconnect();
        await pglite.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgres({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      appRole: config.databaseAppRole,
      preparedStatements: { ...DEFAULT_STATEMENT_NAMES, maxNames: config.databasePreparedStatements },
    });
  }
  return openPglite({ dataDir: config.dataDir });
}
