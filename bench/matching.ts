// npm run bench:matching [-- 1000 10000 100000]
//
// Quality and speed of matchesForRequest through GraphQL over HTTP, on PostgreSQL.
// For each size, a bank is generated in a database of its own (bench_matching_<n>) with a planted
// ground truth: for every request, the members who truly fit by skill (category and label), place
// (neighbourhood), language and time (a window overlapping the request's), plus distractors that
// miss exactly one of these (paused, wrong language, near-miss category, wrong time, far away).
// The truth set is computed from the generated data (so random members who happen to fit count
// too). Reports precision@5, nDCG@10 and p50/p95 latency.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import os from "node:os";
import pg from "pg";
import { loadConfig } from "../src/config";
import { createApp } from "../src/app";
import { issueToken } from "../src/modules/auth/token";
import { DEFAULT_CATEGORIES } from "../src/modules/timebank/timebank.service";
import { getSchema } from "../src/schema";
import { startServer } from "../src/server";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const SECRET = "bench-secret-".padEnd(48, "x");
const ROUNDS = 3;

/** Deterministic pseudo-random numbers (mulberry32), so every run generates the same banks. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

const NEIGHBOURHOODS = Array.from({ length: 30 }, (_, i) => `District ${i + 1}`);
const LANGUAGES = ["da", "en", "ar", "de", "pl", "so", "tr", "uk"];
const LABEL_WORDS = ["basics", "weekly", "urgent", "light", "heavy", "evening", "weekend", "family"];

interface Window { weekday: number; startMinute: number; endMinute: number }
interface GenMember {
  id: string;
  personId: string;
  status: "ACTIVE" | "PAUSED";
  languages: string[];
  neighbourhood: string;
  availability: Window[];
  skills: { category: number; label: string }[];
  offer: boolean;
}
interface GenRequest {
  id: string;
  author: GenMember;
  category: number;
  label: string;
  neighbourhood: string;
  language: string;
  window: Window;
}

const labelOf = (category: number, k: number) => `${DEFAULT_CATEGORIES[category].slug.split("-")[0]} ${LABEL_WORDS[k]}`;

function randomMember(r: ReturnType<typeof rng>): GenMember {
  const languages = [...new Set([r.next() < 0.6 ? "da" : r.pick(LANGUAGES), ...(r.next() < 0.4 ? [r.pick(LANGUAGES)] : [])])];
  const availability = Array.from({ length: 1 + r.int(3) }, () => {
    const start = (8 + r.int(11)) * 60;
    return { weekday: 1 + r.int(7), startMinute: start, endMinute: start + (2 + r.int(3)) * 60 };
  });
  const skills = Array.from({ length: 1 + r.int(3) }, () => {
    const category = r.int(DEFAULT_CATEGORIES.length);
    return { category, label: labelOf(category, r.int(LABEL_WORDS.length)) };
  });
  return {
    id: randomUUID(),
    personId: randomUUID(),
    status: r.next() < 0.05 ? "PAUSED" : "ACTIVE",
    languages,
    neighbourhood: r.pick(NEIGHBOURHOODS),
    availability,
    skills: [...new Map(skills.map((s) => [s.label, s])).values()],
    offer: r.next() < 0.1,
  };
}

function overlaps(a: Window[], w: Window) {
  return a.some((x) => x.weekday === w.weekday && x.startMinute < w.endMinute && w.startMinute < x.endMinute);
}

function fits(m: GenMember, q: GenRequest) {
  return (
    m.status === "ACTIVE" &&
    m.id !== q.author.id &&
    m.skills.some((s) => s.category === q.category && s.label === q.label) &&
    m.neighbourhood === q.neighbourhood &&
    m.languages.includes(q.language) &&
    overlaps(m.availability, q.window)
  );
}

function generate(n: number) {
  const r = rng(n);
  const members = Array.from({ length: n }, () => randomMember(r));
  const requestCount = Math.max(10, Math.min(40, Math.floor(n / 50)));
  const requests: GenRequest[] = [];
  // Planted members are taken from the end of the list, authors from the start.
  let reserve = n - 1;
  const take = () => members[reserve--];
  for (let i = 0; i < requestCount; i++) {
    const author = members[i];
    author.status = "ACTIVE";
    const category = r.int(DEFAULT_CATEGORIES.length);
    const label = labelOf(category, r.int(LABEL_WORDS.length));
    const language = r.pick(LANGUAGES);
    author.languages = [language];
    const window = { weekday: 1 + r.int(7), startMinute: 600, endMinute: 720 };
    const q: GenRequest = { id: randomUUID(), author, category, label, neighbourhood: r.pick(NEIGHBOURHOODS), language, window };
    requests.push(q);
    const perfect = (m: GenMember) => {
      m.status = "ACTIVE";
      m.skills = [{ category, label }];
      m.neighbourhood = q.neighbourhood;
      m.languages = [language];
      m.availability = [{ weekday: window.weekday, startMinute: 540, endMinute: 780 }];
      m.offer = false;
      return m;
    };
    for (let k = 0; k < 6; k++) perfect(take());
    for (let k = 0; k < 2; k++) perfect(take()).status = "PAUSED";
    for (let k = 0; k < 2; k++) perfect(take()).languages = [LANGUAGES[(LANGUAGES.indexOf(language) + 1) % LANGUAGES.length]];
    for (let k = 0; k < 2; k++) perfect(take()).skills = [{ category: (category + 1) % DEFAULT_CATEGORIES.length, label }];
    for (let k = 0; k < 2; k++) perfect(take()).availability = [{ weekday: (window.weekday % 7) + 1, startMinute: 540, endMinute: 780 }];
    for (let k = 0; k < 2; k++) perfect(take()).neighbourhood = NEIGHBOURHOODS[(NEIGHBOURHOODS.indexOf(q.neighbourhood) + 1) % NEIGHBOURHOODS.length];
  }
  const truth = new Map(requests.map((q) => [q.id, new Set(members.filter((m) => fits(m, q)).map((m) => m.id))]));
  return { members, requests, truth };
}

async function insertChunks(db: pg.Client, rows: unknown[][], sql: string, chunk = 5000) {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const columns = part[0].map((_, c) => part.map((row) => row[c]));
    await db.query(sql, columns);
  }
}

async function load(url: string, n: number, data: ReturnType<typeof generate>) {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const bankId = randomUUID();
  await db.query(`INSERT INTO "Timebank" ("id", "slug", "name", "locale", "nextMemberNumber") VALUES ($1, $2, $3, 'en', $4)`, [bankId, `bench-${n}`, `Bench ${n}`, n + 1]);
  const categoryIds = DEFAULT_CATEGORIES.map(() => randomUUID());
  for (const [i, c] of DEFAULT_CATEGORIES.entries()) {
    await db.query(`INSERT INTO "Category" ("timebankId", "id", "slug", "name") VALUES ($1, $2, $3, $4)`, [bankId, categoryIds[i], c.slug, c.name]);
  }
  const { members, requests } = data;
  await insertChunks(db, members.map((m, i) => [m.personId, `m${i}@bench-${n}.example`, `Member ${i}`]),
    `INSERT INTO "Person" ("id", "email", "displayName", "passwordHash") SELECT * , 'not-a-login' FROM unnest($1::uuid[], $2::text[], $3::text[])`);
  await insertChunks(db, members.map((m, i) => [m.id, m.personId, m.status, i + 1]),
    `INSERT INTO "Membership" ("timebankId", "id", "personId", "status", "memberNumber", "joinedAt")
     SELECT '${bankId}'::uuid, id, person, status::"MembershipStatus", num, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]) AS t(id, person, status, num)`);
  await insertChunks(db, members.map((m) => [m.id, `{${m.languages.join(",")}}`, m.neighbourhood, JSON.stringify(m.availability)]),
    `INSERT INTO "MemberProfile" ("timebankId", "membershipId", "languages", "neighbourhood", "availability")
     SELECT '${bankId}'::uuid, id, langs::text[], nbh, av::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t(id, langs, nbh, av)`);
  await insertChunks(db, members.flatMap((m) => m.skills.map((s) => [randomUUID(), m.id, s.label, categoryIds[s.category]])),
    `INSERT INTO "MemberSkill" ("timebankId", "id", "membershipId", "kind", "label", "categoryId")
     SELECT '${bankId}'::uuid, id, mid, 'SKILL', label, cat FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[]) AS t(id, mid, label, cat)`);
  const posts = [
    ...members.filter((m) => m.offer).map((m) => [randomUUID(), m.id, "OFFER", m.skills[0].label, categoryIds[m.skills[0].category], m.skills[0].label, m.neighbourhood, JSON.stringify(m.availability)]),
    ...requests.map((q) => [q.id, q.author.id, "REQUEST", `Help with ${q.label}`, categoryIds[q.category], q.label, q.neighbourhood, JSON.stringify([q.window])]),
  ];
  await insertChunks(db, posts,
    `INSERT INTO "Post" ("timebankId", "id", "authorId", "kind", "title", "categoryId", "tags", "neighbourhood", "availability", "flexible")
     SELECT '${bankId}'::uuid, id, author, kind::"PostKind", title, cat, ARRAY[tag], nbh, av::jsonb, false
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[]) AS t(id, author, kind, title, cat, tag, nbh, av)`);
  // Steady state, as autovacuum leaves it: GIN pending lists flushed, statistics fresh.
  await db.query("VACUUM ANALYZE");
  await db.end();
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runSize(n: number) {
  const name = `bench_matching_${n}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;

  const config = { ...loadConfig({ NODE_ENV: "test", DATABASE_URL: url.toString(), AUTH_SECRET: SECRET, LOG_LEVEL: "silent", SEED_DEMO_DATA: "false", MIGRATE_ON_START: "true" }) };
  const app = await createApp(config);
  const t0 = Date.now();
  const data = generate(n);
  await load(url.toString(), n, data);
  const loadSeconds = (Date.now() - t0) / 1000;
  const server = await startServer(app, await getSchema(), 0, "127.0.0.1");
  const endpoint = `http://127.0.0.1:${server.port}/graphql`;
  const query = `query($r: ID!) { matchesForRequest(request: $r, first: 10) { score member { id } } }`;
  const call = async (q: GenRequest, text: string) => {
    const token = issueToken(q.author.personId, SECRET, 3600, new Date()).token;
    const started = performance.now();
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: text, variables: { r: q.id } }),
    });
    const body = (await res.json()) as { data?: any; errors?: unknown };
    const ms = performance.now() - started;
    if (body.errors || !body.data) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
    return { ms, data: body.data };
  };
  const ask = async (q: GenRequest) => {
    const { ms, data } = await call(q, query);
    return { ms, ids: (data.matchesForRequest as { member: { id: string } }[]).map((c) => c.member.id) };
  };

  let precision = 0;
  let ndcg = 0;
  let distractorsInTop10 = 0;
  const paused = new Set(data.members.filter((m) => m.status === "PAUSED").map((m) => m.id));
  for (const q of data.requests) {
    const { ids } = await ask(q); // also the warm-up
    const truth = data.truth.get(q.id)!;
    precision += ids.slice(0, 5).filter((id) => truth.has(id)).length / 5;
    const dcg = ids.slice(0, 10).reduce((sum, id, i) => sum + (truth.has(id) ? 1 / Math.log2(i + 2) : 0), 0);
    const ideal = Array.from({ length: Math.min(10, truth.size) }, (_, i) => 1 / Math.log2(i + 2)).reduce((a, b) => a + b, 0);
    ndcg += ideal > 0 ? dcg / ideal : 0;
    distractorsInTop10 += ids.filter((id) => paused.has(id) || id === q.author.id).length;
  }
  const latencies: number[] = [];
  for (let round = 0; round < ROUNDS; round++) for (const q of data.requests) latencies.push((await ask(q)).ms);
  latencies.sort((a, b) => a - b);
  // The floor under any bank query here: HTTP, auth, the viewer, the post and its bank.
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) for (const q of data.requests) baseline.push((await call(q, `query($r: ID!) { post(id: $r) { id } }`)).ms);
  baseline.sort((a, b) => a - b);
  await server.close();
  await app.database.close();
  const truthSizes = [...data.truth.values()].map((s) => s.size);
  return {
    members: n,
    requests: data.requests.length,
    truthPerRequest: `${Math.min(...truthSizes)}–${Math.max(...truthSizes)}`,
    precisionAt5: precision / data.requests.length,
    ndcgAt10: ndcg / data.requests.length,
    hardRuleViolations: distractorsInTop10,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    baselineP50: percentile(baseline, 50),
    calls: latencies.length,
    loadSeconds,
  };
}

async function main() {
  const sizes = process.argv.slice(2).map(Number).filter((x) => Number.isInteger(x) && x >= 100);
  const list = sizes.length ? sizes : [1000, 10000, 100000];
  const probe = new pg.Client({ connectionString: ADMIN_URL });
  await probe.connect();
  const version = (await probe.query("SHOW server_version")).rows[0].server_version;
  await probe.end();
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL ${version}`);
  console.log("| members | requests | true fits per request | precision@5 | nDCG@10 | paused/requester in results | p50 ms | p95 ms | calls | post(id) p50 ms | load avg (1 min) before/after |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const n of list) {
    // The machines are shared: the load around each run says how far to trust its latency.
    const loadBefore = os.loadavg()[0];
    const r = await runSize(n);
    const loadAfter = os.loadavg()[0];
    console.log(
      `| ${r.members} | ${r.requests} | ${r.truthPerRequest} | ${r.precisionAt5.toFixed(3)} | ${r.ndcgAt10.toFixed(3)} | ${r.hardRuleViolations} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.calls} | ${r.baselineP50.toFixed(1)} | ${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)} |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
