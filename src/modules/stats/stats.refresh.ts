// The rollup refresher: keeps the Stats* tables in step with the ledger and the memberships
// without touching the write path. See README "Statistics" for the design.
//
// Watermark: StatsRefreshState.horizon H. Every transaction still open when a refresh starts
// began at or after the new horizon H' (the oldest open transaction's start, less a margin for
// clock skew between the server and the database), so any transfer it posts carries
// postedAt >= H'. A refresh therefore (1) finds the banks with anything posted or changed at
// or after H (what it sees now, committed in any order), (2) recomputes, idempotently, whole
// bank-periods from the period of the earliest such change to the current one, and (3) moves
// the watermark to H'. A transfer that commits after the refresh has postedAt >= H' and is
// picked up by the next one. No counter row is updated inside a transfer.
import type { Database, Db } from "../../db/database";
import { publishSuppression } from "./stats.publish";

/** Advisory lock id of the refresher: one refresh at a time per database. */
const REFRESH_LOCK = 72707370;
const STATE_ID = "rollups";
const EPOCH = new Date("1970-01-01T00:00:00.000Z");
/** Weekly rollups cover the last year; monthly ones the whole history. */
export const WEEKS_KEPT = 53;

export interface RefreshOptions {
  /** Recompute every bank-period from the beginning (after a restore, or a backdated import). */
  full?: boolean;
  /** Safety margin for clock skew between the server's clock and the database's (default 2 s). */
  marginMs?: number;
}

export interface RefreshResult {
  skipped: boolean;
  bankPeriods: number;
  horizon: Date;
  ms: number;
}

type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

const OLDEST_OPEN_TRANSACTION = `SELECT min(xact_start) AS "oldest" FROM pg_stat_activity
   WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`;

/**
 * Runs one refresh; returns skipped when another refresh holds the lock.
 *
 * The oldest open transaction is read on the owner's session: the server's own role
 * (timebank_app, row-level security) is not the login user, and pg_stat_activity hides the
 * transaction start of sessions it has no privileges over, which would move the watermark past
 * transactions still open and lose their transfers. Read before the refresh's own transaction
 * begins, the horizon can only be older than needed (a little more to recompute next time).
 */
export async function refreshRollups(database: Pick<Database, "prisma" | "withSession">, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const started = Date.now();
  const marginMs = opts.marginMs ?? 2000;
  const db: Db = database.prisma;
  const [probe] = await database.withSession((s) => s.query<{ oldest: Date | string | null }>(OLDEST_OPEN_TRANSACTION));
  const oldestSeenByOwner = probe?.oldest == null ? null : new Date(probe.oldest);
  return db.$transaction(
    async (tx) => {
      const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(${REFRESH_LOCK}) AS locked`);
      if (!locked) return { skipped: true, bankPeriods: 0, horizon: EPOCH, ms: Date.now() - started };
      // A full rebuild at national scale takes minutes; an incremental one well under the server's 15 s.
      if (opts.full) await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = 0`);
      const state = await tx.statsRefreshState.findUnique({ where: { id: STATE_ID } });
      const since = opts.full || !state ? EPOCH : state.horizon;
      const [{ horizon }] = await tx.$queryRawUnsafe<{ horizon: Date }[]>(
        `SELECT LEAST(now(), COALESCE($2::timestamptz, now()), COALESCE((${OLDEST_OPEN_TRANSACTION}), now()))
                  - make_interval(secs => $1::float8 / 1000) AS horizon`,
        marginMs,
        oldestSeenByOwner,
      );
      const next = horizon > since ? horizon : since;
      const bankPeriods = await recompute(tx, since, opts.full === true);
      await publishSuppression(tx);
      await tx.statsRefreshState.upsert({
        where: { id: STATE_ID },
        create: { id: STATE_ID, horizon: next, refreshedAt: new Date() },
        update: { horizon: next, refreshedAt: new Date() },
      });
      return { skipped: false, bankPeriods, horizon: next, ms: Date.now() - started };
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}

/** When the rollups were last refreshed, or null if never. */
export async function lastRefresh(db: Db): Promise<Date | null> {
  return (await db.statsRefreshState.findUnique({ where: { id: STATE_ID } }))?.refreshedAt ?? null;
}

const AT_UTC = (d: string) => `((${d})::timestamp AT TIME ZONE 'UTC')`;

async function recompute(tx: Tx, since: Date, full: boolean): Promise<number> {
  // 1. The first and last posted exchange of each account (the never-exchanged share; active
  //    members of the current period). Idempotent (LEAST / GREATEST), so overlapping windows are harmless.
  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsMemberFirstExchange" ("timebankId", "accountId", "firstAt", "lastAt")
     SELECT "timebankId", acct, min("postedAt"), max("postedAt") FROM (
       SELECT "timebankId", "debitAccountId" AS acct, "postedAt" FROM "Transfer" WHERE kind = 'EXCHANGE' AND status = 'POSTED' AND "postedAt" >= $1
       UNION ALL
       SELECT "timebankId", "creditAccountId", "postedAt" FROM "Transfer" WHERE kind = 'EXCHANGE' AND status = 'POSTED' AND "postedAt" >= $1
     ) s GROUP BY 1, 2
     ON CONFLICT ("timebankId", "accountId") DO UPDATE SET "firstAt" = LEAST("StatsMemberFirstExchange"."firstAt", EXCLUDED."firstAt"),
                                                          "lastAt" = GREATEST("StatsMemberFirstExchange"."lastAt", EXCLUDED."lastAt")`,
    since,
  );

  // 2. Which bank-periods to recompute: per bank, from the period of its earliest change since
  //    the watermark to the current period; plus every bank's current period (members change
  //    status, a new period begins). A full refresh starts every bank at its first record.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_dirty`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_dirty ON COMMIT DROP AS
     WITH changed AS (
       SELECT b.id AS b,
              LEAST(
                (SELECT min(t."postedAt") FROM "Transfer" t WHERE t."timebankId" = b.id AND t."postedAt" >= $1),
                ${full ? `LEAST(b."createdAt", (SELECT min(m."joinedAt") FROM "Membership" m WHERE m."timebankId" = b.id)),` : ""}
                CASE WHEN EXISTS (SELECT 1 FROM "Membership" m WHERE m."timebankId" = b.id AND m."updatedAt" >= $1)
                       OR EXISTS (SELECT 1 FROM "ParticipationProfile" p WHERE p."timebankId" = b.id AND p."updatedAt" >= $1)
                       OR EXISTS (SELECT 1 FROM "InstitutionMembership" i WHERE i."timebankId" = b.id AND i."createdAt" >= $1)
                       OR NOT EXISTS (SELECT 1 FROM "StatsBankPeriod" r WHERE r."timebankId" = b.id AND r."periodKind" = 'WEEK'
                                        AND r."periodStart" = date_trunc('week', now() AT TIME ZONE 'UTC')::date)
                     THEN now() END
              ) AS first_change
       FROM "Timebank" b
     ),
     -- Weeks are kept for the last ${WEEKS_KEPT} weeks (months cover the whole history).
     kinds AS (SELECT 'MONTH'::"StatsPeriodKind" AS k, interval '1 month' AS step, 'month' AS unit, '-infinity'::timestamptz AS earliest
               UNION ALL SELECT 'WEEK'::"StatsPeriodKind", interval '7 days', 'week', now() - interval '${WEEKS_KEPT} weeks')
     SELECT c.b, kinds.k, gs::date AS ps, ${AT_UTC("gs::date")} AS pstart, ${AT_UTC("(gs + kinds.step)::date")} AS pe,
            -- The current period, when no exchange of the bank is stamped at or after its end: an
            -- account is then active exactly when its last exchange is within 90 days of the end,
            -- so the 90-day window need not be scanned (only the period itself).
            (NOT $2::boolean AND ${AT_UTC("(gs + kinds.step)::date")} > now()
             AND NOT EXISTS (SELECT 1 FROM "StatsMemberFirstExchange" f WHERE f."timebankId" = c.b AND f."lastAt" >= ${AT_UTC("(gs + kinds.step)::date")})) AS fast
     FROM changed c CROSS JOIN kinds
     CROSS JOIN LATERAL generate_series(date_trunc(kinds.unit, GREATEST(c.first_change, kinds.earliest) AT TIME ZONE 'UTC'), date_trunc(kinds.unit, now() AT TIME ZONE 'UTC'), kinds.step) gs
     -- WARNING: GREATEST ignores NULLs: an unchanged bank (first_change NULL) must not start at -infinity.
     WHERE c.first_change IS NOT NULL`,
    since,
    full,
  );
  const [{ n }] = await tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM stats_dirty`);
  if (n === 0) return 0;
  await tx.$executeRawUnsafe(`CREATE INDEX ON stats_dirty (b, k, ps)`);
  await tx.$executeRawUnsafe(`ANALYZE stats_dirty`);

  for (const table of ["StatsBankPeriod", "StatsBankPeriodCategory", "StatsInterBankFlow", "StatsInstitutionHours", "StatsParticipation"]) {
    await tx.$executeRawUnsafe(
      `DELETE FROM "${table}" r USING stats_dirty d WHERE r."timebankId" = d.b AND r."periodKind" = d.k AND r."periodStart" = d.ps`,
    );
  }

  // Posted exchanges of each dirty bank-period, one row per side: of the period itself where the
  // last exchanges tell who is active (fast), else of the 90-day window before its end.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_sides`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_sides ON COMMIT DROP AS
     SELECT d.b, d.k, d.ps, (t."postedAt" >= d.pstart) AS in_period, t.id AS transfer, t.minutes, t."relatedPostId" AS post,
            side.acct, side.gave
     FROM stats_dirty d
     JOIN "Transfer" t ON t."timebankId" = d.b AND t."postedAt" >= CASE WHEN d.fast THEN d.pstart ELSE d.pe - interval '90 days' END AND t."postedAt" < d.pe
     CROSS JOIN LATERAL (VALUES (t."creditAccountId", true), (t."debitAccountId", false)) AS side(acct, gave)
     WHERE t.kind = 'EXCHANGE' AND t.status = 'POSTED'`,
  );
  await tx.$executeRawUnsafe(`CREATE INDEX ON stats_sides (b, k, ps, acct)`);
  await tx.$executeRawUnsafe(`ANALYZE stats_sides`);

  // Members of each dirty bank-period: admitted before its end and not gone by then; active when
  // they took part in an exchange in the 90 days before the period's end.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_members`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_members ON COMMIT DROP AS
     SELECT d.b, d.k, d.ps, m.id AS membership, a.id AS acct, m.status, m."joinedAt", m."pausedAt", m."leftAt",
            (m."joinedAt" < d.pe AND (m.status IN ('ACTIVE', 'PAUSED') OR (m.status = 'LEFT' AND m."leftAt" >= d.pe))) AS counted,
            (m."joinedAt" >= d.pstart AND m."joinedAt" < d.pe) AS joined_in,
            (m."leftAt" >= d.pstart AND m."leftAt" < d.pe) AS left_in,
            (m.status = 'PAUSED' AND m."pausedAt" < d.pe) AS paused,
            CASE WHEN d.fast THEN COALESCE((SELECT f."lastAt" >= d.pe - interval '90 days' FROM "StatsMemberFirstExchange" f
                                            WHERE f."timebankId" = d.b AND f."accountId" = a.id), false)
                 ELSE EXISTS (SELECT 1 FROM stats_sides s WHERE s.b = d.b AND s.k = d.k AND s.ps = d.ps AND s.acct = a.id) END AS active
     FROM stats_dirty d
     JOIN "Membership" m ON m."timebankId" = d.b AND m."joinedAt" IS NOT NULL AND m."joinedAt" < d.pe
     LEFT JOIN "Account" a ON a."timebankId" = m."timebankId" AND a."membershipId" = m.id AND a.kind = 'MEMBER'`,
  );
  await tx.$executeRawUnsafe(`CREATE INDEX ON stats_members (b, k, ps)`);
  await tx.$executeRawUnsafe(`ANALYZE stats_members`);

  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsBankPeriod" ("timebankId", "periodKind", "periodStart", "membersTotal", "membersActive", "membersNew", "membersPaused",
                                   "membersLeft", "institutions", "exchanges", "exchangeMinutes", "exchangingMembers", "reciprocalMembers",
                                   "neverExchanged", "consentedMembers")
     SELECT d.b, d.k, d.ps,
       COALESCE(mem.total, 0), COALESCE(mem.active, 0), COALESCE(mem.joined, 0), COALESCE(mem.paused, 0), COALESCE(mem.left_, 0),
       (SELECT count(*) FROM "InstitutionMembership" i WHERE i."timebankId" = d.b AND i."createdAt" < d.pe)::int,
       COALESCE(ex.exchanges, 0), COALESCE(ex.minutes, 0), COALESCE(act.exchanging, 0), COALESCE(act.reciprocal, 0),
       COALESCE(mem.never, 0), COALESCE(mem.consented, 0)
     FROM stats_dirty d
     LEFT JOIN LATERAL (
       SELECT count(*) FILTER (WHERE sm.counted)::int AS total, count(*) FILTER (WHERE sm.joined_in)::int AS joined,
              count(*) FILTER (WHERE sm.counted AND sm.paused)::int AS paused, count(*) FILTER (WHERE sm.left_in)::int AS left_,
              count(*) FILTER (WHERE sm.counted AND sm.active)::int AS active,
              count(*) FILTER (WHERE sm.counted AND NOT EXISTS (
                SELECT 1 FROM "StatsMemberFirstExchange" f WHERE f."timebankId" = sm.b AND f."accountId" = sm.acct AND f."firstAt" < d.pe))::int AS never,
              count(*) FILTER (WHERE sm.counted AND EXISTS (
                SELECT 1 FROM "ParticipationProfile" p WHERE p."timebankId" = sm.b AND p."membershipId" = sm.membership AND p."consentedAt" < d.pe))::int AS consented
       FROM stats_members sm WHERE sm.b = d.b AND sm.k = d.k AND sm.ps = d.ps
     ) mem ON true
     LEFT JOIN LATERAL (
       SELECT count(DISTINCT s.transfer)::int AS exchanges, (sum(s.minutes) FILTER (WHERE s.gave))::int AS minutes
       FROM stats_sides s WHERE s.b = d.b AND s.k = d.k AND s.ps = d.ps AND s.in_period
     ) ex ON true
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS exchanging, count(*) FILTER (WHERE gave_p AND got_p)::int AS reciprocal
       FROM (SELECT s.acct, bool_or(s.gave) AS gave_p, bool_or(NOT s.gave) AS got_p
             FROM stats_sides s
             -- Members of the bank at the period's end only (not those who left), like membersTotal.
             JOIN stats_members sm ON sm.b = s.b AND sm.k = s.k AND sm.ps = s.ps AND sm.acct = s.acct AND sm.counted
             WHERE s.b = d.b AND s.k = d.k AND s.ps = d.ps AND s.in_period GROUP BY s.acct) per_account
     ) act ON true`,
  );

  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsBankPeriodCategory" ("timebankId", "periodKind", "periodStart", "categorySlug", "exchanges", "minutes", "participants")
     SELECT s.b, s.k, s.ps, COALESCE(c.slug, ''), count(DISTINCT s.transfer)::int, (sum(s.minutes) FILTER (WHERE s.gave))::int, count(DISTINCT s.acct)::int
     FROM stats_sides s
     LEFT JOIN "Post" p ON p."timebankId" = s.b AND p.id = s.post
     LEFT JOIN "Category" c ON c."timebankId" = p."timebankId" AND c.id = p."categoryId"
     WHERE s.in_period
     GROUP BY 1, 2, 3, 4`,
  );

  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsInterBankFlow" ("timebankId", "periodKind", "periodStart", "targetTimebankId", "purpose", "transfers", "minutes", "senders")
     SELECT d.b, d.k, d.ps, i."targetTimebankId", i.purpose, count(*)::int, sum(i.minutes)::int, count(DISTINCT i."senderAccountId")::int
     FROM stats_dirty d
     JOIN "InterBankTransfer" i ON i."timebankId" = d.b AND i.status = 'POSTED' AND i."postedAt" >= d.pstart AND i."postedAt" < d.pe
     GROUP BY 1, 2, 3, 4, 5`,
  );

  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsInstitutionHours" ("timebankId", "periodKind", "periodStart", "institutionKind", "minutesEarned", "minutesGiven", "counterparts")
     SELECT d.b, d.k, d.ps, inst.kind,
            COALESCE(sum(t.minutes) FILTER (WHERE t."creditAccountId" = im."accountId"), 0)::int,
            COALESCE(sum(t.minutes) FILTER (WHERE t."debitAccountId" = im."accountId"), 0)::int,
            count(DISTINCT CASE WHEN t."creditAccountId" = im."accountId" THEN t."debitAccountId" ELSE t."creditAccountId" END)::int
     FROM stats_dirty d
     JOIN "InstitutionMembership" im ON im."timebankId" = d.b
     JOIN "Institution" inst ON inst.id = im."institutionId"
     JOIN "Transfer" t ON t."timebankId" = d.b AND t.status = 'POSTED' AND t."postedAt" >= d.pstart AND t."postedAt" < d.pe
                       AND (t."creditAccountId" = im."accountId" OR t."debitAccountId" = im."accountId")
     GROUP BY 1, 2, 3, 4`,
  );

  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsParticipation" ("timebankId", "periodKind", "periodStart", "dimension", "answer", "members", "active")
     SELECT sm.b, sm.k, sm.ps, ans.dimension, ans.answer, count(*)::int,
            count(*) FILTER (WHERE sm.active)::int
     FROM stats_members sm
     JOIN stats_dirty d ON d.b = sm.b AND d.k = sm.k AND d.ps = sm.ps
     JOIN "ParticipationProfile" p ON p."timebankId" = sm.b AND p."membershipId" = sm.membership AND p."consentedAt" < d.pe
     CROSS JOIN LATERAL (
       SELECT 'AGE_BAND' AS dimension, p."ageBand"::text AS answer WHERE p."ageBand" IS NOT NULL
       UNION ALL SELECT 'SITUATION', p.situation::text WHERE p.situation IS NOT NULL
       UNION ALL SELECT 'JOIN_REASON', r::text FROM unnest(p."joinReasons") r
     ) ans
     WHERE sm.counted
     GROUP BY 1, 2, 3, 4, 5`,
  );
  return n;
}

