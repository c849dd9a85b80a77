// Publishing the national table's bank rows: the refresher computes, for every region and period
// it touched, which cells of each bank's rows are withheld (primary and complementary
// suppression, complements chosen among the banks of one region and among the categories, kinds
// and answers of one bank; inter-bank flows nationally per period) and stores the flags beside
// the counts. A bank's figures are then its own rollup rows read by primary key, and they are the
// very rows of the national table, because both are read from the same flags.
//
// The rules are those of stats.rules.ts (suppressColumn), applied to one period at a time in the
// order the national table lists its rows (by bank slug, then category / kind / answer), so that
// ties between equal cells are broken the same way wherever the table is computed.
import type { Db } from "../../db/database";
import { MIN_CELL_SIZE, suppressColumn } from "./stats.rules";

type Tx = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

/** The counting columns of StatsBankPeriod that can be withheld, and the people each counts. */
export const BANK_PERIOD_FIGURES = [
  ["membersTotal", "membersTotal"],
  ["membersActive", "membersActive"],
  ["membersNew", "membersNew"],
  ["membersPaused", "membersPaused"],
  ["membersLeft", "membersLeft"],
  ["exchanges", "exchangingMembers"],
  ["exchangeMinutes", "exchangingMembers"],
  ["reciprocalMembers", "reciprocalMembers"],
  ["neverExchanged", "neverExchanged"],
  ["consentedMembers", "consentedMembers"],
] as const;
export type BankPeriodFigure = (typeof BANK_PERIOD_FIGURES)[number][0];

const kOf = (r: { k: number }) => Math.max(MIN_CELL_SIZE, r.k);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Computes and stores the suppression flags of the bank-periods the refresh recomputed (the temp
 * table stats_dirty), of every period of the regions of banks whose region or cell size changed
 * since their flags were computed, and of the inter-bank flows of those periods. Returns how many
 * region-periods it published.
 */
export async function publishSuppression(tx: Tx): Promise<number> {
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_basis_changed`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_basis_changed ON COMMIT DROP AS
     SELECT b.id, COALESCE(b.region, '') AS region, s.region AS old_region, b."statsMinCellSize" AS k
     FROM "Timebank" b LEFT JOIN "StatsSuppressionBasis" s ON s."timebankId" = b.id
     WHERE s."timebankId" IS NULL OR s.region <> COALESCE(b.region, '') OR s."minCellSize" <> b."statsMinCellSize"`,
  );
  // A changed bank changes the periods where it has rows, in its old region and its new one.
  await tx.$executeRawUnsafe(`DROP TABLE IF EXISTS stats_publish`);
  await tx.$executeRawUnsafe(
    `CREATE TEMP TABLE stats_publish ON COMMIT DROP AS
     SELECT COALESCE(b.region, '') AS region, d.k, d.ps FROM stats_dirty d JOIN "Timebank" b ON b.id = d.b
     UNION
     SELECT reg.region, r."periodKind", r."periodStart"
     FROM stats_basis_changed c JOIN "StatsBankPeriod" r ON r."timebankId" = c.id
     CROSS JOIN LATERAL (SELECT c.region UNION SELECT c.old_region WHERE c.old_region IS NOT NULL) reg`,
  );
  const periods = await tx.$queryRawUnsafe<{ k: string; ps: string; regions: string[] }[]>(
    `SELECT k::text AS k, ps::text AS ps, array_agg(DISTINCT region) AS regions FROM stats_publish GROUP BY k, ps ORDER BY k, ps`,
  );
  let published = 0;
  for (const p of periods) {
    await publishBankRows(tx, p.k, p.ps, p.regions);
    await publishFlows(tx, p.k, p.ps);
    published += p.regions.length;
  }
  await tx.$executeRawUnsafe(
    `INSERT INTO "StatsSuppressionBasis" ("timebankId", region, "minCellSize") SELECT id, region, k FROM stats_basis_changed
     ON CONFLICT ("timebankId") DO UPDATE SET region = EXCLUDED.region, "minCellSize" = EXCLUDED."minCellSize"`,
  );
  return published;
}

/** True when some bank's region or cell size is not what its published flags were computed with. */
export async function suppressionIsStale(db: Pick<Db, "$queryRawUnsafe">): Promise<boolean> {
  const [{ stale }] = await db.$queryRawUnsafe<{ stale: boolean }[]>(
    `SELECT EXISTS (SELECT 1 FROM "Timebank" b LEFT JOIN "StatsSuppressionBasis" s ON s."timebankId" = b.id
                    WHERE s."timebankId" IS NULL OR s.region <> COALESCE(b.region, '') OR s."minCellSize" <> b."statsMinCellSize") AS stale`,
  );
  return stale;
}

/** Updates only the rows whose flags changed: most rows keep theirs from one refresh to the next. */
async function store(tx: Tx, table: string, keyColumns: string[], setColumns: [string, string][], rows: Record<string, unknown>[]) {
  if (!rows.length) return;
  const recordType = [...keyColumns.map((c) => `"${c}" text`), ...setColumns.map(([c, type]) => `"${c}" ${type}`)].join(", ");
  const keyMatch = keyColumns.map((c) => `r."${c}"::text = u."${c}"`).join(" AND ");
  await tx.$executeRawUnsafe(
    `UPDATE "${table}" r SET ${setColumns.map(([c]) => `"${c}" = u."${c}"`).join(", ")}
     FROM jsonb_to_recordset($3::jsonb) AS u(${recordType})
     WHERE r."periodKind" = $1::"StatsPeriodKind" AND r."periodStart" = $2::date AND ${keyMatch}`,
    rows[0].__kind,
    rows[0].__ps,
    JSON.stringify(rows.map(({ __kind, __ps, ...rest }) => rest)),
  );
}

async function publishBankRows(tx: Tx, kind: string, ps: string, regions: string[]) {
  const params = [kind, ps, regions] as const;
  const where = `r."periodKind" = $1::"StatsPeriodKind" AND r."periodStart" = $2::date AND COALESCE(b.region, '') = ANY($3::text[])`;
  const tag = { __kind: kind, __ps: ps };

  type MemberRow = { timebankId: string; slug: string; region: string; k: number; suppressedFigures: string[] | null } & Record<
    string,
    number
  >;
  const members = await tx.$queryRawUnsafe<MemberRow[]>(
    `SELECT r.*, b.slug, COALESCE(b.region, '') AS region, b."statsMinCellSize" AS k
     FROM "StatsBankPeriod" r JOIN "Timebank" b ON b.id = r."timebankId" WHERE ${where} ORDER BY b.slug`,
    ...params,
  );
  const flags = BANK_PERIOD_FIGURES.map(([figure, people]) => ({
    figure,
    hidden: suppressColumn(
      members,
      (r) => r.region,
      (r) => r[people],
      (r) => r[figure],
      kOf,
    ).map((f) => f.suppressed),
  }));
  const memberChanges = members.flatMap((r, i) => {
    const figures = flags.filter((f) => f.hidden[i]).map((f) => f.figure);
    return sameSet(figures, r.suppressedFigures ?? []) ? [] : [{ ...tag, timebankId: r.timebankId, suppressedFigures: figures }];
  });
  await store(tx, "StatsBankPeriod", ["timebankId"], [["suppressedFigures", "text[]"]], memberChanges);

  type CategoryRow = {
    timebankId: string;
    slug: string;
    region: string;
    k: number;
    categorySlug: string;
    participants: number;
    suppressed: boolean;
  };
  const categories = await tx.$queryRawUnsafe<CategoryRow[]>(
    `SELECT r."timebankId", r."categorySlug", r.participants, r.suppressed, b.slug, COALESCE(b.region, '') AS region, b."statsMinCellSize" AS k
     FROM "StatsBankPeriodCategory" r JOIN "Timebank" b ON b.id = r."timebankId" WHERE ${where} ORDER BY b.slug, r."categorySlug"`,
    ...params,
  );
  // Categories add up to the bank's exchanges, and the banks of a category to its regional figure.
  const catHidden = suppressColumn(
    categories,
    [(r) => r.slug, (r) => `${r.categorySlug}|${r.region}`],
    (r) => r.participants,
    (r) => r.participants,
    kOf,
  );
  await store(
    tx,
    "StatsBankPeriodCategory",
    ["timebankId", "categorySlug"],
    [["suppressed", "boolean"]],
    categories.flatMap((r, i) =>
      catHidden[i].suppressed === r.suppressed
        ? []
        : [{ ...tag, timebankId: r.timebankId, categorySlug: r.categorySlug, suppressed: catHidden[i].suppressed }],
    ),
  );

  type InstRow = {
    timebankId: string;
    slug: string;
    region: string;
    k: number;
    institutionKind: string;
    counterparts: number;
    suppressed: boolean;
  };
  const insts = await tx.$queryRawUnsafe<InstRow[]>(
    `SELECT r."timebankId", r."institutionKind"::text AS "institutionKind", r.counterparts, r.suppressed, b.slug, COALESCE(b.region, '') AS region, b."statsMinCellSize" AS k
     FROM "StatsInstitutionHours" r JOIN "Timebank" b ON b.id = r."timebankId" WHERE ${where} ORDER BY b.slug, r."institutionKind"::text`,
    ...params,
  );
  const instHidden = suppressColumn(
    insts,
    [(r) => r.slug, (r) => `${r.institutionKind}|${r.region}`],
    (r) => r.counterparts,
    (r) => r.counterparts,
    kOf,
  );
  await store(
    tx,
    "StatsInstitutionHours",
    ["timebankId", "institutionKind"],
    [["suppressed", "boolean"]],
    insts.flatMap((r, i) =>
      instHidden[i].suppressed === r.suppressed
        ? []
        : [{ ...tag, timebankId: r.timebankId, institutionKind: r.institutionKind, suppressed: instHidden[i].suppressed }],
    ),
  );

  type PartRow = {
    timebankId: string;
    slug: string;
    region: string;
    k: number;
    dimension: string;
    answer: string;
    members: number;
    active: number;
    membersSuppressed: boolean;
    activeSuppressed: boolean;
  };
  const parts = await tx.$queryRawUnsafe<PartRow[]>(
    `SELECT r."timebankId", r.dimension, r.answer, r.members, r.active, r."membersSuppressed", r."activeSuppressed", b.slug, COALESCE(b.region, '') AS region, b."statsMinCellSize" AS k
     FROM "StatsParticipation" r JOIN "Timebank" b ON b.id = r."timebankId" WHERE ${where} ORDER BY b.slug, r.dimension, r.answer`,
    ...params,
  );
  const partKeys = [(r: PartRow) => `${r.slug}|${r.dimension}`, (r: PartRow) => `${r.dimension}|${r.answer}|${r.region}`];
  const partMembers = suppressColumn(
    parts,
    partKeys,
    (r) => r.members,
    (r) => r.members,
    kOf,
  );
  const partActive = suppressColumn(
    parts,
    partKeys,
    (r) => r.active,
    (r) => r.active,
    kOf,
  );
  await store(
    tx,
    "StatsParticipation",
    ["timebankId", "dimension", "answer"],
    [
      ["membersSuppressed", "boolean"],
      ["activeSuppressed", "boolean"],
    ],
    parts.flatMap((r, i) =>
      partMembers[i].suppressed === r.membersSuppressed && partActive[i].suppressed === r.activeSuppressed
        ? []
        : [
            {
              ...tag,
              timebankId: r.timebankId,
              dimension: r.dimension,
              answer: r.answer,
              membersSuppressed: partMembers[i].suppressed,
              activeSuppressed: partActive[i].suppressed,
            },
          ],
    ),
  );
}

/** Flows of one period, nationally: a bank's flows add up to what it sent and what it received. */
async function publishFlows(tx: Tx, kind: string, ps: string) {
  type FlowRow = {
    timebankId: string;
    targetTimebankId: string;
    purpose: string;
    source: string;
    target: string;
    k: number;
    senders: number;
    suppressed: boolean;
  };
  const flows = await tx.$queryRawUnsafe<FlowRow[]>(
    `SELECT r."timebankId", r."targetTimebankId", r.purpose::text AS purpose, s.slug AS source, t.slug AS target,
            GREATEST(s."statsMinCellSize", t."statsMinCellSize")::int AS k, r.senders, r.suppressed
     FROM "StatsInterBankFlow" r JOIN "Timebank" s ON s.id = r."timebankId" JOIN "Timebank" t ON t.id = r."targetTimebankId"
     WHERE r."periodKind" = $1::"StatsPeriodKind" AND r."periodStart" = $2::date
     ORDER BY s.slug, t.slug, r.purpose::text`,
    kind,
    ps,
  );
  const hidden = suppressColumn(
    flows,
    [(r) => `from|${r.source}`, (r) => `to|${r.target}`],
    (r) => r.senders,
    (r) => r.senders,
    kOf,
  );
  await store(
    tx,
    "StatsInterBankFlow",
    ["timebankId", "targetTimebankId", "purpose"],
    [["suppressed", "boolean"]],
    flows.flatMap((r, i) =>
      hidden[i].suppressed === r.suppressed
        ? []
        : [
            {
              __kind: kind,
              __ps: ps,
              timebankId: r.timebankId,
              targetTimebankId: r.targetTimebankId,
              purpose: r.purpose,
              suppressed: hidden[i].suppressed,
            },
          ],
    ),
  );
}
