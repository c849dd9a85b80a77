// Statistics for the umbrella body and coordinators: read from the rollups, aggregated to the
// grouping asked for, small cells suppressed. Nothing here returns a person, an id of a member
// or a single exchange: only counts per period and group.
import { everyBank } from "../../db/bank-scope";
import { badInput, forbidden, notFound } from "../../common/errors";
import { isStaff } from "../../context/access";
import { inTransaction, requireViewer, type RequestContext } from "../../context/context";
import type { Db } from "../../db/database";
import { forBank, findBySlug } from "../timebank/timebank.service";
import { suppressionIsStale, type BankPeriodFigure } from "./stats.publish";
import { lastRefresh, refreshRollups } from "./stats.refresh";
import { MIN_CELL_SIZE, periodStarts, share, shown, suppressColumn, withheld, type Figure, type PeriodKind } from "./stats.rules";
import {
  StatsGrouping,
  type CategoryFigures,
  type InstitutionFigures,
  type InterBankFlowFigures,
  type MemberFigures,
  type NetPositionFigures,
  type Participation,
  type ParticipationFigures,
  type ParticipationInput,
  type StatisticsInput,
  type StatisticsReport,
} from "./stats.type";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_PERIODS = 160;

/** Who may read which banks: the umbrella body every bank; coordinators their own banks only. */
export interface StatsScope {
  /** null: every bank (umbrella). */
  bankIds: string[] | null;
}

export function statsScope(ctx: RequestContext): StatsScope {
  const viewer = requireViewer(ctx);
  if (viewer.isUmbrella) return { bankIds: null };
  const own = viewer.memberships.filter(isStaff).map((m) => m.timebankId);
  if (!own.length) throw forbidden("statistics are for the umbrella body and the banks' coordinators");
  return { bankIds: own };
}

// One refresh at a time per process; concurrent readers wait for the same one.
const refreshing = new WeakMap<Db, Promise<unknown>>();

/**
 * Brings the rollups up to date when they are older than the configured staleness, or when a
 * bank's region or cell size changed since its suppression flags were published (a bank that
 * raises its threshold is protected from its next read on, not after the staleness).
 */
export async function ensureFresh(ctx: RequestContext): Promise<Date | null> {
  const db = ctx.app.database.prisma;
  const [last, stale] = await Promise.all([lastRefresh(db), suppressionIsStale(db)]);
  if (last && !stale && Date.now() - last.getTime() <= ctx.app.config.statsMaxStalenessMs) return last;
  let running = refreshing.get(db);
  if (!running) {
    // Background work that a read waits for: every bank (row-level security, src/db/bank-scope.ts).
    running = everyBank(() => refreshRollups(ctx.app.database, { clock: ctx.clock })).finally(() => refreshing.delete(db));
    refreshing.set(db, running);
  }
  await running;
  return lastRefresh(db);
}

interface Scoped {
  periods: string[];
  kind: PeriodKind;
  /** Bank ids the answer may cover (null: all). */
  banks: string[] | null;
  grouping: StatsGrouping;
}

async function resolveInput(ctx: RequestContext, input: StatisticsInput): Promise<Scoped> {
  const scope = statsScope(ctx);
  if (!DAY.test(input.from) || Number.isNaN(Date.parse(input.from))) throw badInput("from must be a day (YYYY-MM-DD)", "from");
  if (!DAY.test(input.to) || Number.isNaN(Date.parse(input.to))) throw badInput("to must be a day (YYYY-MM-DD)", "to");
  const from = new Date(`${input.from}T00:00:00Z`);
  const to = new Date(`${input.to}T00:00:00Z`);
  if (to < from) throw badInput("to must not be before from", "to");
  const periods = periodStarts(input.periodKind, from, to, MAX_PERIODS + 1);
  if (periods.length > MAX_PERIODS) throw badInput(`at most ${MAX_PERIODS} periods at once`, "to");
  let banks = scope.bankIds;
  if (input.timebank) {
    if (input.grouping !== StatsGrouping.BANK) throw badInput("timebank narrows grouping BANK only", "timebank");
    const bank = await findBySlug(ctx, input.timebank);
    if (banks && !banks.includes(bank.id)) throw notFound(`statistics of ${input.timebank}`);
    banks = [bank.id];
  }
  // Coordinators see their own bank's row of the national figures, not the national totals.
  if (scope.bankIds && input.grouping !== StatsGrouping.BANK)
    throw forbidden("coordinators read their own bank's figures: use grouping BANK");
  return { periods, kind: input.periodKind, banks, grouping: input.grouping };
}

function groupSql(grouping: StatsGrouping): { key: string; name: string } {
  switch (grouping) {
    case StatsGrouping.NATIONAL:
      return { key: `'ALL'`, name: `'All banks'` };
    case StatsGrouping.REGION:
      return { key: `COALESCE(b.region, '')`, name: `COALESCE(b.region, 'No region')` };
    default:
      return { key: `b.slug`, name: `b.name` };
  }
}

const hours = (minutes: number) => Math.round((minutes / 60) * 100) / 100;
const asHours = (f: Figure): Figure => (f.value === null ? f : shown(hours(f.value)));
const day = (d: Date | string) => (typeof d === "string" ? d.slice(0, 10) : d.toISOString().slice(0, 10));

export async function statistics(ctx: RequestContext, input: StatisticsInput): Promise<StatisticsReport> {
  const q = await resolveInput(ctx, input);
  const refreshedAt = await ensureFresh(ctx);
  // The reads go out together (PostgreSQL answers them on separate connections).
  const flows = interBankFigures(ctx.db, q);
  const tables = q.grouping === StatsGrouping.BANK ? await bankRows(ctx.db, q) : await aggregatedRows(ctx.db, q);
  return {
    periodKind: q.kind,
    grouping: q.grouping,
    periods: q.periods,
    minCellSize: Math.max(MIN_CELL_SIZE, ...tables.cellSizes),
    refreshedAt,
    members: tables.members,
    categories: tables.categories,
    ...(await flows),
    institutions: tables.institutions,
    participation: tables.participation,
  };
}

interface Tables {
  members: MemberFigures[];
  categories: CategoryFigures[];
  institutions: InstitutionFigures[];
  participation: ParticipationFigures[];
  /** The cell sizes of the groups in the answer. */
  cellSizes: number[];
}

/**
 * Grouping BANK: the banks' own rollup rows with the suppression flags the refresher published
 * for the national table (stats.publish.ts), narrowed to the banks in scope by primary key. A
 * coordinator's row, or one bank's, is therefore the very row of the national table.
 */
async function bankRows(db: Db, q: Scoped): Promise<Tables> {
  const params = q.banks ? [q.kind, q.periods, q.banks] : [q.kind, q.periods];
  const where = `r."periodKind" = $1::"StatsPeriodKind" AND r."periodStart" = ANY($2::date[])${q.banks ? ` AND r."timebankId" = ANY($3::uuid[])` : ""}`;
  const from = (table: string) => `FROM "${table}" r JOIN "Timebank" b ON b.id = r."timebankId" WHERE ${where}`;
  const head = `r."periodStart" AS period, b.slug AS grp, b.name AS name`;
  type Head = { period: Date; grp: string; name: string };
  type MemberRow = Head & { k: number; suppressedFigures: string[] | null } & Record<BankPeriodFigure | "institutions", number>;
  type CategoryRow = Head & { category: string; exchanges: number; minutes: number; participants: number; suppressed: boolean };
  type InstRow = Head & { kind: string; earned: number; given: number; suppressed: boolean };
  type PartRow = Head & {
    dimension: string;
    answer: string;
    members: number;
    active: number;
    membersSuppressed: boolean;
    activeSuppressed: boolean;
  };
  const [memberRows, categoryRows, instRows, partRows] = await Promise.all([
    db.$queryRawUnsafe<MemberRow[]>(
      `SELECT ${head}, b."statsMinCellSize"::int AS k, r.* ${from("StatsBankPeriod")} ORDER BY 1, 2`,
      ...params,
    ),
    db.$queryRawUnsafe<CategoryRow[]>(
      `SELECT ${head}, r."categorySlug" AS category, r.exchanges, r.minutes, r.participants, r.suppressed ${from("StatsBankPeriodCategory")} ORDER BY 1, 2, 4`,
      ...params,
    ),
    db.$queryRawUnsafe<InstRow[]>(
      `SELECT ${head}, r."institutionKind"::text AS kind, r."minutesEarned" AS earned, r."minutesGiven" AS given, r.suppressed ${from("StatsInstitutionHours")} ORDER BY 1, 2, 4`,
      ...params,
    ),
    db.$queryRawUnsafe<PartRow[]>(
      `SELECT ${head}, r.dimension, r.answer, r.members, r.active, r."membersSuppressed", r."activeSuppressed" ${from("StatsParticipation")} ORDER BY 1, 2, 4, 5`,
      ...params,
    ),
  ]);
  const consentedBy = new Map<string, Figure>();
  const members = memberRows.map((r) => {
    const hidden = new Set(r.suppressedFigures ?? []);
    const fig = (f: BankPeriodFigure) => (hidden.has(f) ? withheld : shown(r[f]));
    const total = fig("membersTotal");
    const consented = fig("consentedMembers");
    consentedBy.set(`${day(r.period)}|${r.grp}`, consented);
    return {
      period: day(r.period),
      group: r.grp,
      groupName: r.name,
      membersTotal: total,
      membersActive: fig("membersActive"),
      membersNew: fig("membersNew"),
      membersPaused: fig("membersPaused"),
      membersLeft: fig("membersLeft"),
      // Institutions are organisations, not people: not suppressed.
      institutions: shown(r.institutions),
      exchanges: fig("exchanges"),
      hoursExchanged: asHours(fig("exchangeMinutes")),
      reciprocityShare: share(fig("reciprocalMembers"), total),
      neverExchangedShare: share(fig("neverExchanged"), total),
      participationConsented: consented,
    };
  });
  return {
    members,
    categories: categoryRows.map((r) => ({
      period: day(r.period),
      group: r.grp,
      groupName: r.name,
      category: r.category,
      exchanges: r.suppressed ? withheld : shown(r.exchanges),
      hours: r.suppressed ? withheld : shown(hours(r.minutes)),
      participants: r.suppressed ? withheld : shown(r.participants),
    })),
    institutions: instRows.map((r) => ({
      period: day(r.period),
      group: r.grp,
      groupName: r.name,
      institutionKind: r.kind as InstitutionFigures["institutionKind"],
      hoursEarned: r.suppressed ? withheld : shown(hours(r.earned)),
      hoursGiven: r.suppressed ? withheld : shown(hours(r.given)),
    })),
    participation: partRows.map((r) => {
      const people = r.membersSuppressed ? withheld : shown(r.members);
      return {
        period: day(r.period),
        group: r.grp,
        groupName: r.name,
        dimension: r.dimension,
        answer: r.answer,
        members: people,
        share: share(people, consentedBy.get(`${day(r.period)}|${r.grp}`) ?? withheld),
        active: r.activeSuppressed ? withheld : shown(r.active),
      };
    }),
    cellSizes: memberRows.map((r) => r.k),
  };
}

/** Inter-bank flows and net positions, with the flags published nationally per period. */
async function interBankFigures(db: Db, q: Scoped): Promise<Pick<StatisticsReport, "interBankFlows" | "netPositions">> {
  type FlowRow = {
    period: Date;
    source: string;
    target: string;
    sourceId: string;
    targetId: string;
    purpose: string;
    transfers: number;
    minutes: number;
    suppressed: boolean;
  };
  const flowRows = await db.$queryRawUnsafe<FlowRow[]>(
    `SELECT r."periodStart" AS period, s.slug AS source, t.slug AS target, s.id::text AS "sourceId", t.id::text AS "targetId",
            r.purpose::text AS purpose, r.transfers, r.minutes, r.suppressed
     FROM "StatsInterBankFlow" r JOIN "Timebank" s ON s.id = r."timebankId" JOIN "Timebank" t ON t.id = r."targetTimebankId"
     WHERE r."periodKind" = $1::"StatsPeriodKind" AND r."periodStart" = ANY($2::date[])
       ${q.banks ? `AND (r."timebankId" = ANY($3::uuid[]) OR r."targetTimebankId" = ANY($3::uuid[]))` : ""}
     ORDER BY 1, 2, 3, 6`,
    ...(q.banks ? [q.kind, q.periods, q.banks] : [q.kind, q.periods]),
  );
  const interBankFlows: InterBankFlowFigures[] = [];
  const positions = new Map<string, { period: string; bank: string; bankId: string; sent: number; received: number; hidden: boolean }>();
  for (const r of flowRows) {
    for (const [bank, bankId, sent] of [
      [r.source, r.sourceId, true],
      [r.target, r.targetId, false],
    ] as const) {
      const key = `${day(r.period)}|${bank}`;
      const p = positions.get(key) ?? { period: day(r.period), bank, bankId, sent: 0, received: 0, hidden: false };
      if (sent) p.sent += r.minutes;
      else p.received += r.minutes;
      // A position built from a withheld flow would give the flow away: withhold it too.
      p.hidden ||= r.suppressed;
      positions.set(key, p);
    }
    interBankFlows.push({
      period: day(r.period),
      fromBank: r.source,
      toBank: r.target,
      purpose: r.purpose as InterBankFlowFigures["purpose"],
      transfers: r.suppressed ? withheld : shown(r.transfers),
      hours: r.suppressed ? withheld : shown(hours(r.minutes)),
    });
  }
  const netPositions: NetPositionFigures[] = [...positions.values()]
    .filter((p) => q.banks === null || q.banks.includes(p.bankId))
    .sort((a, b) => (a.period === b.period ? a.bank.localeCompare(b.bank) : a.period.localeCompare(b.period)))
    .map((p) => ({
      period: p.period,
      bank: p.bank,
      hoursSent: p.hidden ? withheld : shown(hours(p.sent)),
      hoursReceived: p.hidden ? withheld : shown(hours(p.received)),
      netHours: p.hidden ? withheld : shown(hours(p.received - p.sent)),
    }));
  return { interBankFlows, netPositions };
}

/**
 * Groupings NATIONAL and REGION (the umbrella body's only): the banks' rows summed per group,
 * suppressed here. Totals of regions and of the nation add up along categories, kinds and answers.
 */
async function aggregatedRows(db: Db, q: Scoped): Promise<Tables> {
  const g = groupSql(q.grouping);
  const params = [q.kind, q.periods];
  const periodFilter = `r."periodKind" = $1::"StatsPeriodKind" AND r."periodStart" = ANY($2::date[])`;
  const head = `r."periodStart" AS period, ${g.key} AS grp, ${g.name} AS name, max(b."statsMinCellSize")::int AS k`;
  const pending = {
    memberRows: db.$queryRawUnsafe<MemberRow[]>(
      `SELECT ${head},
              sum(r."membersTotal")::int AS total, sum(r."membersActive")::int AS active, sum(r."membersNew")::int AS joined,
              sum(r."membersPaused")::int AS paused, sum(r."membersLeft")::int AS left_, sum(r."institutions")::int AS institutions,
              sum(r."exchanges")::int AS exchanges, sum(r."exchangeMinutes")::int AS minutes, sum(r."exchangingMembers")::int AS exchanging,
              sum(r."reciprocalMembers")::int AS reciprocal, sum(r."neverExchanged")::int AS never, sum(r."consentedMembers")::int AS consented
       FROM "StatsBankPeriod" r JOIN "Timebank" b ON b.id = r."timebankId"
       WHERE ${periodFilter}
       GROUP BY 1, 2, 3 ORDER BY 1, 2`,
      ...params,
    ),
    categoryRows: db.$queryRawUnsafe<CategoryRow[]>(
      `SELECT ${head}, r."categorySlug" AS category,
              sum(r.exchanges)::int AS exchanges, sum(r.minutes)::int AS minutes, sum(r.participants)::int AS participants
       FROM "StatsBankPeriodCategory" r JOIN "Timebank" b ON b.id = r."timebankId"
       WHERE ${periodFilter}
       GROUP BY 1, 2, 3, 5 ORDER BY 1, 2, 5`,
      ...params,
    ),
    instRows: db.$queryRawUnsafe<InstRow[]>(
      `SELECT ${head}, r."institutionKind"::text AS kind,
              sum(r."minutesEarned")::int AS earned, sum(r."minutesGiven")::int AS given, sum(r.counterparts)::int AS counterparts
       FROM "StatsInstitutionHours" r JOIN "Timebank" b ON b.id = r."timebankId"
       WHERE ${periodFilter}
       GROUP BY 1, 2, 3, 5 ORDER BY 1, 2, 5`,
      ...params,
    ),
    partRows: db.$queryRawUnsafe<PartRow[]>(
      `SELECT ${head}, r.dimension, r.answer, sum(r.members)::int AS members, sum(r.active)::int AS active
       FROM "StatsParticipation" r JOIN "Timebank" b ON b.id = r."timebankId"
       WHERE ${periodFilter}
       GROUP BY 1, 2, 3, 5, 6 ORDER BY 1, 2, 5, 6`,
      ...params,
    ),
  };
  type MemberRow = {
    period: Date;
    grp: string;
    name: string;
    k: number;
    total: number;
    active: number;
    joined: number;
    paused: number;
    left_: number;
    institutions: number;
    exchanges: number;
    minutes: number;
    exchanging: number;
    reciprocal: number;
    never: number;
    consented: number;
  };
  const memberRows = await pending.memberRows;
  // The groups of a period add up to the nation.
  const col = (people: (r: MemberRow) => number, value: (r: MemberRow) => number = people) =>
    suppressColumn(
      memberRows,
      (r) => day(r.period),
      people,
      value,
      (r) => Math.max(MIN_CELL_SIZE, r.k),
    );
  const total = col((r) => r.total);
  const active = col((r) => r.active);
  const joined = col((r) => r.joined);
  const paused = col((r) => r.paused);
  const left = col((r) => r.left_);
  const exchanges = col(
    (r) => r.exchanging,
    (r) => r.exchanges,
  );
  const minutes = col(
    (r) => r.exchanging,
    (r) => r.minutes,
  );
  const reciprocal = col((r) => r.reciprocal);
  const never = col((r) => r.never);
  const consented = col((r) => r.consented);
  const members: MemberFigures[] = memberRows.map((r, i) => ({
    period: day(r.period),
    group: r.grp,
    groupName: r.name,
    membersTotal: total[i],
    membersActive: active[i],
    membersNew: joined[i],
    membersPaused: paused[i],
    membersLeft: left[i],
    // Institutions are organisations, not people: not suppressed.
    institutions: shown(r.institutions),
    exchanges: exchanges[i],
    hoursExchanged: asHours(minutes[i]),
    reciprocityShare: share(reciprocal[i], total[i]),
    neverExchangedShare: share(never[i], total[i]),
    participationConsented: consented[i],
  }));

  type CategoryRow = {
    period: Date;
    grp: string;
    name: string;
    k: number;
    category: string;
    exchanges: number;
    minutes: number;
    participants: number;
  };
  const categoryRows = await pending.categoryRows;
  // Categories add up to the group's exchanges, and the groups of a category to its national figure.
  const catKeys = [(r: CategoryRow) => `${day(r.period)}|${r.grp}`, (r: CategoryRow) => `${day(r.period)}|${r.category}`];
  const catHidden = suppressColumn(
    categoryRows,
    catKeys,
    (r) => r.participants,
    (r) => r.participants,
    (r) => Math.max(MIN_CELL_SIZE, r.k),
  );
  const categories: CategoryFigures[] = categoryRows.map((r, i) => {
    const hide = catHidden[i].suppressed;
    return {
      period: day(r.period),
      group: r.grp,
      groupName: r.name,
      category: r.category,
      exchanges: hide ? withheld : shown(r.exchanges),
      hours: hide ? withheld : shown(hours(r.minutes)),
      participants: catHidden[i],
    };
  });

  type InstRow = { period: Date; grp: string; name: string; k: number; kind: string; earned: number; given: number; counterparts: number };
  const instRows = await pending.instRows;
  const instHidden = suppressColumn(
    instRows,
    [(r) => `${day(r.period)}|${r.grp}`, (r) => `${day(r.period)}|${r.kind}`],
    (r) => r.counterparts,
    (r) => r.counterparts,
    (r) => Math.max(MIN_CELL_SIZE, r.k),
  );
  const institutions: InstitutionFigures[] = instRows.map((r, i) => {
    const hide = instHidden[i].suppressed;
    return {
      period: day(r.period),
      group: r.grp,
      groupName: r.name,
      institutionKind: r.kind as InstitutionFigures["institutionKind"],
      hoursEarned: hide ? withheld : shown(hours(r.earned)),
      hoursGiven: hide ? withheld : shown(hours(r.given)),
    };
  });

  type PartRow = { period: Date; grp: string; name: string; k: number; dimension: string; answer: string; members: number; active: number };
  const partRows = await pending.partRows;
  const partK = (r: PartRow) => Math.max(MIN_CELL_SIZE, r.k);
  const partKeys = [
    (r: PartRow) => `${day(r.period)}|${r.grp}|${r.dimension}`,
    (r: PartRow) => `${day(r.period)}|${r.dimension}|${r.answer}`,
  ];
  const partMembers = suppressColumn(
    partRows,
    partKeys,
    (r) => r.members,
    (r) => r.members,
    partK,
  );
  const partActive = suppressColumn(
    partRows,
    partKeys,
    (r) => r.active,
    (r) => r.active,
    partK,
  );
  const consentedBy = new Map(memberRows.map((r, i) => [`${day(r.period)}|${r.grp}`, consented[i]]));
  const participation: ParticipationFigures[] = partRows.map((r, i) => ({
    period: day(r.period),
    group: r.grp,
    groupName: r.name,
    dimension: r.dimension,
    answer: r.answer,
    members: partMembers[i],
    share: share(partMembers[i], consentedBy.get(`${day(r.period)}|${r.grp}`) ?? withheld),
    active: partActive[i],
  }));

  return { members, categories, institutions, participation, cellSizes: memberRows.map((r) => r.k) };
}

/** A platform admin grants (or withdraws) the umbrella role to a person, by email. */
export async function setUmbrellaAccess(ctx: RequestContext, rawEmail: string, granted: boolean) {
  const viewer = requireViewer(ctx);
  if (!viewer.isPlatformAdmin) throw forbidden("only platform admins grant the umbrella role");
  const email = rawEmail.trim().toLowerCase();
  const person = await ctx.db.person.findUnique({ where: { email } });
  if (!person || person.erasedAt) throw notFound(`person ${email}`);
  return ctx.db.person.update({ where: { id: person.id }, data: { isUmbrella: granted } });
}

/** A bank admin raises (or restores) the bank's threshold of small-cell suppression; never below 5. */
export async function setStatisticsCellSize(ctx: RequestContext, slug: string, minCellSize: number) {
  const bank = await forBank(ctx, slug);
  const m = bank.membership;
  if (!m || m.status !== "ACTIVE" || m.role !== "ADMIN")
    throw bank.membership ? forbidden("only the bank's admins can do this") : notFound(`settings of ${slug}`);
  if (!Number.isInteger(minCellSize) || minCellSize < MIN_CELL_SIZE || minCellSize > 1000)
    throw badInput(`minCellSize must be a whole number from ${MIN_CELL_SIZE} to 1000`, "minCellSize");
  return ctx.db.timebank.update({ where: { id: bank.bank.id }, data: { statsMinCellSize: minCellSize } });
}

async function myMembership(ctx: RequestContext, slug: string) {
  const bank = await forBank(ctx, slug);
  const m = bank.membership;
  if (!m || (m.status !== "ACTIVE" && m.status !== "PAUSED")) throw notFound(`membership of ${slug}`);
  return { bank, membershipId: m.membershipId };
}

export async function myParticipation(ctx: RequestContext, slug: string): Promise<Participation | null> {
  const { bank, membershipId } = await myMembership(ctx, slug);
  return ctx.db.participationProfile.findUnique({ where: { timebankId_membershipId: { timebankId: bank.bank.id, membershipId } } });
}

/** The member answers (with consent) or withdraws consent, which erases the answers. */
export async function setMyParticipation(ctx: RequestContext, slug: string, input: ParticipationInput): Promise<Participation | null> {
  const { bank, membershipId } = await myMembership(ctx, slug);
  const key = { timebankId_membershipId: { timebankId: bank.bank.id, membershipId } };
  const now = ctx.clock.now();
  return inTransaction(ctx, async (tx) => {
    // The membership's updatedAt tells the rollup refresher that this bank's figures changed.
    await tx.db.membership.update({ where: { timebankId_id: { timebankId: bank.bank.id, id: membershipId } }, data: { updatedAt: now } });
    if (!input.consent) {
      await tx.db.participationProfile.deleteMany({ where: { timebankId: bank.bank.id, membershipId } });
      return null;
    }
    const joinReasons = [...new Set(input.joinReasons ?? [])];
    const data = { ageBand: input.ageBand ?? null, situation: input.situation ?? null, joinReasons };
    return tx.db.participationProfile.upsert({
      where: key,
      create: { timebankId: bank.bank.id, membershipId, consentedAt: now, updatedAt: now, ...data },
      update: { ...data, updatedAt: now },
    });
  });
}
