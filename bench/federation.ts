// The inter-bank phase of `npm run bench:ledger`: `sendHoursToOtherBank` through GraphQL between
// the bench bank and a partner bank (partnership ACTIVE, incoming transfers post at once), half
// the clients in each direction, each request from the sending member's own token. Every
// transfer locks the two clearing accounts of the partnership, so the pair is one hot spot by
// design (it carries the exposure caps); the numbers show what that costs next to intra-bank
// transfers measured in the same run.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { issueToken } from "../src/modules/auth/token";
import { postGraphQL } from "./http";

export interface InterBankSetup {
  /** [member id, account id, token] of members of the bench bank and of the partner bank. */
  sides: Array<Array<{ memberId: string; accountId: string; token: string }>>;
  slugs: [string, string];
}

/** Creates the partner bank with `accounts` members, the partnership and its two clearing accounts. */
export async function setupInterBank(db: pg.Client, bankId: string, accounts: number, secret: string): Promise<InterBankSetup> {
  const partnerId = randomUUID();
  const adminId = randomUUID();
  await db.query(
    `INSERT INTO "Timebank" (id, slug, name, "creditFloorMinutes", "balanceCeilingMinutes") VALUES ($1, 'bench-partner', 'Bench partner', -6000, 60000)`,
    [partnerId],
  );
  await db.query(
    `INSERT INTO "Person" (id, email, "displayName", "passwordHash") VALUES ($1, 'partner-admin@bench.example', 'Partner admin', 'x')`,
    [adminId],
  );
  await db.query(
    `WITH p AS (INSERT INTO "Person" (id, email, "displayName", "passwordHash")
                SELECT gen_random_uuid(), 'partner' || i || '@bench.example', 'Partner ' || i, 'x' FROM generate_series(1, $2::int) i RETURNING id, email),
          m AS (INSERT INTO "Membership" ("timebankId", id, "personId", status, "memberNumber")
                SELECT $1::uuid, gen_random_uuid(), p.id, 'ACTIVE', substring(p.email from 8 for position('@' in p.email) - 8)::int FROM p RETURNING id)
     INSERT INTO "Account" ("timebankId", id, kind, "membershipId", "floorMinutes", "ceilingMinutes")
     SELECT $1::uuid, gen_random_uuid(), 'MEMBER', m.id, -6000, 60000 FROM m`,
    [partnerId, accounts],
  );
  const partnershipId = randomUUID();
  await db.query(
    `INSERT INTO "Partnership" (id, "proposerBankId", "partnerBankId", status, purposes, "proposerToPartnerCapMinutes", "partnerToProposerCapMinutes", "incomingNeedsAcceptance", "proposedById", "acceptedById", "activatedAt")
     VALUES ($1, $2, $3, 'ACTIVE', '{GENERAL}', 10000000, 10000000, false, $4, $4, now())`,
    [partnershipId, bankId, partnerId, adminId],
  );
  for (const [own, other] of [
    [bankId, partnerId],
    [partnerId, bankId],
  ]) {
    const account = randomUUID();
    await db.query(
      `INSERT INTO "Account" ("timebankId", id, kind, "floorMinutes", "ceilingMinutes") VALUES ($1, $2, 'CLEARING', -10000000, 10000000)`,
      [own, account],
    );
    await db.query(
      `INSERT INTO "PartnerClearing" ("timebankId", "partnershipId", "partnerTimebankId", "accountId") VALUES ($1, $2, $3, $4)`,
      [own, partnershipId, other, account],
    );
  }
  const sides = [];
  for (const id of [bankId, partnerId]) {
    const rows = (
      await db.query<{ memberId: string; accountId: string; personId: string }>(
        `SELECT m.id AS "memberId", a.id AS "accountId", m."personId" FROM "Membership" m JOIN "Account" a ON a."membershipId" = m.id WHERE m."timebankId" = $1 AND m.role = 'MEMBER' LIMIT $2`,
        [id, accounts],
      )
    ).rows;
    sides.push(
      rows.map((r) => ({ memberId: r.memberId, accountId: r.accountId, token: issueToken(r.personId, secret, 3600, new Date()).token })),
    );
  }
  return { sides, slugs: ["bench", "bench-partner"] };
}

export interface PhaseCounts {
  latencies: number[];
  ok: number;
  refused: number;
  errors: number;
  /** The first few distinct error messages. */
  samples: string[];
}

const SEND = `mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { __typename ... on InterBankTransfer { status } } }`;

/** `clients` concurrent clients sending hours across the partnership until the deadline. */
export async function interBankPhase(endpoint: string, setup: InterBankSetup, clients: number, seconds: number): Promise<PhaseCounts> {
  const counts: PhaseCounts = { latencies: [], ok: 0, refused: 0, errors: 0, samples: [] };
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const direction = c % 2;
      const from = setup.sides[direction];
      const to = setup.sides[1 - direction];
      while (performance.now() < deadline) {
        const sender = from[Math.floor(Math.random() * from.length)];
        const recipient = to[Math.floor(Math.random() * to.length)];
        const input = {
          from: sender.accountId,
          toBank: setup.slugs[1 - direction],
          toMember: recipient.memberId,
          minutes: 1 + Math.floor(Math.random() * 30),
          purpose: "GENERAL",
          idempotencyKey: randomUUID(),
        };
        const started = performance.now();
        const { status, body } = await postGraphQL<{ sendHoursToOtherBank: { __typename: string; status?: string } }>(
          endpoint,
          sender.token,
          SEND,
          { input },
        );
        counts.latencies.push(performance.now() - started);
        if (body.errors) {
          counts.errors++;
          const message = `HTTP ${status} ${body.errors[0]?.extensions?.code ?? ""}: ${body.errors[0]?.message}`;
          if (counts.samples.length < 5 && !counts.samples.includes(message)) counts.samples.push(message);
        } else if (body.data!.sendHoursToOtherBank.status === "POSTED") counts.ok++;
        else counts.refused++;
      }
    }),
  );
  return counts;
}
