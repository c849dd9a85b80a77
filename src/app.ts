import "reflect-metadata";
// Assembles the long-lived parts of a server: database (migrated, seeded when asked), auth
// secret, logger, clock. Used by main.ts and by the test helpers.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "./config";
import { systemClock, type Clock } from "./common/clock";
import { createLogger, type Logger } from "./common/logger";
import { createRateLimiter, type RateLimiter } from "./common/rate-limit";
import type { App } from "./context/context";
import { ReadCache } from "./context/read-cache";
import { openDatabase, type Database } from "./db/database";
import { migrate, pendingMigrations } from "./db/migrations";
import { seedDemoData } from "./seed/demo";
import { createEventsRuntime } from "./modules/events/events.runtime";
import type { EventBus } from "./modules/events/event-bus";
import { setExchangeHistorySource } from "./modules/matching/exchange-history";
import { ledgerExchangeHistory } from "./modules/ledger/ledger.history";
import { PostingBatcher } from "./modules/ledger/ledger.batch";
import { Coalescer } from "./context/coalesce";
import { createLoaders } from "./modules/loaders";
import { TokenVerifier } from "./modules/auth/token";

// Matching ranks people by what they gave and received: the ledger is its source.
setExchangeHistorySource(ledgerExchangeHistory);

/** AUTH_SECRET, or in development a secret generated once and kept in the data directory. */
export function resolveAuthSecret(config: Config): string {
  if (config.authSecret) return config.authSecret;
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, "auth-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  return secret;
}

export interface AppOptions {
  database?: Database;
  clock?: Clock;
  log?: Logger;
  rateLimiter?: RateLimiter;
  /** The real-time pub/sub; by default from the configuration (Redis when REDIS_URL is set, else in memory). */
  eventBus?: EventBus;
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App & { seeded: boolean }> {
  const log = opts.log ?? createLogger(config.logLevel);
  const database = opts.database ?? (await openDatabase(config));
  try {
    if (config.migrateOnStart) {
      const applied = await database.withSession((s) => migrate(s, (msg) => log.info(msg)));
      if (applied.length) log.info({ applied }, "database migrated");
    } else {
      const pending = await database.withSession((s) => pendingMigrations(s));
      if (pending.length)
        log.warn({ pending: pending.map((m) => m.name) }, "migrations pending and MIGRATE_ON_START=false: run `npm run migrate`");
    }
    const clock = opts.clock ?? systemClock;
    // Connections (Redis) and timers of the real-time machinery start with the server (startServer).
    const events = createEventsRuntime(config, database, log, opts.eventBus);
    const authSecret = resolveAuthSecret(config);
    const app: App = {
      config,
      database,
      clock,
      log,
      authSecret,
      tokens: new TokenVerifier(authSecret),
      rateLimiter: opts.rateLimiter ?? createRateLimiter(config.redisUrl, log),
      events,
      readCache: new ReadCache(config.readCacheTtlMs),
      postings: new PostingBatcher(database.prisma, config.ledgerBatch),
      coalesce: new Coalescer(database.prisma),
      createLoaders,
    };
    let seeded = false;
    if (config.seedDemoData && (await database.prisma.timebank.count()) === 0) {
      await seedDemoData(app);
      seeded = true;
      log.info("demo data loaded");
    }
    return { ...app, seeded };
  } catch (err) {
    await database.close();
    throw err;
  }
}
