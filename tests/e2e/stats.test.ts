// Statistics for the umbrella body, told through GraphQL and the CSV export: a national body
// reads figures across banks that equal what the ledger says, small groups stay hidden, and a
// coordinator sees only their own bank's row.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { issueToken } from "../../src/modules/auth/token";
import { generateDataset } from "../../src/modules/stats/stats.generate";
import { refreshRollups } from "../../src/modules/stats/stats.refresh";
import { flavour } from "../helpers/database";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";
import { platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let umbrella: Actor;
const END = new Date();
const month = (d: Date) => `${d.toISOString().slice(0, 7)}-01`;
const FROM = month(new Date(Date.UTC(END.getUTCFullYear(), END.getUTCMonth() - 5, 1)));
const TO = END.toISOString().slice(0, 10);
const FIG = "{ value suppressed }";
const REPORT = `query($input: StatisticsInput!) { statistics(input: $input) { periods minCellSize
  members { period group groupName membersTotal ${FIG} membersActive ${FIG} membersNew ${FIG} exchanges ${FIG} hoursExchanged ${FIG} reciprocityShare ${FIG} neverExchangedShare ${FIG} }
  categories { period group category exchanges ${FIG} hours ${FIG} participants ${FIG} }
  participation { period group dimension answer members ${FIG} share ${FIG} } } }`;

function tokenFor(personId: string) {
  return issueToken(personId, TEST_AUTH_SECRET, 3600, new Date()).token;
}

beforeAll(async () => {
  t = await startTestServer({ config: { statsMaxStalenessMs: 0 } });
  await generateDataset(t.db.prisma, { tag: "st", banks: 4, membersPerBank: 25, transfers: 900, days: 200, end: END, participationShare: 0.7 });
  const admin = await platformAdmin(t);
  umbrella = await signUp(t, "Umbrella Analyst");
  const granted = await admin.client.ok(`mutation($e: String!) { setUmbrellaAccess(email: $e, granted: true) { isUmbrella } }`, { e: umbrella.email });
  expect(granted.setUmbrellaAccess.isUmbrella).toBe(true);
}, 300_000);
afterAll(() => t.close());

describe("who may read statistics", () => {
  it("only a platform admin grants the umbrella role", async () => {
    const someone = await signUp(t, "Not Admin");
    const res = await someone.client.request(`mutation($e: String!) { setUmbrellaAccess(email: $e, granted: true) { isUmbrella } }`, { e: someone.email });
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
    const other = await client.request(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK", timebank: "gen-st-3" } });
    expect(other.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const totals = await client.request(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "NATIONAL" } });
    expect(totals.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });

  it("bad periods are refused as bad input", async () => {
    const res = await umbrella.client.request(REPORT, { input: { periodKind: "WEEK", from: "2020-01-01", to: "2026-01-01", grouping: "BANK" } });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const res2 = await umbrella.client.request(REPORT, { input: { periodKind: "WEEK", from: "yesterday", to: "2026-01-01", grouping: "BANK" } });
    expect(res2.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("the figures are the ledger's", () => {
  it("per bank and month, members, active members, exchanges, hours and reciprocity equal a direct computation", async () => {
    const data = await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: FROM, to: TO, grouping: "BANK" } });
    const banks = await t.db.prisma.timebank.findMany({ where: { slug: { startsWith: "gen-st-" } } });
    const transfers = await t.db.prisma.transfer.findMany({ where: { timebankId: { in: banks.map((b) => b.id) }, kind: "EXCHANGE", status: "POSTED" } });
    const memberships = await t.db.prisma.membership.findMany({ where: { timebankId: { in: banks.map((b) => b.id) } }, include: { accounts: true } });
    let compared = 0;
    for (const row of data.statistics.members) {
      const bank = banks.find((b) => b.slug === row.group)!;
      const ps = new Date(`${row.period}T00:00:00Z`);
      const pe = new Date(Date.UTC(ps.getUTCFullYear(), ps.getUTCMonth() + 1, 1));
      const inBank = transfers.filter((x) => x.timebankId === bank.id);
      const inPeriod = inBank.filter((x) => x.postedAt! >= ps && x.postedAt! < pe);
      const window = inBank.filter((x) => x.postedAt! >= new Date(pe.getTime() - 90 * 86400_000) && x.postedAt! < pe);
      const counted = memberships.filter(
        (m) => m.timebankId === bank.id && m.joinedAt! < pe && (m.status === "ACTIVE" || m.status === "PAUSED" || (m.status === "LEFT" && m.leftAt! >= pe)),
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
        expect({ bank: row.group, period: row.period, field, value: row[field].value }).toEqual({ bank: row.group, period: row.period, field, value });
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
    const accounts = await t.db.prisma.account.findMany({ where: { timebankId: bank.id, kind: "MEMBER" }, take: 2 });
    const read = async () =>
      (await umbrella.client.ok(REPORT, { input: { periodKind: "MONTH", from: TO, to: TO, grouping: "BANK", timebank: "gen-st-1" } })).statistics.members[0].exchanges.value;
    const before = await read();
    const now = new Date();
    await t.db.prisma.transfer.create({
      data: { timebankId: bank.id, kind: "EXCHANGE", status: "POSTED", debitAccountId: accounts[0].id, creditAccountId: accounts[1].id, minutes: 60, idempotencyKey: randomUUID(), requestHash: "x", createdById: umbrella.personId, createdAt: now, postedAt: now },
    });
    expect(await read()).toBe(before + 1);
  });

  (flavour() === "postgres" ? it : it.skip)("a transfer committed after a refresh that began while it was open is not lost (PostgreSQL)", async () => {
    const bank = await t.db.prisma.timebank.findFirstOrThrow({ where: { slug: "gen-st-4" } });
    const [a, b] = await t.db.prisma.account.findMany({ where: { timebankId: bank.id, kind: "MEMBER" }, take: 2 });
    const count = async () => (await t.db.prisma.statsBankPeriod.findMany({ where: { timebankId: bank.id, periodKind: "WEEK" }, orderBy: { periodStart: "desc" }, take: 1 }))[0].exchanges;
    await refreshRollups(t.db, { marginMs: 0 });
    const before = await count();
    // Another connection of the server: it logs in as the owner's user and works as the
    // application role, like every connection of the pool (row-level security).
    const other = new pg.Client({ connectionString: t.db.url!, options: "-c role=timebank_app -c timebank.bank_ids=*" });
    await other.connect();
    try {
      await other.query("BEGIN");
      // Stamped with its transaction's start, as a transfer posted with the database clock is.
      await other.query(
        `INSERT INTO "Transfer" ("timebankId", id, kind, status, "debitAccountId", "creditAccountId", minutes, "idempotencyKey", "requestHash", "createdById", "createdAt", "postedAt")
         VALUES ($1, gen_random_uuid(), 'EXCHANGE', 'POSTED', $2, $3, 30, $4, 'x', $5, now(), now())`,
        [bank.id, a.id, b.id, randomUUID(), umbrella.personId],
      );
      await new Promise((r) => setTimeout(r, 50));
      // The refresh runs while the transfer is not yet committed: it cannot see it ...
      await refreshRollups(t.db, { marginMs: 0 });
      expect(await count()).toBe(before);
      await other.query("COMMIT");
    } finally {
      await other.end();
    }
    // ... and its watermark stayed behind the open transaction, so the next refresh counts it.
    await refreshRollups(t.db, { marginMs: 0 });
    expect(await count()).toBe(before + 1);
  });
});

describe("small groups stay hidden", () => {
  let slug: string;
  beforeAll(async () => {
    // One bank of 40 members whose exchanges this month fall into four categories: gardening
    // among 3 people only, the others among 8 or more.
    await generateDataset(t.db.prisma, { tag: "sm", banks: 1, membersPerBank: 40, transfers: 0, days: 40, end: END });
    slug = "gen-sm-1";
    const bank = await t.db.prisma.timebank.findFirstOrThrow({ where: { slug } });
    const accounts = await t.db.prisma.account.findMany({ where: { timebankId: bank.id, kind: "MEMBER" }, orderBy: { openedAt: "asc" } });
    const posts = new Map((await t.db.prisma.post.findMany({ where: { timebankId: bank.id }, include: { category: true } })).map((p) => [p.category!.slug, p.id]));
    const plan: [string, number, number][] = [
      ["gardening", 0, 3], // members 0..2: 3 people
      ["shopping-errands", 3, 10], // 10 people
      ["transport", 13, 12],
      ["repairs-bikes", 25, 8],
    ];
    const now = new Date();
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
    const cats = data.statistics.categories as { category: string; exchanges: { value: number | null; suppressed: boolean }; participants: { value: number | null; suppressed: boolean } }[];
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
    await t.db.prisma.membership.update({ where: { timebankId_id: { timebankId: admin.timebankId, id: admin.id } }, data: { role: "ADMIN" } });
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
    const m = await t.db.prisma.membership.findFirstOrThrow({ where: { timebank: { slug: "gen-sm-1" }, role: "MEMBER", status: "ACTIVE" } });
    const client = t.client.withToken(tokenFor(m.personId));
    const given = await client.ok(`mutation { setMyParticipation(timebank: "gen-sm-1", input: { consent: true, ageBand: AGE_65_74, situation: RETIRED, joinReasons: [MEET_PEOPLE, GIVE_HELP, GIVE_HELP] }) { ageBand situation joinReasons } }`);
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
    const consenting = await t.db.prisma.participationProfile.count({ where: { ageBand: { not: null }, membership: { timebank: { slug: { startsWith: "gen-st-" } } } } });
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
    const bad = await fetch(`${base}/statistics/members.csv?periodKind=MONTH&from=nope&to=${TO}`, { headers: { authorization: `Bearer ${umbrella.token}` } });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${base}/statistics/people.csv?${q}`, { headers: { authorization: `Bearer ${umbrella.token}` } });
    expect(unknown.status).toBe(404);
  });
});
