// A page of members with their profiles, skills, categories and approver costs a constant number
// of SQL statements, whatever the page size: every relation goes through a per-request DataLoader.
import { randomUUID } from "node:crypto";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordinator: Actor;

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
  // Bulk members straight into the database: this test is about the read path.
  const categories = await t.db.prisma.category.findMany({ where: { timebankId: bank.id } });
  const people = Array.from({ length: 120 }, (_, i) => ({ id: randomUUID(), email: `m${i}@example.org`, displayName: `Member ${i}`, passwordHash: "scrypt$1$1$1$AA==$AA==" }));
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
    data: memberships.map((m, i) => ({ timebankId: bank.id, membershipId: m.id, bio: `bio ${i}`, languages: ["en"], availability: [{ weekday: 1, startMinute: 600, endMinute: 700 }], contactPhone: "+45 1234 5678" })),
  });
  await t.db.prisma.memberSkill.createMany({
    data: memberships.flatMap((m, i) => [
      { timebankId: bank.id, membershipId: m.id, kind: "SKILL" as const, label: `skill ${i % 7}`, categoryId: categories[i % categories.length].id },
      { timebankId: bank.id, membershipId: m.id, kind: "NEED" as const, label: `need ${i % 5}`, categoryId: categories[(i + 3) % categories.length].id },
    ]),
  });
});
afterAll(() => t.close());

async function statementsFor(first: number): Promise<number> {
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
    // viewer, bank by slug, page, count, then one batch each: persons, profiles, skills,
    // categories, approvers, banks, member counts.
    expect(hundred).toBeLessThanOrEqual(12);
    expect(ten).toBeGreaterThanOrEqual(8); // the counter really counts
  });
});
