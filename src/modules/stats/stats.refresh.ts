// The rollup refresher: keeps the Stats* tables in step with the ledger and the memberships
// without touching the write path. See README "Statistics" for the design.
//
// Watermark: StatsRefreshState.horizon H. Every transaction still open when a refresh starts
// began at or after the new horizon H' (the oldest open transaction's start, less a margin for
// clock skew between the server and the database), so any transfer it posts carries
// postedAt >= H'. A refresh therefore (1) finds the banks with anything posted or changed at
// or after H (what it sees now, committed in any order), (2) rebuilds their bank-periods from
// the period of the earliest such change to the current one, and (3) moves the watermark to H'.
// A transfer that commits after the refresh has postedAt >= H' and is picked up by the next one.
// Conversely every transfer posted before H' is visible to the refresh that computes H': the
// current periods keep "settled" counts of everything before the watermark, add [H, H') to them
// exactly once, and count what came from H' on afresh (see recompute, step 2); past periods are
// recomputed wholly and idempotently. No counter row is updated inside a transfer.
import { systemClock, type Clock } from "../../common/clock";
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
  /**
   * The app's clock (default: the system's). It says which periods are current, and it stamps
   * the transfers the server posts; the database's own now() only bounds the watermark.
   */
  clock?: Clock;
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
export async function refreshRollups(
  database: Pick<Database, "prisma" | "withSession">,
  opts: RefreshOptions = {},
): Promise<RefreshResult> {
  const started = Date.now();
  const marginMs = opts.marginMs ?? 2000;
  const now = (opts.clock ?? systemClock).now();
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
      // The server stamps transfers with its clock, the database with its own: the watermark
      // stays behind both (and behind every open transaction), so a clock set in the past works too.
      const [{ horizon }] = await tx.$queryRawUnsafe<{ horizon: Date }[]>(
        `SELECT LEAST($3::timestamptz, now(), COALESCE($2::timestamptz, now()), COALESCE((${OLDEST_OPEN_TRANSACTION}), now()))
                  - make_interval(secs => $1::float8 / 1000) AS horizon`,
        marginMs,
        oldestSeenByOwner,
        now,
      );
      const next = horizon > since ? horizon : since;
      const bankPeriods = await recompute(tx, since, next, opts.full === true, now);
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
/** The clock's now, as a UTC timestamp, from the statement's parameter `p` (e.g. "$2"). */
const NOW_UTC = (p: string) => `(${p}::timestamptz AT TIME ZONE 'UTC')`;
/** The later of the current week's and month's starts, and the earlier of their ends (now is parameter `p`). */
const CURRENT_FROM = (p: string) => AT_UTC(`GREATEST(date_trunc('week', ${NOW_UTC(p)}), date_trunc('month', ${NOW_UTC(p)}))`);
const CURRENT_TO = (p: string) =>
  AT_UTC(`LEAST(date_trunc('week', ${NOW_UTC(p)}) + interval '7 days', date_trunc('month', ${NOW_UTC(p)}) + interval '1 month')`);

/** `now` is the app clock's: it decides which periods are current (never the database's now()). */
async function recompute(tx: Tx, since: Date, horizon: Date, full: boolean, now: Date): Promise<number> {
  // 1. Per account: its first and last posted exchange, and its last as giver and as receiver;
  //    per account and category: its last exchange. Idempotent (LEAST / GREATEST), so windows
  //    that overlap are harmless. Bank by bank, so that each reads a range of
  //    Transfer(timebankId, postedAt) rather than the whole ledger.
  //    The last dates are read only for the current periods (on or after a period's start?
  //    within 90 days of its end? at or after its end?), so a date already on or after the later
  //    of this week's and this month's starts (CURRENT_FROM) is not moved by an exchange before
  //    the earlier of their ends (CURRENT_TO): both answer every such question alike, and a busy
  //    account is written once a period instead of at every refresh.
  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsMemberFirstExchange" AS f ("timebankId", "accountId", "firstAt", "lastAt", "lastGaveAt", "lastReceivedAt")
     SELECT b.id, side.acct, min(t."postedAt"), max(t."postedAt"), max(t."postedAt") FILTER (WHERE side.gave), max(t."postedAt") FILTER (WHERE NOT side.gave)
     FROM "Timebank" b
     JOIN "Transfer" t ON t."timebankId" = b.id AND t."postedAt" >= $1 AND t.kind = 'EXCHANGE' AND t.status = 'POSTED'
     CROSS JOIN LATERAL (VALUES (t."creditAccountId", true), (t."debitAccountId", false)) AS side(acct, gave)
     GROUP BY 1, 2
     ON CONFLICT ("timebankId", "accountId") DO UPDATE SET
       "firstAt" = LEAST(f."firstAt", EXCLUDED."firstAt"), "lastAt" = GREATEST(f."lastAt", EXCLUDED."lastAt"),
       "lastGaveAt" = GREATEST(f."lastGaveAt", EXCLUDED."lastGaveAt"), "lastReceivedAt" = GREATEST(f."lastReceivedAt", EXCLUDED."lastReceivedAt")
     WHERE EXCLUDED."firstAt" < f."firstAt" OR f."lastAt" < ${CURRENT_FROM("$2")} OR EXCLUDED."lastAt" >= ${CURRENT_TO("$2")}
        OR (EXCLUDED."lastGaveAt" IS NOT NULL AND (f."lastGaveAt" IS NULL OR f."lastGaveAt" < ${CURRENT_FROM("$2")} OR EXCLUDED."lastGaveAt" >= ${CURRENT_TO("$2")}))
        OR (EXCLUDED."lastReceivedAt" IS NOT NULL AND (f."lastReceivedAt" IS NULL OR f."lastReceivedAt" < ${CURRENT_FROM("$2")} OR EXCLUDED."lastReceivedAt" >= ${CURRENT_TO("$2")}))`,
    since,
    now,
  );
  // Per account and category touched since the watermark: its last exchange before this refresh
  // (old_last) and since (last_new); the current periods' new participants are those crossing.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_pairs`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_pairs ON COMMIT DROP AS
     SELECT x.b, x.acct, x.cat, x.last_new, a."lastAt" AS old_last
     FROM (
       SELECT b.id AS b, side.acct, COALESCE(c.slug, '') AS cat, max(t."postedAt") AS last_new
       FROM "Timebank" b
       JOIN "Transfer" t ON t."timebankId" = b.id AND t."postedAt" >= $1 AND t.kind = 'EXCHANGE' AND t.status = 'POSTED'
       CROSS JOIN LATERAL (VALUES (t."creditAccountId"), (t."debitAccountId")) AS side(acct)
       LEFT JOIN "Post" p ON p."timebankId" = t."timebankId" AND p.id = t."relatedPostId"
       LEFT JOIN "Category" c ON c."timebankId" = p."timebankId" AND c.id = p."categoryId"
       GROUP BY 1, 2, 3
     ) x
     LEFT JOIN "StatsAccountCategory" a ON a."timebankId" = x.b AND a."accountId" = x.acct AND a."categorySlug" = x.cat`,
    since,
  );
  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsAccountCategory" AS a ("timebankId", "accountId", "categorySlug", "lastAt")
     SELECT b, acct, cat, last_new FROM stats_pairs
     ON CONFLICT ("timebankId", "accountId", "categorySlug") DO UPDATE SET "lastAt" = GREATEST(a."lastAt", EXCLUDED."lastAt")
     WHERE a."lastAt" < ${CURRENT_FROM("$1")} OR EXCLUDED."lastAt" >= ${CURRENT_TO("$1")}`,
    now,
  );

  // 2. Which bank-periods to recompute: per bank, from the period of its earliest change since
  //    the watermark to the current period (a bank without changes is left alone); a bank whose
  //    current week has no row yet (a new period began) gets its current periods. A full refresh
  //    starts every bank at its first record.
  //
  //    by_last: the current period, when no exchange of the bank is stamped at or after its end.
  //    Then an account took part in the period exactly when its last exchange is in it, gave and
  //    received when its last as giver and as receiver are, and was active exactly when its last
  //    exchange is within 90 days of the end: nothing older than the period is read.
  //    incremental: by_last, and the row kept its settled counts as of the watermark H, which
  //    lies in the period: every transfer posted before the new watermark H' is visible now
  //    (see the top of this file), so the transfers of [H, H') are added to the settled counts
  //    exactly once, and those from H' on are counted afresh each time, until they settle.
  //    Such a refresh reads the transfers since H only, whatever the period's size.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_dirty`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_dirty ON COMMIT DROP AS
     WITH moved AS (
       -- Whole-table scans (a few hundred thousand rows) beat one index probe per bank here.
       SELECT "timebankId" AS b FROM "Membership" WHERE "updatedAt" >= $1
       UNION SELECT "timebankId" FROM "ParticipationProfile" WHERE "updatedAt" >= $1
       UNION SELECT "timebankId" FROM "InstitutionMembership" WHERE "createdAt" >= $1
     ),
     changed AS (
       SELECT b.id AS b,
              LEAST(
                (SELECT min(t."postedAt") FROM "Transfer" t WHERE t."timebankId" = b.id AND t."postedAt" >= $1),
                ${full ? `LEAST(b."createdAt", (SELECT min(m."joinedAt") FROM "Membership" m WHERE m."timebankId" = b.id)),` : ""}
                CASE WHEN b.id IN (SELECT b FROM moved)
                       OR NOT EXISTS (SELECT 1 FROM "StatsBankPeriod" r WHERE r."timebankId" = b.id AND r."periodKind" = 'WEEK'
                                        AND r."periodStart" = date_trunc('week', ${NOW_UTC("$2")})::date)
                     THEN $2::timestamptz END
              ) AS first_change
       FROM "Timebank" b
     ),
     -- Weeks are kept for the last ${WEEKS_KEPT} weeks (months cover the whole history).
     kinds AS (SELECT 'MONTH'::"StatsPeriodKind" AS k, interval '1 month' AS step, 'month' AS unit, '-infinity'::timestamptz AS earliest
               UNION ALL SELECT 'WEEK'::"StatsPeriodKind", interval '7 days', 'week', $2::timestamptz - interval '${WEEKS_KEPT} weeks')
     SELECT c.b, kinds.k, gs::date AS ps, ${AT_UTC("gs::date")} AS pstart, ${AT_UTC("(gs + kinds.step)::date")} AS pe
     FROM changed c CROSS JOIN kinds
     CROSS JOIN LATERAL generate_series(date_trunc(kinds.unit, GREATEST(c.first_change, kinds.earliest) AT TIME ZONE 'UTC'), date_trunc(kinds.unit, ${NOW_UTC("$2")}), kinds.step) gs
     -- WARNING: GREATEST ignores NULLs: an unchanged bank (first_change NULL) must not start at -infinity.
     WHERE c.first_change IS NOT NULL`,
    since,
    now,
  );
  const [{ n }] = await tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM stats_dirty`);
  if (n === 0) return 0;
  await tx.$executeRawUnsafe(
    `ALTER TABLE stats_dirty ADD COLUMN by_last boolean NOT NULL DEFAULT false, ADD COLUMN incremental boolean NOT NULL DEFAULT false, ADD COLUMN lo timestamptz`,
  );
  if (!full) {
    await tx.$executeRawUnsafe(
      `UPDATE stats_dirty d SET by_last = true
       WHERE d.pe > $1::timestamptz AND NOT EXISTS (SELECT 1 FROM "StatsMemberFirstExchange" f WHERE f."timebankId" = d.b AND f."lastAt" >= d.pe)`,
      now,
    );
    await tx.$executeRawUnsafe(
      `UPDATE stats_dirty d SET incremental = true
       WHERE d.by_last AND $1::timestamptz >= d.pstart
         AND EXISTS (SELECT 1 FROM "StatsBankPeriod" r WHERE r."timebankId" = d.b AND r."periodKind" = d.k AND r."periodStart" = d.ps AND r."settledExchanges" IS NOT NULL)`,
      since,
    );
  }
  // Where each bank-period's transfers are read from: the watermark, the period's start, or 90 days before its end.
  await tx.$executeRawUnsafe(
    `UPDATE stats_dirty SET lo = CASE WHEN incremental THEN $1::timestamptz WHEN by_last THEN pstart ELSE pe - interval '90 days' END`,
    since,
  );
  await tx.$executeRawUnsafe(`CREATE INDEX ON stats_dirty (b, k, ps)`);
  await tx.$executeRawUnsafe(`ANALYZE stats_dirty`);

  // The settled counts the incremental rows carry over, before their rows are replaced.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_prev`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_prev ON COMMIT DROP AS
     -- cat NULL: the bank-period's own row; otherwise its category's.
     SELECT d.b, d.k, d.ps, NULL::text AS cat, r."settledExchanges" AS n, r."settledMinutes" AS minutes, NULL::int AS participants
     FROM stats_dirty d JOIN "StatsBankPeriod" r ON r."timebankId" = d.b AND r."periodKind" = d.k AND r."periodStart" = d.ps WHERE d.incremental
     UNION ALL
     SELECT d.b, d.k, d.ps, r."categorySlug", COALESCE(r."settledExchanges", 0), COALESCE(r."settledMinutes", 0), r.participants
     FROM stats_dirty d JOIN "StatsBankPeriodCategory" r ON r."timebankId" = d.b AND r."periodKind" = d.k AND r."periodStart" = d.ps WHERE d.incremental`,
  );

  // Posted exchanges of each dirty bank-period, one row per side: since the watermark (incremental),
  // of the period itself (by_last), or of the 90-day window before the period's end.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_sides`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_sides ON COMMIT DROP AS
     SELECT d.b, d.k, d.ps, (t."postedAt" >= d.pstart) AS in_period, (t."postedAt" < $1) AS settled, t.minutes, t."relatedPostId" AS post,
            side.acct, side.gave
     FROM stats_dirty d
     ${
       // WARNING: a range whose start differs per row is not estimated well: the planner then reads
       // the whole ledger. A refresh of a few bank-periods reads each range by the index (LATERAL);
       // a full rebuild, which reads most of the ledger anyway, joins.
       full
         ? `JOIN "Transfer" t ON t."timebankId" = d.b AND t."postedAt" >= d.lo AND t."postedAt" < d.pe`
         : `CROSS JOIN LATERAL (SELECT * FROM "Transfer" t WHERE t."timebankId" = d.b AND t."postedAt" >= d.lo AND t."postedAt" < d.pe) t`
     }
     CROSS JOIN LATERAL (VALUES (t."creditAccountId", true), (t."debitAccountId", false)) AS side(acct, gave)
     WHERE t.kind = 'EXCHANGE' AND t.status = 'POSTED'`,
    horizon,
  );
  // Per account of each bank-period: in the window at all (active), in the period, giving, receiving.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_accounts`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_accounts ON COMMIT DROP AS
     SELECT b, k, ps, acct, bool_or(in_period) AS in_p, bool_or(in_period AND gave) AS gave_p, bool_or(in_period AND NOT gave) AS got_p
     FROM stats_sides GROUP BY 1, 2, 3, 4`,
  );
  await tx.$executeRawUnsafe(`ANALYZE stats_accounts`);

  // Members of each dirty bank-period: admitted before its end and not gone by then (counted);
  // active, exchanging and reciprocal from their last exchanges (by_last) or from the sides.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_members`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_members ON COMMIT DROP AS
     SELECT d.b, d.k, d.ps, m.id AS membership, a.id AS acct,
            (m."joinedAt" < d.pe AND (m.status IN ('ACTIVE', 'PAUSED') OR (m.status = 'LEFT' AND m."leftAt" >= d.pe))) AS counted,
            (m."joinedAt" >= d.pstart AND m."joinedAt" < d.pe) AS joined_in,
            (m."leftAt" >= d.pstart AND m."leftAt" < d.pe) AS left_in,
            (m.status = 'PAUSED' AND m."pausedAt" < d.pe) AS paused,
            CASE WHEN d.by_last THEN COALESCE(f."lastAt" >= d.pe - interval '90 days', false) ELSE sa.acct IS NOT NULL END AS active,
            CASE WHEN d.by_last THEN COALESCE(f."lastAt" >= d.pstart, false) ELSE COALESCE(sa.in_p, false) END AS exchanged,
            CASE WHEN d.by_last THEN COALESCE(f."lastGaveAt" >= d.pstart AND f."lastReceivedAt" >= d.pstart, false)
                 ELSE COALESCE(sa.gave_p AND sa.got_p, false) END AS reciprocal,
            (f."firstAt" IS NULL OR f."firstAt" >= d.pe) AS never,
            (pp."consentedAt" < d.pe) IS TRUE AS consented
     FROM stats_dirty d
     JOIN "Membership" m ON m."timebankId" = d.b AND m."joinedAt" IS NOT NULL AND m."joinedAt" < d.pe
     LEFT JOIN "Account" a ON a."timebankId" = m."timebankId" AND a."membershipId" = m.id AND a.kind = 'MEMBER'
     LEFT JOIN "StatsMemberFirstExchange" f ON f."timebankId" = m."timebankId" AND f."accountId" = a.id
     LEFT JOIN stats_accounts sa ON sa.b = d.b AND sa.k = d.k AND sa.ps = d.ps AND sa.acct = a.id
     LEFT JOIN "ParticipationProfile" pp ON pp."timebankId" = m."timebankId" AND pp."membershipId" = m.id`,
  );

  await replaceRows(
    tx,
    "StatsBankPeriod",
    3,
    [
      "timebankId",
      "periodKind",
      "periodStart",
      "membersTotal",
      "membersActive",
      "membersNew",
      "membersPaused",
      "membersLeft",
      "institutions",
      "exchanges",
      "exchangeMinutes",
      "exchangingMembers",
      "reciprocalMembers",
      "neverExchanged",
      "consentedMembers",
      "settledExchanges",
      "settledMinutes",
    ],
    `     SELECT d.b, d.k, d.ps,
       COALESCE(mem.total, 0), COALESCE(mem.active, 0), COALESCE(mem.joined, 0), COALESCE(mem.paused, 0), COALESCE(mem.left_, 0),
       (SELECT count(*) FROM "InstitutionMembership" i WHERE i."timebankId" = d.b AND i."createdAt" < d.pe)::int,
       COALESCE(p.n, 0) + COALESCE(ex.n, 0), COALESCE(p.minutes, 0) + COALESCE(ex.minutes, 0),
       COALESCE(mem.exchanging, 0), COALESCE(mem.reciprocal, 0), COALESCE(mem.never, 0), COALESCE(mem.consented, 0),
       -- Settled counts are kept for current periods only (the incremental refreshes' starting point).
       CASE WHEN d.by_last THEN COALESCE(p.n, 0) + COALESCE(ex.settled_n, 0) END,
       CASE WHEN d.by_last THEN COALESCE(p.minutes, 0) + COALESCE(ex.settled_minutes, 0) END
     FROM stats_dirty d
     LEFT JOIN (
       SELECT b, k, ps, count(*) FILTER (WHERE counted)::int AS total, count(*) FILTER (WHERE joined_in)::int AS joined,
              count(*) FILTER (WHERE counted AND paused)::int AS paused, count(*) FILTER (WHERE left_in)::int AS left_,
              count(*) FILTER (WHERE counted AND active)::int AS active, count(*) FILTER (WHERE counted AND exchanged)::int AS exchanging,
              count(*) FILTER (WHERE counted AND reciprocal)::int AS reciprocal, count(*) FILTER (WHERE counted AND never)::int AS never,
              count(*) FILTER (WHERE counted AND consented)::int AS consented
       FROM stats_members GROUP BY 1, 2, 3
     ) mem ON mem.b = d.b AND mem.k = d.k AND mem.ps = d.ps
     LEFT JOIN (
       -- One side of each transfer gave: counting those counts transfers.
       SELECT b, k, ps, count(*) FILTER (WHERE gave AND in_period)::int AS n, COALESCE(sum(minutes) FILTER (WHERE gave AND in_period), 0)::int AS minutes,
              count(*) FILTER (WHERE gave AND in_period AND settled)::int AS settled_n,
              COALESCE(sum(minutes) FILTER (WHERE gave AND in_period AND settled), 0)::int AS settled_minutes
       FROM stats_sides GROUP BY 1, 2, 3
     ) ex ON ex.b = d.b AND ex.k = d.k AND ex.ps = d.ps
     LEFT JOIN stats_prev p ON p.b = d.b AND p.k = d.k AND p.ps = d.ps AND p.cat IS NULL`,
  );

  // Categories: the category of the offer or request each exchange answers ('' when none).
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_categories`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_categories ON COMMIT DROP AS
     SELECT s.b, s.k, s.ps, COALESCE(c.slug, '') AS cat,
            count(*) FILTER (WHERE s.gave)::int AS n, COALESCE(sum(s.minutes) FILTER (WHERE s.gave), 0)::int AS minutes,
            count(*) FILTER (WHERE s.gave AND s.settled)::int AS settled_n, COALESCE(sum(s.minutes) FILTER (WHERE s.gave AND s.settled), 0)::int AS settled_minutes,
            count(DISTINCT s.acct)::int AS participants
     FROM stats_sides s
     LEFT JOIN "Post" p ON p."timebankId" = s.b AND p.id = s.post
     LEFT JOIN "Category" c ON c."timebankId" = p."timebankId" AND c.id = p."categoryId"
     WHERE s.in_period
     GROUP BY 1, 2, 3, 4`,
  );
  // Past periods: from the sides. Current ones: exchanges and minutes from the settled counts and
  // the sides since; participants, at a period's first refresh, from each account's last exchange
  // in the category, and then (incremental) the previous count plus the accounts whose last
  // exchange in the category crossed into the period in this refresh.
  await replaceRows(
    tx,
    "StatsBankPeriodCategory",
    4,
    [
      "timebankId",
      "periodKind",
      "periodStart",
      "categorySlug",
      "exchanges",
      "minutes",
      "participants",
      "settledExchanges",
      "settledMinutes",
    ],
    `     WITH first_refresh AS (
       SELECT d.b, d.k, d.ps, pc.cat, pc.participants
       FROM stats_dirty d
       CROSS JOIN LATERAL (SELECT a."categorySlug" AS cat, count(*)::int AS participants FROM "StatsAccountCategory" a
                           WHERE a."timebankId" = d.b AND a."lastAt" >= d.pstart GROUP BY 1) pc
       WHERE d.by_last AND NOT d.incremental
     ),
     joined AS (
       SELECT d.b, d.k, d.ps, sp.cat, count(*)::int AS n
       FROM stats_dirty d JOIN stats_pairs sp ON sp.b = d.b AND sp.last_new >= d.pstart AND (sp.old_last IS NULL OR sp.old_last < d.pstart)
       WHERE d.incremental GROUP BY 1, 2, 3, 4
     ),
     incremental AS (
       SELECT b, k, ps, cat, sum(participants)::int AS participants FROM (
         SELECT b, k, ps, cat, participants FROM stats_prev WHERE cat IS NOT NULL
         UNION ALL SELECT b, k, ps, cat, n FROM joined
       ) u GROUP BY 1, 2, 3, 4
     )
     SELECT x.b, x.k, x.ps, x.cat, x.n, x.minutes, x.participants, NULL::int, NULL::int
     FROM stats_categories x JOIN stats_dirty d ON d.b = x.b AND d.k = x.k AND d.ps = x.ps WHERE NOT d.by_last
     UNION ALL
     SELECT c.b, c.k, c.ps, c.cat, COALESCE(p.n, 0) + COALESCE(x.n, 0), COALESCE(p.minutes, 0) + COALESCE(x.minutes, 0), c.participants,
            COALESCE(p.n, 0) + COALESCE(x.settled_n, 0), COALESCE(p.minutes, 0) + COALESCE(x.settled_minutes, 0)
     FROM (SELECT * FROM first_refresh UNION ALL SELECT * FROM incremental) c
     LEFT JOIN stats_prev p ON p.b = c.b AND p.k = c.k AND p.ps = c.ps AND p.cat = c.cat
     LEFT JOIN stats_categories x ON x.b = c.b AND x.k = c.k AND x.ps = c.ps AND x.cat = c.cat`,
  );

  await replaceRows(
    tx,
    "StatsInterBankFlow",
    5,
    ["timebankId", "periodKind", "periodStart", "targetTimebankId", "purpose", "transfers", "minutes", "senders"],
    `     SELECT d.b, d.k, d.ps, i."targetTimebankId", i.purpose, count(*)::int, sum(i.minutes)::int, count(DISTINCT i."senderAccountId")::int
     FROM stats_dirty d
     JOIN "InterBankTransfer" i ON i."timebankId" = d.b AND i.status = 'POSTED' AND i."postedAt" >= d.pstart AND i."postedAt" < d.pe
     GROUP BY 1, 2, 3, 4, 5`,
  );

  await replaceRows(
    tx,
    "StatsInstitutionHours",
    4,
    ["timebankId", "periodKind", "periodStart", "institutionKind", "minutesEarned", "minutesGiven", "counterparts"],
    `     SELECT d.b, d.k, d.ps, inst.kind,
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

  await replaceRows(
    tx,
    "StatsParticipation",
    5,
    ["timebankId", "periodKind", "periodStart", "dimension", "answer", "members", "active"],
    `     SELECT sm.b, sm.k, sm.ps, ans.dimension, ans.answer, count(*)::int,
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

/**
 * Replaces the rows of the dirty bank-periods in one rollup table by the rows `select` gives (its
 * columns in `columns` order, the first `keys` of them the primary key): a row that did not change
 * is not written, a changed one is updated in place (its suppression flags kept for the publish
 * step to check), and only rows that are gone are deleted. Deleting and re-inserting every dirty
 * row at each refresh filled the current periods' index ranges with dead rows faster than
 * autovacuum cleared them under a heavy write load, and each refresh got slower.
 */
async function replaceRows(tx: Tx, table: string, keys: number, columns: string[], select: string): Promise<void> {
  const q = (c: string) => `"${c}"`;
  const values = columns.slice(keys);
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_new`);
  await tx.$executeRawUnsafe(`CREATE TEMP TABLE stats_new ON COMMIT DROP AS SELECT * FROM (${select}) AS s(${columns.map(q).join(", ")})`);
  await tx.$executeRawUnsafe(
    `INSERT INTO "${table}" AS r (${columns.map(q).join(", ")}) SELECT ${columns.map(q).join(", ")} FROM stats_new
     ON CONFLICT (${columns.slice(0, keys).map(q).join(", ")}) DO UPDATE SET ${values.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(", ")}
     WHERE (${values.map((c) => `r.${q(c)}`).join(", ")}) IS DISTINCT FROM (${values.map((c) => `EXCLUDED.${q(c)}`).join(", ")})`,
  );
  await tx.$executeRawUnsafe(
    `DELETE FROM "${table}" r USING stats_dirty d
     WHERE r."timebankId" = d.b AND r."periodKind" = d.k AND r."periodStart" = d.ps
       AND NOT EXISTS (SELECT 1 FROM stats_new n WHERE ${columns
         .slice(0, keys)
         .map((c) => `n.${q(c)} = r.${q(c)}`)
         .join(" AND ")})`,
  );
}
