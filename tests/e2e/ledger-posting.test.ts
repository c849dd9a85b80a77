// ledger_post_transfers, the one statement every transfer-creating request of the ledger ends
// in, told at the database level: each refusal it can decide by itself (beyond the floor, beyond
// the ceiling, a closed account, a transfer already reversed, a key reused), that a refusal moves
// nothing and is kept under its key, that a retry gets the first answer, and that a posting that
// names a foreign account fails whole.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { postTransfers, type Posting, type PostingLeg } from "../../src/modules/ledger/ledger.engine";
import { PostingBatcher } from "../../src/modules/ledger/ledger.batch";
import { NotAllowed } from "../../src/modules/ledger/ledger.type";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { myAccount } from "../helpers/ledger";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-10-01T08:00:00Z"));
let t: TestServer;
let coordinator: Actor;
let bankId: string;
let otherBankAccount: string;

beforeAll(async () => {
  t = await startTestServer({ clock });
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Mette Coordinator");
  bankId = (await createBank(t, admin, "vejle", coordinator, { creditFloorMinutes: -600, balanceCeilingMinutes: 1200 })).id;
  const outsider = await signUp(t, "Outsider Coordinator");
  await createBank(t, admin, "kolding", outsider);
  otherBankAccount = (await myAccount(outsider, "kolding")).id;
});
afterAll(async () => {
  const report = await verifyLedger(t.db.prisma);
  await t.close();
  expect(report.problems).toEqual([]);
});

async function newAccount(name: string): Promise<string> {
  const actor = await signUp(t, name);
  await join(actor, coordinator, "vejle");
  return (await myAccount(actor, "vejle")).id;
}

const leg = (debitAccountId: string, creditAccountId: string, minutes: number, extra: Partial<PostingLeg> = {}): PostingLeg => ({
  id: randomUUID(),
  kind: "EXCHANGE",
  status: "POSTED",
  debitAccountId,
  creditAccountId,
  minutes,
  memo: "",
  relatedPostId: null,
  reversesTransferId: null,
  ...extra,
});

function posting(legs: PostingLeg[], extra: Partial<Posting> = {}): Posting {
  return {
    timebankId: bankId,
    key: randomUUID(),
    requestHash: "hash-1",
    createdById: coordinator.personId,
    now: clock.now(),
    groupId: null,
    requireActive: true,
    legs,
    events: [],
    refusal: null,
    ...extra,
  };
}

async function state(id: string) {
  return t.db.prisma.account.findUniqueOrThrow({
    where: { timebankId_id: { timebankId: bankId, id } },
    select: { balanceMinutes: true, pendingOutMinutes: true, pendingInMinutes: true },
  });
}

describe("ledger_post_transfers", () => {
  it("posts a leg, its event, and answers a retry with the same transfer; another payload under the key is 'reused'", async () => {
    const [a, b] = [await newAccount("Asta"), await newAccount("Bent")];
    const events = [
      {
        timebankId: bankId,
        type: "transferReceived",
        toAllMembers: false,
        toCoordinators: true,
        recipientMembershipIds: [],
        recipientPersonIds: [],
        payload: { probe: "posting-1" },
      },
    ];
    const p = posting([leg(a, b, 45)], { events });
    const first = await postTransfers(t.db.prisma, p);
    expect(first).toMatchObject({
      outcome: "created",
      transfers: [{ id: p.legs[0].id, minutes: 45, status: "POSTED", legIndex: 0, idempotencyKey: p.key }],
    });
    if (first.outcome !== "created") throw new Error("not created");
    expect(first.transfers[0].createdAt).toEqual(clock.now());
    expect(first.transfers[0].postedAt).toEqual(clock.now());
    expect(await state(a)).toEqual({ balanceMinutes: -45, pendingOutMinutes: 0, pendingInMinutes: 0 });
    expect(await state(b)).toEqual({ balanceMinutes: 45, pendingOutMinutes: 0, pendingInMinutes: 0 });
    const written = await t.db.prisma.outboxEvent.findMany({ where: { timebankId: bankId, payload: { equals: { probe: "posting-1" } } } });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ type: "transferReceived", toCoordinators: true });

    // The retry carries new leg ids (made per attempt) and the same events: it gets the first
    // transfer back, and nothing moves or is written again.
    const again = await postTransfers(t.db.prisma, { ...p, legs: [leg(a, b, 45)] });
    expect(again).toMatchObject({ outcome: "existing", transfers: [{ id: p.legs[0].id }] });
    expect(await state(b)).toMatchObject({ balanceMinutes: 45 });
    expect(await t.db.prisma.outboxEvent.count({ where: { timebankId: bankId, payload: { equals: { probe: "posting-1" } } } })).toBe(1);

    expect(await postTransfers(t.db.prisma, { ...p, requestHash: "hash-2" })).toEqual({ outcome: "reused" });
  });

  it("beyond the floor: INSUFFICIENT_BALANCE, nothing moves, and the refusal is the key's answer from then on", async () => {
    const [a, b] = [await newAccount("Carl"), await newAccount("Dorte")];
    const p = posting([leg(a, b, 700)]);
    const refused = await postTransfers(t.db.prisma, p);
    expect(refused).toMatchObject({
      outcome: "refused",
      refusal: {
        code: "INSUFFICIENT_BALANCE",
        accountId: a,
        availableMinutes: 600,
        requestedMinutes: 700,
        message: "this would take the account below its limit: 600 of the 700 minutes are available",
      },
    });
    if (refused.outcome === "refused") expect(refused.refusal.constructor.name).toBe("InsufficientBalance");
    expect(await state(a)).toMatchObject({ balanceMinutes: 0 });
    expect(await state(b)).toMatchObject({ balanceMinutes: 0 });
    // Even once the payer could afford it, the same request under the same key gets the same answer.
    await postTransfers(t.db.prisma, posting([leg(b, a, 300)]));
    expect(await postTransfers(t.db.prisma, { ...p, legs: [leg(a, b, 700)] })).toMatchObject({
      outcome: "refused",
      refusal: { code: "INSUFFICIENT_BALANCE", availableMinutes: 600 },
    });
    expect(await postTransfers(t.db.prisma, { ...p, requestHash: "hash-2" })).toEqual({ outcome: "reused" });
    expect(await t.db.prisma.transfer.count({ where: { timebankId: bankId, idempotencyKey: p.key } })).toBe(0);
  });

  it("beyond the ceiling: CEILING_EXCEEDED on the receiving account, counting what is promised to it", async () => {
    const [a, b, c, d] = [await newAccount("Ejner"), await newAccount("Frida"), await newAccount("Gorm"), await newAccount("Gudrun")];
    await postTransfers(t.db.prisma, posting([leg(a, c, 500), leg(b, c, 500)]));
    // 200 more are promised to Gorm (pending): his room is 1200 - 1000 - 200 = 0.
    const pending = await postTransfers(t.db.prisma, posting([leg(d, c, 200, { status: "PENDING" })]));
    expect(pending.outcome).toBe("created");
    expect(await state(d)).toEqual({ balanceMinutes: 0, pendingOutMinutes: 200, pendingInMinutes: 0 });
    expect(await state(c)).toEqual({ balanceMinutes: 1000, pendingOutMinutes: 0, pendingInMinutes: 200 });
    const refused = await postTransfers(t.db.prisma, posting([leg(b, c, 1)]));
    expect(refused).toMatchObject({
      outcome: "refused",
      refusal: {
        code: "CEILING_EXCEEDED",
        accountId: c,
        roomMinutes: 0,
        requestedMinutes: 1,
        message: "this would take the account above its ceiling: it can receive 0 more minutes, not 1",
      },
    });
    expect(await state(b)).toMatchObject({ balanceMinutes: -500 });
  });

  it("limits apply to the net change of all legs, and one refused leg refuses the whole group", async () => {
    const [a, b, c] = [await newAccount("Hanne"), await newAccount("Ib"), await newAccount("Jytte")];
    // Ib passes 600 on: at his floor on the first leg alone, even on the net.
    const through = await postTransfers(t.db.prisma, posting([leg(b, c, 600), leg(a, b, 600)], { groupId: randomUUID() }));
    expect(through.outcome).toBe("created");
    expect([await state(a), await state(b), await state(c)].map((s) => s.balanceMinutes)).toEqual([-600, 0, 600]);
    const group = await postTransfers(t.db.prisma, posting([leg(b, c, 10), leg(a, b, 1)], { groupId: randomUUID() }));
    expect(group).toMatchObject({ outcome: "refused", refusal: { code: "INSUFFICIENT_BALANCE", accountId: a } });
    expect([await state(a), await state(b), await state(c)].map((s) => s.balanceMinutes)).toEqual([-600, 0, 600]);
  });

  it("a closed account takes part in nothing new (ACCOUNT_NOT_ACTIVE), except a correction", async () => {
    const [a, b] = [await newAccount("Kaj"), await newAccount("Lis")];
    await t.db.prisma.account.update({ where: { timebankId_id: { timebankId: bankId, id: b } }, data: { status: "CLOSED" } });
    expect(await postTransfers(t.db.prisma, posting([leg(a, b, 30)]))).toMatchObject({
      outcome: "refused",
      refusal: {
        code: "ACCOUNT_NOT_ACTIVE",
        accountId: b,
        accountStatus: "CLOSED",
        message: "this account is closed and takes part in no new transfer",
      },
    });
    const correction = await postTransfers(t.db.prisma, posting([leg(a, b, 30, { kind: "ADJUSTMENT" })], { requireActive: false }));
    expect(correction.outcome).toBe("created");
    expect(await state(b)).toMatchObject({ balanceMinutes: 30 });
  });

  it("a transfer is reversed once: a second reversal under another key is ALREADY_REVERSED", async () => {
    const [a, b] = [await newAccount("Mads"), await newAccount("Nina")];
    const original = await postTransfers(t.db.prisma, posting([leg(a, b, 40)]));
    if (original.outcome !== "created") throw new Error("not created");
    const id = original.transfers[0].id;
    const reversal = () => posting([leg(b, a, 40, { kind: "REVERSAL", reversesTransferId: id })], { requireActive: false });
    const first = await postTransfers(t.db.prisma, reversal());
    if (first.outcome !== "created") throw new Error(JSON.stringify(first));
    expect(await postTransfers(t.db.prisma, reversal())).toMatchObject({
      outcome: "refused",
      refusal: { code: "ALREADY_REVERSED", reversalId: first.transfers[0].id },
    });
    expect([await state(a), await state(b)].map((s) => s.balanceMinutes)).toEqual([0, 0]);
  });

  it("the caller's refusal is kept only under a new key; a key that already posted keeps its transfer", async () => {
    const [a, b] = [await newAccount("Otto"), await newAccount("Pia")];
    const p = posting([leg(a, b, 20)]);
    expect((await postTransfers(t.db.prisma, p)).outcome).toBe("created");
    const notAllowed = { code: "NOT_ALLOWED", message: "only coordinators record exchanges" };
    const refusal = Object.assign(new NotAllowed(), notAllowed);
    expect(await postTransfers(t.db.prisma, { ...p, refusal })).toMatchObject({ outcome: "existing", transfers: [{ id: p.legs[0].id }] });
    const fresh = await postTransfers(t.db.prisma, posting([leg(a, b, 20)], { refusal }));
    expect(fresh).toMatchObject({ outcome: "refused", refusal: notAllowed });
    expect(await state(b)).toMatchObject({ balanceMinutes: 20 });
  });

  it("an account of another bank fails the whole posting: nothing moves, the key stays unused", async () => {
    const a = await newAccount("Rasmus");
    const p = posting([leg(a, otherBankAccount, 15)]);
    await expect(postTransfers(t.db.prisma, p)).rejects.toThrow(/accounts named/);
    expect(await state(a)).toMatchObject({ balanceMinutes: 0 });
    expect(await t.db.prisma.refusedRequest.count({ where: { timebankId: bankId, idempotencyKey: p.key } })).toBe(0);
  });
});

describe("ledger_post_batch (group commit: ledger.batch.ts)", () => {
  it("postings sent in the same turn go out in one call, each with the answer it would get alone", async () => {
    const [a, b, c] = [await newAccount("Sune"), await newAccount("Tove"), await newAccount("Ulla")];
    const batcher = new PostingBatcher(t.db.prisma, { maxBatch: 32, concurrency: 1 });
    const first = posting([leg(a, b, 100)]);
    const foreign = posting([leg(a, otherBankAccount, 5)]);
    const answers = await Promise.allSettled([
      batcher.post(first),
      batcher.post(posting([leg(b, c, 30)])), // sees the 100 minutes b has just received
      batcher.post(posting([leg(c, a, 700)])), // beyond c's floor of -600: refused, moves nothing
      batcher.post(first), // the same key and payload again: the first answer
      batcher.post({ ...first, requestHash: "hash-2" }), // the same key, another payload
      batcher.post(foreign), // fails alone; the others commit
    ]);
    expect(batcher.stats).toEqual({ calls: 1, postings: 6, largest: 6 });
    const value = (i: number) => (answers[i] as PromiseFulfilledResult<unknown>).value;
    expect(value(0)).toMatchObject({ outcome: "created", transfers: [{ id: first.legs[0].id, minutes: 100 }] });
    expect(value(1)).toMatchObject({ outcome: "created", transfers: [{ minutes: 30 }] });
    expect(value(2)).toMatchObject({ outcome: "refused", refusal: { code: "INSUFFICIENT_BALANCE", availableMinutes: 630 } });
    expect(value(3)).toEqual({ outcome: "existing", transfers: (value(0) as { transfers: unknown[] }).transfers });
    expect(value(4)).toEqual({ outcome: "reused" });
    expect(answers[5]).toMatchObject({ status: "rejected", reason: { code: "23503", message: expect.stringMatching(/accounts named/) } });
    expect(await state(a)).toMatchObject({ balanceMinutes: -100 });
    expect(await state(b)).toMatchObject({ balanceMinutes: 70 });
    expect(await state(c)).toMatchObject({ balanceMinutes: 30 });
    expect(await t.db.prisma.transfer.count({ where: { timebankId: bankId, idempotencyKey: foreign.key } })).toBe(0);
    expect(await t.db.prisma.refusedRequest.count({ where: { timebankId: bankId, idempotencyKey: foreign.key } })).toBe(0);
  });

  it("a posting that raises after writing undoes its batch; each posting is then sent alone and gets its own answer", async () => {
    const [a, b, c] = [await newAccount("Sigrun"), await newAccount("Torben"), await newAccount("Ulrik")];
    const batcher = new PostingBatcher(t.db.prisma, { maxBatch: 32, concurrency: 1 });
    const good = posting([leg(a, b, 25)]);
    // The kind is cast after the accounts were moved: PostgreSQL raises (22P02) mid-posting.
    const faulty = posting([leg(b, c, 40, { kind: "NOT_A_KIND" as PostingLeg["kind"] })]);
    const alsoGood = posting([leg(c, a, 10)]);
    const answers = await Promise.allSettled([batcher.post(good), batcher.post(faulty), batcher.post(alsoGood)]);
    // The three went out in one call; when it failed, each went alone (not counted as calls).
    expect(batcher.stats).toEqual({ calls: 1, postings: 3, largest: 3 });
    expect(answers[0]).toMatchObject({ status: "fulfilled", value: { outcome: "created", transfers: [{ id: good.legs[0].id }] } });
    expect(answers[1]).toMatchObject({ status: "rejected" });
    expect(answers[2]).toMatchObject({ status: "fulfilled", value: { outcome: "created", transfers: [{ id: alsoGood.legs[0].id }] } });
    expect(batcher.pending).toBe(0);
    expect([await state(a), await state(b), await state(c)].map((s) => s.balanceMinutes)).toEqual([-15, 25, -10]);
    expect(await t.db.prisma.transfer.count({ where: { timebankId: bankId, idempotencyKey: faulty.key } })).toBe(0);
  });

  it("more postings than a call carries go out in several calls, in order, and a lone posting goes alone", async () => {
    const [a, b] = [await newAccount("Vagn"), await newAccount("Wenche")];
    const batcher = new PostingBatcher(t.db.prisma, { maxBatch: 4, concurrency: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => batcher.post(posting([leg(a, b, 60)]))));
    // a may go down to -600: the first ten hours pass, in the order they were sent
    expect(answers.map((x) => x.outcome)).toEqual(Array(10).fill("created"));
    expect(batcher.stats).toEqual({ calls: 3, postings: 10, largest: 4 });
    expect(await batcher.post(posting([leg(a, b, 1)]))).toMatchObject({
      outcome: "refused",
      refusal: { code: "INSUFFICIENT_BALANCE", availableMinutes: 0 },
    });
    expect(batcher.stats).toEqual({ calls: 4, postings: 11, largest: 4 });
    expect(await state(b)).toMatchObject({ balanceMinutes: 600 });
  });

  it("a server with group commit records exchanges arriving together through one call", async () => {
    const ids: string[] = [];
    for (const name of ["Xenia", "Yrsa", "Zacharias", "Åse"]) ids.push(await join(await signUp(t, name), coordinator, "vejle"));
    const { calls, postings } = t.app.postings.stats;
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        coordinator.client.ok<{ recordExchange: { __typename: string } }>(
          `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename } }`,
          {
            input: {
              timebank: "vejle",
              giverMemberId: ids[i],
              receiverMemberId: ids[(i + 1) % 4],
              minutes: 45,
              idempotencyKey: randomUUID(),
            },
          },
        ),
      ),
    );
    expect(results.map((r) => r.recordExchange.__typename)).toEqual(Array(4).fill("Transfer"));
    // Whether the four share a call depends on how the requests arrive; that they all went through
    // the batcher (and were answered from it) does not.
    expect(t.app.postings.stats.calls - calls).toBeGreaterThanOrEqual(1);
    expect(t.app.postings.stats.postings - postings).toBe(4);
    const balances = await t.db.prisma.account.findMany({
      where: { timebankId: bankId, membershipId: { in: ids } },
      select: { balanceMinutes: true },
    });
    expect(balances.map((x) => x.balanceMinutes)).toEqual([0, 0, 0, 0]); // a ring: each gave and received 45
  });
});
