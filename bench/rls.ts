// npm run bench:rls [-- --rounds 5 --iterations 2000]
//
// What row-level security costs the read path. On one fresh PostgreSQL database (4 banks, 2,000
// accounts and 40,000 transfers each), the same three reads the ledger's screens make are
// timed, round after round, three ways side by side:
//   owner    the tables' owner: policies bypassed (what the server did before)
//   app *    the server's role timebank_app with its connection default (every bank)
//   app bank timebank_app inside a transaction narrowed to the bank (as inTransaction does),
//            with BEGIN, set_config and COMMIT counted in
//   app session  timebank_app with its session setting already narrowed to the bank (what a
//            request's statement costs on a connection that last served the same banks)
//   app switch   timebank_app, the session setting changed before every read (what a statement
//            costs when its connection last served other banks: one more round trip)
// Reads: one account by id; a page of 20 transfers of an account, newest first; the sum of a
// bank's balances (2,000 rows through the policy). Medians of rounds of `iterations` sequential
// statements on one connection, in microseconds per read.
//
// Then the server's own path: requests of the 4 banks in random order, `--concurrency` at a time
// (default 16), each 5 account reads through Prisma on the application pool (6 connections),
// once narrowed to the request's bank (src/db/bank-scope.ts) and once with every bank ('*', as
// before): reads per second, and how many statements had to change their connection's setting.
//
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names the server; a
// fresh database is created for the run and dropped afterwards.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { openPostgres } from "../src/db/database";
import { everyBank, withBankScope } from "../src/db/bank-scope";
import { migrate } from "../src/db/migrations";
import { median, withDatabase } from "./lib";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    iterations: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
    requests: { type: "string", default: "2000" },
  },
});
const ROUNDS = Number(values.rounds);
const ITERATIONS = Number(values.iterations);
const CONCURRENCY = Number(values.concurrency);
const REQUESTS = Number(values.requests);
const READS_PER_REQUEST = 5;
const POOL = 6;
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const BANKS = 4;
const ACCOUNTS = 2000;
const TRANSFERS = 40_000;

async function main() {
  const name = `tb_bench_rls_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  const clients: pg.Client[] = [];
  try {
    const db = await openPostgres({ url, poolSize: 1 });
    await db.withSession((s) => migrate(s));
    await db.close();

    const owner = new pg.Client({ connectionString: url });
    await owner.connect();
    clients.push(owner);
    await owner.query(
      `INSERT INTO "Person" ("id", "email", "displayName", "passwordHash") VALUES ('00000000-0000-0000-0000-000000000001', 'bench@example.org', 'Bench', 'x')`,
    );
    const bankIds: string[] = [];
    for (let b = 0; b < BANKS; b++) {
      const { rows } = await owner.query(
        `INSERT INTO "Timebank" ("id", "slug", "name") VALUES (gen_random_uuid(), $1, $1) RETURNING "id"`,
        [`bench-${b}`],
      );
      const bank = rows[0].id as string;
      bankIds.push(bank);
      await owner.query(
        `INSERT INTO "Account" ("timebankId", "id", "kind", "floorMinutes", "ceilingMinutes")
         SELECT $1, gen_random_uuid(), 'INSTITUTION', -100000, 100000 FROM generate_series(1, $2)`,
        [bank, ACCOUNTS],
      );
      await owner.query(
        `WITH a AS (SELECT "id", row_number() OVER () AS n FROM "Account" WHERE "timebankId" = $1)
         INSERT INTO "Transfer" ("timebankId", "id", "kind", "status", "debitAccountId", "creditAccountId", "minutes", "idempotencyKey", "requestHash", "createdById", "postedAt", "createdAt")
         SELECT $1, gen_random_uuid(), 'EXCHANGE', 'POSTED', d."id", c."id", 1 + (g % 120), 'k' || g, 'h', '00000000-0000-0000-0000-000000000001', now(), now() - (g || ' seconds')::interval
         FROM generate_series(1, $2) g
         JOIN a d ON d.n = 1 + (g % $3)
         JOIN a c ON c.n = 1 + ((g * 7 + 1) % $3)
         WHERE d."id" <> c."id"`,
        [bank, TRANSFERS, ACCOUNTS],
      );
    }
    await owner.query("ANALYZE");
    const bank = bankIds[1];
    const { rows: sample } = await owner.query(`SELECT "id" FROM "Account" WHERE "timebankId" = $1 LIMIT 200`, [bank]);
    const accountIds = sample.map((r) => r.id as string);

    const app = new pg.Client({ connectionString: url, options: "-c role=timebank_app -c timebank.bank_ids=*" });
    await app.connect();
    clients.push(app);
    const narrowed = new pg.Client({ connectionString: url, options: "-c role=timebank_app -c timebank.bank_ids=*" });
    await narrowed.connect();
    clients.push(narrowed);
    await narrowed.query(`SELECT set_config('timebank.bank_ids', $1, false)`, [bank]);
    const switching = new pg.Client({ connectionString: url, options: "-c role=timebank_app -c timebank.bank_ids=*" });
    await switching.connect();
    clients.push(switching);
    // Two scopes that both hold the bank, so that every read finds its rows.
    const scopes = [bank, [bank, bankIds[2]].sort().join(",")];

    const reads: Record<string, (c: pg.Client, i: number) => Promise<unknown>> = {
      "account by id": (c, i) =>
        c.query({
          name: "acc",
          text: `SELECT * FROM "Account" WHERE "timebankId" = $1 AND "id" = $2`,
          values: [bank, accountIds[i % accountIds.length]],
        }),
      "20 transfers of an account": (c, i) =>
        c.query({
          name: "page",
          text: `SELECT * FROM "Transfer" WHERE "timebankId" = $1 AND "debitAccountId" = $2 ORDER BY "createdAt" DESC LIMIT 20`,
          values: [bank, accountIds[i % accountIds.length]],
        }),
      "sum of a bank's balances": (c) =>
        c.query({ name: "sum", text: `SELECT sum("balanceMinutes") FROM "Account" WHERE "timebankId" = $1`, values: [bank] }),
    };
    const ways: Record<string, (read: (c: pg.Client, i: number) => Promise<unknown>, i: number) => Promise<unknown>> = {
      owner: (read, i) => read(owner, i),
      "app *": (read, i) => read(app, i),
      "app bank": async (read, i) => {
        await app.query("BEGIN");
        await app.query({ name: "scope", text: `SELECT set_config('timebank.bank_ids', $1, true)`, values: [bank] });
        await read(app, i);
        await app.query("COMMIT");
      },
      "app session": (read, i) => read(narrowed, i),
      "app switch": async (read, i) => {
        await switching.query({ name: "session", text: `SELECT set_config('timebank.bank_ids', $1, false)`, values: [scopes[i % 2]] });
        await read(switching, i);
      },
    };
    // The narrowed transaction really sees one bank only (else the numbers would mean nothing).
    await app.query("BEGIN");
    await app.query(`SELECT set_config('timebank.bank_ids', $1, true)`, [bank]);
    const seen = (await app.query(`SELECT count(DISTINCT "timebankId")::int AS n FROM "Transfer"`)).rows[0].n;
    await app.query("COMMIT");
    if (seen !== 1) throw new Error(`the narrowed transaction saw ${seen} banks`);

    const results: Record<string, Record<string, number[]>> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [readName, read] of Object.entries(reads)) {
        for (const [wayName, way] of Object.entries(ways)) {
          for (let i = 0; i < 50; i++) await way(read, i); // warm the plan cache and the buffers
          const started = process.hrtime.bigint();
          for (let i = 0; i < ITERATIONS; i++) await way(read, i);
          const us = Number(process.hrtime.bigint() - started) / 1000 / ITERATIONS;
          ((results[readName] ??= {})[wayName] ??= []).push(us);
        }
      }
    }
    const load = (await import("node:os"))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
    console.log(`row-level security read cost, median of ${ROUNDS} rounds x ${ITERATIONS} reads, µs per read (load average ${load})`);
    const wayNames = Object.keys(ways);
    console.log(`${"read".padEnd(30)}${wayNames.map((w) => w.padStart(13)).join("")}${"app * / owner".padStart(16)}`);
    for (const [readName, byWay] of Object.entries(results)) {
      const cells = wayNames.map((w) => median(byWay[w]).toFixed(0).padStart(13)).join("");
      console.log(`${readName.padEnd(30)}${cells}${(median(byWay["app *"]) / median(byWay.owner)).toFixed(2).padStart(16)}`);
    }

    // The server's path: Prisma on the application pool, requests of random banks interleaved.
    const server = await openPostgres({ url, poolSize: POOL, appRole: "timebank_app" });
    try {
      const accountsOf = new Map<string, string[]>();
      for (const b of bankIds) {
        accountsOf.set(
          b,
          (await owner.query(`SELECT "id" FROM "Account" WHERE "timebankId" = $1 LIMIT 200`, [b])).rows.map((r) => r.id as string),
        );
      }
      let seed = 42;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const oneRequest = async (b: string) => {
        const ids = accountsOf.get(b)!;
        for (let r = 0; r < READS_PER_REQUEST; r++) {
          const id = ids[Math.floor(random() * ids.length)];
          const found = await server.prisma.account.findFirst({ where: { timebankId: b, id } });
          if (!found) throw new Error("a narrowed request did not find its own bank's account");
        }
      };
      const modes: Record<string, (b: string) => Promise<void>> = {
        "every bank (*)": (b) => everyBank(() => oneRequest(b)),
        "narrowed to the request's bank": (b) => withBankScope([b], () => oneRequest(b)),
      };
      const mix: Record<string, { perSecond: number[]; switchShare: number[] }> = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const [mode, run] of Object.entries(modes)) {
          const banksInOrder = Array.from({ length: REQUESTS }, () => bankIds[Math.floor(random() * bankIds.length)]);
          const switchesBefore = server.scopeSwitches();
          const started = process.hrtime.bigint();
          let next = 0;
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              while (next < banksInOrder.length) await run(banksInOrder[next++]);
            }),
          );
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const statements = REQUESTS * READS_PER_REQUEST;
          const m = (mix[mode] ??= { perSecond: [], switchShare: [] });
          m.perSecond.push(statements / seconds);
          m.switchShare.push((server.scopeSwitches() - switchesBefore) / statements);
        }
      }
      console.log(
        `\nrequests of ${BANKS} banks in random order, ${CONCURRENCY} at a time, ${READS_PER_REQUEST} reads each, pool of ${POOL}; median of ${ROUNDS} rounds x ${REQUESTS} requests`,
      );
      console.log(`${"mode".padEnd(34)}${"reads/s".padStart(10)}${"setting changes per read".padStart(27)}`);
      for (const [mode, m] of Object.entries(mix))
        console.log(`${mode.padEnd(34)}${median(m.perSecond).toFixed(0).padStart(10)}${median(m.switchShare).toFixed(3).padStart(27)}`);
    } finally {
      await server.close();
    }
    const after = (await import("node:os"))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
    console.log(`load average after: ${after}`);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
