// A Jepsen-style bank test: many clients move minutes between a few hot and many cold accounts
// through GraphQL at once, retrying with the same keys, sending duplicates and reading. Then
// the books must balance: total unchanged, nobody outside their limits, every acknowledged
// transfer present exactly once, and ledger verification clean.
//
// PostgreSQL only: PGlite has a single connection, so no two transactions ever race there.
// Replay a failure with LEDGER_SEED=<the printed seed>.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { issueToken } from "../../src/modules/auth/token";
import { openMemberAccount } from "../../src/modules/ledger/ledger.accounts";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { GraphQLClient } from "../helpers/client";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";
import { createBank, platformAdmin, signUp, type Actor } from "../helpers/world";
import { prng, seedFrom } from "../helpers/random";
import type { Holder } from "../helpers/transfer-load";

const onPostgres = process.env.TEST_DB_FLAVOUR === "postgres";
const HOT = 8;
const COLD = 200;
const CLIENTS = 32;
const DURATION_MS = Number(process.env.LEDGER_STRESS_MS ?? 10_000);

const TRANSFER = `__typename ... on Transfer { id } ... on ErrorResult { code }`;
const GROUP = `__typename ... on GroupExchange { transfers { id } } ... on ErrorResult { code }`;

if (!onPostgres) {
  it.todo("concurrent transfers keep the books balanced (runs on PostgreSQL only: set TEST_DATABASE_URL)");
} else {
  describe("many clients at once on PostgreSQL", () => {
    let t: TestServer;
    let coordinator: Actor;
    const holders: Holder[] = [];

    beforeAll(async () => {
      t = await startTestServer({ poolSize: 12 });
      const admin = await platformAdmin(t);
      coordinator = await signUp(t, "Stress Coordinator");
      const bank = await createBank(t, admin, "stress", coordinator);
      // 208 members without 208 password hashes: rows directly, tokens minted with the test secret.
      const prisma = t.db.prisma;
      const now = new Date();
      const timebank = await prisma.timebank.findUniqueOrThrow({ where: { id: bank.id } });
      for (let i = 0; i < HOT + COLD; i++) {
        const person = await prisma.person.create({
          data: { email: `stress-${i}@example.org`, displayName: `Stress ${i}`, passwordHash: "not-a-login" },
        });
        const membership = await prisma.membership.create({
          data: {
            timebankId: bank.id,
            personId: person.id,
            memberNumber: 100 + i,
            status: "ACTIVE",
            appliedAt: now,
            approvedAt: now,
            joinedAt: now,
          },
        });
        await openMemberAccount(prisma, timebank, membership.id, now);
        // Hot accounts have tight limits so that refusals at the floor and ceiling happen under contention.
        const limits = i < HOT ? { floorMinutes: -300, ceilingMinutes: 300 } : { floorMinutes: -600, ceilingMinutes: 900 };
        const account = await prisma.account.update({
          where: { timebankId_membershipId: { timebankId: bank.id, membershipId: membership.id } },
          data: limits,
        });
        holders.push({
          memberId: membership.id,
          accountId: account.id,
          client: t.client.withToken(issueToken(person.id, TEST_AUTH_SECRET, 3600, now).token),
        });
      }
    }, 120_000);
    afterAll(() => t?.close());

    it(`${CLIENTS} clients for ${DURATION_MS / 1000} s: total unchanged, limits held, each acknowledged transfer exactly once`, async () => {
      const seed = seedFrom("LEDGER_SEED", "ledger concurrency");
      const before = await t.db.prisma.account.aggregate({ where: { timebank: { slug: "stress" } }, _sum: { balanceMinutes: true } });

      const acknowledged = new Map<string, string[]>(); // idempotency key -> transfer ids
      const unresolved = new Set<string>(); // keys whose outcome no retry could learn
      const stats = { ok: 0, refused: 0, retries: 0, duplicatesAgreed: 0, reads: 0 };
      const violations: string[] = [];
      const deadline = Date.now() + DURATION_MS;

      /** Sends a transfer-creating mutation, retrying with the same key until it gets an answer. */
      async function send(client: GraphQLClient, query: string, input: Record<string, unknown>, field: string) {
        for (let attempt = 0; attempt < 10; attempt++) {
          let res;
          try {
            res = await client.request(query, { input });
          } catch {
            stats.retries++;
            continue;
          }
          if (res.errors?.length) {
            const code = res.errors[0].extensions?.code;
            if (process.env.LEDGER_DEBUG) console.log(JSON.stringify(res.errors));
            if (code === "IDEMPOTENCY_KEY_REUSED" || code === "BAD_USER_INPUT")
              violations.push(`unexpected ${code} for ${JSON.stringify(input)}`);
            stats.retries++;
            continue;
          }
          return res.data[field];
        }
        unresolved.add(input.idempotencyKey as string);
        return null;
      }

      function record(key: string, result: { __typename: string; id?: string; transfers?: { id: string }[] } | null) {
        if (!result) return;
        if (result.__typename === "Transfer" || result.__typename === "GroupExchange") {
          const ids = result.transfers ? result.transfers.map((x) => x.id) : [result.id!];
          const earlier = acknowledged.get(key);
          if (earlier && earlier.join() !== ids.join()) violations.push(`key ${key} acknowledged as ${earlier} and as ${ids}`);
          acknowledged.set(key, ids);
          stats.ok++;
        } else stats.refused++;
      }

      async function worker(w: number) {
        const random = prng(seed + w * 7919);
        const pick = () => (random() < 0.6 ? holders[Math.floor(random() * HOT)] : holders[HOT + Math.floor(random() * COLD)]);
        const pair = () => {
          const a = pick();
          let b = pick();
          while (b === a) b = pick();
          return [a, b] as const;
        };
        while (Date.now() < deadline) {
          const roll = random();
          const key = randomUUID();
          const minutes = 1 + Math.floor(random() * 120);
          if (roll < 0.45) {
            const [giver, receiver] = pair();
            const q = `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { ${TRANSFER} } }`;
            const input = {
              timebank: "stress",
              giverMemberId: giver.memberId,
              receiverMemberId: receiver.memberId,
              minutes,
              idempotencyKey: key,
            };
            if (random() < 0.15) {
              // The same request twice at once (a double tap): both must get the same answer.
              const [r1, r2] = await Promise.all([
                send(coordinator.client, q, input, "recordExchange"),
                send(coordinator.client, q, input, "recordExchange"),
              ]);
              if (r1 && r2 && JSON.stringify(r1) === JSON.stringify(r2)) stats.duplicatesAgreed++;
              else if (r1 && r2) violations.push(`double tap disagreed: ${JSON.stringify([r1, r2])}`);
              record(key, r1);
              record(key, r2);
            } else {
              const r = await send(coordinator.client, q, input, "recordExchange");
              record(key, r);
              // The answer was "lost": the client retries later with the same key and must get the same answer.
              if (r && random() < 0.2) {
                const again = await send(coordinator.client, q, input, "recordExchange");
                if (again && JSON.stringify(again) !== JSON.stringify(r)) violations.push(`retry disagreed: ${JSON.stringify([r, again])}`);
                record(key, again);
              }
            }
          } else if (roll < 0.65) {
            const [from, to] = pair();
            const q = `mutation($input: GiveHoursInput!) { giveHours(input: $input) { ${TRANSFER} } }`;
            record(
              key,
              await send(from.client, q, { timebank: "stress", toMemberId: to.memberId, minutes, idempotencyKey: key }, "giveHours"),
            );
          } else if (roll < 0.75) {
            const [a, b] = pair();
            const [c] = pair();
            const q = `mutation($input: RecordGroupExchangeInput!) { recordGroupExchange(input: $input) { ${GROUP} } }`;
            const legs = [
              { giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes },
              { giverMemberId: a.memberId, receiverMemberId: c === a ? b.memberId : c.memberId, minutes: 1 + Math.floor(random() * 60) },
              { giverMemberId: b.memberId, receiverMemberId: null, minutes: 1 + Math.floor(random() * 30) },
            ];
            record(key, await send(coordinator.client, q, { timebank: "stress", legs, idempotencyKey: key }, "recordGroupExchange"));
          } else {
            const h = pick();
            const res = await coordinator.client.request(
              `query($id: ID!) { account(id: $id) { balanceMinutes pendingOutMinutes pendingInMinutes floorMinutes ceilingMinutes } transfers(account: $id, first: 5) { totalCount nodes { minutes } } }`,
              { id: h.accountId },
            );
            if (res.errors?.length) violations.push(`read failed: ${JSON.stringify(res.errors)}`);
            else {
              const a = res.data.account;
              if (a.balanceMinutes < a.floorMinutes || a.balanceMinutes > a.ceilingMinutes)
                violations.push(`read an account outside its limits: ${JSON.stringify(a)}`);
              stats.reads++;
            }
          }
        }
      }

      const started = Date.now();
      await Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `ledger concurrency: ${JSON.stringify(stats)} in ${seconds.toFixed(1)} s, ${(stats.ok / seconds).toFixed(0)} acknowledged transfers/s`,
      );

      expect(violations).toEqual([]);
      expect([...unresolved]).toEqual([]);
      // A loaded, shared 2-core machine manages far more; this only proves the run did real work.
      expect(stats.ok).toBeGreaterThan(30);
      expect(stats.refused).toBeGreaterThan(0); // the hot accounts really were pushed to their limits

      const prisma = t.db.prisma;
      const after = await prisma.account.aggregate({ where: { timebank: { slug: "stress" } }, _sum: { balanceMinutes: true } });
      expect(after._sum.balanceMinutes).toBe(before._sum.balanceMinutes);
      const outside = await prisma.$queryRaw<{ id: string }[]>`
        SELECT "id" FROM "Account" WHERE "balanceMinutes" < "floorMinutes" OR "balanceMinutes" > "ceilingMinutes"`;
      expect(outside).toEqual([]);

      // Every acknowledged transfer exists exactly once, and nothing exists that was not acknowledged.
      const rows = await prisma.transfer.findMany({
        where: { debitAccount: { timebank: { slug: "stress" } } },
        select: { id: true, idempotencyKey: true },
      });
      const stored = new Map<string, string[]>();
      for (const r of rows) stored.set(r.idempotencyKey, [...(stored.get(r.idempotencyKey) ?? []), r.id]);
      const ackedIds = [...acknowledged.values()].flat();
      expect(new Set(ackedIds).size).toBe(ackedIds.length);
      expect(rows.length).toBe(ackedIds.length);
      for (const [key, ids] of acknowledged) expect([key, [...(stored.get(key) ?? [])].sort()]).toEqual([key, [...ids].sort()]);

      const report = await verifyLedger(prisma);
      expect(report.problems).toEqual([]);
    }, 120_000);

    it("racing decisions: a pending exchange is confirmed or rejected exactly once, a transfer reversed exactly once", async () => {
      const cold = holders.slice(HOT, HOT + 60);
      const decide = (h: Holder, verb: "confirmExchange" | "rejectExchange", id: string) =>
        h.client.request(
          `mutation($id: ID!) { ${verb}(transferId: $id) { __typename ... on Transfer { status } ... on TransferNotPending { currentStatus } } }`,
          { id },
        );
      // 30 exchanges recorded by members, each then confirmed and rejected at the same moment, twice over.
      const pending: { id: string; payer: Holder }[] = [];
      for (let i = 0; i < 30; i++) {
        const giver = cold[2 * i];
        const payer = cold[2 * i + 1];
        const res = await giver.client.request(
          `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename ... on Transfer { id status } } }`,
          {
            input: {
              timebank: "stress",
              giverMemberId: giver.memberId,
              receiverMemberId: payer.memberId,
              minutes: 10,
              idempotencyKey: randomUUID(),
            },
          },
        );
        expect(res.data.recordExchange).toMatchObject({ __typename: "Transfer", status: "PENDING" });
        pending.push({ id: res.data.recordExchange.id, payer });
      }
      const outcomes = await Promise.all(
        pending.map(async ({ id, payer }) => {
          const answers = await Promise.all([
            decide(payer, "confirmExchange", id),
            decide(payer, "rejectExchange", id),
            decide(payer, "confirmExchange", id),
            decide(payer, "rejectExchange", id),
          ]);
          for (const a of answers) expect(a.errors).toBeUndefined();
          const row = await t.db.prisma.transfer.findFirstOrThrow({ where: { id } });
          // Every answer agrees with the one decision that was stored.
          for (const [i, a] of answers.entries()) {
            const r = a.data[i % 2 === 0 ? "confirmExchange" : "rejectExchange"];
            const wanted = i % 2 === 0 ? "POSTED" : "VOIDED";
            if (wanted === row.status) expect(r).toEqual({ __typename: "Transfer", status: row.status });
            else expect(r).toEqual({ __typename: "TransferNotPending", currentStatus: row.status });
          }
          return row.status;
        }),
      );
      expect(outcomes.every((s) => s === "POSTED" || s === "VOIDED")).toBe(true);
      expect(
        await t.db.prisma.account.count({ where: { OR: [{ pendingOutMinutes: { not: 0 } }, { pendingInMinutes: { not: 0 } }] } }),
      ).toBe(0);

      // Three coordinator requests with different keys race to reverse each of 20 transfers.
      const posted = await t.db.prisma.transfer.findMany({
        where: { status: "POSTED", kind: "EXCHANGE", reversedBy: null },
        take: 20,
        orderBy: { createdAt: "asc" },
      });
      const reverse = (id: string) =>
        coordinator.client.request(
          `mutation($input: ReverseTransferInput!) { reverseTransfer(input: $input) { __typename ... on ErrorResult { code } } }`,
          {
            input: { transferId: id, reason: "race test", idempotencyKey: randomUUID() },
          },
        );
      const raced = await Promise.all(posted.map((p) => Promise.all([reverse(p.id), reverse(p.id), reverse(p.id)])));
      for (const answers of raced) {
        const kinds = answers.map((a) => a.data?.reverseTransfer.__typename);
        // The three queue on the transfer: at most one reverses it and those after it are told so.
        // One queued before it may have been refused by a limit (the other races move the same
        // accounts meanwhile), never by anything else.
        for (const k of kinds) expect(["Transfer", "AlreadyReversed", "InsufficientBalance", "CeilingExceeded"]).toContain(k);
        expect(kinds.filter((k) => k === "Transfer").length).toBeLessThanOrEqual(1);
        if (kinds.includes("AlreadyReversed")) expect(kinds).toContain("Transfer");
      }
      const reversals = await t.db.prisma.transfer.groupBy({
        by: ["reversesTransferId"],
        where: { reversesTransferId: { in: posted.map((p) => p.id) } },
        _count: { _all: true },
      });
      for (const r of reversals) expect(r._count._all).toBe(1);

      expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);
    }, 120_000);
  });
}
