// npm run bench:ledger [-- --seconds 10 --rounds 3 --warmup 5 --clients 32 --accounts 1000]
//
// Transfers per second and latency of `recordExchange` through GraphQL on PostgreSQL (the real
// server in a child process, 32 concurrent clients, 1,000 accounts), and beside it, in the same
// run and on the same database, the same debit/credit/insert done by a raw pg script with the
// same guarded UPDATEs. Rounds alternate between the two; medians are reported with the ratio.
// Each round also measures the floor of any GraphQL request (`{ __typename }`, same token and
// clients) and the inter-bank path, and the server's CPU per request of each GraphQL phase.
// After each phase the ledger is verified: any invariant violation fails the run; so does a
// phase with errors (no ratio is reported from a phase that measured a failure).
//
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names the server
// to use; a fresh database is created for the run and dropped afterwards.
import "reflect-metadata";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openPostgres } from "../src/db/database";
import { migrate } from "../src/db/migrations";
import { issueToken } from "../src/modules/auth/token";
import { verifyLedger } from "../src/modules/ledger/ledger.verify";
import { interBankPhase, setupInterBank } from "./federation";
import { closeConnections, postGraphQL } from "./http";
import { freePort, median, withDatabase } from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "15" },
    rounds: { type: "string", default: "3" },
    clients: { type: "string", default: "32" },
    accounts: { type: "string", default: "1000" },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
/** Seconds of unmeasured load (floor, recordExchange, raw pg) before round 1: V8 optimises the hot paths. */
const WARMUP_SECONDS = Number(values.warmup);
const CLIENTS = Number(values.clients);
const ACCOUNTS = Number(values.accounts);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const SECRET = randomBytes(32).toString("hex");

interface Phase {
  tps: number;
  p50: number;
  p99: number;
  ok: number;
  refused: number;
  errors: number;
  /** The first few distinct error messages, to say what went wrong. */
  samples: string[];
  /** CPU milliseconds the server process spent per request of the phase (GraphQL phases). */
  serverCpuPerRequest?: number;
}

function summarise(latencies: number[], ok: number, refused: number, errors: number, seconds: number, samples: string[] = []): Phase {
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { tps: ok / seconds, p50: at(0.5), p99: at(0.99), ok, refused, errors, samples };
}

/** Keeps up to five distinct error messages of a phase. */
function sample(samples: string[], message: string): void {
  if (samples.length < 5 && !samples.includes(message)) samples.push(message);
}

/**
 * A phase that returned errors (or moved nothing) measured something other than the ledger: a
 * rate limiter, a broken schema, a dead server. Its numbers must not become a ratio.
 */
class PhaseFailed extends Error {}
function mustBeClean(name: string, phase: Phase): void {
  if (phase.errors === 0 && phase.ok > 0) return;
  throw new PhaseFailed(
    `${name}: ${phase.errors} errors, ${phase.ok} transfers, ${phase.refused} refused in ${SECONDS} s; no ratio is reported.` +
      (phase.samples.length ? `\n  first errors:\n  - ${phase.samples.join("\n  - ")}` : ""),
  );
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return NaN;
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function main() {
  const name = `tb_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  let server: ChildProcess | null = null;
  try {
    // Schema and data: one bank, its coordinator, ACCOUNTS members with accounts.
    const db = await openPostgres({ url, poolSize: 4 });
    await db.withSession((s) => migrate(s));
    const setup = new pg.Client({ connectionString: url });
    setup.on("error", () => {}); // dropped with the database at the end
    await setup.connect();
    const bankId = randomUUID();
    const coordinatorId = randomUUID();
    await setup.query(
      `INSERT INTO "Timebank" (id, slug, name, "creditFloorMinutes", "balanceCeilingMinutes") VALUES ($1, 'bench', 'Bench', -6000, 60000)`,
      [bankId],
    );
    await setup.query(
      `INSERT INTO "Person" (id, email, "displayName", "passwordHash") VALUES ($1, 'coordinator@bench.example', 'Coordinator', 'x')`,
      [coordinatorId],
    );
    await setup.query(
      `INSERT INTO "Membership" ("timebankId", id, "personId", role, status, "memberNumber") VALUES ($1, $2, $3, 'COORDINATOR', 'ACTIVE', 1)`,
      [bankId, randomUUID(), coordinatorId],
    );
    await setup.query(
      `WITH p AS (INSERT INTO "Person" (id, email, "displayName", "passwordHash")
                  SELECT gen_random_uuid(), 'm' || i || '@bench.example', 'Member ' || i, 'x' FROM generate_series(1, $2::int) i RETURNING id, email),
            m AS (INSERT INTO "Membership" ("timebankId", id, "personId", status, "memberNumber")
                  SELECT $1::uuid, gen_random_uuid(), p.id, 'ACTIVE', substring(p.email from 2 for position('@' in p.email) - 2)::int + 1 FROM p RETURNING id)
       INSERT INTO "Account" ("timebankId", id, kind, "membershipId", "floorMinutes", "ceilingMinutes")
       SELECT $1::uuid, gen_random_uuid(), 'MEMBER', m.id, -6000, 60000 FROM m`,
      [bankId, ACCOUNTS],
    );
    // Federation: a partner bank and an active partnership for the inter-bank phase.
    const interBank = await setupInterBank(setup, bankId, Math.min(ACCOUNTS, 200), SECRET);
    const members = (
      await setup.query<{ id: string; account: string }>(
        `SELECT m.id, a.id AS account FROM "Membership" m JOIN "Account" a ON a."membershipId" = m.id WHERE m."timebankId" = $1`,
        [bankId],
      )
    ).rows;

    // The server, as deployed: its own process, PostgreSQL pool of 20.
    const port = await freePort();
    // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
    server = spawn(process.execPath, [...nodeArgs, "-r", "@swc-node/register", path.resolve(__dirname, "../src/main.ts")], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        DATABASE_POOL_SIZE: "20",
        AUTH_SECRET: SECRET,
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        SEED_DEMO_DATA: "false",
        NODE_ENV: "production",
        // One coordinator token records every exchange: the per-person mutation budget (120 a
        // minute by default) would refuse nearly all of them, and the bench would measure the limiter.
        RATE_LIMIT_MUTATIONS_PER_MINUTE: "1000000",
        RATE_LIMIT_LOGIN_PER_MINUTE: "100000",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      server!.stdout!.on("data", (d: Buffer) => d.toString().includes("listening") && resolve());
      server!.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    const endpoint = `http://127.0.0.1:${port}/graphql`;
    const token = issueToken(coordinatorId, SECRET, 3600, new Date()).token;
    const mutation = `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename ... on Transfer { id } } }`;

    const pick = () => members[Math.floor(Math.random() * members.length)];
    const pair = () => {
      const a = pick();
      let b = pick();
      while (b === a) b = pick();
      return [a, b];
    };

    async function graphqlPhase(seconds = SECONDS): Promise<Phase> {
      const latencies: number[] = [];
      const samples: string[] = [];
      let ok = 0,
        refused = 0,
        errors = 0;
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < deadline) {
            const [giver, receiver] = pair();
            const started = performance.now();
            const { status, body } = await postGraphQL<{ recordExchange: { __typename: string } }>(endpoint, token, mutation, {
              input: {
                timebank: "bench",
                giverMemberId: giver.id,
                receiverMemberId: receiver.id,
                minutes: 1 + Math.floor(Math.random() * 30),
                idempotencyKey: randomUUID(),
              },
            });
            latencies.push(performance.now() - started);
            if (body.errors) {
              errors++;
              sample(samples, `HTTP ${status} ${body.errors[0]?.extensions?.code ?? ""}: ${body.errors[0]?.message}`);
            } else if (body.data!.recordExchange.__typename === "Transfer") ok++;
            else refused++;
          }
        }),
      );
      return summarise(latencies, ok, refused, errors, seconds, samples);
    }

    // The floor under any GraphQL request on this machine at this moment: the same clients, server
    // and token asking for nothing (`{ __typename }`): HTTP, Apollo, the limits plugin, the
    // viewer's lookup. recordExchange cannot be faster than this.
    async function floorPhase(seconds = SECONDS): Promise<Phase> {
      const latencies: number[] = [];
      const samples: string[] = [];
      let ok = 0,
        errors = 0;
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < deadline) {
            const started = performance.now();
            const { status, body } = await postGraphQL<{ __typename: string }>(endpoint, token, "{ __typename }");
            latencies.push(performance.now() - started);
            if (body.errors) {
              errors++;
              sample(samples, `HTTP ${status}: ${body.errors[0]?.message}`);
            } else ok++;
          }
        }),
      );
      return summarise(latencies, ok, 0, errors, seconds, samples);
    }

    const raw = new pg.Pool({ connectionString: url, max: CLIENTS });
    async function rawPhase(seconds = SECONDS): Promise<Phase> {
      const latencies: number[] = [];
      const samples: string[] = [];
      let ok = 0,
        refused = 0,
        errors = 0;
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const c = await raw.connect();
          try {
            while (performance.now() < deadline) {
              const [giver, receiver] = pair();
              const m = 1 + Math.floor(Math.random() * 30);
              const started = performance.now();
              try {
                await c.query("BEGIN");
                // The same guarded debit/credit in account-id order and the same insert as the server does.
                const sides = [
                  { id: receiver.account, delta: -m },
                  { id: giver.account, delta: m },
                ].sort((x, y) => (x.id < y.id ? -1 : 1));
                let moved = true;
                for (const s of sides) {
                  const r = await c.query(
                    `UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + $3::int, "updatedAt" = now()
                     WHERE "timebankId" = $1 AND "id" = $2 AND "status" = 'ACTIVE'
                       AND "balanceMinutes" + $3::int - "pendingOutMinutes" >= "floorMinutes" AND "balanceMinutes" + $3::int + "pendingInMinutes" <= "ceilingMinutes"`,
                    [bankId, s.id, s.delta],
                  );
                  if (r.rowCount !== 1) moved = false;
                }
                if (!moved) {
                  await c.query("ROLLBACK");
                  refused++;
                } else {
                  await c.query(
                    `INSERT INTO "Transfer" ("timebankId", id, kind, status, "debitAccountId", "creditAccountId", minutes, "idempotencyKey", "requestHash", "createdById", "postedAt")
                     VALUES ($1, gen_random_uuid(), 'EXCHANGE', 'POSTED', $2, $3, $4, $5, 'raw', $6, now())`,
                    [bankId, receiver.account, giver.account, m, randomUUID(), coordinatorId],
                  );
                  await c.query("COMMIT");
                  ok++;
                }
              } catch (err) {
                await c.query("ROLLBACK").catch(() => {});
                errors++;
                sample(samples, String((err as Error).message ?? err));
              }
              latencies.push(performance.now() - started);
            }
          } finally {
            c.release();
          }
        }),
      );
      return summarise(latencies, ok, refused, errors, seconds, samples);
    }

    // Warm up the server (schema, query plans, connections) before measuring; a warm-up that
    // fails says at once that the bench cannot measure anything.
    const warmup: string[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        const [giver, receiver] = pair();
        const { status, body } = await postGraphQL(endpoint, token, mutation, {
          input: { timebank: "bench", giverMemberId: giver.id, receiverMemberId: receiver.id, minutes: 1, idempotencyKey: randomUUID() },
        });
        if (body.errors) sample(warmup, `HTTP ${status}: ${body.errors[0]?.message}`);
      }),
    );
    if (warmup.length) throw new PhaseFailed(`warm-up: recordExchange returned errors:\n  - ${warmup.join("\n  - ")}`);
    // Then a few seconds of each phase, unmeasured: without it round 1 measured V8 still compiling
    // the hot paths (floor and recordExchange at half their later rate).
    if (WARMUP_SECONDS > 0) for (const phase of [floorPhase, graphqlPhase, rawPhase]) await phase(WARMUP_SECONDS);
    // Statistics, as pgbench takes them after loading: the tables were empty when the server's
    // statements were first planned, and autovacuum analyses them only on its own schedule (a
    // minute apart). Until it did, the plans PostgreSQL keeps read as if the tables were empty:
    // auto_explain showed the idempotency-key lookup scanning a bank's every transfer through
    // another index (round 1 at half the rate of the rounds after it). ANALYZE invalidates
    // those plans; the next call of each plans again on the data as it is.
    await setup.query("ANALYZE");

    const pgVersion = (await setup.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version;
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${pgVersion}`,
    );
    console.log(`${ROUNDS} rounds of ${SECONDS} s, ${CLIENTS} clients, ${ACCOUNTS} accounts; load average (1/5/15 min) at start ${load()}`);

    const results: { floor: Phase; graphql: Phase; raw: Phase; interBank: Phase }[] = [];
    const loads: number[] = [];
    /** Every phase leaves the ledger consistent, or the run stops here and says where. */
    const verified = async (after: string) => {
      const report = await verifyLedger(db.prisma);
      if (report.problems.length)
        throw new PhaseFailed(`invariant violations after ${after}:\n  - ${report.problems.map((p) => JSON.stringify(p)).join("\n  - ")}`);
    };
    // With the server started as `BENCH_SERVER_NODE_ARGS="-r ./bench/pg-count.cjs" BENCH_COUNT_PORT=<port>`:
    // the statements recordExchange sends, per request, by statement.
    const countPort = Number(process.env.BENCH_COUNT_PORT);
    const statementsByText = async (): Promise<Record<string, number> | null> =>
      countPort ? ((await (await fetch(`http://127.0.0.1:${countPort}/statements`)).json()) as Record<string, number>) : null;
    const printStatements = (what: string, before: Record<string, number>, after: Record<string, number>, requests: number) => {
      const lines = Object.entries(after)
        .map(([text, n]) => [text, (n - (before[text] ?? 0)) / requests] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]);
      console.log(`${what}: ${lines.reduce((sum, [, n]) => sum + n, 0).toFixed(2)} statements per request`);
      for (const [text, n] of lines) console.log(`  ${n.toFixed(3)}  ${text}`);
    };
    for (let round = 1; round <= ROUNDS; round++) {
      let cpu = cpuMs(server.pid!);
      const floor = await floorPhase();
      floor.serverCpuPerRequest = (cpuMs(server.pid!) - cpu) / (floor.ok + floor.errors);
      mustBeClean(`round ${round}, GraphQL floor`, floor);
      cpu = cpuMs(server.pid!);
      const before = await statementsByText();
      const graphql = await graphqlPhase();
      if (before) printStatements("recordExchange", before, (await statementsByText())!, graphql.ok + graphql.refused + graphql.errors);
      graphql.serverCpuPerRequest = (cpuMs(server.pid!) - cpu) / (graphql.ok + graphql.refused + graphql.errors);
      mustBeClean(`round ${round}, GraphQL recordExchange`, graphql);
      await verified(`round ${round}, GraphQL phase`);
      const rawResult = await rawPhase();
      mustBeClean(`round ${round}, raw pg`, rawResult);
      await verified(`round ${round}, raw phase`);
      // Federation: sendHoursToOtherBank in both directions, same clients, same round.
      cpu = cpuMs(server.pid!);
      const ib = await interBankPhase(endpoint, interBank, CLIENTS, SECONDS);
      const interBankResult = summarise(ib.latencies, ib.ok, ib.refused, ib.errors, SECONDS, ib.samples);
      interBankResult.serverCpuPerRequest = (cpuMs(server.pid!) - cpu) / ib.latencies.length;
      mustBeClean(`round ${round}, GraphQL sendHoursToOtherBank`, interBankResult);
      await verified(`round ${round}, inter-bank phase`);
      loads.push(os.loadavg()[0]);
      results.push({ floor, graphql, raw: rawResult, interBank: interBankResult });
      console.log(
        `round ${round}: floor ${floor.tps.toFixed(0)} rps (server CPU ${floor.serverCpuPerRequest!.toFixed(2)} ms/request) | GraphQL ${graphql.tps.toFixed(0)} tps (p50 ${graphql.p50.toFixed(1)} ms, p99 ${graphql.p99.toFixed(1)} ms, refused ${graphql.refused}, server CPU ${graphql.serverCpuPerRequest!.toFixed(2)} ms/request)` +
          ` | raw pg ${rawResult.tps.toFixed(0)} tps (p50 ${rawResult.p50.toFixed(1)} ms, p99 ${rawResult.p99.toFixed(1)} ms, refused ${rawResult.refused}) | ratio ${(graphql.tps / rawResult.tps).toFixed(2)}` +
          ` | inter-bank ${interBankResult.tps.toFixed(0)} tps (p50 ${interBankResult.p50.toFixed(1)} ms, p99 ${interBankResult.p99.toFixed(1)} ms, server CPU ${interBankResult.serverCpuPerRequest!.toFixed(2)} ms/request) | load ${load()}`,
      );
    }
    await raw.end();
    const g = (f: "tps" | "p50" | "p99") => median(results.map((r) => r.graphql[f]));
    const r = (f: "tps" | "p50" | "p99") => median(results.map((x) => x.raw[f]));
    const ib = (f: "tps" | "p50" | "p99") => median(results.map((x) => x.interBank[f]));
    const ratio = median(results.map((x) => x.graphql.tps / x.raw.tps));
    const cpuOf = (f: (x: (typeof results)[number]) => Phase) => median(results.map((x) => f(x).serverCpuPerRequest!)).toFixed(2);
    console.log(`\n| path | transfers/s | p50 ms | p99 ms | server CPU ms/request |\n|---|---|---|---|---|`);
    console.log(
      `| GraphQL recordExchange (${CLIENTS} clients) | ${g("tps").toFixed(0)} | ${g("p50").toFixed(1)} | ${g("p99").toFixed(1)} | ${cpuOf((x) => x.graphql)} |`,
    );
    console.log(
      `| raw pg, same guarded UPDATEs + INSERT (${CLIENTS} connections) | ${r("tps").toFixed(0)} | ${r("p50").toFixed(1)} | ${r("p99").toFixed(1)} | – |`,
    );
    const fl = (f: "tps" | "p50" | "p99") => median(results.map((x) => x.floor[f]));
    console.log(
      `| GraphQL floor: \`{ __typename }\` with the same token (${CLIENTS} clients), requests/s | ${fl("tps").toFixed(0)} | ${fl("p50").toFixed(1)} | ${fl("p99").toFixed(1)} | ${cpuOf((x) => x.floor)} |`,
    );
    console.log(
      `| GraphQL sendHoursToOtherBank, both directions (${CLIENTS} clients) | ${ib("tps").toFixed(0)} | ${ib("p50").toFixed(1)} | ${ib("p99").toFixed(1)} | ${cpuOf((x) => x.interBank)} |`,
    );
    console.log(
      `\nrounds GraphQL/raw/inter-bank tps: ${results.map((x) => `${x.graphql.tps.toFixed(0)}/${x.raw.tps.toFixed(0)}/${x.interBank.tps.toFixed(0)}`).join(", ")}`,
    );
    console.log(`inter-bank/intra-bank GraphQL ratio ${median(results.map((x) => x.interBank.tps / x.graphql.tps)).toFixed(2)}`);
    console.log(
      `floor/raw ratio ${median(results.map((x) => x.floor.tps / x.raw.tps)).toFixed(2)} (the most any GraphQL mutation could reach here); recordExchange/floor ${median(results.map((x) => x.graphql.tps / x.floor.tps)).toFixed(2)}`,
    );
    console.log(
      `median of ${ROUNDS} rounds of ${SECONDS} s, ${ACCOUNTS} accounts; ratio GraphQL/raw ${ratio.toFixed(2)}; invariant violations 0; errors 0; load average (1 min) after rounds ${loads.map((l) => l.toFixed(1)).join(", ")}`,
    );
    await setup.end();
    await db.close();
  } catch (err) {
    console.error(err instanceof PhaseFailed ? `BENCH FAILED: ${err.message}` : err);
    process.exitCode = 1;
  } finally {
    closeConnections();
    if (server) {
      server.kill("SIGTERM");
      await new Promise((r) => server!.once("exit", r));
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
