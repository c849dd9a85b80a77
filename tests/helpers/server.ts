// Starts the real server on an ephemeral port against a fresh database for one test file.
import "reflect-metadata";
import { loadConfig, type Config } from "../../src/config";
import { createApp } from "../../src/app";
import { ManualClock, systemClock, type Clock } from "../../src/common/clock";
import type { App } from "../../src/context/context";
import type { Logger } from "../../src/common/logger";
import { getSchema } from "../../src/schema";
import { startServer, type RunningServer } from "../../src/server";
import { GraphQLClient } from "./client";
import type { EventBus } from "../../src/modules/events/event-bus";
import { createTestDatabase, type TestDatabase } from "./database";

export const TEST_AUTH_SECRET = "test-secret-".padEnd(48, "x");

export interface TestServer {
  url: string;
  app: App;
  db: TestDatabase;
  server: RunningServer;
  /** An anonymous client; `.withToken(t)` for a logged-in one. */
  client: GraphQLClient;
  clock: Clock;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: { clock?: ManualClock; config?: Partial<Config>; poolSize?: number; eventBus?: EventBus; log?: Logger } = {},
): Promise<TestServer> {
  const db = await createTestDatabase({ poolSize: opts.poolSize });
  const config: Config = {
    // GRAPHQL_JIT=false runs the suite on graphql-js instead of graphql-jit (the default).
    ...loadConfig({ NODE_ENV: "test", GRAPHQL_JIT: process.env.GRAPHQL_JIT }),
    authSecret: TEST_AUTH_SECRET,
    seedDemoData: false,
    migrateOnStart: false,
    host: "127.0.0.1",
    port: 0,
    // Stories sign up many people from one address; the rate-limit test sets its own budgets.
    rateLimits: { loginPerMinute: 100_000, mutationsPerMinute: 1_000_000 },
    // The relay publishes right after each commit; its background poll (other processes,
    // failed publishes) would add statements to query counts, so tests that need it ask for it.
    outboxPollMs: 60_000,
    ...opts.config,
  };
  const clock = opts.clock ?? systemClock;
  const app = await createApp(config, { database: db, clock, eventBus: opts.eventBus, log: opts.log });
  const server = await startServer(app, await getSchema(), 0, "127.0.0.1");
  const url = `http://127.0.0.1:${server.port}/graphql`;
  return {
    url,
    app,
    db,
    server,
    client: new GraphQLClient(url),
    clock,
    async close() {
      await server.close();
      await db.destroy();
    },
  };
}
