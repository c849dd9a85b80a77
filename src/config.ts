// Every setting of the server, read from the environment and validated once at start-up.
import path from "node:path";

export type DatabaseKind = "pglite" | "postgres";

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  host: string;
  /** Where the embedded database and the development auth secret live. */
  dataDir: string;
  /** PostgreSQL connection string; when absent, the embedded PGlite database is used. */
  databaseUrl: string | null;
  databasePoolSize: number;
  /** On PostgreSQL, compile WebAssembly (Prisma's query compiler) with V8's baseline tier only: less memory, slower new query shapes. */
  wasmBaselineOnly: boolean;
  /** Most distinct statement texts sent as named prepared statements per process (0: none). */
  databasePreparedStatements: number;
  /** Role the server's queries run as on PostgreSQL (not the tables' owner: row-level security applies); null: the connecting user. */
  databaseAppRole: string | null;
  /** How long a process may reuse a token's viewer, a bank and its categories for reads (0: never); see context/read-cache.ts. */
  readCacheTtlMs: number;
  migrateOnStart: boolean;
  /** Load the demo banks when the database has no bank yet. */
  seedDemoData: boolean;
  /** HS256 secret for bearer tokens; null means "generate one and keep it in dataDir" (development only). */
  authSecret: string | null;
  tokenTtlSeconds: number;
  /** Redis for real-time fan-out across processes; null means in-memory pub/sub (one process). */
  redisUrl: string | null;
  /** Published outbox events older than this are trimmed; reconnecting clients can catch up this far back. */
  outboxRetentionHours: number;
  /** How often each process looks for unpublished outbox events (other processes', or after a failure). */
  outboxPollMs: number;
  /** Least time between two publishing passes of this process's relay (commits meanwhile go out together). */
  outboxMinIntervalMs: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** Apollo landing page and introspection; on by default outside production. */
  enableExplorer: boolean;
  /** Bearer token /metrics asks for; null: /metrics answers anyone who reaches it (keep it on the private network). */
  metricsToken: string | null;
  /** Take the client address from X-Forwarded-For (behind a trusted proxy only). */
  trustProxy: boolean;
  limits: QueryLimits;
  rateLimits: RateLimits;
  /** Statistics are read from rollups refreshed when older than this (0: refresh before every read). */
  statsMaxStalenessMs: number;
  /** Run HTTP operations with graphql-jit (compiled once per document) instead of graphql-js; see src/jit-executor.ts. */
  graphqlJit: boolean;
  /** How long a stop (SIGTERM/SIGINT) may take before the process exits anyway. */
  shutdownGraceMs: number;
  /** End the process when its event loop has not turned for this long (0: no watchdog); see src/watchdog.ts. */
  watchdogStallMs: number;
  /** Group commit of postings (modules/ledger/ledger.batch.ts): most postings per call (1: off) and calls in flight. */
  ledgerBatch: { maxBatch: number; concurrency: number };
}

/** Limits on what one request may ask for; see src/common/query-limits.ts. */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  /** Fragment spreads, counted where each fragment is expanded. */
  maxSpreads: number;
  /** Field selections, counted where each fragment is expanded. */
  maxSelections: number;
  /** Directives, counted where each fragment is expanded. */
  maxDirectives: number;
  maxTokens: number;
  /** Estimated fields resolved, with list sizes multiplied in. */
  maxCost: number;
  bodyLimitBytes: number;
  executionTimeoutMs: number;
}

/** Per-minute budgets; see src/common/rate-limit.ts. */
export interface RateLimits {
  /** logIn / signUp attempts per client address and per email. */
  loginPerMinute: number;
  /** Mutations per person (or per address when anonymous). */
  mutationsPerMinute: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV === "production" ? "production" : env.NODE_ENV === "test" ? "test" : "development";
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must start with postgresql:// (leave it unset for the embedded database)");
  }
  const authSecret = env.AUTH_SECRET?.trim() || null;
  if (authSecret && authSecret.length < 32) throw new ConfigError("AUTH_SECRET must be at least 32 characters");
  if (!authSecret && nodeEnv === "production") {
    throw new ConfigError("AUTH_SECRET is required when NODE_ENV=production (32 characters or more)");
  }
  const logLevel = (env.LOG_LEVEL ?? (nodeEnv === "test" ? "silent" : "info")) as Config["logLevel"];
  if (!["debug", "info", "warn", "error", "silent"].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of debug, info, warn, error, silent; got "${logLevel}"`);
  }
  const appRoleRaw = env.DATABASE_APP_ROLE?.trim() ?? "timebank_app";
  const databaseAppRole = appRoleRaw === "" || appRoleRaw === "none" ? null : appRoleRaw;
  if (databaseAppRole && !/^[a-z_][a-z0-9_]*$/.test(databaseAppRole))
    throw new ConfigError(`DATABASE_APP_ROLE must be a plain role name (or "none"), got "${appRoleRaw}"`);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError("REDIS_URL must start with redis://");
  return {
    env: nodeEnv,
    port: int(env, "PORT", 4000, 0, 65535),
    host: env.HOST?.trim() || "0.0.0.0",
    dataDir: path.resolve(env.DATA_DIR?.trim() || "data"),
    databaseUrl,
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", 10, 1, 200),
    databasePreparedStatements: int(env, "DATABASE_PREPARED_STATEMENTS", 256, 0, 10_000),
    wasmBaselineOnly: bool(env, "WASM_BASELINE_ONLY", false),
    databaseAppRole,
    readCacheTtlMs: int(env, "READ_CACHE_TTL_MS", 5000, 0, 60_000),
    ledgerBatch: { maxBatch: int(env, "LEDGER_BATCH_SIZE", 32, 1, 60), concurrency: int(env, "LEDGER_BATCH_CONCURRENCY", 2, 1, 64) },
    migrateOnStart: bool(env, "MIGRATE_ON_START", true),
    seedDemoData: bool(env, "SEED_DEMO_DATA", !databaseUrl),
    authSecret,
    tokenTtlSeconds: int(env, "TOKEN_TTL_SECONDS", 7 * 24 * 3600, 60, 365 * 24 * 3600),
    redisUrl,
    outboxRetentionHours: int(env, "OUTBOX_RETENTION_HOURS", 72, 1, 24 * 365),
    outboxPollMs: int(env, "OUTBOX_POLL_MS", 500, 10, 60_000),
    outboxMinIntervalMs: int(env, "OUTBOX_MIN_INTERVAL_MS", 20, 0, 1_000),
    logLevel,
    enableExplorer: bool(env, "ENABLE_EXPLORER", nodeEnv !== "production"),
    trustProxy: bool(env, "TRUST_PROXY", false),
    metricsToken: metricsToken(env),
    graphqlJit: bool(env, "GRAPHQL_JIT", true),
    limits: {
      maxDepth: int(env, "MAX_QUERY_DEPTH", 12, 2, 100),
      maxAliases: int(env, "MAX_QUERY_ALIASES", 30, 1, 1000),
      maxSpreads: int(env, "MAX_QUERY_SPREADS", 300, 1, 100_000),
      maxSelections: int(env, "MAX_QUERY_SELECTIONS", 2000, 10, 1_000_000),
      maxDirectives: int(env, "MAX_QUERY_DIRECTIVES", 50, 1, 10_000),
      maxTokens: int(env, "MAX_QUERY_TOKENS", 5000, 100, 100_000),
      maxCost: int(env, "MAX_QUERY_COST", 20_000, 10, 10_000_000),
      bodyLimitBytes: int(env, "MAX_BODY_BYTES", 100 * 1024, 1024, 50 * 1024 * 1024),
      executionTimeoutMs: int(env, "EXECUTION_TIMEOUT_MS", 15_000, 100, 600_000),
    },
    rateLimits: {
      loginPerMinute: int(env, "RATE_LIMIT_LOGIN_PER_MINUTE", 10, 1, 100_000),
      mutationsPerMinute: int(env, "RATE_LIMIT_MUTATIONS_PER_MINUTE", 120, 1, 1_000_000),
    },
    shutdownGraceMs: int(env, "SHUTDOWN_GRACE_MS", 10_000, 100, 600_000),
    watchdogStallMs: int(env, "WATCHDOG_STALL_MS", 10_000, 0, 600_000),
    statsMaxStalenessMs: int(env, "STATS_MAX_STALENESS_MS", 30_000, 0, 24 * 3600 * 1000),
  };
}

function metricsToken(env: NodeJS.ProcessEnv): string | null {
  const token = env.METRICS_TOKEN?.trim() || null;
  if (token && token.length < 16) throw new ConfigError("METRICS_TOKEN must be at least 16 characters");
  return token;
}
