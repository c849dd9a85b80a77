// Real-time for members: a neighbour's request appears at once on the screens of members who
// could help (and not in another bank), a proposed helper is told, hours arriving and exchanges
// waiting for confirmation are announced — each delivered over graphql-ws from a mutation made
// over HTTP.
import { randomUUID } from "node:crypto";
import { startTestServer, type TestServer } from "../helpers/server";
import { connect, waitForStreams, type Connection } from "../helpers/subscriptions";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let maja: Actor;
let ahmad: Actor;
let else_: Actor;
let outsider: Actor;
let ahmadId: string;
let elseId: string;
const connections: Connection[] = [];
const open = (a: Actor) => {
  const c = connect(t.url, a.token);
  connections.push(c);
  return c;
};

beforeAll(async () => {
  t = await startTestServer({ config: { outboxPollMs: 50 } });
  const admin = await platformAdmin(t);
  maja = await signUp(t, "Maja Coordinator");
  await createBank(t, admin, "aarhus", maja);
  const other = await signUp(t, "Other Admin");
  await createBank(t, admin, "odense", other);
  ahmad = await signUp(t, "Ahmad");
  else_ = await signUp(t, "Else");
  ahmadId = await join(ahmad, maja, "aarhus");
  elseId = await join(else_, maja, "aarhus");
  outsider = await signUp(t, "Olaf Outsider");
  await join(outsider, other, "odense");
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.dispose()));
  // The server ends the streams of closed sockets: the next test counts its own only.
  for (let i = 0; t.app.events.openStreams.size > 0; i++) {
    if (i > 500) throw new Error(`${t.app.events.openStreams.size} event streams still open after their sockets closed`);
    await new Promise((r) => setTimeout(r, 10));
  }
});
afterAll(() => t.close());

const REQUEST_POSTED = `subscription($b: String!, $f: RequestPostedFilter) { requestPosted(timebank: $b, filter: $f) { eventId postId } }`;

describe("real-time for members", () => {
  it("a new request reaches members whose filter it matches, not others, and not another bank", async () => {
    const shopping = open(ahmad).subscribe(REQUEST_POSTED, { b: "aarhus", f: { categories: ["shopping-errands"] } });
    const everything = open(maja).subscribe(REQUEST_POSTED, { b: "aarhus" });
    const gardening = open(ahmad).subscribe(REQUEST_POSTED, { b: "aarhus", f: { categories: ["gardening"] } });
    const outsiderTry = open(outsider).subscribe(REQUEST_POSTED, { b: "aarhus" });
    await outsiderTry.waitForEnd();
    expect(outsiderTry.errors[0].extensions?.code).toBe("NOT_FOUND");
    const badFilter = open(ahmad).subscribe(REQUEST_POSTED, { b: "aarhus", f: { categories: ["no-such-thing"] } });
    await badFilter.waitForEnd();
    expect(badFilter.errors[0].extensions?.code).toBe("BAD_USER_INPUT");
    await waitForStreams(t.app, 3);

    const created = await else_.client.ok(
      `mutation { createPost(timebank: "aarhus", input: { kind: REQUEST, title: "Weekly shopping", category: "shopping-errands" }) { id } }`,
    );
    // An offer is not a request: nobody is told.
    await else_.client.ok(
      `mutation { createPost(timebank: "aarhus", input: { kind: OFFER, title: "Knitting lessons", category: "handicrafts" }) { id } }`,
    );

    await shopping.waitForEvents(1);
    await everything.waitForEvents(1);
    expect(shopping.events.map((e) => e.requestPosted.postId)).toEqual([created.createPost.id]);
    expect(everything.events.map((e) => e.requestPosted.postId)).toEqual([created.createPost.id]);
    // Give a wrongly delivered event the time to arrive before saying none did.
    await new Promise((r) => setTimeout(r, 300));
    expect(gardening.events).toEqual([]);
    expect(everything.events).toHaveLength(1);
  });

  it("the proposed helper is told; the requester's screen is not", async () => {
    const request = await else_.client.ok(
      `mutation { createPost(timebank: "aarhus", input: { kind: REQUEST, title: "Translate a letter", category: "translation-letters" }) { id } }`,
    );
    const Q = `subscription { matchProposed(timebank: "aarhus") { eventId matchId requestId } }`;
    const ahmadScreen = open(ahmad).subscribe(Q);
    const elseScreen = open(else_).subscribe(Q);
    await waitForStreams(t.app, 2);
    const proposed = await maja.client.ok(
      `mutation($r: ID!, $c: ID!) { proposeMatch(request: $r, candidate: $c) { __typename ... on Match { id } ... on ErrorResult { code message } } }`,
      {
        r: request.createPost.id,
        c: ahmadId,
      },
    );
    expect(proposed.proposeMatch.__typename).toBe("Match");
    await ahmadScreen.waitForEvents(1);
    expect(ahmadScreen.events[0].matchProposed).toMatchObject({ matchId: proposed.proposeMatch.id, requestId: request.createPost.id });
    await new Promise((r) => setTimeout(r, 300));
    expect(elseScreen.events).toEqual([]);
  });

  it("hours arriving and an exchange waiting for confirmation are announced to the right member", async () => {
    const RECEIVED = `subscription { transferReceived(timebank: "aarhus") { eventId transferId accountId minutes } }`;
    const WAITING = `subscription { exchangeAwaitingConfirmation(timebank: "aarhus") { eventId transferId } }`;
    const ahmadReceived = open(ahmad).subscribe(RECEIVED);
    const elseReceived = open(else_).subscribe(RECEIVED);
    const elseWaiting = open(else_).subscribe(WAITING);
    const ahmadWaiting = open(ahmad).subscribe(WAITING);
    await waitForStreams(t.app, 4);

    // A coordinator records Ahmad helping Else: posted at once, Ahmad is credited.
    const posted = await maja.client.ok(
      `mutation($g: ID!, $r: ID!, $k: String!) { recordExchange(input: { timebank: "aarhus", giverMemberId: $g, receiverMemberId: $r, minutes: 60, idempotencyKey: $k }) { __typename ... on Transfer { id status } } }`,
      { g: ahmadId, r: elseId, k: randomUUID() },
    );
    expect(posted.recordExchange).toMatchObject({ __typename: "Transfer", status: "POSTED" });
    await ahmadReceived.waitForEvents(1);
    expect(ahmadReceived.events[0].transferReceived).toMatchObject({ transferId: posted.recordExchange.id, minutes: 60 });

    // Ahmad records that he helped Else again: Else is asked to confirm; when she does, Ahmad hears of the hours.
    const pending = await ahmad.client.ok(
      `mutation($g: ID!, $r: ID!, $k: String!) { recordExchange(input: { timebank: "aarhus", giverMemberId: $g, receiverMemberId: $r, minutes: 30, idempotencyKey: $k }) { __typename ... on Transfer { id status } } }`,
      { g: ahmadId, r: elseId, k: randomUUID() },
    );
    expect(pending.recordExchange.status).toBe("PENDING");
    await elseWaiting.waitForEvents(1);
    expect(elseWaiting.events[0].exchangeAwaitingConfirmation.transferId).toBe(pending.recordExchange.id);
    await else_.client.ok(`mutation($id: ID!) { confirmExchange(transferId: $id) { __typename } }`, { id: pending.recordExchange.id });
    await ahmadReceived.waitForEvents(2);
    expect(ahmadReceived.events[1].transferReceived).toMatchObject({ transferId: pending.recordExchange.id, minutes: 30 });

    await new Promise((r) => setTimeout(r, 300));
    expect(elseReceived.events).toEqual([]);
    expect(ahmadWaiting.events).toEqual([]);
  });
});

describe("real-time across banks", () => {
  it("both banks' coordinators and the recipient hear of an inter-bank transfer; other members do not", async () => {
    const admin = await platformAdmin(t);
    const fay = await signUp(t, "Fay Families Admin");
    await createBank(t, admin, "families", fay);
    const emma = await signUp(t, "Emma");
    const emmaId = await join(emma, fay, "families");
    const bystander = await signUp(t, "Bystander");
    await join(bystander, fay, "families");
    const proposed = await maja.client.ok(
      `mutation { proposePartnership(input: { timebank: "aarhus", partnerBank: "families", purposes: [FAMILY_SUPPORT], outgoingCapMinutes: 600, incomingCapMinutes: 600, incomingNeedsAcceptance: true }) { __typename ... on Partnership { id } ... on ErrorResult { code message } } }`,
    );
    expect(proposed.proposePartnership.__typename).toBe("Partnership");
    const accepted = await fay.client.ok(`mutation($id: ID!) { acceptPartnership(id: $id) { __typename } }`, {
      id: proposed.proposePartnership.id,
    });
    expect(accepted.acceptPartnership.__typename).toBe("Partnership");

    const Q = (bank: string) => `subscription { interBankTransferChanged(timebank: "${bank}") { eventId interBankTransferId status } }`;
    const majaScreen = open(maja).subscribe(Q("aarhus"));
    const fayScreen = open(fay).subscribe(Q("families"));
    const emmaScreen = open(emma).subscribe(Q("families"));
    const bystanderScreen = open(bystander).subscribe(Q("families"));
    await waitForStreams(t.app, 4);

    // Ahmad has hours from the earlier story; he sends one to Emma in the partner bank.
    const account = await ahmad.client.ok(`{ myAccounts(timebank: "aarhus") { id balanceMinutes } }`);
    expect(account.myAccounts[0].balanceMinutes).toBeGreaterThanOrEqual(60);
    const sent = await ahmad.client.ok(
      `mutation($from: ID!, $to: ID!, $k: String!) { sendHoursToOtherBank(input: { from: $from, toBank: "families", toMember: $to, minutes: 60, purpose: FAMILY_SUPPORT, idempotencyKey: $k }) { __typename ... on InterBankTransfer { id status } ... on ErrorResult { code message } } }`,
      { from: account.myAccounts[0].id, to: emmaId, k: randomUUID() },
    );
    expect(sent.sendHoursToOtherBank).toMatchObject({ __typename: "InterBankTransfer", status: "PENDING_ACCEPTANCE" });
    await majaScreen.waitForEvents(1);
    await fayScreen.waitForEvents(1);
    await emmaScreen.waitForEvents(1);
    expect(fayScreen.events[0].interBankTransferChanged).toMatchObject({
      interBankTransferId: sent.sendHoursToOtherBank.id,
      status: "PENDING_ACCEPTANCE",
    });

    await fay.client.ok(`mutation($id: ID!) { acceptInterBankTransfer(id: $id) { __typename } }`, { id: sent.sendHoursToOtherBank.id });
    await emmaScreen.waitForEvents(2);
    expect(emmaScreen.events[1].interBankTransferChanged.status).toBe("POSTED");
    await majaScreen.waitForEvents(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(bystanderScreen.events).toEqual([]);
  });
});
