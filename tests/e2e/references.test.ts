// Issue 18, items 4 and 6: ids that point at other records point inside the operation's bank,
// and a lookup by id answers another bank's real id exactly as it answers an id that names
// nothing (no existence oracle), for an admin of another bank and for a declined applicant.
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let adminA: Actor;
let adminB: Actor;
let declined: Actor;
let memberA1: string;
let memberA2: string;
let postA: string;
let postB: string;
/** Real ids of bank B's records, by the mutation that takes them. */
const idsOfB: Record<string, string> = {};

beforeAll(async () => {
  // The dates below (an interview in 2030, work on 2026-01-05) are checked against this day.
  t = await startTestServer({ clock: new ManualClock(new Date("2026-03-02T10:00:00Z")) });
  const platform = await platformAdmin(t);
  adminA = await signUp(t, "Admin A");
  adminB = await signUp(t, "Admin B");
  await createBank(t, platform, "bank-a", adminA);
  await createBank(t, platform, "bank-b", adminB);
  const a1 = await signUp(t, "Anna");
  const a2 = await signUp(t, "Arne");
  memberA1 = await join(a1, adminA, "bank-a");
  memberA2 = await join(a2, adminA, "bank-a");
  postA = (await a1.client.ok(`mutation { createPost(timebank: "bank-a", input: { kind: OFFER, title: "Bread" }) { id } }`)).createPost.id;

  const b1 = await signUp(t, "Bodil");
  const b1Id = await join(b1, adminB, "bank-b");
  const b2 = await signUp(t, "Bjorn");
  const b2Id = await join(b2, adminB, "bank-b");
  postB = (await b1.client.ok(`mutation { createPost(timebank: "bank-b", input: { kind: OFFER, title: "Soup" }) { id } }`)).createPost.id;
  // An applicant of B with an interview and a reference; a helper authorisation and a mentor pairing.
  const applicant = await signUp(t, "Birte Applicant");
  const applied = await applicant.client.ok(`mutation { applyToTimebank(timebank: "bank-b") { ... on Member { id } } }`);
  const applicantId = applied.applyToTimebank.id;
  idsOfB.recordInterview = (
    await adminB.client.ok(`mutation($m: ID!) { scheduleInterview(memberId: $m, scheduledAt: "2030-01-01T10:00:00Z") { id } }`, {
      m: applicantId,
    })
  ).scheduleInterview.id;
  idsOfB.checkReference = (
    await adminB.client.ok(`mutation($m: ID!) { addReference(memberId: $m, input: { name: "A Neighbour" }) { id } }`, { m: applicantId })
  ).addReference.id;
  idsOfB.revokeHelper = (
    await b1.client.ok(`mutation($m: ID!, $h: ID!) { authoriseHelper(memberId: $m, helperId: $h) { id } }`, { m: b1Id, h: b2Id })
  ).authoriseHelper.id;
  idsOfB.endMentorPairing = (
    await adminB.client.ok(`mutation($m: ID!, $n: ID!) { pairMentor(mentorId: $m, newcomerId: $n) { id } }`, { m: b1Id, n: b2Id })
  ).pairMentor.id;

  // Someone bank B declined: their scope must not keep bank B.
  declined = await signUp(t, "Dora Declined");
  const dApplied = await declined.client.ok(`mutation { applyToTimebank(timebank: "bank-b") { ... on Member { id } } }`);
  await adminB.client.ok(`mutation($id: ID!) { declineMembership(memberId: $id) { __typename } }`, { id: dApplied.applyToTimebank.id });
});
afterAll(() => t.close());

describe("references stay inside the bank", () => {
  const RECORD = `mutation($g: ID!, $r: ID!, $p: ID, $k: String!) { recordExchange(input: { timebank: "bank-a", giverMemberId: $g, receiverMemberId: $r, minutes: 30, relatedPostId: $p, idempotencyKey: $k }) { __typename } }`;

  it("refuses another bank's post and a post that does not exist, alike, and records nothing", async () => {
    const before = await t.db.prisma.transfer.count();
    const foreign = await adminA.client.request(RECORD, { g: memberA1, r: memberA2, p: postB, k: "ref-1" });
    const random = await adminA.client.request(RECORD, { g: memberA1, r: memberA2, p: randomUUID(), k: "ref-2" });
    expect(foreign.errors?.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(random.errors?.map((e) => [e.extensions?.code, e.message])).toEqual(foreign.errors?.map((e) => [e.extensions?.code, e.message]));
    expect(await t.db.prisma.transfer.count()).toBe(before);
  });

  it("accepts the bank's own post", async () => {
    const res = await adminA.client.ok(RECORD, { g: memberA1, r: memberA2, p: postA, k: "ref-3" });
    expect(res.recordExchange.__typename).toBe("Transfer");
  });
});

describe("no existence oracles", () => {
  const LOOKUPS: Record<string, string> = {
    recordInterview: `mutation($id: ID!) { recordInterview(interviewId: $id, notes: "x") { id } }`,
    checkReference: `mutation($id: ID!) { checkReference(referenceId: $id) { id } }`,
    revokeHelper: `mutation($id: ID!) { revokeHelper(authorisationId: $id) { id } }`,
    endMentorPairing: `mutation($id: ID!) { endMentorPairing(pairingId: $id) { id } }`,
    updateWorkLog: `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-01-05", minutes: 30 }) { __typename } }`,
    deleteWorkLog: `mutation($id: ID!) { deleteWorkLog(id: $id) { __typename } }`,
  };
  const answer = (res: { errors?: { message: string; extensions?: { code?: string } }[]; data?: unknown }) =>
    JSON.stringify({ errors: res.errors?.map((e) => [e.extensions?.code, e.message]), data: res.data ?? null });

  it.each(Object.keys(LOOKUPS))("%s answers another bank's id as it answers a random one", async (name) => {
    const realId = idsOfB[name] ?? randomUUID();
    for (const caller of [adminA, declined]) {
      const foreign = await caller.client.request(LOOKUPS[name], { id: realId });
      const random = await caller.client.request(LOOKUPS[name], { id: randomUUID() });
      expect(foreign.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      expect(answer(foreign)).toBe(answer(random));
    }
  });
});
