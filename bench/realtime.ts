// npm run bench:realtime
// Delivery latency of real-time events, from the mutation's acknowledgement (HTTP response
// received) to the client's receipt, with 1,000 subscribers: one server process with the
// in-memory pub/sub, and two processes with Redis. Servers run as child processes (src/main.ts)
// on a fresh PostgreSQL database; the 1,000 graphql-ws clients run in this process.
//   BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres): an admin URL; a database is created and dropped
//   BENCH_REDIS_URL (default redis://127.0.0.1:6379/15)   BENCH_ROUNDS (default 3)   BENCH_EVENTS (default 100)
import "reflect-metadata";
import os from "node:os";

process.env.TEST_DB_FLAVOUR = "postgres";
process.env.TEST_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379/15";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 100);
const SUBSCRIBERS = 1000;
const BANKS = 10;

import { GraphQLClient } from "../tests/helpers/client";
import { seedCrowd } from "../tests/helpers/crowd";
import { createTestDatabase, type TestDatabase } from "../tests/helpers/database";
import { startServerProcess, type ServerProcess } from "../tests/helpers/processes";
import { TEST_AUTH_SECRET } from "../tests/helpers/server";
import { connect, type Connection } from "../tests/helpers/subscriptions";

const APPLIED = `subscription($b: String!, $since: ID) { membershipApplied(timebank: $b, since: $since) { memberId } }`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface RoundResult {
  fromAck: number[];
  fromSend: number[];
  missing: number;
}

async function round(db: TestDatabase, servers: ServerProcess[]): Promise<RoundResult> {
  const perBank = EVENTS / BANKS;
  const crowd = await seedCrowd(db.prisma, {
    banks: BANKS,
    coordinatorsPerBank: SUBSCRIBERS / BANKS,
    applicantsPerBank: perBank + 1,
    authSecret: TEST_AUTH_SECRET,
  });
  // memberId -> when the application was sent and acknowledged; receipts by memberId.
  const sent = new Map<string, { send: number; ack: number }>();
  const receipts: { memberId: string; at: number }[] = [];
  const connections: Connection[] = [];
  const warm = crowd.banks.map(() => new Set<number>());
  crowd.coordinators.forEach((c, i) => {
    const connection = connect(servers[i % servers.length].url, c.token);
    connections.push(connection);
    const sub = connection.subscribe(APPLIED, { b: crowd.banks[c.bank].slug, since: "0" });
    let first = true;
    const record = () => {
      const last = sub.events[sub.events.length - 1];
      if (first) {
        // The warm-up application: the stream is live from here on.
        first = false;
        warm[c.bank].add(i);
        return;
      }
      receipts.push({ memberId: last.membershipApplied.memberId, at: performance.now() });
    };
    let seen = 0;
    void (async () => {
      for (;;) {
        await sub.until(() => sub.events.length > seen || sub.completed, "an event", 600_000);
        if (sub.completed && sub.events.length === seen) return;
        while (seen < sub.events.length) {
          seen++;
          record();
        }
      }
    })().catch(() => {});
  });

  const apply = async (a: (typeof crowd.applicants)[number], server: ServerProcess) => {
    const client = new GraphQLClient(server.url, a.token);
    const send = performance.now();
    const res = await client.ok(`mutation($b: String!) { applyToTimebank(timebank: $b) { __typename ... on Member { id } } }`, {
      b: crowd.banks[a.bank].slug,
    });
    const ack = performance.now();
    return { memberId: res.applyToTimebank.id as string, send, ack };
  };
  // Warm-up: one application per bank, received by every screen (through `since` if it was still subscribing).
  const applicantsOf = (bank: number) => crowd.applicants.filter((a) => a.bank === bank);
  await Promise.all(crowd.banks.map((_, bank) => apply(applicantsOf(bank)[0], servers[bank % servers.length])));
  const deadline = Date.now() + 120_000;
  while (warm.reduce((n, s) => n + s.size, 0) < SUBSCRIBERS) {
    if (Date.now() > deadline) throw new Error("subscribers did not all receive the warm-up");
    await new Promise((r) => setTimeout(r, 50));
  }

  // The measured applications, one after another, alternating banks and servers.
  const queue = crowd.banks.flatMap((_, bank) => applicantsOf(bank).slice(1)).sort((x, y) => x.bank - y.bank);
  const order = Array.from({ length: EVENTS }, (_, k) => queue[(k % BANKS) * perBank + Math.floor(k / BANKS)]);
  for (let k = 0; k < order.length; k++) {
    const r = await apply(order[k], servers[k % servers.length]);
    sent.set(r.memberId, { send: r.send, ack: r.ack });
  }
  const expected = EVENTS * (SUBSCRIBERS / BANKS);
  const until = Date.now() + 60_000;
  while (receipts.length < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all(connections.map((c) => c.dispose()));
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  for (const r of receipts) {
    const s = sent.get(r.memberId);
    if (!s) continue;
    fromAck.push(r.at - s.ack);
    fromSend.push(r.at - s.send);
  }
  return { fromAck, fromSend, missing: expected - fromAck.length };
}

async function scenario(name: string, processes: number, withRedis: boolean) {
  const db = await createTestDatabase();
  const servers: ServerProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      servers.push(
        await startServerProcess({
          databaseUrl: db.url!,
          redisUrl: withRedis ? redisUrl : "",
          env: { DATABASE_POOL_SIZE: "10", LOG_LEVEL: "error" },
        }),
      );
    }
    const rounds: { p50: number; p99: number; max: number; sendP50: number; sendP99: number; missing: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const res = await round(db, servers);
      const ack = [...res.fromAck].sort((a, b) => a - b);
      const send = [...res.fromSend].sort((a, b) => a - b);
      const line = {
        p50: percentile(ack, 50),
        p99: percentile(ack, 99),
        max: ack[ack.length - 1],
        sendP50: percentile(send, 50),
        sendP99: percentile(send, 99),
        missing: res.missing,
      };
      rounds.push(line);
      console.log(
        `${name} round ${r + 1}: ${ack.length} deliveries, from ack p50 ${line.p50.toFixed(1)} ms p99 ${line.p99.toFixed(1)} ms max ${line.max.toFixed(1)} ms; from send p50 ${line.sendP50.toFixed(1)} ms p99 ${line.sendP99.toFixed(1)} ms; missing ${line.missing}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      name,
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      sendP50: median(rounds.map((r) => r.sendP50)),
      sendP99: median(rounds.map((r) => r.sendP99)),
      missing: rounds.reduce((n, r) => n + r.missing, 0),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.destroy();
  }
}

async function main() {
  console.log(
    `real-time delivery latency: ${SUBSCRIBERS} subscribers in ${BANKS} banks, ${EVENTS} applications one after another, ${ROUNDS} rounds; ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}`,
  );
  const results = [await scenario("1 process, memory", 1, false), await scenario("2 processes, Redis", 2, true)];
  console.log("\nmedian of rounds (ms)            from ack p50   p99    from send p50   p99   missing");
  for (const r of results) {
    console.log(
      `${r.name.padEnd(32)} ${r.p50.toFixed(1).padStart(10)} ${r.p99.toFixed(1).padStart(6)} ${r.sendP50.toFixed(1).padStart(14)} ${r.sendP99.toFixed(1).padStart(6)} ${String(r.missing).padStart(8)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
