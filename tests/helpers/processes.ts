// Real server processes (`src/main.ts`, as `npm start` runs it) for tests of several processes
// sharing PostgreSQL and Redis.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Redis } from "ioredis";
import { TEST_AUTH_SECRET } from "./server";

const ROOT = path.resolve(__dirname, "../..");

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGKILL: the process dies without closing anything, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful shutdown. */
  stop(): Promise<void>;
}

export interface ProcessOptions {
  databaseUrl: string;
  /** Unset: the process keeps its real-time events and rate limits in memory. */
  redisUrl?: string;
  /** 0 (default): an ephemeral port. A restarted process can take its predecessor's port. */
  port?: number;
  env?: Record<string, string>;
}

export async function startServerProcess(opts: ProcessOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["-r", "@swc-node/register", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(opts.port ?? 0),
      DATABASE_URL: opts.databaseUrl,
      DATABASE_POOL_SIZE: "5",
      ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
      // Stories sign many people up from one address; a rate-limit test sets its own budgets.
      RATE_LIMIT_LOGIN_PER_MINUTE: "100000",
      RATE_LIMIT_MUTATIONS_PER_MINUTE: "1000000",
      AUTH_SECRET: TEST_AUTH_SECRET,
      MIGRATE_ON_START: "false",
      SEED_DEMO_DATA: "false",
      ENABLE_EXPLORER: "false",
      LOG_LEVEL: "warn",
      OUTBOX_POLL_MS: "100",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server process did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    child,
    output: () => output,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Waits until `count` processes listen on the bank's topic in Redis (their subscribers are live). */
export async function waitForRedisListeners(redisUrl: string, timebankId: string, count: number, timeoutMs = 15_000): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [, n] = (await redis.pubsub("NUMSUB", `timebank-events:${timebankId}`)) as [string, number];
      if (Number(n) >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${n} of ${count} processes listen to bank ${timebankId}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    redis.disconnect();
  }
}

/** Waits until the servers together hold `count` open subscriptions (from their /healthz). */
export async function waitForSubscriptions(graphqlUrls: string[], count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(
      graphqlUrls.map(
        async (u) => ((await (await fetch(u.replace(/\/graphql$/, "/healthz"))).json()) as { subscriptions: number }).subscriptions,
      ),
    );
    const open = counts.reduce((a, b) => a + b, 0);
    if (open >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${open} of ${count} subscriptions open (${counts.join(" + ")})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
