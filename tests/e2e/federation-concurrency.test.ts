// Concurrent inter-bank transfers in every direction between three banks, through GraphQL:
// members send to members, pots and an insurer (with a per-member cap) while coordinators and
// prison staff accept, decline, approve and refuse at the same time, and clients retry with the
// same keys. Afterwards: the federation's balances add up to zero, every clearing account lies
// within its partnership's caps, the insurer's cap held for every member, each acknowledged
// transfer exists once, and no leg exists without its twin (ledger:verify clean).
//
// PostgreSQL only: PGlite has a single connection, so no two transactions ever race there.
// Replay a failure with FEDERATION_SEED=<the printed seed>.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { issueToken } from "../../src/modules/auth/token";
import { openMemberAccount } from "../../src/modules/ledger/ledger.accounts";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { GraphQLClient } from "../helpers/client";
import { addDelegate, addInstitutionToBank, createInstitution, partnershipMutation, propose, SEND_RESULT } from "../helpers/federation";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";
import { createBank, platformAdmin, signUp, type Actor } from "../helpers/world";
import { prng, seedFrom } from "../helpers/random";

const onPostgres = process.env.TEST_DB_FLAVOUR === "postgres";
const BANKS = ["north", "middle", "south"] as const;
const MEMBERS_PER_BANK = 8;
const CLIENTS = 16;
const DURATION_MS = Number(process.env.FEDERATION_STRESS_MS ?? 10_000);
const CAP_MINUTES = 400;
const PREMIUM_CAP_MINUTES = 90;

interface Holder {
  bank: string;
  memberId: string;
  accountId: string;
  client: GraphQLClient;
}

if (!onPostgres) {
  console.log(
    "federation concurrency test: runs on PostgreSQL only (PGlite has one connection, so nothing races); set TEST_DATABASE_URL for the postgres project",
  );
  it.todo("concurrent inter-bank transfers between three banks keep the federation balanced (PostgreSQL only)");
} else {
  describe("three banks sending to each other at once on PostgreSQL", () => {
    let t: TestServer;
    const admins = new Map<string, Actor>();
    const holders: Holder[] = [];
    let insurerId: string;
    let prisonId: string;
    const partnershipIds: string[] = [];

    beforeAll(async () => {
      t = await startTestServer({ poolSize: 12 });
      const platform = await platformAdmin(t);
      for (const slug of BANKS) {
        const admin = await signUp(t, `Admin ${slug}`);
        await createBank(t, platform, slug, admin, { creditFloorMinutes: -300, balanceCeilingMinutes: 600 });
        admins.set(slug, admin);
      }
      // north-middle and middle-south post at once; north-south waits for the receiving coordinator.
      for (const [a, b, acceptance] of [
        ["north", "middle", false],
        ["middle", "south", false],
        ["north", "south", true],
      ] as const) {
        const p = await propose(admins.get(a)!, {
          timebank: a,
          partnerBank: b,
          purposes: ["FAMILY_SUPPORT", "CHARITY", "INSTITUTIONAL_SERVICE", "GENERAL"],
          outgoingCapMinutes: CAP_MINUTES,
          incomingCapMinutes: CAP_MINUTES,
          incomingNeedsAcceptance: acceptance,
        });
        expect(await partnershipMutation(admins.get(b)!, "acceptPartnership", p.id)).toMatchObject({ status: "ACTIVE" });
        partnershipIds.push(p.id);
      }
      insurerId = await createInstitution(admins.get("middle")!, "Concurrent Mutual", "INSURER");
      await addInstitutionToBank(admins.get("middle")!, {
        timebank: "middle",
        institutionId: insurerId,
        acceptsHoursAsPayment: true,
        paymentCapPerMemberMinutes: PREMIUM_CAP_MINUTES,
      });
      prisonId = await createInstitution(admins.get("north")!, "Concurrent Prison", "PRISON");
      await addInstitutionToBank(admins.get("north")!, {
        timebank: "north",
        institutionId: prisonId,
        requiresApprovalOfMembersOutgoing: true,
      });
      await addDelegate(admins.get("north")!, prisonId, admins.get("north")!, "Governor");

      const prisma = t.db.prisma;
      const now = new Date();
      let n = 0;
      for (const slug of BANKS) {
        const bank = await prisma.timebank.findUniqueOrThrow({ where: { slug } });
        for (let i = 0; i < MEMBERS_PER_BANK; i++) {
          const person = await prisma.person.create({
            data: { email: `fed-${slug}-${i}@example.org`, displayName: `${slug} ${i}`, passwordHash: "not-a-login" },
          });
          const membership = await prisma.membership.create({
            data: {
              timebankId: bank.id,
              personId: person.id,
              memberNumber: 100 + ++n,
              status: "ACTIVE",
              appliedAt: now,
              approvedAt: now,
              joinedAt: now,
            },
          });
          await openMemberAccount(prisma, bank, membership.id, now);
          const account = await prisma.account.findUniqueOrThrow({
            where: { timebankId_membershipId: { timebankId: bank.id, membershipId: membership.id } },
          });
          holders.push({
            bank: slug,
            memberId: membership.id,
            accountId: account.id,
            client: t.client.withToken(issueToken(person.id, TEST_AUTH_SECRET, 3600, now).token),
          });
        }
      }
      // Two of north's members are supervised by the prison: their transfers wait for approval.
      for (const h of holders.filter((x) => x.bank === "north").slice(0, 2)) {
        await admins
          .get("north")!
          .client.ok(`mutation($m: ID!, $i: ID!) { superviseMember(timebank: "north", memberId: $m, institutionId: $i) { id } }`, {
            m: h.memberId,
            i: prisonId,
          });
      }
    }, 180_000);
    afterAll(() => t?.close());

    it(`${CLIENTS} clients for ${DURATION_MS / 1000} s: conservation, caps and twins hold`, async () => {
      const seed = seedFrom("FEDERATION_SEED", "federation concurrency");
      const acknowledged = new Map<string, string>(); // idempotency key -> inter-bank transfer id
      const stats: Record<string, number> = { posted: 0, pending: 0, refused: 0, decided: 0, decisionRefused: 0, retries: 0 };
      const refusalCodes: Record<string, number> = {};
      const violations: string[] = [];
      const deadline = Date.now() + DURATION_MS;
      const sendQuery = `mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { ${SEND_RESULT} } }`;

      async function sendOnce(client: GraphQLClient, input: Record<string, unknown>) {
        for (let attempt = 0; attempt < 10; attempt++) {
          const res = await client.request(sendQuery, { input }).catch(() => null);
          if (!res || res.errors?.length) {
            const code = res?.errors?.[0].extensions?.code;
            if (code === "IDEMPOTENCY_KEY_REUSED" || code === "BAD_USER_INPUT" || code === "NOT_FOUND")
              violations.push(`unexpected ${code}: ${JSON.stringify(res?.errors)}`);
            stats.retries++;
            continue;
          }
          return res.data.sendHoursToOtherBank;
        }
        violations.push(`no answer for key ${input.idempotencyKey}`);
        return null;
      }

      function record(key: string, r: { __typename: string; id?: string; status?: string; code?: string } | null) {
        if (!r) return;
        if (r.__typename === "InterBankTransfer") {
          const earlier = acknowledged.get(key);
          if (earlier && earlier !== r.id) violations.push(`key ${key} acknowledged as ${earlier} and ${r.id}`);
          if (!earlier) stats[r.status === "POSTED" ? "posted" : "pending"]++;
          acknowledged.set(key, r.id!);
        } else {
          stats.refused++;
          refusalCodes[r.code!] = (refusalCodes[r.code!] ?? 0) + 1;
        }
      }

      async function sender(w: number) {
        const random = prng(seed + w * 7919);
        while (Date.now() < deadline) {
          const from = holders[Math.floor(random() * holders.length)];
          const others = BANKS.filter((b) => b !== from.bank);
          const toBank = others[Math.floor(random() * others.length)];
          const roll = random();
          const minutes = 1 + Math.floor(random() * 90);
          const to =
            roll < 0.15 && toBank === "middle"
              ? { toInstitution: insurerId, purpose: "INSTITUTIONAL_SERVICE" }
              : roll < 0.25
                ? { toPot: true, purpose: "CHARITY" }
                : {
                    toMember: holders.filter((h) => h.bank === toBank)[Math.floor(random() * MEMBERS_PER_BANK)].memberId,
                    purpose: "FAMILY_SUPPORT",
                  };
          const input = { from: from.accountId, toBank, minutes, anonymous: random() < 0.3, idempotencyKey: randomUUID(), ...to };
          if (random() < 0.15) {
            // A double tap: both answers must agree.
            const [a, b] = await Promise.all([sendOnce(from.client, input), sendOnce(from.client, input)]);
            if (a && b && JSON.stringify({ ...a, donorName: null }) !== JSON.stringify({ ...b, donorName: null }))
              violations.push(`double tap disagreed: ${JSON.stringify([a, b])}`);
            record(input.idempotencyKey, a);
            record(input.idempotencyKey, b);
          } else {
            record(input.idempotencyKey, await sendOnce(from.client, input));
          }
        }
      }

      async function decider(w: number) {
        const random = prng(seed + 104729 * (w + 1));
        const north = admins.get("north")!;
        const south = admins.get("south")!;
        while (Date.now() < deadline) {
          const approving = random() < 0.5;
          const list = approving
            ? (await north.client.ok(`query($i: ID!) { interBankTransfersAwaitingApproval(institutionId: $i) { id } }`, { i: prisonId }))
                .interBankTransfersAwaitingApproval
            : (await south.client.ok(`{ interBankTransfers(timebank: "south", direction: INCOMING, status: PENDING_ACCEPTANCE) { id } }`))
                .interBankTransfers;
          if (!list.length) {
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          const { id } = list[Math.floor(random() * list.length)];
          const yes = random() < 0.7;
          const name = approving
            ? yes
              ? "approveInterBankTransfer"
              : "refuseInterBankTransfer"
            : yes
              ? "acceptInterBankTransfer"
              : "declineInterBankTransfer";
          const actor = approving ? north : south;
          // Two deciders on the same transfer at once: it changes state once.
          const results = await Promise.all(
            [0, 1].map(() =>
              actor.client.request(
                `mutation($id: ID!) { ${name}(id: $id) { __typename ... on ErrorResult { code } ... on InterBankTransfer { status } } }`,
                { id },
              ),
            ),
          );
          for (const res of results) {
            if (res.errors?.length) violations.push(`decision failed: ${JSON.stringify(res.errors)}`);
            else if (res.data[name].__typename === "InterBankTransfer") stats.decided++;
            else stats.decisionRefused++;
          }
        }
      }

      const started = Date.now();
      await Promise.all([...Array.from({ length: CLIENTS - 2 }, (_, w) => sender(w)), decider(0), decider(1)]);
      const seconds = (Date.now() - started) / 1000;
      console.log(`federation concurrency: ${JSON.stringify(stats)} refusals ${JSON.stringify(refusalCodes)} in ${seconds.toFixed(1)} s`);

      expect(violations).toEqual([]);
      expect(stats.posted).toBeGreaterThan(20);
      expect(stats.pending).toBeGreaterThan(0);
      expect(stats.decided).toBeGreaterThan(0);
      expect(stats.refused).toBeGreaterThan(0);

      const prisma = t.db.prisma;
      // Conservation across the federation, both legs of everything, mirrored clearing accounts.
      const report = await verifyLedger(prisma);
      expect(report.problems).toEqual([]);
      expect(report.federationTotalMinutes).toBe(0);
      // Exposure caps: every clearing account within [-cap, cap], counting reservations.
      const clearing = await prisma.account.findMany({ where: { kind: "CLEARING" } });
      expect(clearing).toHaveLength(6);
      for (const c of clearing) {
        expect(c.balanceMinutes + c.pendingInMinutes).toBeLessThanOrEqual(CAP_MINUTES);
        expect(c.balanceMinutes - c.pendingOutMinutes).toBeGreaterThanOrEqual(-CAP_MINUTES);
      }
      // The insurer's cap per paying member held.
      const premiums = await prisma.interBankTransfer.groupBy({
        by: ["senderAccountId"],
        where: {
          recipientInstitutionId: insurerId,
          purpose: "INSTITUTIONAL_SERVICE",
          status: { in: ["POSTED", "PENDING_APPROVAL", "PENDING_ACCEPTANCE"] },
        },
        _sum: { minutes: true },
      });
      for (const p of premiums) expect(p._sum.minutes!).toBeLessThanOrEqual(PREMIUM_CAP_MINUTES);
      // Every acknowledged transfer exists exactly once; nothing exists that was not acknowledged.
      const stored = await prisma.interBankTransfer.findMany({ select: { id: true, idempotencyKey: true } });
      expect(stored.length).toBe(acknowledged.size);
      for (const s of stored) expect(acknowledged.get(s.idempotencyKey)).toBe(s.id);
    }, 180_000);
  });
}
