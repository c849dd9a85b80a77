// Mutation answers are fresh (issue 22): what a mutation answers, and what the next mutation of
// the same document reads, is the state after the change, in every family of mutations
// (matching, memberships, the ledger, the federation). Before src/context/fresh-answers.ts the
// request's loaders answered with what they had read before the change.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { createInstitution } from "../helpers/federation";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-10-05T09:00:00Z"));
const BANK = "fresh";
let t: TestServer;
let maja: Actor; // the bank's admin
let elseActor: Actor;
let bo: Actor;
let elseId: string;
let boId: string;

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 400 * 86_400 } });
  const admin = await platformAdmin(t);
  maja = await signUp(t, "Maja Admin");
  elseActor = await signUp(t, "Else Requester");
  bo = await signUp(t, "Bo Helper");
  await createBank(t, admin, BANK, maja, { creditFloorMinutes: -600 });
  elseId = await join(elseActor, maja, BANK);
  boId = await join(bo, maja, BANK);
});
afterAll(() => t.close());

it("matching: acceptMatch answers the request as MATCHED, not as it was read before", async () => {
  const created = await elseActor.client.ok(
    `mutation($input: CreatePostInput!) { createPost(timebank: "${BANK}", input: $input) { id status } }`,
    {
      input: { kind: "REQUEST", title: "Weekly shopping", category: "shopping-errands" },
    },
  );
  expect(created.createPost.status).toBe("OPEN");
  const proposed = await elseActor.client.ok(
    `mutation($r: ID!, $c: ID!) { proposeMatch(request: $r, candidate: $c) { ... on Match { id request { status } } } }`,
    { r: created.createPost.id, c: boId },
  );
  expect(proposed.proposeMatch.request.status).toBe("OPEN");
  const accepted = await bo.client.ok(
    `mutation($m: ID!) { acceptMatch(match: $m) { __typename ... on Match { status request { id status } } } }`,
    { m: proposed.proposeMatch.id },
  );
  expect(accepted.acceptMatch).toEqual({
    __typename: "Match",
    status: "ACCEPTED",
    request: { id: created.createPost.id, status: "MATCHED" },
  });
});

it("memberships: the second mutation of a document reads what the first changed", async () => {
  const both = await maja.client.ok(
    `mutation($b: ID!) {
    p: pauseMembership(memberId: $b) { __typename ... on Member { status } ... on ErrorResult { code } }
    r: resumeMembership(memberId: $b) { __typename ... on Member { status } ... on ErrorResult { code } } }`,
    { b: boId },
  );
  expect(both).toEqual({ p: { __typename: "Member", status: "PAUSED" }, r: { __typename: "Member", status: "ACTIVE" } });
});

it("ledger and federation: an account read before an exchange and an ended supervision is answered as it is after them", async () => {
  const prisonId = await createInstitution(maja, "HMP Fresh", "PRISON");
  const joined = await maja.client.ok(
    `mutation($i: ID!) { addInstitutionToBank(input: { timebank: "${BANK}", institutionId: $i }) { __typename ... on InstitutionMembership { status } } }`,
    { i: prisonId },
  );
  expect(joined.addInstitutionToBank).toEqual({ __typename: "InstitutionMembership", status: "ACTIVE" });
  const doc = await maja.client.ok(
    `mutation($b: ID!, $e: ID!, $i: ID!, $k: String!) {
      s: superviseMember(timebank: "${BANK}", memberId: $b, institutionId: $i) { account { balanceMinutes availableMinutes earnedHoursOnly } }
      x: recordExchange(input: { timebank: "${BANK}", giverMemberId: $b, receiverMemberId: $e, minutes: 60, idempotencyKey: $k }) { __typename }
      e: endSupervision(timebank: "${BANK}", memberId: $b) { endedAt }
      p: pauseMembership(memberId: $b) { ... on Member { status account { balanceMinutes availableMinutes earnedHoursOnly } } } }`,
    { b: boId, e: elseId, i: prisonId, k: randomUUID() },
  );
  // Supervised with nothing earned: nothing to give. After earning 60 and the end of supervision: 60 - (-600).
  expect(doc.s.account).toEqual({ balanceMinutes: 0, availableMinutes: 0, earnedHoursOnly: true });
  expect(doc.x.__typename).toBe("Transfer");
  expect(doc.e.endedAt).toBe(clock.now().toISOString());
  expect(doc.p).toEqual({ status: "PAUSED", account: { balanceMinutes: 60, availableMinutes: 660, earnedHoursOnly: false } });
});
