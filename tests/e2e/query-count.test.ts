// A page of members with their profiles, skills, categories and approver, and a page of offers with
// their authors and categories, cost a constant number of SQL statements whatever the page size:
// every relation goes through a per-request DataLoader. Reads also use the read cache (viewer, bank,
// categories: context/read-cache.ts), so each page is measured cold (cache emptied) and warm.
import { randomUUID } from "node:crypto";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordinator: Actor;
let bankId: string;

const PAGE = `query($first: Int) { members(timebank: "big-bank", first: $first) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id memberNumber displayName status role approvedAt
    approvedBy { displayName }
    timebank { slug memberCount }
    profile { bio languages neighbourhood availability { weekday startMinute endMinute } }
    skills { label category { slug name } }
    needs { label category { slug } }
    privateDetails { loginEmail contactPhone accessibilityNeeds }
  } }
} }`;

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Coordinator");
  const bank = await createBank(t, admin, "big-bank", coordinator);
  bankId = bank.id;
  // Bulk members straight into the database: this test is about the read path.
  const categories = await t.db.prisma.category.findMany({ where: { timebankId: bank.id } });
  const people = Array.from({ length: 120 }, (_, i) => ({
    id: randomUUID(),
    email: `m${i}@example.org`,
    displayName: `Member ${i}`,
    passwordHash: "scrypt$1$1$1$AA==$AA==",
  }));
  await t.db.prisma.person.createMany({ data: people });
  const memberships = people.map((p, i) => ({
    id: randomUUID(),
    timebankId: bank.id,
    personId: p.id,
    memberNumber: i + 2,
    status: "ACTIVE" as const,
    approvedById: coordinator.personId,
    approvedAt: new Date(),
    joinedAt: new Date(),
  }));
  await t.db.prisma.membership.createMany({ data: memberships });
  await t.db.prisma.memberProfile.createMany({
    data: memberships.map((m, i) => ({
      timebankId: bank.id,
      membershipId: m.id,
      bio: `bio ${i}`,
      languages: ["en"],
      availability: [{ weekday: 1, startMinute: 600, endMinute: 700 }],
      contactPhone: "+45 1234 5678",
    })),
  });
  await t.db.prisma.memberSkill.createMany({
    data: memberships.flatMap((m, i) => [
      {
        timebankId: bank.id,
        membershipId: m.id,
        kind: "SKILL" as const,
        label: `skill ${i % 7}`,
        categoryId: categories[i % categories.length].id,
      },
      {
        timebankId: bank.id,
        membershipId: m.id,
        kind: "NEED" as const,
        label: `need ${i % 5}`,
        categoryId: categories[(i + 3) % categories.length].id,
      },
    ]),
  });
});
afterAll(() => t.close());

/** Statements for one request; `cold`: with the read cache emptied first. */
async function statementsFor(first: number, cold = true): Promise<number> {
  if (cold) t.app.readCache.invalidate();
  const before = t.db.queryCount();
  const data = await coordinator.client.ok(PAGE, { first });
  const used = t.db.queryCount() - before;
  expect(data.members.edges).toHaveLength(first);
  expect(data.members.edges[first - 1].node.skills[0].category).toEqual(expect.objectContaining({ slug: expect.any(String) }));
  expect(data.members.edges[first - 1].node.privateDetails.contactPhone).toBe("+45 1234 5678");
  return used;
}

describe("member list query count", () => {
  it("is the same for a page of 10 and a page of 100", async () => {
    const ten = await statementsFor(10);
    const hundred = await statementsFor(100);
    expect(hundred).toBe(ten);
    // viewer (person, memberships), bank by slug, page, count, then one batch each: persons,
    // profiles, skills, categories, approvers, banks, member counts.
    expect(hundred).toBeLessThanOrEqual(12);
    expect(ten).toBeGreaterThanOrEqual(8); // the counter really counts
  });

  it("is smaller with the read cache warm, and still the same for 10 and 100", async () => {
    const cold = await statementsFor(10);
    const ten = await statementsFor(10, false);
    const hundred = await statementsFor(100, false);
    expect(hundred).toBe(ten);
    // The viewer (2 statements) and the bank come from the cache.
    expect(ten).toBeLessThanOrEqual(cold - 3);
  });
});

const OFFERS = `query($first: Int) { posts(timebank: "big-bank", filter: { kind: OFFER }, first: $first) {
  nodes { id title expectedMinutes author { id memberNumber displayName } category { id name } }
} }`;

describe("offer list query count", () => {
  beforeAll(async () => {
    // 60 offers by 60 different members, straight into the database.
    const members = await t.db.prisma.membership.findMany({
      where: { timebankId: bankId, memberNumber: { gt: 1 } },
      orderBy: { memberNumber: "asc" },
      take: 60,
    });
    const categories = await t.db.prisma.category.findMany({ where: { timebankId: bankId } });
    const now = Date.now();
    await t.db.prisma.post.createMany({
      data: members.map((m, i) => ({
        timebankId: bankId,
        authorId: m.id,
        kind: "OFFER" as const,
        title: `Offer ${i}`,
        categoryId: categories[i % categories.length].id,
        createdAt: new Date(now - i * 60_000),
        updatedAt: new Date(now - i * 60_000),
      })),
    });
  });

  async function offerStatements(first: number, cold = true): Promise<number> {
    if (cold) t.app.readCache.invalidate();
    const before = t.db.queryCount();
    const data = await coordinator.client.ok(OFFERS, { first });
    const used = t.db.queryCount() - before;
    expect(data.posts.nodes).toHaveLength(first);
    const authors = new Set(data.posts.nodes.map((p: { author: { id: string } }) => p.author.id));
    expect(authors.size).toBe(first); // every offer has its own author: an N+1 would show
    expect(data.posts.nodes[first - 1].author.displayName).toMatch(/^Member /);
    expect(data.posts.nodes[first - 1].category.name).toEqual(expect.any(String));
    return used;
  }

  it("is the same for a page of 5 and a page of 50, cold and warm", async () => {
    const five = await offerStatements(5);
    const fifty = await offerStatements(50);
    expect(fifty).toBe(five);
    // viewer (2), bank, the page with its authors and their names, categories.
    expect(fifty).toBeLessThanOrEqual(5);
    const warmFive = await offerStatements(5, false);
    const warmFifty = await offerStatements(50, false);
    expect(warmFifty).toBe(warmFive);
    // Warm: one statement, the page with its authors; viewer, bank and categories are cached.
    expect(warmFifty).toBe(1);
  });
});

describe("a member with their account, offers and transfers (bench:read's Q2)", () => {
  it("costs one statement per root field, the member and their account in one, and answers as before", async () => {
    // A member with an account (the bulk members above have none) and one without.
    const account = await t.db.prisma.account.findFirstOrThrow({ where: { timebankId: bankId, kind: "MEMBER" } });
    const member = await t.db.prisma.membership.findFirstOrThrow({
      where: { timebankId: bankId, id: account.membershipId! },
      include: { person: true },
    });
    const without = await t.db.prisma.membership.findFirstOrThrow({ where: { timebankId: bankId, memberNumber: 2 } });
    const Q = `query($id: ID!) { member(id: $id) { id displayName account { id balanceMinutes floorMinutes openedAt } } }`;
    await coordinator.client.ok(`{ __typename }`); // the viewer in the read cache
    const before = t.db.queryCount();
    const data = await coordinator.client.ok(Q, { id: member.id });
    expect(t.db.queryCount() - before).toBe(1);
    expect(data.member).toEqual({
      id: member.id,
      displayName: member.person.displayName,
      account: {
        id: account.id,
        balanceMinutes: account.balanceMinutes,
        floorMinutes: account.floorMinutes,
        openedAt: account.openedAt.toISOString(),
      },
    });
    expect((await coordinator.client.ok(Q, { id: without.id })).member).toEqual({ id: without.id, displayName: "Member 0", account: null });
    // Unknown ids and members of other banks stay NOT_FOUND, with the same one statement.
    expect(await coordinator.client.errorCode(Q, { id: randomUUID() })).toBe("NOT_FOUND");
    // Without `account` in the selection, the member is read alone, as before.
    const plain = await coordinator.client.ok(`query($id: ID!) { member(id: $id) { id } }`, { id: member.id });
    expect(plain.member.id).toBe(member.id);
  });
});
