// One idempotency space per bank (issue 21, docs/ledger.md "Idempotency"): a key used in a bank by
// any transfer-creating request (a local transfer, a refused request, an inter-bank transfer sent
// from the bank) answers every later request with that key in that bank: the first result for
// the same request, IDEMPOTENCY_KEY_REUSED for any other, whoever sends it. Every ordered pair of
// kinds is tried, each on a fresh key. Transfers show their key to whoever may see them, and an
// inter-bank send answers with both legs.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { partnershipMutation, propose } from "../helpers/federation";
import { myAccount } from "../helpers/ledger";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordinator: Actor;
let giver: Actor & { memberId: string; accountId: string };
let receiver: Actor & { memberId: string };
let abroad: Actor & { memberId: string };

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Kira Coordinator");
  const other = await signUp(t, "Otto Coordinator");
  await createBank(t, admin, "keys", coordinator, { creditFloorMinutes: -300, balanceCeilingMinutes: 3000 });
  await createBank(t, admin, "abroad", other);
  const person = async (name: string, slug: string, by: Actor) => {
    const actor = await signUp(t, name);
    const memberId = await join(actor, by, slug);
    return { ...actor, memberId, accountId: (await myAccount(actor, slug)).id as string };
  };
  giver = await person("Gina Giver", "keys", coordinator);
  receiver = await person("Rolf Receiver", "keys", coordinator);
  abroad = await person("Anna Abroad", "abroad", other);
  const p = await propose(coordinator, {
    timebank: "keys",
    partnerBank: "abroad",
    purposes: ["GENERAL"],
    outgoingCapMinutes: 6000,
    incomingCapMinutes: 6000,
    incomingNeedsAcceptance: false,
  });
  expect(await partnershipMutation(other, "acceptPartnership", p.id)).toMatchObject({ status: "ACTIVE" });
}, 180_000);
afterAll(async () => {
  const report = await verifyLedger(t.db.prisma);
  await t.close();
  expect(report.problems).toEqual([]);
});

type Kind = "giveHours" | "donateToPot" | "recordExchange" | "payFromPot" | "refusedGift" | "sendHoursToOtherBank" | "refusedSend";
const KINDS: Kind[] = ["giveHours", "donateToPot", "recordExchange", "payFromPot", "refusedGift", "sendHoursToOtherBank", "refusedSend"];
const ANSWER = `__typename ... on ErrorResult { code } ... on Transfer { id idempotencyKey }`;
const SEND_ANSWER = `__typename ... on ErrorResult { code } ... on InterBankTransfer { id idempotencyKey }`;

/** One request of a kind under a key; `minutes` varies the payload. Small amounts keep every account far from its limits. */
function request(kind: Kind, key: string, minutes: number) {
  switch (kind) {
    case "giveHours":
      return giver.client.request(`mutation($i: GiveHoursInput!) { r: giveHours(input: $i) { ${ANSWER} } }`, {
        i: { timebank: "keys", toMemberId: receiver.memberId, minutes, idempotencyKey: key },
      });
    case "refusedGift": // beyond the floor: refused, and the refusal is kept under the key
      return giver.client.request(`mutation($i: GiveHoursInput!) { r: giveHours(input: $i) { ${ANSWER} } }`, {
        i: { timebank: "keys", toMemberId: receiver.memberId, minutes: 1200 + minutes, idempotencyKey: key },
      });
    case "donateToPot":
      return giver.client.request(`mutation($i: DonateToPotInput!) { r: donateToPot(input: $i) { ${ANSWER} } }`, {
        i: { timebank: "keys", minutes, idempotencyKey: key },
      });
    case "recordExchange":
      return coordinator.client.request(`mutation($i: RecordExchangeInput!) { r: recordExchange(input: $i) { ${ANSWER} } }`, {
        i: { timebank: "keys", giverMemberId: receiver.memberId, receiverMemberId: giver.memberId, minutes, idempotencyKey: key },
      });
    case "payFromPot":
      return coordinator.client.request(`mutation($i: PayFromPotInput!) { r: payFromPot(input: $i) { ${ANSWER} } }`, {
        i: { timebank: "keys", toMemberId: giver.memberId, minutes, idempotencyKey: key },
      });
    case "sendHoursToOtherBank":
      return giver.client.request(`mutation($i: SendHoursToOtherBankInput!) { r: sendHoursToOtherBank(input: $i) { ${SEND_ANSWER} } }`, {
        i: { from: giver.accountId, toBank: "abroad", toMember: abroad.memberId, minutes, purpose: "GENERAL", idempotencyKey: key },
      });
    case "refusedSend": // beyond the sender's floor: refused, kept under the key
      return giver.client.request(`mutation($i: SendHoursToOtherBankInput!) { r: sendHoursToOtherBank(input: $i) { ${SEND_ANSWER} } }`, {
        i: {
          from: giver.accountId,
          toBank: "abroad",
          toMember: abroad.memberId,
          minutes: 1200 + minutes,
          purpose: "GENERAL",
          idempotencyKey: key,
        },
      });
  }
}

const refused = (k: Kind) => k === "refusedGift" || k === "refusedSend";

describe("one idempotency space per bank", () => {
  for (const first of KINDS) {
    it(`a key first used by ${first} is refused to every other kind, and answers ${first} again`, async () => {
      for (const second of KINDS) {
        const key = `pair-${randomUUID()}`;
        const a = await request(first, key, 2);
        expect(a.errors).toBeUndefined();
        if (refused(first)) expect(a.data.r.code).toBe("INSUFFICIENT_BALANCE");
        else expect(a.data.r.idempotencyKey).toBe(key);
        // The same request again: the first answer.
        expect((await request(first, key, 2)).data.r).toEqual(a.data.r);
        // Another request under the key (another kind, or the same kind with another payload).
        const b = await request(second, key, 3);
        expect({ first, second, code: b.errors?.[0]?.extensions?.code }).toEqual({ first, second, code: "IDEMPOTENCY_KEY_REUSED" });
      }
    }, 120_000);
  }

  it("a key is per bank: the same key in another bank is a new request", async () => {
    const key = `bank-${randomUUID()}`;
    const here = await request("giveHours", key, 1);
    const there = await abroad.client.request(`mutation($i: DonateToPotInput!) { r: donateToPot(input: $i) { ${ANSWER} } }`, {
      i: { timebank: "abroad", minutes: 1, idempotencyKey: key },
    });
    expect(here.data.r.__typename).toBe("Transfer");
    expect(there.data.r).toMatchObject({ __typename: "Transfer", idempotencyKey: key });
    expect(there.data.r.id).not.toBe(here.data.r.id);
  });
});

describe("reconciling with the key", () => {
  it("an inter-bank send answers with its key and both legs; the receiving side sees the legs but not the sender's key", async () => {
    const key = `legs-${randomUUID()}`;
    const sent = await giver.client.ok(
      `mutation($i: SendHoursToOtherBankInput!) { r: sendHoursToOtherBank(input: $i) { __typename ... on InterBankTransfer { id status idempotencyKey legTransferId
        legs { transferId source status minutes idempotencyKey sequence postedAt bank { slug } } } } }`,
      { i: { from: giver.accountId, toBank: "abroad", toMember: abroad.memberId, minutes: 4, purpose: "GENERAL", idempotencyKey: key } },
    );
    const ibt = sent.r;
    expect(ibt).toMatchObject({ __typename: "InterBankTransfer", status: "POSTED", idempotencyKey: key });
    expect(ibt.legs).toHaveLength(2);
    expect(ibt.legs.map((l: { source: boolean; bank: { slug: string } }) => [l.source, l.bank.slug])).toEqual([
      [true, "keys"],
      [false, "abroad"],
    ]);
    for (const l of ibt.legs) expect(l).toMatchObject({ status: "POSTED", minutes: 4, idempotencyKey: `inter-bank:${ibt.id}` });
    expect(ibt.legs[0].transferId).toBe(ibt.legTransferId);
    // The receiver's view: the same legs, no sender's key.
    const seen = await abroad.client.ok(
      `query($id: ID!) { interBankTransfer(id: $id) { idempotencyKey legTransferId legs { transferId } } }`,
      { id: ibt.id },
    );
    expect(seen.interBankTransfer.idempotencyKey).toBeNull();
    expect(seen.interBankTransfer.legTransferId).toBe(ibt.legs[1].transferId);
    expect(seen.interBankTransfer.legs.map((l: { transferId: string }) => l.transferId)).toEqual(
      ibt.legs.map((l: { transferId: string }) => l.transferId),
    );
  });

  it("a member's transfers page shows each transfer's key, newest commit first", async () => {
    const keys = [`page-${randomUUID()}`, `page-${randomUUID()}`, `page-${randomUUID()}`];
    for (const k of keys) await request("giveHours", k, 1);
    const page = await giver.client.ok(
      `query($a: ID!) { transfers(account: $a, first: 2) { edges { node { idempotencyKey seq } } pageInfo { endCursor hasNextPage } } }`,
      { a: giver.accountId },
    );
    expect(page.transfers.edges.map((e: { node: { idempotencyKey: string } }) => e.node.idempotencyKey)).toEqual([keys[2], keys[1]]);
    const next = await giver.client.ok(
      `query($a: ID!, $c: String) { transfers(account: $a, first: 1, after: $c) { edges { node { idempotencyKey seq } } } }`,
      {
        a: giver.accountId,
        c: page.transfers.pageInfo.endCursor,
      },
    );
    expect(next.transfers.edges[0].node.idempotencyKey).toBe(keys[0]);
    expect(next.transfers.edges[0].node.seq).toBeLessThan(page.transfers.edges[1].node.seq);
  });
});
