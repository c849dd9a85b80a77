// Statistics for the umbrella body, told through GraphQL and the CSV export: a national body
// reads figures across banks that equal what the ledger says, small groups stay hidden, and a
// coordinator sees only their own bank's row.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { issueToken } from "../../src/modules/auth/token";
import { generateDataset } from "../../src/modules/stats/stats.generate";
import { ManualClock } from "../../src/common/clock";
import { refreshRollups, type RefreshOptions } from "../../src/modules/stats/stats.refresh";
import { share, shown, suppressColumn, withheld, type Figure } from "../../src/modules/stats/stats.rules";
import { flavour } from "../helpers/database";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";
import { platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let umbrella: Actor;
// A fixed "now": the server runs on this clock, the data are generated up to it. STATS_TEST_NOW
// moves it (the suite must pass on the 1st, the 15th and the last day of a month alike).
const END = new Date(process.env.STATS_TEST_NOW ?? "2026-03-01T12:00:00.000Z");
if (Number.isNaN(END.getTime())) throw new Error(`STATS_TEST_NOW is not a date: ${process.env.STATS_TEST_NOW}`);
const clock = new ManualClock(END);
const month = (d: Date) => `${d.toISOString().slice(0, 7)}-01`;
// The generated data end where the clock's month begins: what the current month holds is the
// tests' own exchanges, the same whichever day of the month the clock says.
const MONTH_START = new Date(`${month(END)}T00:00:00Z`);
/** Refreshes on the server's clock. */
const refresh = (opts: RefreshOptions = {}) => refreshRollups(t.db, { clock, ...opts });
const FROM = month(new Date(Date.UTC(END.getUTCFullYear(), END.getUTCMonth() - 5, 1)));
const TO = END.toISOString().slice(0, 10);
const FIG = "{ value suppressed }";
const REPORT = `query($input: StatisticsInput!) { statistics(input: $input) { periods minCellSize
  members { period group groupName membersTotal ${FIG} membersActive ${FIG} membersNew ${FIG} exchanges ${FIG} hoursExchanged ${FIG} reciprocityShare ${FIG} neverExchangedShare ${FIG} }
  categories { period group category exchanges ${FIG} hours ${FIG} participants ${FIG} }
  participation { period group dimension answer members ${FIG} share ${FIG} } } }`;

function tokenFor(personId: string) {
  return issueToken(personId, TEST_AUTH_SECRET, 3600, clock.now()).token;
}

beforeAll(async () => {
  t = await startTestServer({ clock, config: { statsMaxStalenessMs: 0 } });
  await generateDataset(t.db.prisma, {
    tag: "st",
    banks: 4,
    membersPerBank: 25,
    transfers: 900,
    days: 200,
    end: MONTH_START,
    participationShare: 0.7,
  });
  // Generated exchanges are back-dated: like an import, they need a full refresh (not one inside
  // the first request, which on a loaded machine outlasts the request's execution deadline).
  await refresh({ full: true });
  const admin = await platformAdmin(t);
  umbrella = await signUp(t, "Umbrella Analyst");
  const granted = await admin.client.ok(`mutation($e: String!) { setUmbrellaAccess(email: $e, granted: true) { isUmbrella } }`, {
    e: umbrella.email,
  });
  expect(granted.setUmbrellaAccess.isUmbrella).toBe(true);
}, 300_000);
afterAll(() => t.close());

describe("who may read statistics", () => {
  it("only a platform admin grants the umbrella role", async () => {
    const someone = await signUp(t, "Not Admin");
    const res = await someone.client.request(`mutation($e: String!) { setUmbrellaAccess(email: $e, granted: true) { isUmbrella } }`, {
      e: someone.email,
    });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("a person who is neither umbrella nor coordinator is refused", async () => {
    const someone = await signUp(t, "Curious Member");
    const res = await someone.client.request(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "NATIONAL" } });
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("a coordinator reads their own bank's rows only, not another bank's, not the national totals", async () => {
    const coord = await t.db.prisma.membership.findFirstOrThrow({ where: { role: "COORDINATOR", timebank: { slug: "gen-st-2" } } });
    const client = t.client.withToken(tokenFor(coord.personId));
    const own = await client.ok(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK" } });
    expect(new Set(own.statistics.members.map((m: { group: string }) => m.group))).toEqual(new Set(["gen-st-2"]));
    // Their row is the very row of the national table.
    const national = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK" } });
    expect(own.statistics.members).toEqual(national.statistics.members.filter((m: { group: string }) => m.group === "gen-st-2"));
    const other = await client.request(REPORT, {
      input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK", timebank: "gen-st-3" },
    });
    expect(other.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const totals = await client.request(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "NATIONAL" } });
    expect(totals.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("bad periods are refused as bad input", async () => {
    const res = await umbrella.client.request(REPORT, {
      input: { periodKind: "WEEK", from: "2020-01-01", to: "2026-01-01", grouping: "BANK" },
    });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const res2 = await umbrella.client.request(REPORT, {
      input: { periodKind: "WEEK", from: "yesterday", to: "2026-01-01", grouping: "BANK" },
    });
    expect(res2.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("the figures are the ledger's", () => {
  it("per bank and month, members, active members, exchanges, hours and reciprocity equal a direct computation", async () => {
    const data = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK" } });
    const banks = await t.db.prisma.timebank.findMany({ where: { slug: { startsWith: "gen-st-" } } });
    const transfers = await t.db.prisma.transfer.findMany({
      where: { timebankId: { in: banks.map((b) => b.id) }, kind: "EXCHANGE", status: "POSTED" },
    });
    const memberships = await t.db.prisma.membership.findMany({
      where: { timebankId: { in: banks.map((b) => b.id) } },
      include: { accounts: true },
    });
    let compared = 0;
    for (const row of data.statistics.members) {
      const bank = banks.find((b) => b.slug === row.group)!;
      const ps = new Date(`${row.period}T00:00:00Z`);
      const pe = new Date(Date.UTC(ps.getUTCFullYear(), ps.getUTCMonth() + 1, 1));
      const inBank = transfers.filter((x) => x.timebankId === bank.id);
      const inPeriod = inBank.filter((x) => x.postedAt! >= ps && x.postedAt! < pe);
      const window = inBank.filter((x) => x.postedAt! >= new Date(pe.getTime() - 90 * 86400_000) && x.postedAt! < pe);
      const counted = memberships.filter(
        (m) =>
          m.timebankId === bank.id &&
          m.joinedAt! < pe &&
          (m.status === "ACTIVE" || m.status === "PAUSED" || (m.status === "LEFT" && m.leftAt! >= pe)),
      );
      const total = counted.length;
      const members = new Set(counted.flatMap((m) => m.accounts.map((a) => a.id)));
      const active = [...new Set(window.flatMap((x) => [x.debitAccountId, x.creditAccountId]))].filter((a) => members.has(a)).length;
      const gave = new Set(inPeriod.map((x) => x.creditAccountId).filter((a) => members.has(a)));
      const got = new Set(inPeriod.map((x) => x.debitAccountId));
      const reciprocal = [...gave].filter((a) => got.has(a)).length;
      const expected: Record<string, number> = {
        membersTotal: total,
        membersActive: active,
        exchanges: inPeriod.length,
        hoursExchanged: Math.round((inPeriod.reduce((s, x) => s + x.minutes, 0) / 60) * 100) / 100,
        reciprocityShare: total ? Math.round((reciprocal / total) * 10000) / 10000 : 0,
      };
      for (const [field, value] of Object.entries(expected)) {
        if (row[field].suppressed) continue;
        expect({ bank: row.group, period: row.period, field, value: row[field].value }).toEqual({
          bank: row.group,
          period: row.period,
          field,
          value,
        });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it("national figures are the sums of the banks' rows", async () => {
    const byBank = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK" } });
    const national = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "NATIONAL" } });
    const bankRows = (await t.db.prisma.statsBankPeriod.findMany({ where: { periodKind: "MONTH" } })).filter((r) =>
      byBank.statistics.periods.includes(r.periodStart.toISOString().slice(0, 10)),
    );
    for (const row of national.statistics.members) {
      const sum = bankRows.filter((r) => r.periodStart.toISOString().slice(0, 10) === row.period).reduce((s, r) => s + r.exchanges, 0);
      expect(row.exchanges).toEqual({ value: sum, suppressed: false });
    }
  });

  it("a transfer posted after a refresh appears in the next read", async () => {
    const bank = await t.db.prisma.timebank.findFirstOrThrow({ where: { slug: "gen-st-1" } });
    const accounts = await t.db.prisma.account.findMany({
      where: { timebankId: bank.id, kind: "MEMBER", membership: { status: "ACTIVE" } },
      orderBy: { openedAt: "asc" },
      take: 10,
    });
    const read = async () =>
      (await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: TO, to: TO, grouping: "BANK", timebank: "gen-st-1" } }))
        .statistics.members[0].exchanges;
    // Nothing was exchanged this month yet (the generated data end where it began).
    expect(await read()).toEqual({ value: 0, suppressed: false });
    // Five exchanges among ten members: enough people to be shown.
    const now = clock.now();
    await t.db.prisma.transfer.createMany({
      data: [0, 2, 4, 6, 8].map((i) => ({
        timebankId: bank.id,
        kind: "EXCHANGE" as const,
        status: "POSTED" as const,
        debitAccountId: accounts[i].id,
        creditAccountId: accounts[i + 1].id,
        minutes: 60,
        idempotencyKey: randomUUID(),
        requestHash: "x",
        createdById: umbrella.personId,
        createdAt: now,
        postedAt: now,
      })),
    });
    expect(await read()).toEqual({ value: 5, suppressed: false });
  });

  (flavour() === "postgres" ? it : it.skip)(
    "a transfer committed after a refresh that began while it was open is not lost (PostgreSQL)",
    async () => {
      const bank = await t.db.prisma.timebank.findFirstOrThrow({ where: { slug: "gen-st-4" } });
      const [a, b] = await t.db.prisma.account.findMany({ where: { timebankId: bank.id, kind: "MEMBER" }, take: 2 });
      const count = async () =>
        (
          await t.db.prisma.statsBankPeriod.findMany({
            where: { timebankId: bank.id, periodKind: "WEEK" },
            orderBy: { periodStart: "desc" },
            take: 1,
          })
        )[0].exchanges;
      await refresh({ marginMs: 0 });
      const before = await count();
      // Another connection of the server: it logs in as the owner's user and works as the
      // application role, like every connection of the pool (row-level security).
      const other = new pg.Client({ connectionString: t.db.url!, options: "-c role=timebank_app -c timebank.bank_ids=*" });
      await other.connect();
      try {
        await other.query("BEGIN");
        // Stamped by the server's clock, as the ledger stamps the transfers it posts.
        const postedAt = clock.now();
        await other.query(
          `INSERT INTO "Transfer" ("timebankId", id, kind, status, "debitAccountId", "creditAccountId", minutes, "idempotencyKey", "requestHash", "createdById", "createdAt", "postedAt")
         VALUES ($1, gen_random_uuid(), 'EXCHANGE', 'POSTED', $2, $3, 30, $4, 'x', $5, $6, $6)`,
          [bank.id, a.id, b.id, randomUUID(), umbrella.personId, postedAt],
        );
        await new Promise((r) => setTimeout(r, 50));
        // The refresh runs while the transfer is not yet committed: it cannot see it ...
        const during = await refresh({ marginMs: 0 });
        expect(await count()).toBe(before);
        // ... and its watermark is not past the transfer: behind the server's clock (which is set
        // in the past here) as well as behind the open transaction's start.
        expect(during.horizon.getTime()).toBeLessThanOrEqual(postedAt.getTime());
        await other.query("COMMIT");
      } finally {
        await other.end();
      }
      // ... and its watermark stayed behind the open transaction, so the next refresh counts it.
      await refresh({ marginMs: 0 });
      expect(await count()).toBe(before + 1);
    },
  );
});

describe("small groups stay hidden", () => {
  let slug: string;
  beforeAll(async () => {
    // One bank of 40 members whose exchanges this month fall into four categories: gardening
    // among 3 people only, the others among 8 or more.
    await generateDataset(t.db.prisma, { tag: "sm", banks: 1, membersPerBank: 40, transfers: 0, days: 40, end: MONTH_START });
    slug = "gen-sm-1";
    const bank = await t.db.prisma.timebank.findFirstOrThrow({ where: { slug } });
    const accounts = await t.db.prisma.account.findMany({ where: { timebankId: bank.id, kind: "MEMBER" }, orderBy: { openedAt: "asc" } });
    const posts = new Map(
      (await t.db.prisma.post.findMany({ where: { timebankId: bank.id }, include: { category: true } })).map((p) => [
        p.category!.slug,
        p.id,
      ]),
    );
    const plan: [string, number, number][] = [
      ["gardening", 0, 3], // members 0..2: 3 people
      ["shopping-errands", 3, 10], // 10 people
      ["transport", 13, 12],
      ["repairs-bikes", 25, 8],
    ];
    const now = clock.now();
    const rows = plan.flatMap(([cat, first, n]) =>
      Array.from({ length: n }, (_, i) => ({
        timebankId: bank.id,
        kind: "EXCHANGE" as const,
        status: "POSTED" as const,
        creditAccountId: accounts[first + i].id,
        debitAccountId: accounts[first + ((i + 1) % n)].id,
        minutes: 60,
        relatedPostId: posts.get(cat)!,
        idempotencyKey: randomUUID(),
        requestHash: "x",
        createdById: umbrella.personId,
        createdAt: now,
        postedAt: now,
      })),
    );
    await t.db.prisma.transfer.createMany({ data: rows });
  });

  it("a category with 3 members is null and flagged, a complementary category too, and totals stay consistent", async () => {
    const data = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: TO, to: TO, grouping: "BANK", timebank: slug } });
    const cats = data.statistics.categories as {
      category: string;
      exchanges: { value: number | null; suppressed: boolean };
      participants: { value: number | null; suppressed: boolean };
    }[];
    const by = (c: string) => cats.find((x) => x.category === c)!;
    expect(by("gardening").participants).toEqual({ value: null, suppressed: true });
    expect(by("gardening").exchanges).toEqual({ value: null, suppressed: true });
    // The smallest other category goes too, so the bank's total does not give gardening away.
    expect(by("repairs-bikes").participants).toEqual({ value: null, suppressed: true });
    expect(by("shopping-errands").participants).toEqual({ value: 10, suppressed: false });
    expect(by("transport").exchanges).toEqual({ value: 12, suppressed: false });
    const total = data.statistics.members[0].exchanges.value;
    const visible = cats.reduce((s, c) => s + (c.exchanges.value ?? 0), 0);
    expect(total).toBe(3 + 10 + 12 + 8);
    // What the visible cells leave over covers two withheld categories, never one.
    expect(total - visible).toBe(3 + 8);
  });

  it("a bank may raise its threshold, never lower it", async () => {
    const admin = await t.db.prisma.membership.findFirstOrThrow({ where: { timebank: { slug }, role: "COORDINATOR" } });
    await t.db.prisma.membership.update({
      where: { timebankId_id: { timebankId: admin.timebankId, id: admin.id } },
      data: { role: "ADMIN" },
    });
    const client = t.client.withToken(tokenFor(admin.personId));
    const low = await client.request(`mutation { setStatisticsCellSize(timebank: "${slug}", minCellSize: 3) { slug } }`);
    expect(low.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    await client.ok(`mutation { setStatisticsCellSize(timebank: "${slug}", minCellSize: 11) { slug } }`);
    const data = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: TO, to: TO, grouping: "BANK", timebank: slug } });
    expect(data.statistics.minCellSize).toBe(11);
    const shopping = data.statistics.categories.find((c: { category: string }) => c.category === "shopping-errands");
    expect(shopping.participants).toEqual({ value: null, suppressed: true });
    await client.ok(`mutation { setStatisticsCellSize(timebank: "${slug}", minCellSize: 5) { slug } }`);
  });
});

describe("participation answers", () => {
  it("are given with consent, counted in aggregate, and erased when consent is withdrawn", async () => {
    const m = await t.db.prisma.membership.findFirstOrThrow({
      where: { timebank: { slug: "gen-sm-1" }, role: "MEMBER", status: "ACTIVE" },
    });
    const client = t.client.withToken(tokenFor(m.personId));
    const given = await client.ok(
      `mutation { setMyParticipation(timebank: "gen-sm-1", input: { consent: true, ageBand: AGE_65_74, situation: RETIRED, joinReasons: [MEET_PEOPLE, GIVE_HELP, GIVE_HELP] }) { ageBand situation joinReasons } }`,
    );
    expect(given.setMyParticipation).toEqual({ ageBand: "AGE_65_74", situation: "RETIRED", joinReasons: ["MEET_PEOPLE", "GIVE_HELP"] });
    const withdrawn = await client.ok(`mutation { setMyParticipation(timebank: "gen-sm-1", input: { consent: false }) { ageBand } }`);
    expect(withdrawn.setMyParticipation).toBeNull();
    expect(await t.db.prisma.participationProfile.count({ where: { membershipId: m.id } })).toBe(0);
    expect((await client.ok(`{ myParticipation(timebank: "gen-sm-1") { ageBand } }`)).myParticipation).toBeNull();
  });

  it("national participation shares add up per question and count only consenting members", async () => {
    const data = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: TO, to: TO, grouping: "NATIONAL" } });
    const ages = data.statistics.participation.filter((p: { dimension: string }) => p.dimension === "AGE_BAND");
    expect(ages.length).toBe(5);
    const consenting = await t.db.prisma.participationProfile.count({
      where: { ageBand: { not: null }, membership: { timebank: { slug: { startsWith: "gen-st-" } } } },
    });
    const sum = ages.reduce((s: number, p: { members: { value: number } }) => s + p.members.value, 0);
    expect(sum).toBeLessThanOrEqual(consenting);
    expect(sum).toBeGreaterThan(consenting * 0.8);
  });
});

describe("CSV export", () => {
  it("exports any figure table with the same access rules and proper escaping", async () => {
    await t.db.prisma.timebank.update({ where: { slug: "gen-st-3" }, data: { name: 'Bank "Three", North' } });
    const base = t.url.replace(/\/graphql$/, "");
    const q = `periodKind=MONTH&from=${FROM}&to=${TO}&grouping=BANK`;
    const anon = await fetch(`${base}/statistics/members.csv?${q}`);
    expect(anon.status).toBe(401);
    const res = await fetch(`${base}/statistics/members.csv?${q}`, { headers: { authorization: `Bearer ${umbrella.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    const text = await res.text();
    const [header] = text.split("\r\n");
    expect(header).toBe(
      "period,group,groupName,membersTotal,membersTotal_suppressed,membersActive,membersActive_suppressed,membersNew,membersNew_suppressed,membersPaused,membersPaused_suppressed,membersLeft,membersLeft_suppressed,institutions,institutions_suppressed,exchanges,exchanges_suppressed,hoursExchanged,hoursExchanged_suppressed,reciprocityShare,reciprocityShare_suppressed,neverExchangedShare,neverExchangedShare_suppressed,participationConsented,participationConsented_suppressed",
    );
    expect(text).toContain(`gen-st-3,"Bank ""Three"", North",`);
    for (const table of ["categories", "interBankFlows", "netPositions", "institutions", "participation"]) {
      const r = await fetch(`${base}/statistics/${table}.csv?${q}`, { headers: { authorization: `Bearer ${umbrella.token}` } });
      expect(r.status).toBe(200);
    }
    const bad = await fetch(`${base}/statistics/members.csv?periodKind=MONTH&from=nope&to=${TO}`, {
      headers: { authorization: `Bearer ${umbrella.token}` },
    });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${base}/statistics/people.csv?${q}`, { headers: { authorization: `Bearer ${umbrella.token}` } });
    expect(unknown.status).toBe(404);
  });
});

describe("one bank's figures", () => {
  // Six small banks of one region: many cells count fewer than 5 people, so primary and
  // complementary suppression across the region's banks and across categories and answers happen.
  const REGION = "Test Fells";
  const BANK = "gen-rg-3";
  const ALL = `query($input: StatisticsInput!) { statistics(input: $input) { minCellSize
    members { period group groupName membersTotal ${FIG} membersActive ${FIG} membersNew ${FIG} membersPaused ${FIG} membersLeft ${FIG} institutions ${FIG}
              exchanges ${FIG} hoursExchanged ${FIG} reciprocityShare ${FIG} neverExchangedShare ${FIG} participationConsented ${FIG} }
    categories { period group groupName category exchanges ${FIG} hours ${FIG} participants ${FIG} }
    participation { period group groupName dimension answer members ${FIG} share ${FIG} active ${FIG} }
    institutions { period group institutionKind hoursEarned ${FIG} hoursGiven ${FIG} }
    interBankFlows { period fromBank toBank purpose transfers ${FIG} hours ${FIG} }
    netPositions { period bank hoursSent ${FIG} hoursReceived ${FIG} netHours ${FIG} } } }`;
  const input = (extra: Record<string, unknown> = {}) => ({
    input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK", ...extra },
  });

  beforeAll(async () => {
    await generateDataset(t.db.prisma, {
      tag: "rg",
      banks: 6,
      membersPerBank: 14,
      transfers: 700,
      days: 120,
      end: MONTH_START,
      participationShare: 0.6,
      seed: 0.7,
    });
    await t.db.prisma.timebank.updateMany({ where: { slug: { startsWith: "gen-rg-" } }, data: { region: REGION } });
    // Generated exchanges are back-dated: like an import, they need a full refresh.
    await refresh({ full: true });
  }, 120_000);

  /** The bank's rows as a direct computation over the ledger and the memberships gives them, suppressed by the rules of stats.rules.ts. */
  async function expectedFromLedger(periods: string[]) {
    const db = t.db.prisma;
    const banks = await db.timebank.findMany({ where: { region: REGION } });
    const ids = banks.map((b) => b.id);
    // The national table lists banks, categories and answers in the database's order: sort the same way.
    const order = async (xs: string[]) =>
      (await db.$queryRawUnsafe<{ s: string }[]>(`SELECT unnest($1::text[]) AS s ORDER BY 1`, [...new Set(xs)])).map((r) => r.s);
    const slugs = await order(banks.map((b) => b.slug));
    const bySlug = new Map(banks.map((b) => [b.slug, b]));
    const transfers = await db.transfer.findMany({ where: { timebankId: { in: ids }, kind: "EXCHANGE", status: "POSTED" } });
    const posts = new Map(
      (await db.post.findMany({ where: { timebankId: { in: ids } }, include: { category: true } })).map((p) => [
        p.id,
        p.category?.slug ?? "",
      ]),
    );
    const memberships = await db.membership.findMany({
      where: { timebankId: { in: ids } },
      include: { accounts: true, participation: true },
    });
    const k = (slug: string) => Math.max(5, bySlug.get(slug)!.statsMinCellSize);
    const hrs = (m: number) => Math.round((m / 60) * 100) / 100;
    const out = { members: [] as unknown[], categories: [] as unknown[], participation: [] as unknown[] };
    for (const period of periods) {
      const ps = new Date(`${period}T00:00:00Z`);
      const pe = new Date(Date.UTC(ps.getUTCFullYear(), ps.getUTCMonth() + 1, 1));
      const windowStart = new Date(pe.getTime() - 90 * 86400_000);
      type M = { slug: string; [figure: string]: number | string };
      const memberRows: M[] = [];
      type C = { slug: string; category: string; exchanges: number; minutes: number; participants: number };
      const categoryRows: C[] = [];
      type P = { slug: string; dimension: string; answer: string; members: number; active: number };
      const partRows: P[] = [];
      for (const slug of slugs) {
        const bank = bySlug.get(slug)!;
        const own = transfers.filter((x) => x.timebankId === bank.id);
        const inPeriod = own.filter((x) => x.postedAt! >= ps && x.postedAt! < pe);
        const before = own.filter((x) => x.postedAt! < pe);
        const inWindow = new Set(
          own.filter((x) => x.postedAt! >= windowStart && x.postedAt! < pe).flatMap((x) => [x.debitAccountId, x.creditAccountId]),
        );
        const mine = memberships.filter((m) => m.timebankId === bank.id && m.joinedAt && m.joinedAt < pe);
        const counted = mine.filter((m) => m.status === "ACTIVE" || m.status === "PAUSED" || (m.status === "LEFT" && m.leftAt! >= pe));
        const account = (m: (typeof mine)[number]) => m.accounts.find((a) => a.kind === "MEMBER")?.id;
        const gave = new Set(inPeriod.map((x) => x.creditAccountId));
        const got = new Set(inPeriod.map((x) => x.debitAccountId));
        const everBefore = new Set(before.flatMap((x) => [x.debitAccountId, x.creditAccountId]));
        const countedAccounts = counted.map(account).filter((a): a is string => !!a);
        const consenting = counted.filter((m) => m.participation && m.participation.consentedAt < pe);
        // A bank has rows from the period of its first record (its creation or first member) on.
        const first = Math.min(
          bank.createdAt.getTime(),
          ...memberships.filter((m) => m.timebankId === bank.id && m.joinedAt).map((m) => m.joinedAt!.getTime()),
        );
        if (pe.getTime() <= first) continue;
        memberRows.push({
          slug,
          membersTotal: counted.length,
          membersActive: countedAccounts.filter((a) => inWindow.has(a)).length,
          membersNew: mine.filter((m) => m.joinedAt! >= ps).length,
          membersPaused: counted.filter((m) => m.status === "PAUSED" && m.pausedAt! < pe).length,
          membersLeft: mine.filter((m) => m.leftAt && m.leftAt >= ps && m.leftAt < pe).length,
          exchanges: inPeriod.length,
          exchangeMinutes: inPeriod.reduce((s, x) => s + x.minutes, 0),
          exchangingMembers: countedAccounts.filter((a) => gave.has(a) || got.has(a)).length,
          reciprocalMembers: countedAccounts.filter((a) => gave.has(a) && got.has(a)).length,
          neverExchanged: countedAccounts.filter((a) => !everBefore.has(a)).length + counted.filter((m) => !account(m)).length,
          consentedMembers: consenting.length,
        });
        const cats = await order(inPeriod.map((x) => (x.relatedPostId ? posts.get(x.relatedPostId)! : "")));
        for (const category of cats) {
          const xs = inPeriod.filter((x) => (x.relatedPostId ? posts.get(x.relatedPostId)! : "") === category);
          categoryRows.push({
            slug,
            category,
            exchanges: xs.length,
            minutes: xs.reduce((s, x) => s + x.minutes, 0),
            participants: new Set(xs.flatMap((x) => [x.debitAccountId, x.creditAccountId])).size,
          });
        }
        const answers = consenting.flatMap((m) => {
          const p = m.participation!;
          const active = !!account(m) && inWindow.has(account(m)!);
          return [
            ...(p.ageBand ? [{ dimension: "AGE_BAND", answer: p.ageBand, active }] : []),
            ...(p.situation ? [{ dimension: "SITUATION", answer: p.situation, active }] : []),
            ...p.joinReasons.map((r) => ({ dimension: "JOIN_REASON", answer: r as string, active })),
          ];
        });
        for (const dimension of await order(answers.map((a) => a.dimension)))
          for (const answer of await order(answers.filter((a) => a.dimension === dimension).map((a) => a.answer))) {
            const xs = answers.filter((a) => a.dimension === dimension && a.answer === answer);
            partRows.push({ slug, dimension, answer, members: xs.length, active: xs.filter((a) => a.active).length });
          }
      }
      // Suppression as the rules say: banks of the region add up, and categories / answers of a bank.
      const col = (people: string, value = people) =>
        suppressColumn(
          memberRows,
          () => REGION,
          (r) => r[people] as number,
          (r) => r[value] as number,
          (r) => k(r.slug),
        );
      const f = Object.fromEntries(
        (
          [
            "membersTotal",
            "membersActive",
            "membersNew",
            "membersPaused",
            "membersLeft",
            "reciprocalMembers",
            "neverExchanged",
            "consentedMembers",
          ] as const
        ).map((c) => [c, col(c)]),
      );
      const ex = col("exchangingMembers", "exchanges");
      const mins = col("exchangingMembers", "exchangeMinutes");
      const i = memberRows.findIndex((r) => r.slug === BANK);
      const asHours = (x: Figure): Figure => (x.value === null ? x : shown(hrs(x.value)));
      if (i >= 0) {
        out.members.push({
          period,
          group: BANK,
          groupName: bySlug.get(BANK)!.name,
          membersTotal: f.membersTotal[i],
          membersActive: f.membersActive[i],
          membersNew: f.membersNew[i],
          membersPaused: f.membersPaused[i],
          membersLeft: f.membersLeft[i],
          institutions: shown(0),
          exchanges: ex[i],
          hoursExchanged: asHours(mins[i]),
          reciprocityShare: share(f.reciprocalMembers[i], f.membersTotal[i]),
          neverExchangedShare: share(f.neverExchanged[i], f.membersTotal[i]),
          participationConsented: f.consentedMembers[i],
        });
      }
      const catHidden = suppressColumn(
        categoryRows,
        [(r) => r.slug, (r) => `${r.category}|${REGION}`],
        (r) => r.participants,
        (r) => r.participants,
        (r) => k(r.slug),
      );
      categoryRows.forEach((r, j) => {
        if (r.slug !== BANK) return;
        const hide = catHidden[j].suppressed;
        out.categories.push({
          period,
          group: BANK,
          groupName: bySlug.get(BANK)!.name,
          category: r.category,
          exchanges: hide ? withheld : shown(r.exchanges),
          hours: hide ? withheld : shown(hrs(r.minutes)),
          participants: catHidden[j],
        });
      });
      const partKeys = [(r: P) => `${r.slug}|${r.dimension}`, (r: P) => `${r.dimension}|${r.answer}|${REGION}`];
      const pm = suppressColumn(
        partRows,
        partKeys,
        (r) => r.members,
        (r) => r.members,
        (r) => k(r.slug),
      );
      const pa = suppressColumn(
        partRows,
        partKeys,
        (r) => r.active,
        (r) => r.active,
        (r) => k(r.slug),
      );
      partRows.forEach((r, j) => {
        if (r.slug !== BANK) return;
        out.participation.push({
          period,
          group: BANK,
          groupName: bySlug.get(BANK)!.name,
          dimension: r.dimension,
          answer: r.answer,
          members: pm[j],
          share: share(pm[j], i >= 0 ? f.consentedMembers[i] : withheld),
          active: pa[j],
        });
      });
    }
    return out;
  }

  /**
   * A read, asked again (up to five times) when the connection broke. PGlite runs in this process: a refresh
   * blocks the event loop for seconds on this loaded machine, the server's keep-alive timer then
   * fires late and closes the socket fetch has just reused ("fetch failed", ECONNRESET / other
   * side closed). The statistics query only reads, so asking again is safe.
   */
  async function read(variables: Record<string, unknown>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await umbrella.client.ok(ALL, variables)).statistics;
      } catch (err) {
        // fetch's TypeError comes from Node's realm, not the test's: compare the message, not the class.
        if ((err as Error)?.message !== "fetch failed" || attempt === 5) throw err;
        // Let the late timers close the pool's other stale sockets before asking again.
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async function compare() {
    const one = await read(input({ timebank: BANK }));
    const national = await read(input());
    const mine = <T extends { group?: string; bank?: string; fromBank?: string; toBank?: string }>(rows: T[]) =>
      rows.filter((r) => r.group === BANK || r.bank === BANK || r.fromBank === BANK || r.toBank === BANK);
    // Its row of the national table, suppressed cells included.
    for (const table of ["members", "categories", "participation", "institutions", "interBankFlows", "netPositions"]) {
      expect({ table, rows: one[table] }).toEqual({ table, rows: mine(national[table]) });
    }
    // And what the ledger says, suppressed by the rules.
    const periods = [...new Set<string>(national.members.map((m: { period: string }) => m.period))];
    const expected = await expectedFromLedger(periods);
    expect(one.members).toEqual(expected.members);
    expect(one.categories).toEqual(expected.categories);
    expect(one.participation).toEqual(expected.participation);
    return one;
  }

  const suppressedCells = (report: { members: Record<string, unknown>[]; categories: Record<string, unknown>[] }) =>
    [...report.members, ...report.categories]
      .flatMap((r) => Object.values(r))
      .filter((v) => (v as { suppressed?: boolean })?.suppressed === true).length;

  it("is the bank's row of the national table, and what the ledger gives, suppressed cells included", async () => {
    const one = await compare();
    expect(one.members.length).toBeGreaterThan(2);
    expect(suppressedCells(one)).toBeGreaterThan(0);
  });

  it("stays so after new transfers and refreshes: a new small category withheld with its complement, then shown when it grows", async () => {
    const bank = await t.db.prisma.timebank.findFirstOrThrow({ where: { slug: BANK } });
    const accounts = await t.db.prisma.account.findMany({ where: { timebankId: bank.id, kind: "MEMBER" }, orderBy: { openedAt: "asc" } });
    // Two categories the bank never used before: a reading circle of 8 people this month, and a choir.
    const offer = async (slug: string, name: string) => {
      const category = await t.db.prisma.category.create({ data: { timebankId: bank.id, slug, name } });
      return t.db.prisma.post.create({
        data: { timebankId: bank.id, authorId: accounts[0].membershipId!, kind: "OFFER", title: name, categoryId: category.id },
      });
    };
    const exchange = async (postId: string, giver: number, receiver: number) => {
      const now = clock.now();
      await t.db.prisma.transfer.create({
        data: {
          timebankId: bank.id,
          kind: "EXCHANGE",
          status: "POSTED",
          debitAccountId: accounts[receiver].id,
          creditAccountId: accounts[giver].id,
          minutes: 60,
          relatedPostId: postId,
          idempotencyKey: randomUUID(),
          requestHash: "x",
          createdById: umbrella.personId,
          createdAt: now,
          postedAt: now,
        },
      });
      clock.advance(1000);
    };
    const reading = await offer("reading-circle", "Reading circle");
    for (let i = 0; i < 8; i++) await exchange(reading.id, 6 + i, 6 + ((i + 1) % 8));
    const post = await offer("choir", "Choir");
    const sing = (giver: number, receiver: number) => exchange(post.id, giver, receiver);
    const choir = (report: { categories: { period: string; category: string; participants: Figure; exchanges: Figure }[] }) =>
      report.categories.find((c) => c.period === month(END) && c.category === "choir")!;

    // Two people sing together: a category of 2 people this month, withheld, and not alone.
    await sing(0, 1);
    await refresh({ marginMs: 0 });
    const first = await compare();
    expect(choir(first).participants).toEqual({ value: null, suppressed: true });
    expect(
      first.categories.filter((c: { period: string; participants: Figure }) => c.period === month(END) && c.participants.suppressed).length,
    ).toBeGreaterThan(1);
    // The current month's row now keeps settled counts: the next refreshes read only what came since.
    const current = await t.db.prisma.statsBankPeriod.findUniqueOrThrow({
      where: {
        timebankId_periodKind_periodStart: { timebankId: bank.id, periodKind: "MONTH", periodStart: new Date(`${month(END)}T00:00:00Z`) },
      },
    });
    expect(current.settledExchanges).not.toBeNull();

    // Four more people join the choir (and the first two sing again): 6 people, 4 exchanges.
    await sing(1, 0);
    await sing(2, 3);
    await sing(4, 5);
    // With the default margin the new exchanges are too recent to settle: counted afresh, not added ...
    await refresh();
    // ... and settled by the next refresh, once only.
    await refresh({ marginMs: 0 });
    const second = await compare();
    expect(choir(second).participants).toEqual({ value: 6, suppressed: false });
    expect(choir(second).exchanges).toEqual({ value: 4, suppressed: false });
  });
});
