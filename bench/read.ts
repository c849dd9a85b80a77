// npm run bench:read [-- --seconds 8 --rounds 3 --connections 16 --pool 6 --no-build --keep]
//
// The read path of our server beside PostGraphile v5, on the same PostgreSQL database, in one run.
// A fresh database gets our migrations and a generated data set (10 banks, 10,000 members, 20,000
// offers, 100,000 transfers, set-based SQL); our server runs from its production build
// (dist/, NODE_ENV=production) and PostGraphile from bench/postgraphile (its own package.json and
// Node 22, installed here on first use). Four queries, written to read the same data from both
// (and Q0, `{ __typename }`, the floor of each server without SQL):
//   Q1 one member by id; Q2 a member with 10 offers and 10 transfers; Q3 20 offers, each with its
//   member and category; Q4 a page of 50 members with their skills.
// autocannon drives each query against ours, then theirs, round after round; medians of the
// rounds are reported: req/s, p50/p99 latency, SQL statements per request (counted at the pg
// client by bench/pg-count.cjs in both processes), the server's RSS under load, and our
// throughput as a ratio of PostGraphile's.
//
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names the server;
// the database is dropped afterwards unless --keep.
import "reflect-metadata";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openPostgres } from "../src/db/database";
import { migrate } from "../src/db/migrations";
import { hashPassword } from "../src/modules/auth/password";
import { freePort, median, withDatabase } from "./lib";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "16" },
    pool: { type: "string", default: "6" },
    queries: { type: "string", default: "Q0,Q1,Q2,Q3,Q4" },
    "no-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    /** Reuse a database kept by an earlier --keep run instead of generating one. */
    database: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const POOL = Number(values.pool);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const ROOT = path.resolve(__dirname, "..");
const PGL_DIR = path.join(ROOT, "bench/postgraphile");
const PGL_NODE = path.join(PGL_DIR, "node_modules/node/bin/node");
const COUNTER = path.join(ROOT, "bench/pg-count.cjs");
const PASSWORD = "bench-reader-password";
const SECRET = randomBytes(32).toString("hex");

const BANKS = 10;
const MEMBERS_PER_BANK = 1_000;
const OFFERS_PER_BANK = 2_000;
const TRANSFERS_PER_BANK = 10_000;
/** Members 1..100 of each bank have exactly 10 offers (Q2 reads them); the rest are spread. */
const PROLIFIC = 100;

/** PostGraphile, its Node 22 and autocannon live in bench/postgraphile: installed on first use. */
function ensureBenchPackages(): void {
  const installed =
    existsSync(path.join(PGL_DIR, "node_modules/postgraphile/package.json")) &&
    existsSync(path.join(PGL_DIR, "node_modules/autocannon/package.json"));
  if (!installed || !existsSync(PGL_NODE)) {
    console.log("installing bench/postgraphile (PostGraphile v5, Node 22, autocannon)...");
    execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: PGL_DIR, stdio: "inherit" });
  }
  const v = spawnSync(PGL_NODE, ["--version"], { encoding: "utf8" });
  if (v.status !== 0 || !v.stdout.startsWith("v22.")) {
    throw new Error(
      `bench/postgraphile's Node 22 binary did not run (${v.stdout || v.stderr}); reinstall with: cd bench/postgraphile && rm -rf node_modules && npm install`,
    );
  }
}

/** The data set, in set-based SQL after our migrations. Deterministic shapes, random-ish values. */
async function generate(c: pg.Client): Promise<void> {
  const hash = await hashPassword(PASSWORD);
  await c.query("BEGIN");
  await c.query(
    `INSERT INTO "Timebank" (id, slug, name, locale, timezone, "creditFloorMinutes", "balanceCeilingMinutes")
     SELECT gen_random_uuid(), 'bank-' || b, 'Bank ' || b, 'en', 'Europe/Copenhagen', -100000, 100000 FROM generate_series(1, ${BANKS}) b`,
  );
  await c.query(
    `INSERT INTO "Category" ("timebankId", id, slug, name)
     SELECT t.id, gen_random_uuid(), 'category-' || k, 'Category ' || k FROM "Timebank" t, generate_series(1, 12) k`,
  );
  // People: member n of bank b is person (b-1)*1000+n; everyone's password hash is the same
  // (hashing 10,000 times would take minutes); only the viewer ever logs in.
  await c.query(
    `INSERT INTO "Person" (id, email, "displayName", "passwordHash")
     SELECT gen_random_uuid(), 'p' || i || '@bench.example', 'Person ' || i, $1 FROM generate_series(1, ${BANKS * MEMBERS_PER_BANK}) i`,
    [hash],
  );
  await c.query(
    `INSERT INTO "Membership" ("timebankId", id, "personId", role, status, "memberNumber", "appliedAt", "approvedAt", "joinedAt")
     SELECT t.id, gen_random_uuid(), p.id,
            CASE WHEN n = 1 THEN 'COORDINATOR' ELSE 'MEMBER' END::"MembershipRole", 'ACTIVE',
            n, now() - interval '400 days', now() - interval '399 days', now() - interval '399 days'
       FROM (SELECT id, split_part(slug, '-', 2)::int AS b FROM "Timebank") t
       JOIN LATERAL generate_series(1, ${MEMBERS_PER_BANK}) n ON true
       JOIN "Person" p ON p.email = 'p' || ((t.b - 1) * ${MEMBERS_PER_BANK} + n) || '@bench.example'`,
  );
  await c.query(`UPDATE "Timebank" SET "nextMemberNumber" = ${MEMBERS_PER_BANK + 1}`);
  await c.query(
    `INSERT INTO "MemberProfile" ("timebankId", "membershipId", bio, languages, neighbourhood)
     SELECT "timebankId", id, 'Member number ' || "memberNumber", ARRAY['da','en'], 'Quarter ' || ("memberNumber" % 30) FROM "Membership"`,
  );
  // Two skills and one need per member, in categories picked by member number.
  await c.query(
    `INSERT INTO "MemberSkill" ("timebankId", id, "membershipId", kind, label, "categoryId")
     SELECT m."timebankId", gen_random_uuid(), m.id, s.kind::"SkillKind", s.kind || '-' || ((m."memberNumber" * 7 + s.k) % 40), c.id
       FROM "Membership" m
       CROSS JOIN (VALUES (1, 'SKILL'), (2, 'SKILL'), (3, 'NEED')) s(k, kind)
       JOIN "Category" c ON c."timebankId" = m."timebankId" AND c.slug = 'category-' || ((m."memberNumber" + s.k) % 12 + 1)`,
  );
  await c.query(
    `INSERT INTO "Account" ("timebankId", id, kind, "membershipId", "floorMinutes", "ceilingMinutes", "openedAt")
     SELECT "timebankId", gen_random_uuid(), 'MEMBER', id, -100000, 100000, "joinedAt" FROM "Membership"`,
  );
  // Offers: members 1..100 have 10 each; the other 1,000 per bank go to members 101..1000.
  await c.query(
    `INSERT INTO "Post" ("timebankId", id, "authorId", kind, title, description, "categoryId", tags, "expectedMinutes", dates, "createdAt", "updatedAt")
     SELECT m."timebankId", gen_random_uuid(), m.id, 'OFFER', 'Offer ' || o.i || ' of bank member ' || m."memberNumber",
            'Happy to help with this, ask me', c.id, ARRAY['tag-' || (o.i % 25), 'tag-' || (o.i % 7)], 30 + (o.i % 8) * 15, '{}'::date[],
            now() - (o.i || ' minutes')::interval, now() - (o.i || ' minutes')::interval
       FROM generate_series(1, ${OFFERS_PER_BANK}) o(i)
       CROSS JOIN "Timebank" t
       JOIN "Membership" m ON m."timebankId" = t.id
            AND m."memberNumber" = CASE WHEN o.i <= ${PROLIFIC * 10} THEN (o.i - 1) / 10 + 1
                                        ELSE ${PROLIFIC} + 1 + (o.i * 7919) % ${MEMBERS_PER_BANK - PROLIFIC} END
       JOIN "Category" c ON c."timebankId" = t.id AND c.slug = 'category-' || (o.i % 12 + 1)`,
  );
  // Transfers between two different member accounts of one bank, created by the bank's coordinator.
  await c.query(
    `INSERT INTO "Transfer" ("timebankId", id, kind, status, "debitAccountId", "creditAccountId", minutes, memo, "idempotencyKey", "requestHash", "createdById", "createdAt", "postedAt")
     SELECT t.id, gen_random_uuid(), 'EXCHANGE', 'POSTED', d.id, cr.id, 30 + (x.i % 6) * 15, 'Exchange ' || x.i, 'bench-' || x.i, 'bench', coord."personId",
            now() - (x.i || ' seconds')::interval * 60, now() - (x.i || ' seconds')::interval * 60
       FROM generate_series(1, ${TRANSFERS_PER_BANK}) x(i)
       CROSS JOIN "Timebank" t
       JOIN "Membership" coord ON coord."timebankId" = t.id AND coord."memberNumber" = 1
       JOIN "Membership" dm ON dm."timebankId" = t.id AND dm."memberNumber" = (x.i * 37) % ${MEMBERS_PER_BANK} + 1
       JOIN "Membership" cm ON cm."timebankId" = t.id AND cm."memberNumber" = (x.i * 37 + 1 + (x.i % 499)) % ${MEMBERS_PER_BANK} + 1
       JOIN "Account" d ON d."timebankId" = t.id AND d."membershipId" = dm.id
       JOIN "Account" cr ON cr."timebankId" = t.id AND cr."membershipId" = cm.id`,
  );
  // Balances are the sum of the transfers, as the ledger keeps them.
  await c.query(
    `WITH moves AS (SELECT "creditAccountId" AS id, minutes AS m FROM "Transfer" UNION ALL SELECT "debitAccountId", -minutes FROM "Transfer"),
          sums AS (SELECT id, sum(m)::int AS balance FROM moves GROUP BY id)
     UPDATE "Account" a SET "balanceMinutes" = s.balance FROM sums s WHERE a.id = s.id`,
  );
  // PostGraphile's equivalent of our `transfers(account)`: an account's transfers either way,
  // newest first, as a computed column (a function named <table>_<field> taking the row).
  await c.query(
    `CREATE FUNCTION "Account_transfers"(a "Account") RETURNS SETOF "Transfer" LANGUAGE sql STABLE AS $$
       SELECT * FROM "Transfer" t WHERE t."timebankId" = a."timebankId" AND (t."debitAccountId" = a.id OR t."creditAccountId" = a.id)
        ORDER BY t."createdAt" DESC, t.id DESC
     $$`,
  );
  await c.query("COMMIT");
  await c.query("VACUUM ANALYZE");
}

interface Counts {
  banks: number;
  members: number;
  offers: number;
  transfers: number;
  skills: number;
}

async function counts(c: pg.Client): Promise<Counts> {
  const { rows } = await c.query(
    `SELECT (SELECT count(*) FROM "Timebank")::int AS banks, (SELECT count(*) FROM "Membership")::int AS members,
            (SELECT count(*) FROM "Post" WHERE kind = 'OFFER')::int AS offers, (SELECT count(*) FROM "Transfer")::int AS transfers,
            (SELECT count(*) FROM "MemberSkill")::int AS skills`,
  );
  return rows[0];
}

interface Target {
  name: "ours" | "postgraphile" | "apollo";
  url: string;
  headers: Record<string, string>;
  proc: ChildProcess;
  countPort: number;
}

async function startProcess(
  name: Target["name"],
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ proc: ChildProcess; port: number; countPort: number }> {
  const port = await freePort();
  const countPort = await freePort();
  const proc = spawn(cmd, ["-r", COUNTER, ...args], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), BENCH_COUNT_PORT: String(countPort), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 120 s:\n${output}`)), 120_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/listening/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
  proc.stdout!.removeAllListeners("data");
  proc.stdout!.resume();
  proc.stderr!.on("data", (d: Buffer) => process.stderr.write(`[${name}] ${d}`));
  return { proc, port, countPort };
}

async function statementCount(t: Target): Promise<number> {
  return Number(await (await fetch(`http://127.0.0.1:${t.countPort}/`)).text());
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function post(t: Target, body: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(t.url, { method: "POST", headers: { ...t.headers, "content-type": "application/json" }, body });
  return (await res.json()) as never;
}

/** One query as both servers ask it, plus how to normalise an answer for comparison. */
interface Query {
  name: string;
  what: string;
  ours: string;
  theirs: string;
  /** Variables for one request (random among prepared ids). */
  vars: () => { ours: Record<string, unknown>; theirs: Record<string, unknown> };
  /** Reduces an answer to comparable data: the same for both servers when they agree. */
  shape: (server: Target["name"], data: Record<string, unknown>) => unknown;
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function queries(bankId: string, bankSlug: string, prolific: { memberId: string; accountId: string }[]): Query[] {
  const pick = () => prolific[Math.floor(Math.random() * prolific.length)];
  return [
    {
      // Not one of the four: what a request costs each server before any SQL (HTTP, parsing,
      // validation, execution, response), the floor under every other number.
      name: "Q0",
      what: "floor: `{ __typename }`, no SQL",
      ours: `query Q0 { __typename }`,
      theirs: `query Q0 { __typename }`,
      vars: () => ({ ours: {}, theirs: {} }),
      shape: (_s, d) => d.__typename,
    },
    {
      name: "Q1",
      what: "one member by id",
      ours: `query Q1($id: ID!) { member(id: $id) { id memberNumber role status displayName } }`,
      theirs: `query Q1($tb: UUID!, $id: UUID!) { membershipByTimebankIdAndRowId(timebankId: $tb, rowId: $id) { rowId memberNumber role status personByPersonId { displayName } } }`,
      vars: () => {
        const m = pick();
        return { ours: { id: m.memberId }, theirs: { tb: bankId, id: m.memberId } };
      },
      shape: (s, d) => {
        const m = (s === "ours" ? d.member : d.membershipByTimebankIdAndRowId) as Row;
        return {
          id: s === "ours" ? m.id : m.rowId,
          n: m.memberNumber,
          role: m.role,
          status: m.status,
          name: s === "ours" ? m.displayName : m.personByPersonId.displayName,
        };
      },
    },
    {
      name: "Q2",
      what: "a member with 10 offers and 10 transfers",
      ours: `query Q2($id: ID!, $bank: String!, $account: ID!) {
        member(id: $id) { id memberNumber displayName account { id balanceMinutes } }
        posts(timebank: $bank, filter: { author: $id, kind: OFFER }, first: 10) { nodes { id title expectedMinutes createdAt } }
        transfers(account: $account, first: 10) { nodes { id minutes memo createdAt } }
      }`,
      theirs: `query Q2($tb: UUID!, $id: UUID!) { membershipByTimebankIdAndRowId(timebankId: $tb, rowId: $id) {
        rowId memberNumber personByPersonId { displayName }
        accountsByTimebankIdAndMembershipId(first: 1) { nodes { rowId balanceMinutes transfers(first: 10) { nodes { rowId minutes memo createdAt } } } }
        postsByTimebankIdAndAuthorId(first: 10, condition: { kind: OFFER, status: OPEN }, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { nodes { rowId title expectedMinutes createdAt } }
      } }`,
      vars: () => {
        const m = pick();
        return { ours: { id: m.memberId, bank: bankSlug, account: m.accountId }, theirs: { tb: bankId, id: m.memberId } };
      },
      shape: (s, d) => {
        if (s === "ours") {
          const m = d.member as Row;
          return {
            id: m.id,
            n: m.memberNumber,
            name: m.displayName,
            account: m.account.id,
            balance: m.account.balanceMinutes,
            offers: (d.posts as Row).nodes.map((p: Row) => p.id),
            transfers: (d.transfers as Row).nodes.map((t: Row) => t.id),
          };
        }
        const m = d.membershipByTimebankIdAndRowId as Row;
        const a = m.accountsByTimebankIdAndMembershipId.nodes[0];
        return {
          id: m.rowId,
          n: m.memberNumber,
          name: m.personByPersonId.displayName,
          account: a.rowId,
          balance: a.balanceMinutes,
          offers: m.postsByTimebankIdAndAuthorId.nodes.map((p: Row) => p.rowId),
          transfers: a.transfers.nodes.map((t: Row) => t.rowId),
        };
      },
    },
    {
      name: "Q3",
      what: "20 offers, each with its member and category",
      ours: `query Q3($bank: String!) { posts(timebank: $bank, filter: { kind: OFFER }, first: 20) {
        nodes { id title expectedMinutes createdAt author { id memberNumber displayName } category { id name } } } }`,
      theirs: `query Q3($tb: UUID!) { allPosts(first: 20, condition: { timebankId: $tb, kind: OFFER, status: OPEN }, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
        nodes { rowId title expectedMinutes createdAt membershipByTimebankIdAndAuthorId { rowId memberNumber personByPersonId { displayName } } categoryByTimebankIdAndCategoryId { rowId name } } } }`,
      vars: () => ({ ours: { bank: bankSlug }, theirs: { tb: bankId } }),
      shape: (s, d) =>
        s === "ours"
          ? (d.posts as Row).nodes.map((p: Row) => [p.id, p.author.id, p.author.displayName, p.category.name])
          : (d.allPosts as Row).nodes.map((p: Row) => [
              p.rowId,
              p.membershipByTimebankIdAndAuthorId.rowId,
              p.membershipByTimebankIdAndAuthorId.personByPersonId.displayName,
              p.categoryByTimebankIdAndCategoryId.name,
            ]),
    },
    {
      name: "Q4",
      what: "a page of 50 members with their skills",
      ours: `query Q4($bank: String!) { members(timebank: $bank, first: 50) { nodes { id memberNumber displayName skills { label category { name } } } } }`,
      theirs: `query Q4($tb: UUID!) { allMemberships(first: 50, condition: { timebankId: $tb, status: ACTIVE }, orderBy: [MEMBER_NUMBER_ASC]) {
        nodes { rowId memberNumber personByPersonId { displayName } memberSkillsByTimebankIdAndMembershipId(condition: { kind: SKILL }, orderBy: [LABEL_ASC]) { nodes { label categoryByTimebankIdAndCategoryId { name } } } } } }`,
      vars: () => ({ ours: { bank: bankSlug }, theirs: { tb: bankId } }),
      shape: (s, d) =>
        s === "ours"
          ? (d.members as Row).nodes.map((m: Row) => [m.id, m.displayName, m.skills.map((k: Row) => `${k.label}/${k.category.name}`)])
          : (d.allMemberships as Row).nodes.map((m: Row) => [
              m.rowId,
              m.personByPersonId.displayName,
              m.memberSkillsByTimebankIdAndMembershipId.nodes.map((k: Row) => `${k.label}/${k.categoryByTimebankIdAndCategoryId.name}`),
            ]),
    },
  ];
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  perRequest: number;
  rssMb: number;
  errors: number;
  non2xx: number;
}

// autocannon lives with PostGraphile in bench/postgraphile, not among the server's dependencies.
// Required on first use: on a fresh checkout ensureBenchPackages installs it first.
type Autocannon = (opts: Record<string, unknown>) => Promise<Row>;
let autocannonModule: Autocannon | null = null;
const autocannon: Autocannon = (opts) =>
  (autocannonModule ??= createRequire(path.join(PGL_DIR, "package.json"))("autocannon") as Autocannon)(opts);

async function measure(t: Target, q: Query, seconds: number): Promise<Measurement> {
  const doc = t.name === "ours" ? q.ours : q.theirs;
  const before = await statementCount(t);
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(rssMb(t.proc.pid!)), 250);
  const result = await autocannon({
    url: t.url,
    method: "POST",
    connections: CONNECTIONS,
    duration: seconds,
    headers: { ...t.headers, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (req: Row) => {
          const v = q.vars();
          return { ...req, body: JSON.stringify({ query: doc, variables: t.name === "ours" ? v.ours : v.theirs }) };
        },
      },
    ],
  });
  clearInterval(sampler);
  const after = await statementCount(t);
  const total = result.requests.total as number;
  return {
    rps: total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    perRequest: total ? (after - before) / total : NaN,
    rssMb: median(rss),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Asks both servers the same thing and fails the run if the answers differ or carry errors. */
async function verify(targets: Target[], q: Query): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const v = q.vars();
    const answers = await Promise.all(
      targets.map(async (t) => {
        const r = await post(
          t,
          JSON.stringify({ query: t.name === "ours" ? q.ours : q.theirs, variables: t.name === "ours" ? v.ours : v.theirs }),
        );
        if (r.errors || !r.data) throw new Error(`${q.name} on ${t.name}: ${JSON.stringify(r.errors ?? r)}`);
        return JSON.stringify(q.shape(t.name, r.data));
      }),
    );
    if (answers[0] !== answers[1])
      throw new Error(`${q.name}: the servers answered differently\nours:   ${answers[0]}\ntheirs: ${answers[1]}`);
  }
}

async function main() {
  ensureBenchPackages();
  if (!values["no-build"]) {
    console.log("npm run build...");
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  }
  const reuse = values.database;
  if (reuse && !/^tb_read_[0-9a-f]{8}$/.test(reuse)) throw new Error("--database takes the name of a kept tb_read_ database");
  const name = reuse ?? `tb_read_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if (!reuse) await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(ADMIN_URL, name);
  const procs: ChildProcess[] = [];
  try {
    const setup = new pg.Client({ connectionString: url });
    let started = performance.now();
    if (!reuse) {
      const db = await openPostgres({ url, poolSize: 2 });
      await db.withSession((s) => migrate(s));
      await db.close();
      await setup.connect();
      await generate(setup);
    } else await setup.connect();
    const n = await counts(setup);
    console.log(
      `data: ${n.banks} banks, ${n.members} members, ${n.offers} offers, ${n.transfers} transfers, ${n.skills} skills/needs (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    const bank = (await setup.query(`SELECT id, slug FROM "Timebank" WHERE slug = 'bank-1'`)).rows[0] as { id: string; slug: string };
    const viewerEmail = (
      await setup.query(
        `SELECT p.email FROM "Membership" m JOIN "Person" p ON p.id = m."personId" WHERE m."timebankId" = $1 AND m."memberNumber" = 1`,
        [bank.id],
      )
    ).rows[0].email as string;
    const prolific = (
      await setup.query(
        `SELECT m.id AS "memberId", a.id AS "accountId" FROM "Membership" m JOIN "Account" a ON a."membershipId" = m.id
          WHERE m."timebankId" = $1 AND m."memberNumber" <= ${PROLIFIC} ORDER BY m."memberNumber"`,
        [bank.id],
      )
    ).rows as { memberId: string; accountId: string }[];
    await setup.end();

    // Our server, as deployed: the production build, NODE_ENV=production.
    // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof") adds Node options to our server only.
    const oursArgs = [...(process.env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean), path.join(ROOT, "dist/src/main.js")];
    const ours = await startProcess("ours", process.execPath, oursArgs, ROOT, {
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL),
      AUTH_SECRET: SECRET,
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      SEED_DEMO_DATA: "false",
      MIGRATE_ON_START: "false",
    });
    procs.push(ours.proc);
    const theirs = await startProcess("postgraphile", PGL_NODE, ["server.js"], PGL_DIR, {
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: String(POOL),
    });
    procs.push(theirs.proc);
    // The stack's own floor (bench/apollo-floor.cjs), measured on Q0 only.
    const bare = await startProcess("apollo", process.execPath, [path.join(ROOT, "bench/apollo-floor.cjs")], ROOT, {});
    procs.push(bare.proc);

    // Log in once as the coordinator of bank-1 (member number 1): every query runs with that token.
    const oursUrl = `http://127.0.0.1:${ours.port}/graphql`;
    const login = (await (
      await fetch(oursUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { ... on AuthPayload { token } ... on ErrorResult { code message } } }`,
          variables: { e: viewerEmail, p: PASSWORD },
        }),
      })
    ).json()) as { data?: { logIn: { token?: string; message?: string } } };
    const token = login.data?.logIn.token;
    if (!token) throw new Error(`logIn failed: ${JSON.stringify(login)}`);

    const targets: Target[] = [
      { name: "ours", url: oursUrl, headers: { authorization: `Bearer ${token}` }, proc: ours.proc, countPort: ours.countPort },
      { name: "postgraphile", url: `http://127.0.0.1:${theirs.port}/graphql`, headers: {}, proc: theirs.proc, countPort: theirs.countPort },
    ];
    const apollo: Target = {
      name: "apollo",
      url: `http://127.0.0.1:${bare.port}/`,
      headers: {},
      proc: bare.proc,
      countPort: bare.countPort,
    };
    const wanted = new Set(values.queries.split(","));
    const qs = queries(bank.id, bank.slug, prolific).filter((q) => wanted.has(q.name));
    for (const q of qs) await verify(targets, q);
    console.log("both servers return the same data for every query");

    // Warm-up: JIT, plans, connections; not measured.
    for (const q of qs) for (const t of targets) await measure(t, q, 2);
    const floorQuery = qs.find((q) => q.name === "Q0");
    if (floorQuery) await measure(apollo, floorQuery, 2);
    const bareFloor: Measurement[] = [];

    const load = () => os.loadavg()[0].toFixed(2);
    const loadBefore = load();
    started = performance.now();
    const results = new Map<string, { ours: Measurement[]; theirs: Measurement[] }>();
    for (const q of qs) results.set(q.name, { ours: [], theirs: [] });
    for (let round = 1; round <= ROUNDS; round++) {
      for (const q of qs) {
        const o = await measure(targets[0], q, SECONDS);
        const p = await measure(targets[1], q, SECONDS);
        results.get(q.name)!.ours.push(o);
        results.get(q.name)!.theirs.push(p);
        const line = (m: Measurement) =>
          `${m.rps.toFixed(0)} req/s p50 ${m.p50} p99 ${m.p99} ms ${m.perRequest.toFixed(2)} stmt/req ${m.rssMb.toFixed(0)} MB${m.errors || m.non2xx ? ` ERR ${m.errors}/${m.non2xx}` : ""}`;
        console.log(
          `round ${round} ${q.name}: ours ${line(o)} | postgraphile ${line(p)} | ratio ${(o.rps / p.rps).toFixed(2)} (load ${load()})`,
        );
        if (q === floorQuery) {
          const b = await measure(apollo, q, SECONDS);
          bareFloor.push(b);
          console.log(`round ${round} ${q.name}: bare Apollo Server ${line(b)}`);
        }
      }
      for (const q of qs) await verify(targets, q);
    }
    const loadAfter = load();

    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    console.log(
      `\nmachine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, our server on Node ${process.version}, PostGraphile on Node 22 (${spawnSync(PGL_NODE, ["--version"], { encoding: "utf8" }).stdout.trim()})`,
    );
    console.log(
      `load average (1 min) ${loadBefore} before, ${loadAfter} after; ${ROUNDS} rounds x ${SECONDS} s per query and server, ${CONNECTIONS} connections, pool ${POOL} on each; ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
    console.log("| query | server | req/s | p50 ms | p99 ms | SQL statements/request | RSS under load MB | ratio ours/PostGraphile |");
    console.log("|---|---|---:|---:|---:|---:|---:|---:|");
    let failed = false;
    for (const q of qs) {
      const r = results.get(q.name)!;
      const row = (ms: Measurement[]) =>
        `${median(ms.map((m) => m.rps)).toFixed(0)} | ${median(ms.map((m) => m.p50))} | ${median(ms.map((m) => m.p99))} | ${median(ms.map((m) => m.perRequest)).toFixed(2)} | ${median(ms.map((m) => m.rssMb)).toFixed(0)}`;
      const ratio = median(r.ours.map((o, i) => o.rps / r.theirs[i].rps));
      console.log(`| ${q.name} ${q.what} | ours | ${row(r.ours)} | ${ratio.toFixed(2)} |`);
      console.log(`| | PostGraphile v5 | ${row(r.theirs)} | |`);
      if ([...r.ours, ...r.theirs].some((m) => m.errors || m.non2xx)) failed = true;
      if (q === floorQuery && bareFloor.length) {
        console.log(`| | bare Apollo Server 5 (bench/apollo-floor.cjs) | ${row(bareFloor)} | |`);
        if (bareFloor.some((m) => m.errors || m.non2xx)) failed = true;
      }
    }
    if (floorQuery && bareFloor.length) {
      const bareRps = median(bareFloor.map((m) => m.rps));
      const above = qs
        .filter((q) => q !== floorQuery && median(results.get(q.name)!.theirs.map((m) => m.rps)) > bareRps)
        .map((q) => q.name);
      console.log(
        `\nbare Apollo Server answers { __typename } at ${bareRps.toFixed(0)} req/s; PostGraphile answers ${above.length ? above.join(", ") : "none of the queries"} faster than that`,
      );
    }
    if (failed) {
      console.error("\nsome requests failed (errors or non-2xx): the numbers above do not count");
      process.exitCode = 1;
    }
  } finally {
    for (const p of procs) {
      if (p.exitCode === null) {
        p.kill("SIGTERM");
        await new Promise((r) => p.once("exit", r));
      }
    }
    if (values.keep || reuse) console.log(`kept database ${name} (reuse with --database ${name})`);
    else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
