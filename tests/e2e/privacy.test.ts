// Nothing of one bank is visible to another; private details stay with the member and the coordinators.
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordA: Actor;
let coordB: Actor;
let memberA: Actor;
let otherA: Actor;
let memberB: Actor;
let memberAId: string;
let memberBId: string;
let applicantBId: string;

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  coordA = await signUp(t, "Coordinator A");
  coordB = await signUp(t, "Coordinator B");
  await createBank(t, admin, "bank-a", coordA);
  await createBank(t, admin, "bank-b", coordB);
  memberA = await signUp(t, "Member A");
  otherA = await signUp(t, "Other A");
  memberB = await signUp(t, "Member B");
  memberAId = await join(memberA, coordA, "bank-a");
  await join(otherA, coordA, "bank-a");
  memberBId = await join(memberB, coordB, "bank-b");
  await memberB.client.ok(
    `mutation { updateMyProfile(timebank: "bank-b", input: { contactPhone: "+44 1452 000000", accessibilityNeeds: "wheelchair user" }) { id } }`,
  );
  await memberA.client.ok(
    `mutation { updateMyProfile(timebank: "bank-a", input: { contactPhone: "+45 11 22 33 44", contactEmail: "a@home.example" }) { id } }`,
  );
  const applicant = await signUp(t, "Applicant B");
  const applied = await applicant.client.ok(`mutation { applyToTimebank(timebank: "bank-b") { ... on Member { id } } }`);
  applicantBId = applied.applyToTimebank.id;
});
afterAll(() => t.close());

describe("tenant isolation and private details", () => {
  it("a member of bank A cannot list or read bank B's members", async () => {
    expect(await memberA.client.errorCode(`{ members(timebank: "bank-b") { totalCount } }`)).toBe("NOT_FOUND");
    expect(await memberA.client.errorCode(`query($id: ID!) { member(id: $id) { id displayName } }`, { id: memberBId })).toBe("NOT_FOUND");
    // Even a coordinator of bank A is an outsider in bank B.
    expect(
      await coordA.client.errorCode(`query($id: ID!) { member(id: $id) { privateDetails { contactPhone } } }`, { id: memberBId }),
    ).toBe("NOT_FOUND");
  });

  it("a coordinator of bank A cannot approve, decline, pause or promote in bank B, and nothing changes", async () => {
    const before = await t.db.prisma.membership.findMany({ where: { id: { in: [applicantBId, memberBId] } }, orderBy: { id: "asc" } });
    for (const op of ["approveMembership", "declineMembership", "pauseMembership", "resumeMembership"]) {
      expect(
        await coordA.client.errorCode(`mutation($id: ID!) { ${op}(memberId: $id) { __typename } }`, {
          id: op === "approveMembership" || op === "declineMembership" ? applicantBId : memberBId,
        }),
      ).toBe("NOT_FOUND");
    }
    expect(
      await coordA.client.errorCode(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: ADMIN) { __typename } }`, {
        id: memberBId,
      }),
    ).toBe("NOT_FOUND");
    expect(
      await coordA.client.errorCode(`mutation { updateTimebankSettings(timebank: "bank-b", input: { creditFloorMinutes: -60 }) { id } }`),
    ).toBe("NOT_FOUND");
    const after = await t.db.prisma.membership.findMany({ where: { id: { in: [applicantBId, memberBId] } }, orderBy: { id: "asc" } });
    expect(after).toEqual(before);
  });

  it("within a bank, members see each other but not contact details or accessibility needs", async () => {
    const seen = await otherA.client.ok(`query($id: ID!) { member(id: $id) { displayName privateDetails { contactPhone } } }`, {
      id: memberAId,
    });
    expect(seen.member).toEqual({ displayName: "Member A", privateDetails: null });
    const list = await otherA.client.ok(
      `{ members(timebank: "bank-a", first: 100) { nodes { displayName privateDetails { loginEmail } } } }`,
    );
    // Only the viewer's own entry carries private details.
    const withDetails = list.members.nodes.filter((n: { privateDetails: unknown }) => n.privateDetails !== null);
    expect(withDetails).toEqual([{ displayName: "Other A", privateDetails: { loginEmail: otherA.email } }]);
  });

  it("the member and the bank's coordinators see the private details", async () => {
    const own = await memberA.client.ok(`query($id: ID!) { member(id: $id) { privateDetails { contactPhone contactEmail } } }`, {
      id: memberAId,
    });
    expect(own.member.privateDetails).toEqual({ contactPhone: "+45 11 22 33 44", contactEmail: "a@home.example" });
    const staff = await coordB.client.ok(`query($id: ID!) { member(id: $id) { privateDetails { contactPhone accessibilityNeeds } } }`, {
      id: memberBId,
    });
    expect(staff.member.privateDetails).toEqual({ contactPhone: "+44 1452 000000", accessibilityNeeds: "wheelchair user" });
  });

  it("a member cannot list applications, and an applicant cannot list members yet", async () => {
    expect(await memberB.client.errorCode(`{ members(timebank: "bank-b", filter: { status: APPLIED }) { totalCount } }`)).toBe("FORBIDDEN");
    const applicant = await signUp(t, "Fresh Applicant");
    await applicant.client.ok(`mutation { applyToTimebank(timebank: "bank-a") { __typename } }`);
    expect(await applicant.client.errorCode(`{ members(timebank: "bank-a") { totalCount } }`)).toBe("NOT_FOUND");
  });

  it("anonymous visitors see the directory only", async () => {
    expect((await t.client.ok(`{ timebanks { slug } }`)).timebanks.map((b: { slug: string }) => b.slug).sort()).toEqual([
      "bank-a",
      "bank-b",
    ]);
    expect(await t.client.errorCode(`{ members(timebank: "bank-a") { totalCount } }`)).toBe("UNAUTHENTICATED");
    expect(await t.client.errorCode(`{ me { id } }`)).toBe("UNAUTHENTICATED");
  });
});
