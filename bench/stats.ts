// npm run bench:stats [-- --banks 500 --members 200000 --transfers 5000000 --days 1095 --requests 40 --seconds 30 --rounds 3 --cadences 30000,5000]
//
// National statistics at scale on PostgreSQL: generates banks, members and posted exchanges
// with set-based SQL (src/modules/stats/stats.generate.ts), builds the rollups once (full
// refresh, timed), then through GraphQL over HTTP (the real server, in this process) measures
// p50/p95 of (a) the national monthly figures for 12 months and (b) one bank's monthly figures
// for 12 months, as an umbrella user. Then the rollups' cost on the write path: transfers per
// second of a ledger transaction (guarded debit UPDATE, credit UPDATE, INSERT, as the ledger
// does) from 16 clients, the same load with rollups OFF (no postedAt index, no refresher) and ON
// (the index, and a refresh every C ms for each cadence C of --cadences: by default the server's
// default STATS_MAX_STALENESS_MS, 30 s, which is how often reads refresh when someone reads all
// the time, and 5 s as a harsher case), in alternating rounds, medians side by side.
//
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names the server;
// a fresh database bench_stats is created and dropped afterwards (--keep keeps it).
import "reflect-metadata";
import { randomBytes, randomUUID } from "node:crypto";
import os from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config";
import { openPostgres } from "../src/db/database";
import { migrate } from "../src/db/migrations";
import { getSchema } from "../src/schema";
import { startServer } from "../src/server";
import { issueToken } from "../src/modules/auth/token";
import { generateDataset } from "../src/modules/stats/stats.generate";
import { refreshRollups } from "../src/modules/stats/stats.refresh";
import { median } from "./lib";

const { values } = parseArgs({
  options: {
    banks: { type: "string", default: "500" },
    members: { type: "string", default: "200000" },
    transfers: { type: "string", default: "5000000" },
    days: { type: "string", default: "1095" },
    requests: { type: "string", default: "40" },
    seconds: { type: "string", default: "30" },
    /** Refresh cadences (ms) of the rollups-on phases; the first is the goal's. */
    cadences: { type: "string", default: "" },
    rounds: { type: "string", default: "3" },
    clients: { type: "string", default: "16" },
    keep: { type: "boolean", default: false },
    /** Reuse bench_stats as a previous run (--keep, or an interrupted one) left it: no generation, no rebuild. */
    reuse: { type: "boolean", default: false },
  },
});
const BANKS = Number(values.banks);
const MEMBERS = Number(values.members);
const TRANSFERS = Number(values.transfers);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = "bench_stats";
const SECRET = randomBytes(32).toString("hex");

const dbUrl = () => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
};
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if (!values.reuse) {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
  }
  console.log(`# bench:stats  ${BANKS} banks, ${MEMBERS} members, ${TRANSFERS} transfers over ${values.days} days; load ${load()}`);
  const database = await openPostgres({ url: dbUrl(), poolSize: 10 });
  try {
    await database.withSession((s) => migrate(s, () => {}));
    let t = Date.now();
    const end = new Date();
    if (values.reuse) {
      console.log(`reusing ${DB_NAME}: ${await database.prisma.transfer.count()} transfers, rollups as built before`);
      // Brings the rollups up to date with the code (after a migration: publishes every region's flags).
      const r = await refreshRollups(database);
      console.log(`catch-up refresh: ${r.bankPeriods} bank-periods in ${(r.ms / 1000).toFixed(1)} s; load ${load()}`);
    } else {
      await generateDataset(database.prisma, {
        tag: "b",
        banks: BANKS,
        membersPerBank: Math.round(MEMBERS / BANKS),
        transfers: TRANSFERS,
        days: Number(values.days),
        end,
        participationShare: 0.5,
      });
      console.log(`generated in ${((Date.now() - t) / 1000).toFixed(1)} s; load ${load()}`);
      t = Date.now();
      await database.withSession((s) => s.exec(`VACUUM ANALYZE`));
      console.log(`vacuum analyze ${((Date.now() - t) / 1000).toFixed(1)} s`);
      t = Date.now();
      const full = await refreshRollups(database, { full: true });
      // (full.ms is the whole rebuild: every bank, 36 months and 53 weeks.)
      console.log(`full rollup build: ${full.bankPeriods} bank-periods in ${(full.ms / 1000).toFixed(1)} s; load ${load()}`);
      await database.withSession((s) => s.exec(`ANALYZE`));
    }

    // The real server, with rollups considered fresh for the read measurements (refresh is timed apart).
    const config = {
      ...loadConfig({ NODE_ENV: "production", DATABASE_URL: dbUrl(), AUTH_SECRET: SECRET, LOG_LEVEL: "error" }),
      statsMaxStalenessMs: 3_600_000,
    };
    const app = await createApp(config, { database });
    const server = await startServer(app, await getSchema(), 0, "127.0.0.1");
    const umbrella = await database.prisma.person.upsert({
      where: { email: "bench-umbrella@example.org" },
      create: { email: "bench-umbrella@example.org", displayName: "Bench umbrella", passwordHash: "x", isUmbrella: true },
      update: {},
    });
    const token = issueToken(umbrella.id, SECRET, 3600, new Date()).token;
    const last = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), 1));
    const from = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
    const to = last.toISOString().slice(0, 10);
    const FIG = "{ value suppressed }";
    const query = `query($i: StatisticsInput!) { statistics(input: $i) { periods
      members { period group membersTotal ${FIG} membersActive ${FIG} membersNew ${FIG} membersPaused ${FIG} membersLeft ${FIG} institutions ${FIG} exchanges ${FIG} hoursExchanged ${FIG} reciprocityShare ${FIG} neverExchangedShare ${FIG} }
      categories { period group category exchanges ${FIG} hours ${FIG} participants ${FIG} }
      interBankFlows { period fromBank toBank purpose transfers ${FIG} hours ${FIG} }
      netPositions { period bank netHours ${FIG} }
      institutions { period group institutionKind hoursEarned ${FIG} hoursGiven ${FIG} }
      participation { period group dimension answer members ${FIG} share ${FIG} } } }`;
    const call = async (input: Record<string, unknown>) => {
      const started = performance.now();
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { i: input } }),
      });
      const body = (await res.json()) as { errors?: unknown[]; data?: { statistics: { members: unknown[] } } };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return { ms: performance.now() - started, rows: body.data!.statistics.members.length };
    };
    const measure = async (label: string, input: Record<string, unknown>, requests = Number(values.requests)) => {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < 3; i++) await call(input); // warm-up
      for (let i = 0; i < requests; i++) {
        const r = await call(input);
        times.push(r.ms);
        rows = r.rows;
      }
      console.log(`| ${label} | ${rows} | ${median(times).toFixed(1)} | ${pct(times, 95).toFixed(1)} | ${load()} |`);
    };
    console.log(`\n| query (12 months, MONTH, GraphQL over HTTP) | member rows | p50 ms | p95 ms | load |\n|---|---|---|---|---|`);
    await measure("national figures (grouping NATIONAL)", { periodKind: "MONTH", from, to, grouping: "NATIONAL" });
    await measure("one bank's figures (grouping BANK, timebank)", {
      periodKind: "MONTH",
      from,
      to,
      grouping: "BANK",
      timebank: "gen-b-17",
    });
    // Not a goal: the whole national table bank by bank (a large answer), for scale; fewer rounds.
    await measure("every bank's row (grouping BANK)", { periodKind: "MONTH", from, to, grouping: "BANK" }, 5);
    await server.close();

    // Write path: rollups off (no postedAt index, no refresher) versus on (index + refresher every 5 s).
    const banks = (
      await database.prisma.timebank.findMany({ where: { slug: { startsWith: "gen-b-" } }, select: { id: true }, take: 50 })
    ).map((b) => b.id);
    const accounts = await database.prisma.account.findMany({
      where: { timebankId: { in: banks }, kind: "MEMBER" },
      select: { timebankId: true, id: true },
    });
    const byBank = new Map<string, string[]>();
    for (const a of accounts) byBank.set(a.timebankId, [...(byBank.get(a.timebankId) ?? []), a.id]);
    const creator = umbrella.id;
    const pool = new pg.Pool({ connectionString: dbUrl(), max: Number(values.clients) + 2 });
    const transferLoop = async (deadline: number) => {
      const client = await pool.connect();
      let n = 0;
      try {
        while (Date.now() < deadline) {
          const bank = banks[Math.floor(Math.random() * banks.length)];
          const list = byBank.get(bank)!;
          const a = list[Math.floor(Math.random() * list.length)];
          let b = list[Math.floor(Math.random() * list.length)];
          if (a === b) b = list[(list.indexOf(a) + 1) % list.length];
          // Locks in a fixed order, as the ledger does.
          const [first, second] = a < b ? [a, b] : [b, a];
          try {
            await client.query("BEGIN");
            await client.query(`SELECT id FROM "Account" WHERE "timebankId" = $1 AND id IN ($2, $3) ORDER BY id FOR UPDATE`, [
              bank,
              first,
              second,
            ]);
            await client.query(
              `UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" - 30, "updatedAt" = now() WHERE "timebankId" = $1 AND id = $2 AND "balanceMinutes" - 30 >= "floorMinutes"`,
              [bank, a],
            );
            await client.query(
              `UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + 30, "updatedAt" = now() WHERE "timebankId" = $1 AND id = $2`,
              [bank, b],
            );
            await client.query(
              `INSERT INTO "Transfer" ("timebankId", id, kind, status, "debitAccountId", "creditAccountId", minutes, "idempotencyKey", "requestHash", "createdById", "createdAt", "postedAt")
               VALUES ($1, $2, 'EXCHANGE', 'POSTED', $3, $4, 30, $5, 'bench', $6, now(), now())`,
              [bank, randomUUID(), a, b, randomUUID(), creator],
            );
            await client.query("COMMIT");
            n++;
          } catch {
            await client.query("ROLLBACK").catch(() => {});
          }
        }
      } finally {
        client.release();
      }
      return n;
    };
    const defaults = loadConfig({ NODE_ENV: "production", DATABASE_URL: dbUrl(), AUTH_SECRET: SECRET });
    const cadences = (values.cadences || `${defaults.statsMaxStalenessMs},5000`).split(",").map(Number);
    const phase = async (cadenceMs: number | null) => {
      if (cadenceMs !== null)
        await database.withSession((s) =>
          s.exec(`CREATE INDEX IF NOT EXISTS "Transfer_timebankId_postedAt_idx" ON "Transfer" ("timebankId", "postedAt")`),
        );
      else await database.withSession((s) => s.exec(`DROP INDEX IF EXISTS "Transfer_timebankId_postedAt_idx"`));
      const deadline = Date.now() + Number(values.seconds) * 1000;
      const refreshMs: number[] = [];
      // A refresh every cadence (start to start), as reads arriving all the time would cause.
      const refresher =
        cadenceMs !== null
          ? (async () => {
              for (let next = Date.now(); next < deadline; next += cadenceMs) {
                await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now())));
                if (Date.now() >= deadline) break;
                refreshMs.push((await refreshRollups(database)).ms);
              }
            })()
          : Promise.resolve();
      const counts = await Promise.all(Array.from({ length: Number(values.clients) }, () => transferLoop(deadline)));
      await refresher;
      return { tps: counts.reduce((s, c) => s + c, 0) / Number(values.seconds), refreshMs };
    };
    const off: number[] = [];
    const on = cadences.map(() => [] as number[]);
    const refreshMs = cadences.map(() => [] as number[]);
    for (let r = 0; r < Number(values.rounds); r++) {
      const a = await phase(null);
      off.push(a.tps);
      const parts = [`off ${a.tps.toFixed(0)} tps`];
      for (const [i, c] of cadences.entries()) {
        const b = await phase(c);
        on[i].push(b.tps);
        refreshMs[i].push(...b.refreshMs);
        parts.push(`on/${c / 1000} s ${b.tps.toFixed(0)} tps (refreshes ${b.refreshMs.map((m) => m.toFixed(0)).join("/")} ms)`);
      }
      console.log(`round ${r + 1}: ${parts.join(", ")}; load ${load()}`);
    }
    await pool.end();
    console.log(
      `\n| ledger transactions, ${values.clients} clients, ${values.seconds} s x ${values.rounds} rounds | tps (median) | change | refresh ms (median) |\n|---|---|---|---|`,
    );
    console.log(`| rollups off | ${median(off).toFixed(0)} | | |`);
    for (const [i, c] of cadences.entries()) {
      const drop = (1 - median(on[i]) / median(off)) * 100;
      console.log(
        `| rollups on, refresh every ${c / 1000} s | ${median(on[i]).toFixed(0)} | ${drop >= 0 ? "-" : "+"}${Math.abs(drop).toFixed(1)} % | ${refreshMs[i].length ? median(refreshMs[i]).toFixed(0) : "-"} (${refreshMs[i].length}) |`,
      );
    }
    console.log(`load at the end: ${load()}`);
  } finally {
    await database.close();
    if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
