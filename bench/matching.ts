// npm run bench:matching [-- --sets a,b] [--sizes 2000,10000] [--flavours pglite,postgres] [--quality-only] [--speed-only]
//
// Quality and speed of matching, measured on evaluation sets written and graded by someone who
// did not read the matcher (bench/matching-eval/set-*.json, see bench/matching-eval/README.md).
//
// Quality: each set is loaded through the GraphQL API into a fresh bank, as a coordinator would
// build it (people sign up, apply and are approved, fill in their profiles, post offers; the
// coordinator vouches, pauses, declines), with a second bank of look-alikes that must never be
// suggested. Every request is then asked `requestMatches(first: 10)` as its requester. The
// answer key is the set's own grades (0-3 per request and member, unlisted = 0); the matcher
// never sees them, nor the members' "facts". Reported beside a naive word-overlap ranking.
//
// Speed: the set's members are copied into populations of 2,000 and 10,000 members (texts,
// languages, places and availability of the set, cycled, with numbered names), inserted by SQL,
// and the set's requests are timed over HTTP, on embedded PGlite and on PostgreSQL.
import "reflect-metadata";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { loadConfig } from "../src/config";
import { createApp } from "../src/app";
import { ManualClock } from "../src/common/clock";
import { openPglite, openPostgres, type Database } from "../src/db/database";
import { migrate } from "../src/db/migrations";
import { getSchema } from "../src/schema";
import { startServer } from "../src/server";

const EVAL_DIR = process.env.MATCHING_EVAL_DIR ?? path.join(__dirname, "matching-eval");
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const SECRET = "bench-secret-".padEnd(48, "x");
const PASSWORD = "correct horse battery";
/** The bank's clock: before every request's date in the sets (January-February 2027). */
const NOW = new Date("2027-01-04T08:00:00Z");
const TIMEZONE = "Europe/Copenhagen";

interface EvalWindow {
  day: string;
  from: string;
  to: string;
}
interface EvalMember {
  key: string;
  displayName: string;
  neighbourhood: string | null;
  languages: string[];
  bio: string;
  skills: string[];
  offers: { title: string; description?: string; category?: string | null }[];
  availability: EvalWindow[];
  status: "ACTIVE" | "PAUSED" | "DECLINED";
  vouched: boolean;
}
interface EvalRequest {
  key: string;
  requester: string;
  title: string;
  description: string;
  category: string | null;
  neighbourhood: string | null;
  when: string | null;
  remoteOk: boolean;
  forVulnerablePerson: boolean;
}
interface EvalSet {
  name: string;
  city: string;
  locale: string;
  members: EvalMember[];
  requests: EvalRequest[];
  grades: Record<string, Record<string, number>>;
}

/** Only what a person would type: the graders' facts are dropped before anything is loaded. */
function readSet(file: string): EvalSet {
  const raw = JSON.parse(readFileSync(file, "utf8"));
  return {
    name: raw.name,
    city: raw.city,
    locale: raw.locale ?? "da",
    members: raw.members.map(({ facts: _facts, ...m }: EvalMember & { facts?: unknown }) => m),
    requests: raw.requests.map(({ facts: _facts, ...r }: EvalRequest & { facts?: unknown }) => r),
    grades: raw.grades,
  };
}

const DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + (m || 0);
};
const windowsOf = (ws: EvalWindow[]) =>
  ws
    .filter((w) => DAYS.includes(w.day.toUpperCase()))
    .map((w) => ({
      weekday: DAYS.indexOf(w.day.toUpperCase()) + 1,
      startMinute: minutes(w.from),
      endMinute: Math.min(1440, minutes(w.to) || 1440),
    }));

/** A request's moment as the bank's local date and a one-hour window on its weekday. */
function whenOf(iso: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: TIMEZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  const start = Number(parts.hour) * 60 + Number(parts.minute);
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday) + 1;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    window: { weekday, startMinute: start, endMinute: Math.min(1440, start + 60) },
  };
}

// ---------------------------------------------------------------------------------------------
// A GraphQL client over HTTP.

class Client {
  constructor(
    private endpoint: string,
    private token?: string,
  ) {}
  with(token: string) {
    return new Client(this.endpoint, token);
  }
  async ok<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(this.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown };
    if (body.errors || !body.data) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
    return body.data;
  }
}

interface Server {
  client: Client;
  db: Database;
  close(): Promise<void>;
}

async function startBench(flavour: "pglite" | "postgres", name: string): Promise<Server> {
  let db: Database;
  let cleanup = async () => {};
  if (flavour === "pglite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-matching-"));
    db = await openPglite({ dataDir: dir });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    db = await openPostgres({ url: url.toString(), poolSize: 4 });
  }
  await db.withSession((s) => migrate(s));
  const config = loadConfig({
    NODE_ENV: "test",
    AUTH_SECRET: SECRET,
    LOG_LEVEL: "silent",
    SEED_DEMO_DATA: "false",
    MIGRATE_ON_START: "false",
    RATE_LIMIT_LOGIN_PER_MINUTE: "100000",
    RATE_LIMIT_MUTATIONS_PER_MINUTE: "1000000",
    // The first read after loading indexes every member in one request (minutes at 10,000 on a
    // loaded machine): the default execution limit and watchdog would cut it.
    EXECUTION_TIMEOUT_MS: "600000",
    WATCHDOG_STALL_MS: "0",
  });
  const app = await createApp(config, { database: db, clock: new ManualClock(NOW) });
  const server = await startServer(app, await getSchema(), 0, "127.0.0.1");
  return {
    client: new Client(`http://127.0.0.1:${server.port}/graphql`),
    db,
    async close() {
      await server.close();
      await cleanup();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Loading a set through the API.

interface Loaded {
  bank: string;
  coordinator: Client;
  members: Map<string, { id: string; client: Client }>;
  requests: Map<string, string>;
  decoys: Set<string>;
}

async function signUp(s: Server, name: string, email: string) {
  const data = await s.client.ok(
    `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ... on AuthPayload { token person { id } } ... on ErrorResult { message } } }`,
    {
      input: { email, password: PASSWORD, displayName: name },
    },
  );
  if (data.signUp.__typename !== "AuthPayload") throw new Error(JSON.stringify(data.signUp));
  return { personId: data.signUp.person.id as string, client: s.client.with(data.signUp.token) };
}

async function createBank(s: Server, slug: string, name: string, locale: string, coordinatorEmail: string) {
  const admin = await signUp(s, "Platform Admin", `admin.${slug}@bench.example`);
  await s.db.prisma.person.update({ where: { id: admin.personId }, data: { isPlatformAdmin: true } });
  const created = await admin.client.ok(
    `mutation($input: CreateTimebankInput!) { createTimebank(input: $input) { __typename ... on Timebank { id } ... on ErrorResult { message } } }`,
    {
      input: { slug, name, firstAdminEmail: coordinatorEmail, locale, timezone: TIMEZONE },
    },
  );
  if (created.createTimebank.__typename !== "Timebank") throw new Error(JSON.stringify(created.createTimebank));
}

async function addMember(s: Server, slug: string, coordinator: Client, m: EvalMember, email: string) {
  const person = await signUp(s, m.displayName, email);
  const applied = await person.client.ok(
    `mutation($b: String!) { applyToTimebank(timebank: $b) { __typename ... on Member { id } ... on ErrorResult { message } } }`,
    { b: slug },
  );
  const id = applied.applyToTimebank.id as string;
  if (m.status === "DECLINED") {
    await coordinator.ok(`mutation($id: ID!) { declineMembership(memberId: $id) { __typename } }`, { id });
    return { id, client: person.client };
  }
  await coordinator.ok(`mutation($id: ID!) { approveMembership(memberId: $id) { __typename } }`, { id });
  const offerCategories = new Map(m.offers.map((o) => [o.title, o.category ?? null]));
  await person.client.ok(`mutation($b: String!, $input: UpdateProfileInput!) { updateMyProfile(timebank: $b, input: $input) { id } }`, {
    b: slug,
    input: {
      bio: m.bio.slice(0, 1000),
      languages: m.languages,
      neighbourhood: m.neighbourhood,
      availability: windowsOf(m.availability),
      // A skill typed alone has no category; an offer's category is the member's own choice.
      skills: [...new Set(m.skills.map((l) => l.trim().toLowerCase()).filter(Boolean))].map((label) => ({ label })),
    },
  });
  for (const o of m.offers) {
    await person.client.ok(`mutation($b: String!, $input: CreatePostInput!) { createPost(timebank: $b, input: $input) { id } }`, {
      b: slug,
      input: {
        kind: "OFFER",
        title: o.title.slice(0, 120),
        description: o.description ?? "",
        category: offerCategories.get(o.title) ?? undefined,
        neighbourhood: m.neighbourhood,
      },
    });
  }
  if (m.vouched) await coordinator.ok(`mutation($id: ID!) { vouchForMember(memberId: $id) { id } }`, { id });
  if (m.status === "PAUSED") await coordinator.ok(`mutation($id: ID!) { pauseMembership(memberId: $id) { __typename } }`, { id });
  return { id, client: person.client };
}

const PHONE = /\b(phone|telefon|telephone|ring|call|puhelin|телефон)\w*/i;

async function loadSet(s: Server, set: EvalSet): Promise<Loaded> {
  const slug = `eval-${set.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  const coordinatorEmail = `coordinator@${slug}.example`;
  const coordinatorPerson = await signUp(s, "Coordinator", coordinatorEmail);
  await createBank(s, slug, `${set.city} timebank`, set.locale, coordinatorEmail);
  const coordinator = coordinatorPerson.client;
  const members = new Map<string, { id: string; client: Client }>();
  for (const m of set.members) members.set(m.key, await addMember(s, slug, coordinator, m, `${m.key}@${slug}.example`));
  // Another bank of look-alikes (the first 20 members' texts): never to be suggested.
  const otherSlug = `${slug}-other`;
  const otherEmail = `coordinator@${otherSlug}.example`;
  const otherCoordinator = await signUp(s, "Other Coordinator", otherEmail);
  await createBank(s, otherSlug, `${set.city} other timebank`, set.locale, otherEmail);
  const decoys = new Set<string>();
  for (const m of set.members.filter((x) => x.status === "ACTIVE").slice(0, 20)) {
    decoys.add((await addMember(s, otherSlug, otherCoordinator.client, { ...m, vouched: false }, `${m.key}@${otherSlug}.example`)).id);
  }
  const requests = new Map<string, string>();
  for (const r of set.requests) {
    const author = members.get(r.requester);
    if (!author) throw new Error(`request ${r.key}: unknown requester ${r.requester}`);
    const when = r.when ? whenOf(r.when) : null;
    const placeMode = r.remoteOk ? (PHONE.test(`${r.title} ${r.description}`) ? "BY_PHONE" : "ONLINE") : "IN_PERSON";
    const data = await author.client.ok(
      `mutation($b: String!, $input: CreatePostInput!) { createPost(timebank: $b, input: $input) { id } }`,
      {
        b: slug,
        input: {
          kind: "REQUEST",
          title: r.title.slice(0, 120),
          description: r.description,
          category: r.category ?? undefined,
          neighbourhood: r.neighbourhood,
          placeMode,
          requiresVouchedHelper: r.forVulnerablePerson,
          ...(when ? { dates: [when.date], availability: [when.window] } : {}),
        },
      },
    );
    requests.set(r.key, data.createPost.id);
  }
  return { bank: slug, coordinator, members, requests, decoys };
}

// ---------------------------------------------------------------------------------------------
// Metrics.

/** A grade of 2 or 3 is a fit ("could do it", "ideal"); 1 is a weak partial fit, 0 none. */
const FIT = 2;

interface Metrics {
  p5: number;
  r10: number;
  ndcg10: number;
  /** Requests where someone fits (grade >= 2) but the list was empty. */
  emptyWhenFits: number;
  /** Requests where nobody fits but the list was not empty. */
  filledWhenNone: number;
  /** Listed members (top 10) with grade 0, over all requests. */
  nonFitsListed: number;
  listed: number;
  safetyViolations: number;
  requestsWithFit: number;
  requestsWithoutFit: number;
}

function evaluate(set: EvalSet, lists: Map<string, string[]>, forbidden: (r: EvalRequest, memberKey: string | null) => boolean): Metrics {
  let p5 = 0,
    r10 = 0,
    ndcg = 0,
    emptyWhenFits = 0,
    filledWhenNone = 0,
    nonFits = 0,
    listed = 0,
    safety = 0,
    withFit = 0,
    withoutFit = 0;
  for (const r of set.requests) {
    const grades = set.grades[r.key] ?? {};
    const list = lists.get(r.key) ?? [];
    const grade = (k: string) => grades[k] ?? 0;
    const fits = Object.keys(grades).filter((k) => grade(k) >= FIT);
    const top10 = list.slice(0, 10);
    listed += top10.length;
    nonFits += top10.filter((k) => grade(k) === 0).length;
    safety += list.filter((k) => forbidden(r, k)).length;
    if (!fits.length) {
      withoutFit++;
      if (list.length) filledWhenNone++;
      continue;
    }
    withFit++;
    if (!list.length) emptyWhenFits++;
    p5 += top10.slice(0, 5).filter((k) => grade(k) >= FIT).length / Math.min(5, fits.length);
    r10 += top10.filter((k) => grade(k) >= FIT).length / fits.length;
    const gain = (g: number) => 2 ** g - 1;
    const dcg = top10.reduce((sum, k, i) => sum + gain(grade(k)) / Math.log2(i + 2), 0);
    const ideal = Object.values(grades)
      .sort((a, b) => b - a)
      .slice(0, 10)
      .reduce((sum, g, i) => sum + gain(g) / Math.log2(i + 2), 0);
    ndcg += ideal > 0 ? dcg / ideal : 0;
  }
  const n = Math.max(1, withFit);
  return {
    p5: p5 / n,
    r10: r10 / n,
    ndcg10: ndcg / n,
    emptyWhenFits,
    filledWhenNone,
    nonFitsListed: nonFits,
    listed,
    safetyViolations: safety,
    requestsWithFit: withFit,
    requestsWithoutFit: withoutFit,
  };
}

const naiveWords = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length >= 3),
  );

/** The baseline: active members who may be proposed, ranked by words shared with the request. */
function naiveLists(set: EvalSet): Map<string, string[]> {
  const docs = new Map(
    set.members.map((m) => [m.key, naiveWords([m.bio, ...m.skills, ...m.offers.flatMap((o) => [o.title, o.description ?? ""])].join(" "))]),
  );
  const out = new Map<string, string[]>();
  for (const r of set.requests) {
    const words = naiveWords(`${r.title} ${r.description}`);
    const scored = set.members
      .filter((m) => m.status === "ACTIVE" && m.key !== r.requester && (!r.forVulnerablePerson || m.vouched))
      .map((m) => ({ key: m.key, n: [...words].filter((w) => docs.get(m.key)!.has(w)).length }))
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
    out.set(
      r.key,
      scored.slice(0, 10).map((x) => x.key),
    );
  }
  return out;
}

const QUERY = `query($r: ID!) { requestMatches(request: $r, first: 10) { nobodyFits candidates { member { id } score } } }`;

async function quality(file: string) {
  const set = readSet(file);
  const s = await startBench("pglite", "bench_matching_quality");
  try {
    const t0 = Date.now();
    const loaded = await loadSet(s, set);
    const loadSeconds = (Date.now() - t0) / 1000;
    const keyOf = new Map([...loaded.members].map(([k, v]) => [v.id, k]));
    const lists = new Map<string, string[]>();
    const status = new Map(set.members.map((m) => [m.key, m]));
    let decoysListed = 0;
    const ms: number[] = [];
    for (const r of set.requests) {
      const started = performance.now();
      const data = await loaded.members.get(r.requester)!.client.ok(QUERY, { r: loaded.requests.get(r.key) });
      ms.push(performance.now() - started);
      const ids: string[] = data.requestMatches.candidates.map((c: { member: { id: string } }) => c.member.id);
      decoysListed += ids.filter((id) => loaded.decoys.has(id) || !keyOf.has(id)).length;
      lists.set(
        r.key,
        ids.map((id) => keyOf.get(id) ?? `other:${id}`),
      );
    }
    const forbidden = (r: EvalRequest, k: string | null) => {
      if (!k || k.startsWith("other:")) return true;
      const m = status.get(k)!;
      return m.status !== "ACTIVE" || k === r.requester || (r.forVulnerablePerson && !m.vouched);
    };
    const engine = evaluate(set, lists, forbidden);
    const naive = evaluate(set, naiveLists(set), forbidden);
    return {
      set: set.name,
      members: set.members.length,
      requests: set.requests.length,
      loadSeconds,
      engine,
      naive,
      decoysListed,
      firstQueryMs: ms[0],
      lists,
    };
  } finally {
    await s.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Speed at 2,000 and 10,000 members.

async function insertPopulation(db: Database, bankId: string, set: EvalSet, n: number) {
  const categories = await db.prisma.category.findMany({ where: { timebankId: bankId } });
  const catId = new Map(categories.map((c) => [c.slug, c.id]));
  const start = (await db.prisma.membership.count({ where: { timebankId: bankId } })) + 1;
  const people: unknown[][] = [];
  const memberships: unknown[][] = [];
  const profiles: unknown[][] = [];
  const skills: unknown[][] = [];
  const offers: unknown[][] = [];
  const vouches: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const m = set.members[i % set.members.length];
    // A neighbour's place and languages, so that copies of one text are spread over the city.
    const other = set.members[(i * 7 + 3) % set.members.length];
    const personId = randomUUID();
    const id = randomUUID();
    people.push([personId, `pop${i}.${randomUUID().slice(0, 8)}@bench.example`, `${m.displayName} ${i}`]);
    memberships.push([id, personId, m.status === "DECLINED" ? "DECLINED" : m.status, start + i]);
    profiles.push([
      id,
      m.bio,
      `{${(i % 3 ? m.languages : other.languages).join(",")}}`,
      i % 2 ? m.neighbourhood : other.neighbourhood,
      JSON.stringify(windowsOf(m.availability)),
    ]);
    for (const label of new Set(m.skills.map((l) => l.trim().toLowerCase()).filter(Boolean))) skills.push([randomUUID(), id, label]);
    for (const o of m.offers)
      offers.push([
        randomUUID(),
        id,
        o.title.slice(0, 120),
        o.description ?? "",
        o.category ? (catId.get(o.category) ?? null) : null,
        m.neighbourhood,
      ]);
    if (m.vouched) vouches.push([id]);
  }
  await db.withSession(async (s) => {
    const chunk = 2000;
    const run = async (rows: unknown[][], sql: string) => {
      for (let i = 0; i < rows.length; i += chunk) {
        const part = rows.slice(i, i + chunk);
        await s.query(
          sql,
          part[0].map((_, c) => part.map((row) => row[c])),
        );
      }
    };
    await run(
      people,
      `INSERT INTO "Person" ("id", "email", "displayName", "passwordHash") SELECT *, 'not-a-login' FROM unnest($1::uuid[], $2::text[], $3::text[])`,
    );
    await run(
      memberships,
      `INSERT INTO "Membership" ("timebankId", "id", "personId", "status", "memberNumber", "joinedAt")
      SELECT '${bankId}'::uuid, id, person, status::"MembershipStatus", num, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]) AS t(id, person, status, num)`,
    );
    await run(
      profiles,
      `INSERT INTO "MemberProfile" ("timebankId", "membershipId", "bio", "languages", "neighbourhood", "availability")
      SELECT '${bankId}'::uuid, id, bio, langs::text[], nbh, av::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(id, bio, langs, nbh, av)`,
    );
    await run(
      skills,
      `INSERT INTO "MemberSkill" ("timebankId", "id", "membershipId", "kind", "label")
      SELECT '${bankId}'::uuid, id, mid, 'SKILL', label FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(id, mid, label)`,
    );
    await run(
      offers,
      `INSERT INTO "Post" ("timebankId", "id", "authorId", "kind", "title", "description", "categoryId", "neighbourhood")
      SELECT '${bankId}'::uuid, id, author, 'OFFER', title, descr, cat, nbh FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[]) AS t(id, author, title, descr, cat, nbh)`,
    );
    if (vouches.length)
      await run(
        vouches,
        `INSERT INTO "MemberVouch" ("timebankId", "membershipId", "vouchedById") SELECT '${bankId}'::uuid, id, '${randomUUID()}'::uuid FROM unnest($1::uuid[]) AS t(id)`,
      );
    await s.exec("ANALYZE");
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function speed(file: string, flavour: "pglite" | "postgres", size: number, rounds = 3) {
  const set = readSet(file);
  const s = await startBench(flavour, `bench_matching_${size}`);
  try {
    const loaded = await loadSet(s, set);
    const bank = await s.db.prisma.timebank.findUniqueOrThrow({ where: { slug: loaded.bank } });
    const t0 = Date.now();
    await insertPopulation(s.db, bank.id, set, Math.max(0, size - set.members.length));
    const insertSeconds = (Date.now() - t0) / 1000;
    const ask = async (r: EvalRequest) => {
      const started = performance.now();
      await loaded.members.get(r.requester)!.client.ok(QUERY, { r: loaded.requests.get(r.key) });
      return performance.now() - started;
    };
    // The first read indexes every member and post (what a new vocabulary costs once).
    const indexMs = await ask(set.requests[0]);
    for (const r of set.requests) await ask(r); // warm-up
    const p50s: number[] = [];
    const p95s: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const ms: number[] = [];
      for (const r of set.requests) ms.push(await ask(r));
      ms.sort((a, b) => a - b);
      p50s.push(percentile(ms, 50));
      p95s.push(percentile(ms, 95));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const members = await s.db.prisma.membership.count({ where: { timebankId: bank.id } });
    return { flavour, size, members, insertSeconds, indexMs, p50: median(p50s), p95: median(p95s), rounds: p95s };
  } finally {
    await s.close();
  }
}

// ---------------------------------------------------------------------------------------------

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const f3 = (x: number) => x.toFixed(3);

async function main() {
  const sets = arg("sets", "a,b")
    .split(",")
    .map((x) => path.join(EVAL_DIR, `set-${x.trim()}.json`))
    .filter((f) => existsSync(f));
  if (!sets.length) throw new Error(`no evaluation set found in ${EVAL_DIR}`);
  const sizes = arg("sizes", "2000,10000")
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
  const flavours = arg("flavours", "pglite,postgres").split(",") as ("pglite" | "postgres")[];
  const verbose = process.argv.includes("--lists");
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}, node ${process.version}`,
  );
  if (!process.argv.includes("--speed-only")) {
    console.log("\nquality (grade >= 2 is a fit; nDCG gain 2^grade - 1; P@5 over min(5, fits))");
    console.log(
      "set    | ranking | P@5   | R@10  | nDCG@10 | empty though someone fits | filled though nobody fits | grade-0 in top 10 | safety violations",
    );
    for (const file of sets) {
      const q = await quality(file);
      for (const [name, m] of [
        ["engine", q.engine],
        ["naive", q.naive],
      ] as const) {
        console.log(
          `${q.set.padEnd(6)} | ${name.padEnd(7)} | ${f3(m.p5)} | ${f3(m.r10)} | ${f3(m.ndcg10)}   | ${m.emptyWhenFits} of ${m.requestsWithFit} | ${m.filledWhenNone} of ${m.requestsWithoutFit} | ${m.nonFitsListed} of ${m.listed} | ${m.safetyViolations}`,
        );
      }
      console.log(
        `       (${q.members} members, ${q.requests} requests, loaded through the API in ${q.loadSeconds.toFixed(0)} s; members of the other bank listed: ${q.decoysListed})`,
      );
      if (verbose) for (const [k, list] of q.lists) console.log(`  ${k}: ${list.join(" ")}`);
    }
  }
  if (!process.argv.includes("--quality-only")) {
    console.log("\nspeed: requestMatches(first: 10) over HTTP, the set's requests, median of rounds");
    console.log("database | members | p50 ms | p95 ms | p95 per round | first read (indexes everything) ms | population inserted in s");
    for (const size of sizes) {
      for (const flavour of flavours) {
        const r = await speed(sets[0], flavour, size);
        console.log(
          `${flavour.padEnd(8)} | ${r.members} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.rounds.map((x) => x.toFixed(0)).join(" ")} | ${r.indexMs.toFixed(0)} | ${r.insertSeconds.toFixed(1)}`,
        );
      }
    }
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

export { evaluate, loadSet, naiveLists, readSet, startBench, QUERY, type EvalSet, type Loaded };
