// A generated national data set for statistics tests and the benchmark, written with set-based
// SQL (generate_series) so that millions of transfers take minutes, not hours. Ledger rows are
// consistent: every transfer is POSTED between two member accounts of one bank, and account
// balances are set to the sums of their transfers at the end.
import type { Db } from "../../db/database";
import { DEFAULT_CATEGORIES } from "../timebank/timebank.service";

export interface DatasetOptions {
  tag: string;
  banks: number;
  membersPerBank: number;
  transfers: number;
  /** Exchanges are spread evenly over this many days before `end`. */
  days: number;
  end: Date;
  /** Posted inter-bank transfers (between neighbouring banks), spread the same way. */
  interBankTransfers?: number;
  /** 0..1: members who gave consented participation answers. */
  participationShare?: number;
  seed?: number;
}

export async function generateDataset(db: Db, o: DatasetOptions): Promise<{ bankIds: string[] }> {
  const t = o.tag.replace(/\W/g, "");
  const members = o.banks * o.membersPerBank;
  const run = (sql: string, ...params: unknown[]) => db.$executeRawUnsafe(sql, ...params);
  await db.$transaction(
    async (tx) => {
      const x = (sql: string, ...params: unknown[]) => tx.$executeRawUnsafe(sql, ...params);
      // Millions of rows: no statement timeout for the generator's own transaction.
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = 0`);
      await tx.$queryRawUnsafe(`SELECT setseed($1::float8)::text`, o.seed ?? 0.42);
      await x(
        `INSERT INTO "Timebank" (id, slug, name, region, "nextMemberNumber", "createdAt")
         SELECT gen_random_uuid(), 'gen-${t}-' || b, 'Generated bank ' || b, 'Region ' || (b % 7), $1 + 1, $2::timestamptz - make_interval(days => $3)
         FROM generate_series(1, $4) b`,
        o.membersPerBank,
        o.end,
        o.days + 30,
        o.banks,
      );
      const cats = DEFAULT_CATEGORIES.map((c) => `('${c.slug}', '${c.name.replace(/'/g, "''")}')`).join(",");
      await x(
        `INSERT INTO "Category" ("timebankId", id, slug, name)
         SELECT b.id, gen_random_uuid(), c.slug, c.name FROM "Timebank" b CROSS JOIN (VALUES ${cats}) c(slug, name) WHERE b.slug LIKE 'gen-${t}-%'`,
      );
      await x(
        `INSERT INTO "Person" (id, email, "displayName", "passwordHash")
         SELECT gen_random_uuid(), 'gen-${t}-' || i || '@example.org', 'Generated person ' || i, 'not-a-login' FROM generate_series(1, $1) i`,
        members,
      );
      // Member i belongs to bank ((i - 1) / membersPerBank) + 1; a few have paused or left.
      await x(
        `WITH p AS (SELECT id, split_part(split_part(email, '@', 1), '-', 3)::int AS i FROM "Person" WHERE email LIKE 'gen-${t}-%'),
              b AS (SELECT id, split_part(slug, '-', 3)::int AS n FROM "Timebank" WHERE slug LIKE 'gen-${t}-%')
         INSERT INTO "Membership" ("timebankId", id, "personId", role, status, "memberNumber", "appliedAt", "joinedAt", "pausedAt", "leftAt")
         SELECT b.id, gen_random_uuid(), p.id, CASE WHEN (p.i - 1) % $1::int = 0 THEN 'COORDINATOR' ELSE 'MEMBER' END::"MembershipRole",
                s.status::"MembershipStatus", (p.i - 1) % $1::int + 1, s.joined, s.joined,
                CASE WHEN s.status = 'PAUSED' THEN s.joined + (($2::timestamptz - s.joined) / 2) END,
                CASE WHEN s.status = 'LEFT' THEN s.joined + (($2::timestamptz - s.joined) / 2) END
         FROM p JOIN b ON b.n = (p.i - 1) / $1::int + 1
         CROSS JOIN LATERAL (SELECT CASE WHEN (p.i - 1) % $1::int = 0 THEN 'ACTIVE' WHEN p.i % 23 = 0 THEN 'LEFT' WHEN p.i % 17 = 0 THEN 'PAUSED' ELSE 'ACTIVE' END AS status,
                                    $2::timestamptz - make_interval(days => $3::int) - make_interval(days => 30) + make_interval(secs => floor(random() * ($3::int + 20) * 86400)) AS joined) s`,
        o.membersPerBank,
        o.end,
        o.days,
      );
      await x(
        `INSERT INTO "Account" ("timebankId", id, kind, "membershipId", "floorMinutes", "ceilingMinutes", "openedAt")
         SELECT m."timebankId", gen_random_uuid(), 'MEMBER', m.id, -1000000000, 1000000000, m."joinedAt"
         FROM "Membership" m JOIN "Timebank" b ON b.id = m."timebankId" WHERE b.slug LIKE 'gen-${t}-%'`,
      );
      await x(
        `INSERT INTO "Account" ("timebankId", id, kind, "floorMinutes", "ceilingMinutes")
         SELECT b.id, gen_random_uuid(), 'POT', -1000000000, 1000000000 FROM "Timebank" b WHERE b.slug LIKE 'gen-${t}-%'`,
      );
      // One request per category and bank, by the bank's first member: exchanges answer them.
      await x(
        `INSERT INTO "Post" ("timebankId", id, "authorId", kind, title, "categoryId")
         SELECT c."timebankId", gen_random_uuid(), m.id, 'REQUEST', 'Generated ' || c.slug, c.id
         FROM "Category" c JOIN "Timebank" b ON b.id = c."timebankId" AND b.slug LIKE 'gen-${t}-%'
         JOIN "Membership" m ON m."timebankId" = b.id AND m."memberNumber" = 1`,
      );
      // Numbered accounts and posts, for picking at random by number.
      await x(
        `CREATE TEMP TABLE gen_acct ON COMMIT DROP AS
         SELECT a."timebankId" AS b, split_part(bk.slug, '-', 3)::int AS n, m."memberNumber" AS num, a.id
         FROM "Account" a JOIN "Membership" m ON m."timebankId" = a."timebankId" AND m.id = a."membershipId"
         JOIN "Timebank" bk ON bk.id = a."timebankId" WHERE bk.slug LIKE 'gen-${t}-%'`,
      );
      await x(`CREATE INDEX ON gen_acct (n, num)`);
      await x(
        `CREATE TEMP TABLE gen_post ON COMMIT DROP AS
         SELECT p."timebankId" AS b, row_number() OVER (PARTITION BY p."timebankId" ORDER BY p.title)::int AS num, p.id
         FROM "Post" p JOIN "Timebank" bk ON bk.id = p."timebankId" WHERE bk.slug LIKE 'gen-${t}-%'`,
      );
      await x(`CREATE INDEX ON gen_post (b, num)`);
      const [{ creator }] = await tx.$queryRawUnsafe<{ creator: string }[]>(
        `SELECT id AS creator FROM "Person" WHERE email LIKE 'gen-${t}-%' LIMIT 1`,
      );
      // Exchanges: a random bank, two different random members, a random category (or none).
      // Skewed so that small banks and rare categories exist: bank by random()^1.5.
      // In batches of 500,000, so that no single statement holds millions of rows in memory.
      for (let done = 0; done < o.transfers; done += 500_000)
        await x(
          `INSERT INTO "Transfer" ("timebankId", id, kind, status, "debitAccountId", "creditAccountId", minutes, "relatedPostId",
                                 "idempotencyKey", "requestHash", "createdById", "createdAt", "postedAt")
         SELECT gv.b, gen_random_uuid(), 'EXCHANGE', 'POSTED', r.id, gv.id, r2.minutes, p.id, 'gen-' || ($7::int + s), 'gen', $1::uuid, r2.at, r2.at
         FROM generate_series(1, $2::int) s
         CROSS JOIN LATERAL (SELECT 1 + floor(power(random(), 1.5) * $3::int)::int AS n, 1 + floor(random() * $4::int)::int AS giver,
                                    1 + floor(random() * ($4::int - 1))::int AS off, floor(random() * 12)::int AS post,
                                    (30 + 15 * floor(random() * 12))::int AS minutes,
                                    $5::timestamptz - make_interval(secs => random() * $6::int * 86400) AS at, s AS dep) r2
         JOIN gen_acct gv ON gv.n = r2.n AND gv.num = r2.giver
         JOIN gen_acct r ON r.n = r2.n AND r.num = (r2.giver - 1 + r2.off) % $4::int + 1
         LEFT JOIN gen_post p ON p.b = gv.b AND p.num = r2.post`,
          creator,
          Math.min(500_000, o.transfers - done),
          o.banks,
          o.membersPerBank,
          o.end,
          o.days,
          done,
        );
      if (o.participationShare) {
        await x(
          `INSERT INTO "ParticipationProfile" ("timebankId", "membershipId", "ageBand", situation, "joinReasons", "consentedAt")
           SELECT m."timebankId", m.id,
                  (ARRAY['UNDER_25','AGE_25_44','AGE_45_64','AGE_65_74','AGE_75_PLUS'])[1 + floor(random() * 5)::int]::"AgeBand",
                  (ARRAY['EMPLOYED','OUTSIDE_LABOUR_MARKET','RETIRED','STUDENT','OTHER'])[1 + floor(random() * 5)::int]::"LifeSituation",
                  (CASE floor(random() * 4)::int WHEN 0 THEN ARRAY['MEET_PEOPLE','GET_HELP'] WHEN 1 THEN ARRAY['GIVE_HELP','MEET_PEOPLE']
                        WHEN 2 THEN ARRAY['GET_HELP'] ELSE ARRAY['GIVE_HELP'] END)::"JoinReason"[],
                  m."joinedAt"
           FROM "Membership" m JOIN "Timebank" b ON b.id = m."timebankId" AND b.slug LIKE 'gen-${t}-%' WHERE random() < $1`,
          o.participationShare,
        );
      }
    },
    { timeout: 3_600_000, maxWait: 60_000 },
  );
  await run(
    `UPDATE "Account" a SET "balanceMinutes" = COALESCE((SELECT sum(minutes) FROM "Transfer" t WHERE t."timebankId" = a."timebankId" AND t."creditAccountId" = a.id), 0)
                                             - COALESCE((SELECT sum(minutes) FROM "Transfer" t WHERE t."timebankId" = a."timebankId" AND t."debitAccountId" = a.id), 0)
     WHERE a."timebankId" IN (SELECT id FROM "Timebank" WHERE slug LIKE 'gen-${t}-%')`,
  );
  const banks = await db.timebank.findMany({
    where: { slug: { startsWith: `gen-${t}-` } },
    select: { id: true },
    orderBy: { slug: "asc" },
  });
  return { bankIds: banks.map((b) => b.id) };
}
