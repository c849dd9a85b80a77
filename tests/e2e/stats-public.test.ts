// The public directory's member counts (issue 19): anyone may list the banks with their number
// of members. Outsiders read a count perturbed by the cell key method, as it stood at the start
// of the day; the bank's own members read the exact count.
import { ManualClock } from "../../src/common/clock";
import { issueToken } from "../../src/modules/auth/token";
import { generateDataset } from "../../src/modules/stats/stats.generate";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";

const NOW = new Date(process.env.STATS_TEST_NOW ?? "2026-03-01T12:00:00.000Z");
const DAY = 86_400_000;
const clock = new ManualClock(NOW);
let t: TestServer;

const tokenFor = (personId: string) => issueToken(personId, TEST_AUTH_SECRET, 3600, clock.now()).token;
const dayStart = () => new Date(Math.floor(clock.now().getTime() / DAY) * DAY);

/** The true number of members active at the start of the clock's day, per bank slug, from the rows. */
async function trueCounts(): Promise<Map<string, number>> {
  const start = dayStart();
  const rows = await t.db.prisma.membership.findMany({
    where: { timebank: { slug: { startsWith: "gen-pub" } } },
    include: { timebank: true },
  });
  const out = new Map<string, number>();
  for (const m of rows) {
    if (!out.has(m.timebank.slug)) out.set(m.timebank.slug, 0);
    const joined = m.joinedAt !== null && m.joinedAt < start;
    const stillThere =
      m.status === "ACTIVE" || (m.status === "PAUSED" && m.pausedAt! >= start) || (m.status === "LEFT" && m.leftAt! >= start);
    if (joined && stillThere) out.set(m.timebank.slug, out.get(m.timebank.slug)! + 1);
  }
  return out;
}

async function published(token?: string): Promise<Map<string, number>> {
  const client = token ? t.client.withToken(token) : t.client;
  const data = await client.ok(`{ timebanks { slug memberCount } }`);
  return new Map(
    (data.timebanks as { slug: string; memberCount: number }[])
      .filter((b) => b.slug.startsWith("gen-pub"))
      .map((b) => [b.slug, b.memberCount]),
  );
}

beforeAll(async () => {
  t = await startTestServer({ clock });
  // 40 banks of 3 members (a few paused or gone) and 4 of 40: small counts and large ones.
  await generateDataset(t.db.prisma, { tag: "pub", banks: 40, membersPerBank: 3, transfers: 0, days: 60, end: NOW, seed: 0.31 });
  await generateDataset(t.db.prisma, { tag: "pubbig", banks: 4, membersPerBank: 40, transfers: 0, days: 60, end: NOW, seed: 0.32 });
}, 300_000);
afterAll(() => t.close());

describe("the public member count", () => {
  it("is never 1 or 2, never more than 3 off, and not simply the true count", async () => {
    const truth = await trueCounts();
    const shown = await published();
    expect(shown.size).toBe(44);
    let exact = 0;
    for (const [slug, value] of shown) {
      expect({ slug, value, oneOrTwo: value === 1 || value === 2 }).toEqual({ slug, value, oneOrTwo: false });
      expect(value).toBeGreaterThanOrEqual(0);
      expect(Math.abs(value - truth.get(slug)!)).toBeLessThanOrEqual(3);
      if (value === truth.get(slug)) exact++;
    }
    // 44 banks, most counting 2 or 3 people: if the counts were exact, all 44 would match.
    expect(exact).toBeLessThan(40);
  });

  it("is the same figure however often, and whoever outside the bank asks", async () => {
    const first = await published();
    expect(await published()).toEqual(first);
    const outsider = await t.db.prisma.membership.findFirstOrThrow({ where: { timebank: { slug: "gen-pubbig-1" }, status: "ACTIVE" } });
    const seenByOutsider = await published(tokenFor(outsider.personId));
    for (const [slug, value] of seenByOutsider)
      if (slug !== "gen-pubbig-1") expect({ slug, value }).toEqual({ slug, value: first.get(slug) });
  });

  it("the bank's own members read the exact count of active members", async () => {
    const member = await t.db.prisma.membership.findFirstOrThrow({ where: { timebank: { slug: "gen-pubbig-2" }, status: "ACTIVE" } });
    const exact = await t.db.prisma.membership.count({ where: { timebankId: member.timebankId, status: "ACTIVE" } });
    expect((await published(tokenFor(member.personId))).get("gen-pubbig-2")).toBe(exact);
  });

  it("does not move when a member pauses: the change shows the next day, perturbed afresh", async () => {
    const bank = await t.db.prisma.timebank.findUniqueOrThrow({ where: { slug: "gen-pubbig-3" } });
    const [insider, pausing] = await t.db.prisma.membership.findMany({
      where: { timebankId: bank.id, status: "ACTIVE", memberNumber: { gt: 1 } },
      orderBy: { memberNumber: "asc" },
      take: 2,
    });
    const before = (await published()).get("gen-pubbig-3")!;
    const exactBefore = (await published(tokenFor(insider.personId))).get("gen-pubbig-3")!;
    await t.db.prisma.membership.update({
      where: { timebankId_id: { timebankId: bank.id, id: pausing.id } },
      data: { status: "PAUSED", pausedAt: clock.now() },
    });
    // Outsiders still read this morning's figure; the members see the pause at once.
    expect((await published()).get("gen-pubbig-3")).toBe(before);
    expect((await published(tokenFor(insider.personId))).get("gen-pubbig-3")).toBe(exactBefore - 1);
    // Tomorrow the figure is that of one member fewer, within the table's reach of it.
    clock.advance(DAY);
    const truth = (await trueCounts()).get("gen-pubbig-3")!;
    const after = (await published()).get("gen-pubbig-3")!;
    expect(Math.abs(after - truth)).toBeLessThanOrEqual(3);
  });
});
