// The hour ledger told as stories through GraphQL: coordinators record exchanges, members record
// and confirm them, groups, gifts, the community pot, reversals, limits, statements, and every
// way a person can get it wrong, with the balances checked after each step.
import "reflect-metadata";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/common/clock";
import { autoConfirmOverdueExchanges } from "../../src/modules/ledger/ledger.service";
import { writeBankStatements } from "../../src/modules/ledger/ledger.statements";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { ACCOUNT_FIELDS, key, myAccount, recordExchange, RESULT, TRANSFER_FIELDS } from "../helpers/ledger";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-10-01T08:00:00Z"));
let t: TestServer;
let maja: Actor; // coordinator (admin) of aarhus
let ole: Actor; // coordinator of odense, an outsider to aarhus

interface Person extends Actor {
  memberId: string;
  accountId: string;
}

async function member(name: string, slug = "aarhus", coordinator = maja): Promise<Person> {
  const actor = await signUp(t, name);
  const memberId = await join(actor, coordinator, slug);
  const account = await myAccount(actor, slug);
  return { ...actor, memberId, accountId: account.id };
}

async function account(id: string, viewer: Actor = maja) {
  return (await viewer.client.ok(`query($id: ID!) { account(id: $id) { ${ACCOUNT_FIELDS} } }`, { id })).account;
}

async function balances(...people: Person[]) {
  return Promise.all(people.map(async (p) => (await account(p.accountId)).balanceMinutes));
}

const transferCount = () => t.db.prisma.transfer.count();

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 400 * 86_400 } });
  const admin = await platformAdmin(t);
  maja = await signUp(t, "Maja Coordinator");
  ole = await signUp(t, "Ole Coordinator");
  await createBank(t, admin, "aarhus", maja, { creditFloorMinutes: -600, balanceCeilingMinutes: 3000 });
  await createBank(t, admin, "odense", ole);
});
afterAll(async () => {
  // Whatever the stories did, the books must balance.
  const report = await verifyLedger(t.db.prisma);
  await t.close();
  expect(report.problems).toEqual([]);
});

describe("accounts", () => {
  it("approval opens an account with the bank's limits; each bank has one community pot", async () => {
    const else_ = await member("Else Sørensen");
    expect(await account(else_.accountId, else_)).toMatchObject({
      kind: "MEMBER",
      status: "ACTIVE",
      balanceMinutes: 0,
      floorMinutes: -600,
      ceilingMinutes: 3000,
      availableMinutes: 600,
    });
    const pot = await else_.client.ok(`{ communityPot(timebank: "aarhus") { kind balanceMinutes timebank { slug } } }`);
    expect(pot.communityPot).toEqual({ kind: "POT", balanceMinutes: 0, timebank: { slug: "aarhus" } });
    expect(await t.db.prisma.account.count({ where: { kind: "POT" } })).toBe(2);
    // The first admin of a bank has an account too.
    expect((await myAccount(maja, "aarhus")).kind).toBe("MEMBER");
  });

  it("members see their own account, coordinators every account of their bank, outsiders nothing", async () => {
    const jonas = await member("Jonas");
    const karen = await member("Karen");
    expect(await jonas.client.errorCode(`query($id: ID!) { account(id: $id) { id } }`, { id: karen.accountId })).toBe("NOT_FOUND");
    expect(await ole.client.errorCode(`query($id: ID!) { account(id: $id) { id } }`, { id: karen.accountId })).toBe("NOT_FOUND");
    expect(await ole.client.errorCode(`{ communityPot(timebank: "aarhus") { id } }`)).toBe("NOT_FOUND");
    expect((await account(karen.accountId, maja)).id).toBe(karen.accountId);
    const viaMember = await maja.client.ok(
      `query($b: String!) { members(timebank: $b, filter: { search: "Karen" }) { nodes { account { id } } } }`,
      { b: "aarhus" },
    );
    expect(viaMember.members.nodes).toEqual([{ account: { id: karen.accountId } }]);
    const hidden = await jonas.client.ok(
      `query($b: String!) { members(timebank: $b, filter: { search: "Karen" }) { nodes { account { id } } } }`,
      { b: "aarhus" },
    );
    expect(hidden.members.nodes).toEqual([{ account: null }]);
    expect(await t.client.errorCode(`{ myAccounts { id } }`)).toBe("UNAUTHENTICATED");
  });
});

describe("a coordinator records exchanges", () => {
  it("Jonas repaired Else's bike: 90 minutes move from Else to Jonas at once, exactly once however often it is sent", async () => {
    const jonas = await member("Jonas Møller");
    const else_ = await member("Else S.");
    const input = {
      timebank: "aarhus",
      giverMemberId: jonas.memberId,
      receiverMemberId: else_.memberId,
      minutes: 90,
      memo: "Fixed the bike's brakes",
      idempotencyKey: key(),
    };
    const first = await recordExchange(maja, input);
    expect(first).toMatchObject({
      __typename: "Transfer",
      kind: "EXCHANGE",
      status: "POSTED",
      minutes: 90,
      recordedBy: "Maja Coordinator",
      credit: { accountId: jonas.accountId, memberId: jonas.memberId, displayName: "Jonas Møller" },
      debit: { accountId: else_.accountId, displayName: "Else S." },
    });
    expect(await balances(jonas, else_)).toEqual([90, -90]);

    // The network dropped the answer; the app sends the same request again.
    const again = await recordExchange(maja, input);
    expect(again.id).toBe(first.id);
    expect(await balances(jonas, else_)).toEqual([90, -90]);

    // The same key for something else is a client bug, and says so.
    const res = await maja.client.request(`mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename } }`, {
      input: { ...input, minutes: 60 },
    });
    expect(res.errors?.[0].extensions?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await balances(jonas, else_)).toEqual([90, -90]);
  });

  it("recording an exchange costs a handful of statements: the reads it needs, then one that posts", async () => {
    const giver = await member("Signe");
    const receiver = await member("Torben");
    const input = {
      timebank: "aarhus",
      giverMemberId: giver.memberId,
      receiverMemberId: receiver.memberId,
      minutes: 30,
      idempotencyKey: key(),
    };
    const statements: string[] = [];
    let counting = true;
    (t.db.prisma as unknown as { $on(ev: "query", cb: (e: { query: string }) => void): void }).$on(
      "query",
      (e) => counting && statements.push(e.query),
    );
    const res = await maja.client.ok(
      `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename ... on Transfer { id } } }`,
      { input },
    );
    counting = false;
    expect(res.recordExchange.__typename).toBe("Transfer");
    // The outbox relay publishes the transfer's event after the commit, on its own schedule.
    const relay = /"OutboxEvent"|outbox_claim|COMMIT|BEGIN/;
    const request = statements.filter((q) => !relay.test(q));
    // The viewer (person with memberships, one query), the bank, both accounts with their owners
    // in one query, and ledger_post_transfers (key, checks, moves, transfer, event). With an
    // interactive transaction it was 14.
    expect(request).toHaveLength(4);
    expect(request[3]).toContain("ledger_post_transfers");
    expect(await balances(giver, receiver)).toEqual([30, -30]);
  });

  it("wrong input is refused with a clear code and changes nothing", async () => {
    const a = await member("Anna");
    const b = await member("Bo");
    const stranger = await member("Omar", "odense", ole);
    const before = await transferCount();
    const base = { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 60, idempotencyKey: key() };
    const q = `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename } }`;
    for (const [change, code] of [
      [{ minutes: 0 }, "BAD_USER_INPUT"],
      [{ minutes: -30 }, "BAD_USER_INPUT"],
      [{ minutes: 6001 }, "BAD_USER_INPUT"],
      [{ memo: "x".repeat(501) }, "BAD_USER_INPUT"],
      [{ idempotencyKey: "" }, "BAD_USER_INPUT"],
      [{ idempotencyKey: "has spaces in it" }, "BAD_USER_INPUT"],
      [{ giverMemberId: "not-an-id" }, "BAD_USER_INPUT"],
      [{ relatedPostId: "nope" }, "BAD_USER_INPUT"],
      [{ giverMemberId: "00000000-0000-4000-8000-000000000000" }, "NOT_FOUND"],
      [{ receiverMemberId: stranger.memberId }, "NOT_FOUND"],
      [{ timebank: "no-such-bank" }, "NOT_FOUND"],
    ] as const) {
      expect([change, await maja.client.errorCode(q, { input: { ...base, ...change } })]).toEqual([change, code]);
    }
    // A fraction of a minute does not even reach the server's logic.
    expect(await maja.client.errorCode(q, { input: { ...base, minutes: 1.5 } })).toBe("BAD_USER_INPUT");
    // Someone else's bank: as if it did not exist.
    expect(await ole.client.errorCode(q, { input: base })).toBe("NOT_FOUND");
    expect(await transferCount()).toBe(before);
    expect(await balances(a, b)).toEqual([0, 0]);
  });

  it("the same person on both sides is a typed SAME_ACCOUNT result", async () => {
    const a = await member("Solo");
    const res = await recordExchange(maja, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: a.memberId, minutes: 30 });
    expect(res).toMatchObject({ __typename: "SameAccount", code: "SAME_ACCOUNT" });
  });

  it("limits hold: below the floor is INSUFFICIENT_BALANCE, above the ceiling CEILING_EXCEEDED, nothing moves", async () => {
    const giver = await member("Giver");
    const receiver = await member("Receiver");
    const ok = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: giver.memberId,
      receiverMemberId: receiver.memberId,
      minutes: 590,
    });
    expect(ok.status).toBe("POSTED");
    const refusedKey = key();
    const tooMuch = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: giver.memberId,
      receiverMemberId: receiver.memberId,
      minutes: 11,
      idempotencyKey: refusedKey,
    });
    expect(tooMuch).toMatchObject({
      __typename: "InsufficientBalance",
      code: "INSUFFICIENT_BALANCE",
      accountId: receiver.accountId,
      availableMinutes: 10,
      requestedMinutes: 11,
    });
    expect(await balances(giver, receiver)).toEqual([590, -590]);
    // The receiver earns some minutes; a retry of the refused request with its key still gets the
    // first answer (a new attempt takes a new key), and the key cannot be used for something else.
    await recordExchange(maja, { timebank: "aarhus", giverMemberId: receiver.memberId, receiverMemberId: giver.memberId, minutes: 30 });
    const retried = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: giver.memberId,
      receiverMemberId: receiver.memberId,
      minutes: 11,
      idempotencyKey: refusedKey,
    });
    expect(retried).toEqual(tooMuch);
    const reuse = await maja.client.request(`mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename } }`, {
      input: {
        timebank: "aarhus",
        giverMemberId: giver.memberId,
        receiverMemberId: receiver.memberId,
        minutes: 12,
        idempotencyKey: refusedKey,
      },
    });
    expect(reuse.errors?.[0].extensions?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const fresh = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: giver.memberId,
      receiverMemberId: receiver.memberId,
      minutes: 11,
    });
    expect(fresh.status).toBe("POSTED");
    expect(await balances(giver, receiver)).toEqual([571, -571]);

    // Maja lowers the giver's ceiling (logged), then an exchange that would pass it is refused.
    const set = await maja.client.ok(
      `mutation($input: SetAccountLimitsInput!) { setAccountLimits(input: $input) { __typename ... on Account { floorMinutes ceilingMinutes limitChanges { reason changedBy oldCeilingMinutes newCeilingMinutes } } ... on ErrorResult { code } } }`,
      { input: { accountId: giver.accountId, floorMinutes: -600, ceilingMinutes: 600, reason: "agreed at the members' meeting" } },
    );
    expect(set.setAccountLimits).toEqual({
      __typename: "Account",
      floorMinutes: -600,
      ceilingMinutes: 600,
      limitChanges: [
        { reason: "agreed at the members' meeting", changedBy: "Maja Coordinator", oldCeilingMinutes: 3000, newCeilingMinutes: 600 },
      ],
    });
    const other = await member("Other");
    const over = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: giver.memberId,
      receiverMemberId: other.memberId,
      minutes: 30,
    });
    expect(over).toMatchObject({ __typename: "CeilingExceeded", accountId: giver.accountId, roomMinutes: 29, requestedMinutes: 30 });
    expect(await balances(giver, receiver, other)).toEqual([571, -571, 0]);
  });

  it("limits that would leave the balance outside them are refused; only coordinators set limits; bad limits are bad input", async () => {
    const a = await member("Limited");
    const b = await member("Helper");
    await recordExchange(maja, { timebank: "aarhus", giverMemberId: b.memberId, receiverMemberId: a.memberId, minutes: 300 });
    const q = `mutation($input: SetAccountLimitsInput!) { setAccountLimits(input: $input) { __typename ... on LimitsExcludeBalance { code balanceMinutes } } }`;
    const refused = await maja.client.ok(q, {
      input: { accountId: a.accountId, floorMinutes: -120, ceilingMinutes: 600, reason: "tighter" },
    });
    expect(refused.setAccountLimits).toEqual({ __typename: "LimitsExcludeBalance", code: "LIMITS_EXCLUDE_BALANCE", balanceMinutes: -300 });
    expect(
      await a.client.errorCode(q, {
        input: { accountId: a.accountId, floorMinutes: -6000, ceilingMinutes: 600, reason: "more credit please" },
      }),
    ).toBe("FORBIDDEN");
    expect(
      await maja.client.errorCode(q, {
        input: { accountId: a.accountId, floorMinutes: 60, ceilingMinutes: 600, reason: "positive floor" },
      }),
    ).toBe("BAD_USER_INPUT");
    expect(await maja.client.errorCode(q, { input: { accountId: a.accountId, floorMinutes: -60, ceilingMinutes: 600, reason: "" } })).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      await ole.client.errorCode(q, { input: { accountId: a.accountId, floorMinutes: -60, ceilingMinutes: 600, reason: "outsider" } }),
    ).toBe("NOT_FOUND");
    expect(await account(a.accountId)).toMatchObject({ floorMinutes: -600, ceilingMinutes: 3000, balanceMinutes: -300 });
    expect(await t.db.prisma.accountLimitChange.count({ where: { accountId: a.accountId } })).toBe(0);
  });

  it("a paused member's account takes part in no new transfer", async () => {
    const karen = await member("Karen Gardener");
    const helper = await member("Helper Two");
    await karen.client.ok(`mutation($id: ID!) { pauseMembership(memberId: $id) { __typename } }`, { id: karen.memberId });
    const res = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: helper.memberId,
      receiverMemberId: karen.memberId,
      minutes: 60,
    });
    expect(res).toMatchObject({
      __typename: "AccountNotActive",
      code: "ACCOUNT_NOT_ACTIVE",
      accountId: karen.accountId,
      accountStatus: "PAUSED",
    });
    expect(await balances(karen, helper)).toEqual([0, 0]);
  });
});

describe("members record exchanges and the other party confirms", () => {
  it("Ahmad records translating Else's letter; it waits, reserved, until Else confirms; only Else can, exactly once", async () => {
    const ahmad = await member("Ahmad Haddad");
    const else_ = await member("Else Letter");
    const jonas = await member("Jonas Bystander");
    const pending = await recordExchange(ahmad, {
      timebank: "aarhus",
      giverMemberId: ahmad.memberId,
      receiverMemberId: else_.memberId,
      minutes: 60,
      memo: "Letter from the municipality",
    });
    expect(pending).toMatchObject({ __typename: "Transfer", status: "PENDING", postedAt: null, recordedBy: "Ahmad Haddad" });
    expect(await account(else_.accountId)).toMatchObject({ balanceMinutes: 0, pendingOutMinutes: 60, availableMinutes: 540 });
    expect(await account(ahmad.accountId)).toMatchObject({ balanceMinutes: 0, pendingInMinutes: 60 });

    const confirm = `mutation($id: ID!) { confirmExchange(transferId: $id) { __typename ... on Transfer { id status decidedAt } ... on ErrorResult { code } ... on TransferNotPending { currentStatus } } }`;
    expect((await ahmad.client.ok(confirm, { id: pending.id })).confirmExchange).toMatchObject({
      __typename: "NotAllowed",
      code: "NOT_ALLOWED",
    });
    expect(await jonas.client.errorCode(confirm, { id: pending.id })).toBe("FORBIDDEN");
    expect(await ole.client.errorCode(confirm, { id: pending.id })).toBe("NOT_FOUND");

    const confirmed = await else_.client.ok(confirm, { id: pending.id });
    expect(confirmed.confirmExchange).toMatchObject({ __typename: "Transfer", id: pending.id, status: "POSTED" });
    expect(await account(else_.accountId)).toMatchObject({ balanceMinutes: -60, pendingOutMinutes: 0 });
    expect(await account(ahmad.accountId)).toMatchObject({ balanceMinutes: 60, pendingInMinutes: 0 });
    // Confirming again (a retry) returns the same transfer and moves nothing; rejecting now is refused.
    expect((await else_.client.ok(confirm, { id: pending.id })).confirmExchange).toMatchObject({
      __typename: "Transfer",
      status: "POSTED",
    });
    const reject = `mutation($id: ID!) { rejectExchange(transferId: $id, reason: "wrong") { __typename ... on TransferNotPending { code currentStatus } } }`;
    expect((await else_.client.ok(reject, { id: pending.id })).rejectExchange).toEqual({
      __typename: "TransferNotPending",
      code: "TRANSFER_NOT_PENDING",
      currentStatus: "POSTED",
    });
    expect(await balances(ahmad, else_)).toEqual([60, -60]);
  });

  it("a rejected exchange releases the reservation and moves nothing", async () => {
    const a = await member("Recorder");
    const b = await member("Rejecter");
    const pending = await recordExchange(a, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 120 });
    const rejected = await b.client.ok(
      `mutation($id: ID!) { rejectExchange(transferId: $id, reason: "We only talked for an hour") { ... on Transfer { status voidReason postedAt } } }`,
      {
        id: pending.id,
      },
    );
    expect(rejected.rejectExchange).toEqual({ status: "VOIDED", voidReason: "We only talked for an hour", postedAt: null });
    expect(await account(b.accountId)).toMatchObject({ balanceMinutes: 0, pendingOutMinutes: 0 });
    expect(await account(a.accountId)).toMatchObject({ balanceMinutes: 0, pendingInMinutes: 0 });
    const confirm = await b.client.ok(
      `mutation($id: ID!) { confirmExchange(transferId: $id) { ... on TransferNotPending { currentStatus } } }`,
      { id: pending.id },
    );
    expect(confirm.confirmExchange).toEqual({ currentStatus: "VOIDED" });
  });

  it("pending reservations count against the payer's floor", async () => {
    const payer = await member("Payer");
    const x = await member("Helper X");
    const y = await member("Helper Y");
    expect(
      (await recordExchange(x, { timebank: "aarhus", giverMemberId: x.memberId, receiverMemberId: payer.memberId, minutes: 500 })).status,
    ).toBe("PENDING");
    const second = await recordExchange(y, {
      timebank: "aarhus",
      giverMemberId: y.memberId,
      receiverMemberId: payer.memberId,
      minutes: 120,
    });
    expect(second).toMatchObject({ __typename: "InsufficientBalance", accountId: payer.accountId, availableMinutes: 100 });
    // Nor can a coordinator post past the reservation.
    const posted = await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: y.memberId,
      receiverMemberId: payer.memberId,
      minutes: 101,
    });
    expect(posted).toMatchObject({ __typename: "InsufficientBalance", availableMinutes: 100 });
    expect(await account(payer.accountId)).toMatchObject({ balanceMinutes: 0, pendingOutMinutes: 500 });
  });

  it("members record only exchanges they took part in, and only where the bank allows it", async () => {
    const a = await member("Nosy");
    const b = await member("Party B");
    const c = await member("Party C");
    const q = `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename } }`;
    expect(
      await a.client.errorCode(q, {
        input: { timebank: "aarhus", giverMemberId: b.memberId, receiverMemberId: c.memberId, minutes: 30, idempotencyKey: key() },
      }),
    ).toBe("FORBIDDEN");

    await maja.client.ok(`mutation { updateTimebankSettings(timebank: "aarhus", input: { membersMayRecordExchanges: false }) { id } }`);
    try {
      const refused = await recordExchange(b, { timebank: "aarhus", giverMemberId: b.memberId, receiverMemberId: c.memberId, minutes: 30 });
      expect(refused).toMatchObject({ __typename: "NotAllowed", code: "NOT_ALLOWED" });
      expect(await balances(b, c)).toEqual([0, 0]);
      expect((await account(c.accountId)).pendingOutMinutes).toBe(0);
    } finally {
      await maja.client.ok(`mutation { updateTimebankSettings(timebank: "aarhus", input: { membersMayRecordExchanges: true }) { id } }`);
    }
  });
});

describe("groups, gifts and the community pot", () => {
  it("a knitting workshop, a work party and work paid by the pot each post as one", async () => {
    const teacher = await member("Else Knits");
    const s1 = await member("Student One");
    const s2 = await member("Student Two");
    const q = `mutation($input: RecordGroupExchangeInput!) { recordGroupExchange(input: $input) { __typename ... on GroupExchange { groupId transfers { ${TRANSFER_FIELDS} } } ... on ErrorResult { code } ... on InsufficientBalance { accountId } } }`;
    const workshop = await maja.client.ok(q, {
      input: {
        timebank: "aarhus",
        memo: "Knitting workshop",
        idempotencyKey: key(),
        legs: [
          { giverMemberId: teacher.memberId, receiverMemberId: s1.memberId, minutes: 120 },
          { giverMemberId: teacher.memberId, receiverMemberId: s2.memberId, minutes: 120 },
        ],
      },
    });
    expect(workshop.recordGroupExchange.__typename).toBe("GroupExchange");
    expect(workshop.recordGroupExchange.transfers).toHaveLength(2);
    expect(new Set(workshop.recordGroupExchange.transfers.map((x: { groupId: string }) => x.groupId))).toEqual(
      new Set([workshop.recordGroupExchange.groupId]),
    );
    expect(await balances(teacher, s1, s2)).toEqual([240, -120, -120]);

    // Work party: both students help the teacher move house.
    await maja.client.ok(q, {
      input: {
        timebank: "aarhus",
        idempotencyKey: key(),
        legs: [
          { giverMemberId: s1.memberId, receiverMemberId: teacher.memberId, minutes: 180 },
          { giverMemberId: s2.memberId, receiverMemberId: teacher.memberId, minutes: 180 },
        ],
      },
    });
    expect(await balances(teacher, s1, s2)).toEqual([-120, 60, 60]);

    // The pot pays the two for cleaning the community garden.
    const potBefore = (await maja.client.ok(`{ communityPot(timebank: "aarhus") { balanceMinutes } }`)).communityPot.balanceMinutes;
    const paid = await maja.client.ok(q, {
      input: {
        timebank: "aarhus",
        idempotencyKey: key(),
        legs: [
          { giverMemberId: s1.memberId, minutes: 60 },
          { giverMemberId: s2.memberId, minutes: 60 },
        ],
      },
    });
    expect(paid.recordGroupExchange.transfers.map((x: { kind: string; debit: { kind: string } }) => [x.kind, x.debit.kind])).toEqual([
      ["POT_PAYMENT", "POT"],
      ["POT_PAYMENT", "POT"],
    ]);
    expect(await balances(s1, s2)).toEqual([120, 120]);
    expect((await maja.client.ok(`{ communityPot(timebank: "aarhus") { balanceMinutes } }`)).communityPot.balanceMinutes).toBe(
      potBefore - 120,
    );

    // All or nothing: the second leg would take the teacher below the floor, so the first does not post either.
    const before = await transferCount();
    const refused = await maja.client.ok(q, {
      input: {
        timebank: "aarhus",
        idempotencyKey: key(),
        legs: [
          { giverMemberId: s1.memberId, receiverMemberId: s2.memberId, minutes: 60 },
          { giverMemberId: s2.memberId, receiverMemberId: teacher.memberId, minutes: 500 },
        ],
      },
    });
    expect(refused.recordGroupExchange).toEqual({
      __typename: "InsufficientBalance",
      code: "INSUFFICIENT_BALANCE",
      accountId: teacher.accountId,
    });
    expect(await transferCount()).toBe(before);
    expect(await balances(teacher, s1, s2)).toEqual([-120, 120, 120]);

    expect(
      await s1.client.errorCode(q, {
        input: { timebank: "aarhus", idempotencyKey: key(), legs: [{ giverMemberId: s1.memberId, minutes: 60 }] },
      }),
    ).toBe("FORBIDDEN");
    expect(await maja.client.errorCode(q, { input: { timebank: "aarhus", idempotencyKey: key(), legs: [] } })).toBe("BAD_USER_INPUT");
  });

  it("gifts to a member and donations to the pot; the pot pays for someone who cannot", async () => {
    const dave = await member("Dave");
    const emma = await member("Emma");
    await recordExchange(maja, { timebank: "aarhus", giverMemberId: dave.memberId, receiverMemberId: emma.memberId, minutes: 300 });
    const gift = await dave.client.ok(`mutation($input: GiveHoursInput!) { giveHours(input: $input) { ${RESULT} } }`, {
      input: { timebank: "aarhus", toMemberId: emma.memberId, minutes: 180, memo: "For my daughter", idempotencyKey: key() },
    });
    expect(gift.giveHours).toMatchObject({ kind: "GIFT", status: "POSTED", minutes: 180 });
    expect(await balances(dave, emma)).toEqual([120, -120]);

    const pot = () => maja.client.ok(`{ communityPot(timebank: "aarhus") { balanceMinutes } }`).then((d) => d.communityPot.balanceMinutes);
    const potBefore = await pot();
    const donation = await dave.client.ok(`mutation($input: DonateToPotInput!) { donateToPot(input: $input) { ${RESULT} } }`, {
      input: { timebank: "aarhus", minutes: 60, idempotencyKey: key() },
    });
    expect(donation.donateToPot).toMatchObject({ kind: "POT_DONATION", credit: { kind: "POT", displayName: "Community pot" } });
    expect(await pot()).toBe(potBefore + 60);

    const pay = `mutation($input: PayFromPotInput!) { payFromPot(input: $input) { ${RESULT} } }`;
    const input = {
      timebank: "aarhus",
      toMemberId: emma.memberId,
      minutes: 90,
      memo: "Helped a neighbour who cannot pay",
      idempotencyKey: key(),
    };
    expect(await dave.client.errorCode(pay, { input })).toBe("FORBIDDEN");
    expect((await maja.client.ok(pay, { input })).payFromPot).toMatchObject({ kind: "POT_PAYMENT", minutes: 90 });
    expect(await pot()).toBe(potBefore + 60 - 90);
    expect(await balances(dave, emma)).toEqual([60, -30]);

    const self = await dave.client.ok(`mutation($input: GiveHoursInput!) { giveHours(input: $input) { ${RESULT} } }`, {
      input: { timebank: "aarhus", toMemberId: dave.memberId, minutes: 10, idempotencyKey: key() },
    });
    expect(self.giveHours).toMatchObject({ __typename: "SameAccount" });
    const tooMuch = await dave.client.ok(`mutation($input: GiveHoursInput!) { giveHours(input: $input) { ${RESULT} } }`, {
      input: { timebank: "aarhus", toMemberId: emma.memberId, minutes: 661, idempotencyKey: key() },
    });
    expect(tooMuch.giveHours).toMatchObject({ __typename: "InsufficientBalance", availableMinutes: 660 });
    expect(await balances(dave, emma)).toEqual([60, -30]);
  });
});

describe("reversals", () => {
  it("a coordinator reverses a mistaken exchange once, with a reason; balances return", async () => {
    const a = await member("Mistaken Giver");
    const b = await member("Mistaken Receiver");
    const wrong = await recordExchange(maja, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 600 });
    const q = `mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) { __typename ... on Transfer { ${TRANSFER_FIELDS} } ... on ErrorResult { code } ... on AlreadyReversed { reversalId } } }`;
    expect(await a.client.errorCode(q, { input: { transferId: wrong.id, reason: "typo", idempotencyKey: key() } })).toBe("FORBIDDEN");
    expect(await maja.client.errorCode(q, { input: { transferId: wrong.id, reason: "", idempotencyKey: key() } })).toBe("BAD_USER_INPUT");
    expect(await ole.client.errorCode(q, { input: { transferId: wrong.id, reason: "not mine", idempotencyKey: key() } })).toBe("NOT_FOUND");

    const reversal = await maja.client.ok(q, {
      input: { transferId: wrong.id, reason: "Recorded 10 hours instead of 1", idempotencyKey: key() },
    });
    expect(reversal.reverseTransfer).toMatchObject({
      __typename: "Transfer",
      kind: "REVERSAL",
      status: "POSTED",
      minutes: 600,
      memo: "Recorded 10 hours instead of 1",
      reversesTransferId: wrong.id,
      debit: { accountId: a.accountId },
      credit: { accountId: b.accountId },
    });
    expect(await balances(a, b)).toEqual([0, 0]);
    const original = await maja.client.ok(`query($id: ID!) { transfers(account: $id) { nodes { id reversedById } } }`, { id: a.accountId });
    expect(original.transfers.nodes).toContainEqual({ id: wrong.id, reversedById: reversal.reverseTransfer.id });

    const twice = await maja.client.ok(q, { input: { transferId: wrong.id, reason: "again", idempotencyKey: key() } });
    expect(twice.reverseTransfer).toEqual({
      __typename: "AlreadyReversed",
      code: "ALREADY_REVERSED",
      reversalId: reversal.reverseTransfer.id,
    });
    const ofReversal = await maja.client.ok(q, {
      input: { transferId: reversal.reverseTransfer.id, reason: "undo the undo", idempotencyKey: key() },
    });
    expect(ofReversal.reverseTransfer).toMatchObject({ __typename: "NotAllowed" });
    expect(await balances(a, b)).toEqual([0, 0]);
  });

  it("a pending exchange is rejected, not reversed", async () => {
    const a = await member("Pending Giver");
    const b = await member("Pending Receiver");
    const pending = await recordExchange(a, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 30 });
    const res = await maja.client.ok(`mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) { __typename } }`, {
      input: { transferId: pending.id, reason: "not yet", idempotencyKey: key() },
    });
    expect(res.reverseTransfer.__typename).toBe("NotAllowed");
  });
});

describe("reading the books", () => {
  it("transfers page by page with filters, and a monthly statement with a running balance", async () => {
    const tom = await member("Tom Maths");
    const emma = await member("Emma Pupil");
    clock.set(new Date("2026-09-20T10:00:00Z"));
    await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: tom.memberId,
      receiverMemberId: emma.memberId,
      minutes: 60,
      memo: "September homework",
    });
    clock.set(new Date("2026-10-05T16:00:00Z"));
    await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: tom.memberId,
      receiverMemberId: emma.memberId,
      minutes: 90,
      memo: "Fractions",
    });
    clock.set(new Date("2026-10-12T16:00:00Z"));
    await emma.client.ok(`mutation($input: GiveHoursInput!) { giveHours(input: $input) { __typename } }`, {
      input: { timebank: "aarhus", toMemberId: tom.memberId, minutes: 30, memo: "Thank you", idempotencyKey: key() },
    });
    clock.set(new Date("2026-10-20T16:00:00Z"));
    await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: tom.memberId,
      receiverMemberId: emma.memberId,
      minutes: 45,
      memo: "Decimals",
    });
    clock.set(new Date("2026-11-02T16:00:00Z"));
    await recordExchange(maja, {
      timebank: "aarhus",
      giverMemberId: tom.memberId,
      receiverMemberId: emma.memberId,
      minutes: 60,
      memo: "November",
    });

    const page = `query($id: ID!, $after: String, $kind: TransferKind, $from: DateTimeISO, $to: DateTimeISO) {
      transfers(account: $id, first: 2, after: $after, kind: $kind, from: $from, to: $to) { totalCount pageInfo { hasNextPage endCursor } nodes { memo } } }`;
    const p1 = (await tom.client.ok(page, { id: tom.accountId })).transfers;
    expect(p1).toMatchObject({ totalCount: 5, pageInfo: { hasNextPage: true }, nodes: [{ memo: "November" }, { memo: "Decimals" }] });
    const p2 = (await tom.client.ok(page, { id: tom.accountId, after: p1.pageInfo.endCursor })).transfers;
    expect(p2.nodes).toEqual([{ memo: "Thank you" }, { memo: "Fractions" }]);
    const p3 = (await tom.client.ok(page, { id: tom.accountId, after: p2.pageInfo.endCursor })).transfers;
    expect(p3).toMatchObject({ pageInfo: { hasNextPage: false }, nodes: [{ memo: "September homework" }] });
    const gifts = (await tom.client.ok(page, { id: tom.accountId, kind: "GIFT" })).transfers;
    expect(gifts).toMatchObject({ totalCount: 1, nodes: [{ memo: "Thank you" }] });
    const october = (await tom.client.ok(page, { id: tom.accountId, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z" })).transfers;
    expect(october.totalCount).toBe(3);
    expect(await tom.client.errorCode(page, { id: tom.accountId, after: "garbage!" })).toBe("BAD_USER_INPUT");
    expect(await tom.client.errorCode(page, { id: tom.accountId, from: "2026-11-01T00:00:00Z", to: "2026-10-01T00:00:00Z" })).toBe(
      "BAD_USER_INPUT",
    );
    expect(await emma.client.errorCode(page, { id: tom.accountId })).toBe("NOT_FOUND");
    // The account and its page are read in one statement: an account without (matching) transfers
    // is an empty page, an account that does not exist is NOT_FOUND like one the viewer may not see.
    expect((await tom.client.ok(page, { id: tom.accountId, kind: "REVERSAL" })).transfers).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [],
    });
    const quiet = await member("Quiet Newcomer");
    expect((await quiet.client.ok(page, { id: quiet.accountId })).transfers).toEqual({
      totalCount: 0,
      pageInfo: { hasNextPage: false, endCursor: null },
      nodes: [],
    });
    expect(await tom.client.errorCode(page, { id: "00000000-0000-4000-8000-000000000000" })).toBe("NOT_FOUND");

    const statement = `query($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { statement(account: $id, from: $from, to: $to) {
      openingBalanceMinutes closingBalanceMinutes totalInMinutes totalOutMinutes lines { inMinutes outMinutes balanceAfterMinutes transfer { memo } } } }`;
    const s = (await tom.client.ok(statement, { id: tom.accountId, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z" })).statement;
    expect(s).toEqual({
      openingBalanceMinutes: 60,
      lines: [
        { inMinutes: 90, outMinutes: 0, balanceAfterMinutes: 150, transfer: { memo: "Fractions" } },
        { inMinutes: 30, outMinutes: 0, balanceAfterMinutes: 180, transfer: { memo: "Thank you" } },
        { inMinutes: 45, outMinutes: 0, balanceAfterMinutes: 225, transfer: { memo: "Decimals" } },
      ],
      totalInMinutes: 165,
      totalOutMinutes: 0,
      closingBalanceMinutes: 225,
    });
    const emmaS = (await maja.client.ok(statement, { id: emma.accountId, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z" }))
      .statement;
    expect(emmaS).toMatchObject({ openingBalanceMinutes: -60, totalInMinutes: 0, totalOutMinutes: 165, closingBalanceMinutes: -225 });
    // Up to now the statement closes at the stored balance.
    const all = (await tom.client.ok(statement, { id: tom.accountId, from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z" })).statement;
    expect(all.closingBalanceMinutes).toBe((await account(tom.accountId)).balanceMinutes);
    expect(await emma.client.errorCode(statement, { id: tom.accountId, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z" })).toBe(
      "NOT_FOUND",
    );
    expect(await tom.client.errorCode(statement, { id: tom.accountId, from: "2020-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z" })).toBe(
      "BAD_USER_INPUT",
    );

    // The coordinator's monthly run: every member's statement at once, through GraphQL and as files.
    const monthly = `query($month: String!) { bankStatements(timebank: "aarhus", month: $month) { account { member { displayName } } openingBalanceMinutes totalInMinutes totalOutMinutes closingBalanceMinutes } }`;
    const all10 = (await maja.client.ok(monthly, { month: "2026-10" })).bankStatements;
    expect(all10).toContainEqual({
      account: { member: { displayName: "Tom Maths" } },
      openingBalanceMinutes: 60,
      totalInMinutes: 165,
      totalOutMinutes: 0,
      closingBalanceMinutes: 225,
    });
    expect(all10.length).toBe(await t.db.prisma.account.count({ where: { kind: "MEMBER", timebank: { slug: "aarhus" } } }));
    expect(await tom.client.errorCode(monthly, { month: "2026-10" })).toBe("FORBIDDEN");
    expect(await maja.client.errorCode(monthly, { month: "October" })).toBe("BAD_USER_INPUT");
    const dir = mkdtempSync(path.join(os.tmpdir(), "statements-"));
    try {
      const files = await writeBankStatements(t.db.prisma, "aarhus", "2026-10", dir);
      expect(files.length).toBe(all10.length * 2);
      const tomCsv = readFileSync(
        files.find((f) => f.endsWith("-tom-maths.csv"))!,
        "utf8",
      );
      expect(tomCsv.split("\r\n")).toEqual([
        `"date","kind","counterparty","memo","in_minutes","out_minutes","balance_minutes"`,
        `"2026-10-01T00:00:00.000Z","OPENING","","","","","60"`,
        `"2026-10-05T16:00:00.000Z","EXCHANGE","Emma Pupil","Fractions","90","0","150"`,
        `"2026-10-12T16:00:00.000Z","GIFT","Emma Pupil","Thank you","30","0","180"`,
        `"2026-10-20T16:00:00.000Z","EXCHANGE","Emma Pupil","Decimals","45","0","225"`,
        `"2026-11-01T00:00:00.000Z","CLOSING","","","165","0","225"`,
        "",
      ]);
      const tomHtml = readFileSync(
        files.find((f) => f.endsWith("-tom-maths.html"))!,
        "utf8",
      );
      expect(tomHtml).toContain("Statement for <strong>Tom Maths</strong>");
      expect(tomHtml).toContain(`<td class="n">3:45</td>`); // closing balance, hours as h:mm
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("time-based and database-level rules", () => {
  it("pending exchanges confirm themselves after the bank's autoConfirmAfterDays", async () => {
    const a = await member("Auto Giver");
    const b = await member("Auto Receiver");
    await maja.client.ok(`mutation { updateTimebankSettings(timebank: "aarhus", input: { autoConfirmAfterDays: 7 }) { id } }`);
    clock.set(new Date("2026-12-01T12:00:00Z"));
    // Exchanges left pending by the earlier stories are long overdue by now.
    const earlier = await t.db.prisma.transfer.count({ where: { status: "PENDING" } });
    expect(await autoConfirmOverdueExchanges(t.db.prisma, clock.now())).toBe(earlier);
    const pending = await recordExchange(a, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 45 });
    clock.advance(6 * 86_400_000);
    expect(await autoConfirmOverdueExchanges(t.db.prisma, clock.now())).toBe(0);
    expect(await balances(a, b)).toEqual([0, 0]);
    clock.advance(86_400_000 + 1000);
    expect(await autoConfirmOverdueExchanges(t.db.prisma, clock.now())).toBe(1);
    expect(await account(b.accountId)).toMatchObject({ balanceMinutes: -45, pendingOutMinutes: 0 });
    expect(await account(a.accountId)).toMatchObject({ balanceMinutes: 45, pendingInMinutes: 0 });
    const row = await t.db.prisma.transfer.findFirstOrThrow({ where: { id: pending.id } });
    expect(row).toMatchObject({ status: "POSTED", decidedById: null });
    // Running it again finds nothing more to do.
    expect(await autoConfirmOverdueExchanges(t.db.prisma, clock.now())).toBe(0);
    await maja.client.ok(`mutation { updateTimebankSettings(timebank: "aarhus", input: { autoConfirmAfterDays: null }) { id } }`);
  });

  it("the database refuses to change or delete posted transfers, and to push an account past its limits", async () => {
    const a = await member("Immutable A");
    const b = await member("Immutable B");
    const posted = await recordExchange(maja, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 30 });
    await expect(t.db.prisma.$executeRawUnsafe(`UPDATE "Transfer" SET "minutes" = 3000 WHERE "id" = '${posted.id}'`)).rejects.toThrow(
      /immutable/,
    );
    await expect(t.db.prisma.$executeRawUnsafe(`UPDATE "Transfer" SET "status" = 'VOIDED' WHERE "id" = '${posted.id}'`)).rejects.toThrow(
      /immutable/,
    );
    await expect(t.db.prisma.$executeRawUnsafe(`DELETE FROM "Transfer" WHERE "id" = '${posted.id}'`)).rejects.toThrow(/immutable/);
    await expect(
      t.db.prisma.$executeRawUnsafe(`UPDATE "Account" SET "balanceMinutes" = -601 WHERE "id" = '${b.accountId}'`),
    ).rejects.toThrow(/Account_within_floor/);
    await expect(
      t.db.prisma.$executeRawUnsafe(`UPDATE "Account" SET "balanceMinutes" = 3001 WHERE "id" = '${a.accountId}'`),
    ).rejects.toThrow(/Account_within_ceiling/);
    expect(await balances(a, b)).toEqual([30, -30]);
    // A pending one may be decided once, and then it too is frozen.
    const pending = await recordExchange(a, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 15 });
    await expect(t.db.prisma.$executeRawUnsafe(`UPDATE "Transfer" SET "minutes" = 1 WHERE "id" = '${pending.id}'`)).rejects.toThrow(
      /immutable/,
    );
    await b.client.ok(`mutation($id: ID!) { rejectExchange(transferId: $id) { __typename } }`, { id: pending.id });
    await expect(
      t.db.prisma.$executeRawUnsafe(`UPDATE "Transfer" SET "status" = 'POSTED', "postedAt" = now() WHERE "id" = '${pending.id}'`),
    ).rejects.toThrow(/immutable/);
  });

  it("ledger verification names an account whose stored balance disagrees with its transfers", async () => {
    const a = await member("Tampered");
    const b = await member("Tamper Partner");
    await recordExchange(maja, { timebank: "aarhus", giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes: 60 });
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);
    await t.db.prisma.$executeRawUnsafe(`UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + 5 WHERE "id" = '${a.accountId}'`);
    try {
      const report = await verifyLedger(t.db.prisma);
      expect(report.ok).toBe(false);
      expect(report.problems).toEqual([
        { bank: "aarhus", accountId: a.accountId, problem: "stored balance 65 but posted transfers sum to 60" },
        { bank: "aarhus", accountId: null, problem: "the bank's balances add up to 5, not 0" },
        { bank: "(federation)", accountId: null, problem: "all balances add up to 5, not 0" },
      ]);
    } finally {
      await t.db.prisma.$executeRawUnsafe(`UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" - 5 WHERE "id" = '${a.accountId}'`);
    }
    expect((await verifyLedger(t.db.prisma)).ok).toBe(true);
  });
});
