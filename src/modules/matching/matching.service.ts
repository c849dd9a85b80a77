// Matchmaking: who could meet a request (and which requests a member could meet), explained;
// reciprocal pairs for coordinators; the life of a match from proposal to done; vouching.
//
// Understanding: skills, bios, offers and requests are mapped to activities of the vocabulary
// (matching.index.ts), so "My computer won't turn on" finds the member who wrote "IT support".
// Speed: candidates are generated in SQL (hard rules, then activities in common, related
// activities, the bank's category, rare words in common; nearest first), at most
// CANDIDATE_POOL of them, and scored in TypeScript by the pure scoring function.
// matchesForRequest runs a constant number of statements.
import { recordMatchProposed } from "./matching.events";
import { Prisma } from "../../generated/prisma/client";
import type { Match as MatchRow, Membership, MemberVouch } from "../../generated/prisma/client";
import type { MatchStatus } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound } from "../../common/errors";
import { pageSize } from "../../common/pagination";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext, inBank } from "../../context/context";
import { isInsider, isStaff, membershipIn, requireInsider, requireStaff } from "../../context/access";
import { findVisibleMember } from "../member/member.service";
import { effectiveStatus } from "../post/post.rules";
import { canManage, findVisiblePost, POST_COLUMNS, postFromRow } from "../post/post.service";
import { windowsOf, type Post } from "../post/post.type";
import { exchangeHistory, NO_EXCHANGES, type ExchangeTotals } from "./exchange-history";
import { safeguardingCheckedSql } from "../onboarding/safeguarding.sql";
import { atEngagementLimitSql } from "../helper/engagement.sql";
import { ineligibility, INELIGIBILITY_MESSAGES, phrases } from "./matching.rules";
import {
  MatchRefused,
  type MatchCandidate,
  type MatchingWeightsInput,
  type ReciprocalPair,
  type RequestMatches,
  type SuggestedRequest,
} from "./matching.type";
import { bankMatchingState, rarityOf, rarityWeight, refreshIndex, type BankMatchingState } from "./matching.index";
import { ACTIVITIES, ACTIVITY_BY_ID, activitiesIn, activitySimilarity, termWords } from "./vocabulary";
import { fold } from "./text";
import languagesFile from "./vocabulary/languages.json";
import {
  DEFAULT_OPTIONS,
  effectiveWeights,
  FACTOR_NAMES,
  MAX_WEIGHT,
  MIN_FIT,
  rankCandidates,
  scoreCandidate,
  type ActivityStrengths,
  type CandidateFacts,
  type MatchingWeights,
  type OfferFact,
  type Point,
  type RequestFacts,
  type ScoringOptions,
  type SkillFact,
  type WeeklyWindow,
} from "./scoring";

/** How many members the SQL pre-ranking hands to the scoring function at most. */
export const CANDIDATE_POOL = 150;
/** Requests considered for suggestedRequests and reciprocalPairs at most (newest first). */
export const REQUEST_POOL = 300;
/** Matches proposed or accepted within this many days count as recent load. */
export const RECENT_DAYS = 30;
export const MAX_RESULTS = 50;
/** Words used by more than this share of the bank's members find no candidates alone. */
const COMMON_WORD_SHARE = 0.05;

export type MatchResult = MatchRow | MatchRefused;

const refusal = (code: string, message: string) => errorResult(MatchRefused, code, message);

export async function weightsFor(ctx: BankContext): Promise<MatchingWeights> {
  const row = await ctx.db.matchingSettings.findUnique({ where: { timebankId: ctx.bank.id } });
  return effectiveWeights(row?.weights as Record<string, unknown> | undefined);
}

function weekdayOf(day: Date): number {
  return ((day.getUTCDay() + 6) % 7) + 1;
}

/** What the index knows of a request, and of its requester. */
interface RequestIndexRow {
  activities: Record<string, number> | null;
  words: string[] | null;
  languages: string[] | null;
  lat: number | null;
  lon: number | null;
  requesterLanguages: string[];
  requesterLat: number | null;
  requesterLon: number | null;
}

const pointOf = (lat: number | null | undefined, lon: number | null | undefined): Point | null =>
  lat === null || lat === undefined || lon === null || lon === undefined ? null : { lat, lon };

export function requestFactsOf(post: Post, requesterLanguages: string[], ix?: Partial<RequestIndexRow> | null): RequestFacts {
  return {
    categoryId: post.categoryId,
    tags: post.tags,
    title: post.title,
    description: post.description,
    placeMode: post.placeMode,
    neighbourhood: post.neighbourhood,
    availability: windowsOf(post),
    dateWeekdays: [...new Set(post.dates.map(weekdayOf))],
    flexible: post.flexible,
    requesterLanguages,
    activities: ix?.activities ?? undefined,
    words: ix?.words ?? undefined,
    languagesNeeded: ix?.languages ?? [],
    // Where the help is wanted: the request's place, or else where the requester lives.
    point: pointOf(ix?.lat, ix?.lon) ?? pointOf(ix?.requesterLat, ix?.requesterLon),
  };
}

/** The index row of a request with its requester's languages and place, in one statement. */
async function requestIndexOf(ctx: BankContext, post: Post): Promise<RequestIndexRow> {
  const bank = ctx.bank.id;
  const [row] = await ctx.db.$queryRaw<RequestIndexRow[]>`
    SELECT pi."strengths" AS "activities", pi."words", pi."languages", pi."lat", pi."lon",
           coalesce(pr."languages", '{}'::text[]) AS "requesterLanguages", mi."lat" AS "requesterLat", mi."lon" AS "requesterLon"
      FROM (SELECT 1) one
      LEFT JOIN "MatchingPostIndex" pi ON pi."timebankId" = ${bank}::uuid AND pi."postId" = ${post.id}::uuid
      LEFT JOIN "MemberProfile" pr ON pr."timebankId" = ${bank}::uuid AND pr."membershipId" = ${post.authorId}::uuid
      LEFT JOIN "MatchingMemberIndex" mi ON mi."timebankId" = ${bank}::uuid AND mi."membershipId" = ${post.authorId}::uuid`;
  return row;
}

/** One row per member: the membership, what scoring needs, and the hard-rule flags. */
interface CandidateRow {
  id: string;
  timebankId: string;
  personId: string;
  memberNumber: number;
  role: Membership["role"];
  status: Membership["status"];
  appliedAt: Date;
  approvedById: string | null;
  approvedAt: Date | null;
  joinedAt: Date | null;
  pausedAt: Date | null;
  plannedReturnOn: Date | null;
  leftAt: Date | null;
  updatedAt: Date;
  languages: string[];
  neighbourhood: string | null;
  availability: WeeklyWindow[];
  skills: SkillFact[];
  offers: (OfferFact & { words?: string[] | null })[];
  /** { activityId: [strength, source] } from the matching index. */
  indexed: Record<string, [number, string]> | null;
  words: string[] | null;
  lat: number | null;
  lon: number | null;
  recentMatches: number;
  acceptedMatches: number;
  vouched: boolean;
  /** Has a valid safeguarding check, or the bank requires none (issue 9). */
  checked: boolean;
  /** Has reached the hours they want to give per week or month (issue 9). */
  atLimit: boolean;
  declined: boolean;
}

function membershipOf(row: CandidateRow): Membership {
  const {
    id,
    timebankId,
    personId,
    memberNumber,
    role,
    status,
    appliedAt,
    approvedById,
    approvedAt,
    joinedAt,
    pausedAt,
    plannedReturnOn,
    leftAt,
    updatedAt,
  } = row;
  return {
    id,
    timebankId,
    personId,
    memberNumber,
    role,
    status,
    appliedAt,
    approvedById,
    approvedAt,
    joinedAt,
    pausedAt,
    plannedReturnOn,
    leftAt,
    updatedAt,
  };
}

function candidateFactsOf(row: CandidateRow, totals: ExchangeTotals): CandidateFacts {
  const activities: ActivityStrengths = {};
  const activitySources: Record<string, string> = {};
  for (const [id, [strength, source]] of Object.entries(row.indexed ?? {})) {
    activities[id] = strength;
    activitySources[id] = source;
  }
  return {
    memberId: row.id,
    skills: row.skills,
    offers: row.offers.map((o) => ({ ...o, activities: o.activities ?? undefined })),
    languages: row.languages,
    neighbourhood: row.neighbourhood,
    availability: Array.isArray(row.availability) ? row.availability : [],
    givenMinutes: totals.givenMinutes,
    receivedMinutes: totals.receivedMinutes,
    // Until the ledger records exchanges, an accepted match is the best evidence of one.
    exchangeCount: Math.max(totals.exchangeCount, row.acceptedMatches),
    recentMatches: row.recentMatches,
    activities,
    activitySources,
    words: [...(row.words ?? []), ...row.offers.flatMap((o) => o.words ?? [])],
    point: pointOf(row.lat, row.lon),
  };
}

/**
 * The facts of the members whose ids `ids` (a SELECT of one column "id") yields, in one statement.
 * `requestId` sets the `declined` flag for that request.
 */
async function candidateRows(ctx: BankContext, ids: Prisma.Sql, requestId: string | null): Promise<CandidateRow[]> {
  const bank = ctx.bank.id;
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - RECENT_DAYS * 86_400_000);
  return ctx.db.$queryRaw<CandidateRow[]>`
    SELECT m."id"::text AS "id", m."timebankId"::text AS "timebankId", m."personId"::text AS "personId", m."memberNumber",
           m."role"::text AS "role", m."status"::text AS "status", m."appliedAt", m."approvedById"::text AS "approvedById",
           m."approvedAt", m."joinedAt", m."pausedAt", m."plannedReturnOn"::timestamp AT TIME ZONE 'UTC' AS "plannedReturnOn", m."leftAt", m."updatedAt",
           coalesce(pr."languages", '{}'::text[]) AS "languages", pr."neighbourhood", coalesce(pr."availability", '[]'::jsonb) AS "availability",
           coalesce((SELECT json_agg(json_build_object('label', s."label", 'categoryId', s."categoryId"))
                       FROM "MemberSkill" s
                      WHERE s."timebankId" = ${bank}::uuid AND s."membershipId" = m."id" AND s."kind" IN ('SKILL', 'LIVED_EXPERIENCE')), '[]'::json) AS "skills",
           coalesce((SELECT json_agg(json_build_object('id', o."id", 'title', o."title", 'categoryId', o."categoryId", 'tags', coalesce(o."tags", '{}'::text[]),
                                                       'availability', o."availability", 'flexible', o."flexible",
                                                       'activities', oi."strengths", 'words', oi."words") ORDER BY o."createdAt" DESC)
                       FROM "Post" o
                       LEFT JOIN "MatchingPostIndex" oi ON oi."timebankId" = o."timebankId" AND oi."postId" = o."id"
                      WHERE o."timebankId" = ${bank}::uuid AND o."authorId" = m."id" AND o."kind" = 'OFFER' AND o."status" = 'OPEN'
                        AND (o."expiresAt" IS NULL OR o."expiresAt" > ${now})), '[]'::json) AS "offers",
           mi."strengths" AS "indexed", mi."words", mi."lat", mi."lon",
           (SELECT count(*)::int FROM "Match" x
             WHERE x."timebankId" = ${bank}::uuid AND x."candidateId" = m."id" AND x."status" IN ('PROPOSED', 'ACCEPTED') AND x."createdAt" > ${since}) AS "recentMatches",
           (SELECT count(*)::int FROM "Match" x
             WHERE x."timebankId" = ${bank}::uuid AND x."candidateId" = m."id" AND x."status" = 'ACCEPTED') AS "acceptedMatches",
           EXISTS (SELECT 1 FROM "MemberVouch" vo WHERE vo."timebankId" = ${bank}::uuid AND vo."membershipId" = m."id") AS "vouched",
           ${safeguardingCheckedSql(bank, Prisma.sql`m."id"`, now)} AS "checked",
           ${atEngagementLimitSql(bank, Prisma.sql`m."id"`, now)} AS "atLimit",
           EXISTS (SELECT 1 FROM "Match" d WHERE d."timebankId" = ${bank}::uuid AND d."requestId" = ${requestId}::uuid
                      AND d."candidateId" = m."id" AND d."status" = 'DECLINED') AS "declined"
      FROM (${ids}) AS wanted
      JOIN "Membership" m ON m."timebankId" = ${bank}::uuid AND m."id" = wanted."id"
      -- LATERAL: one index lookup per wanted member rather than a scan of every profile of the bank.
      LEFT JOIN LATERAL (SELECT p2."languages", p2."neighbourhood", p2."availability" FROM "MemberProfile" p2
                          WHERE p2."timebankId" = ${bank}::uuid AND p2."membershipId" = m."id" LIMIT 1) pr ON true
      LEFT JOIN "MatchingMemberIndex" mi ON mi."timebankId" = ${bank}::uuid AND mi."membershipId" = m."id"`;
}

/** The activities asked for, and those close enough to look for (same group). */
function activitiesToLookFor(asked: Record<string, number>): { direct: string[]; related: string[] } {
  const direct = Object.keys(asked).filter((a) => ACTIVITY_BY_ID.has(a) || true);
  const related = new Set<string>(direct);
  for (const a of direct) {
    for (const b of ACTIVITIES) if (activitySimilarity(a, b.id) >= 0.6) related.add(b.id);
  }
  return { direct, related: [...related] };
}

/** Words of the request rare enough in the bank to find candidates by themselves. */
function rareWords(words: string[], rarity: Awaited<ReturnType<typeof rarityOf>>): string[] {
  const limit = Math.max(2, rarity.members * COMMON_WORD_SHARE);
  return words.filter((w) => w.length >= 4 && (rarity.df.get(w) ?? 0) <= limit).slice(0, 30);
}

/**
 * Members who may be proposed for the request (hard rules) and could do it: an activity in
 * common (the member's skills and bio, or an open offer), a related one, a skill or offer in
 * the request's category or named in it, or a rare word in common. Those with the strongest
 * kind of hit first, then the nearest, at most CANDIDATE_POOL.
 */
function candidatePool(ctx: BankContext, post: Post, asked: Record<string, number>, words: string[], point: Point | null): Prisma.Sql {
  const bank = ctx.bank.id;
  const now = ctx.clock.now();
  const cat = post.categoryId;
  const named = [...new Set([...phrases(`${post.title} ${post.description}`), ...post.tags])];
  const { direct, related } = activitiesToLookFor(asked);
  const lat = point?.lat ?? null;
  const lon = point?.lon ?? null;
  const cosLat = Math.cos(((lat ?? 0) * Math.PI) / 180);
  const openOffer = Prisma.sql`o."timebankId" = ${bank}::uuid AND o."kind" = 'OFFER' AND o."status" = 'OPEN' AND (o."expiresAt" IS NULL OR o."expiresAt" > ${now})`;
  return Prisma.sql`
    SELECT pool."id" FROM (
      SELECT m."id", h."fit", m."memberNumber",
             CASE WHEN ${lat}::float8 IS NULL OR mi."lat" IS NULL THEN 1000.0
                  ELSE 111.2 * sqrt(power(mi."lat" - ${lat}::float8, 2) + power((mi."lon" - ${lon}::float8) * ${cosLat}::float8, 2)) END AS "km"
        FROM (
          SELECT hit."id", max(hit."fit") AS "fit" FROM (
            SELECT x."membershipId" AS "id", CASE WHEN x."activities" && ${direct}::text[] THEN 1.0 ELSE 0.6 END AS "fit"
              FROM "MatchingMemberIndex" x WHERE x."timebankId" = ${bank}::uuid AND x."activities" && ${related}::text[]
            UNION ALL
            SELECT o."authorId", CASE WHEN oi."activities" && ${direct}::text[] THEN 1.0 ELSE 0.6 END
              FROM "MatchingPostIndex" oi JOIN "Post" o ON o."timebankId" = oi."timebankId" AND o."id" = oi."postId"
             WHERE oi."timebankId" = ${bank}::uuid AND oi."activities" && ${related}::text[] AND ${openOffer}
            UNION ALL
            SELECT s."membershipId", CASE WHEN s."label" = ANY(${named}::text[]) THEN 0.8 ELSE 0.4 END
              FROM "MemberSkill" s
             WHERE s."timebankId" = ${bank}::uuid AND s."kind" IN ('SKILL', 'LIVED_EXPERIENCE')
               AND (s."categoryId" = ${cat}::uuid OR s."label" = ANY(${named}::text[]))
            UNION ALL
            SELECT o."authorId", CASE WHEN o."tags" && ${named}::text[] THEN 0.8 ELSE 0.4 END
              FROM "Post" o WHERE ${openOffer} AND (o."categoryId" = ${cat}::uuid OR o."tags" && ${named}::text[])
            UNION ALL
            SELECT x."membershipId", 0.3 FROM "MatchingMemberIndex" x WHERE x."timebankId" = ${bank}::uuid AND x."words" && ${words}::text[]
            UNION ALL
            SELECT o."authorId", 0.3
              FROM "MatchingPostIndex" oi JOIN "Post" o ON o."timebankId" = oi."timebankId" AND o."id" = oi."postId"
             WHERE oi."timebankId" = ${bank}::uuid AND oi."words" && ${words}::text[] AND ${openOffer}
          ) hit GROUP BY hit."id"
        ) h
        JOIN "Membership" m ON m."timebankId" = ${bank}::uuid AND m."id" = h."id"
        LEFT JOIN "MatchingMemberIndex" mi ON mi."timebankId" = m."timebankId" AND mi."membershipId" = m."id"
       WHERE m."status" = 'ACTIVE'
         AND m."id" <> ${post.authorId}::uuid
         AND NOT EXISTS (SELECT 1 FROM "Match" d WHERE d."timebankId" = ${bank}::uuid AND d."requestId" = ${post.id}::uuid
                            AND d."candidateId" = m."id" AND d."status" = 'DECLINED')
         AND (NOT ${post.requiresVouchedHelper} OR EXISTS (SELECT 1 FROM "MemberVouch" vo WHERE vo."timebankId" = ${bank}::uuid AND vo."membershipId" = m."id"))
         AND (NOT ${post.requiresVouchedHelper} OR ${safeguardingCheckedSql(bank, Prisma.sql`m."id"`, now)})
         AND NOT ${atEngagementLimitSql(bank, Prisma.sql`m."id"`, now)}
       ORDER BY h."fit" DESC, "km", m."memberNumber"
       LIMIT ${CANDIDATE_POOL}
    ) pool`;
}

const LANGUAGE_NAMES = languagesFile.languages as Record<string, string[]>;
const languageName = (code: string) => {
  const name = LANGUAGE_NAMES[code]?.[0];
  return name ? name[0].toUpperCase() + name.slice(1) : code;
};
const activityName = (id: string) => ACTIVITY_BY_ID.get(id)?.terms.en?.[0] ?? id;

/** Scoring options of a bank: its weights and radius, its words' rarity, the vocabulary's similarity. */
function scoringOptions(state: BankMatchingState, rarity: Awaited<ReturnType<typeof rarityOf>>): ScoringOptions {
  return {
    ...DEFAULT_OPTIONS,
    weights: state.weights,
    radiusKm: state.radiusKm,
    wordWeight: (w) => rarityWeight(rarity, w),
    similarity: activitySimilarity,
    activityName,
    languageName,
  };
}

/** The bank's matching settings with its index brought up to date, and its words' rarity. */
async function readyBank(ctx: BankContext) {
  const state = await bankMatchingState(ctx);
  await refreshIndex(ctx, state);
  const rarity = await rarityOf(ctx);
  return { state, rarity, options: scoringOptions(state, rarity) };
}

async function totalsFor(ctx: BankContext, ids: string[]): Promise<Map<string, ExchangeTotals>> {
  return ids.length ? exchangeHistory().totalsFor(ctx, ids) : new Map();
}

async function requestToMatch(ctx: RequestContext, requestId: string) {
  const found = await findVisiblePost(ctx, requestId, "request");
  if (found.post.kind !== "REQUEST") throw badInput("that post is an offer: matches are made for requests", "request");
  return found;
}

/** Candidates for a request, ranked, with what the list leaves out. */
async function rankForRequest(bank: BankContext, post: Post) {
  const { options, rarity } = await readyBank(bank);
  const ix = await requestIndexOf(bank, post);
  const facts = requestFactsOf(post, ix.requesterLanguages, ix);
  const rows = await candidateRows(
    bank,
    candidatePool(bank, post, facts.activities ?? {}, rareWords(facts.words ?? [], rarity), facts.point ?? null),
    post.id,
  );
  const totals = await totalsFor(
    bank,
    rows.map((r) => r.id),
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const candidates = rows.map((r) => candidateFactsOf(r, totals.get(r.id) ?? NO_EXCHANGES));
  const ranked = rankCandidates(facts, candidates, options);
  const nearMisses = candidates.map((c) => scoreCandidate(facts, c, options)).filter((s) => s.relevant && s.unfit);
  return { ranked, byId, nearMisses };
}

const toCandidate =
  (byId: Map<string, CandidateRow>) =>
  (s: ReturnType<typeof rankCandidates>[number]): MatchCandidate => ({
    member: membershipOf(byId.get(s.memberId)!),
    score: s.score,
    reasons: s.reasons,
    factors: s.factors,
    offerId: s.offerId,
  });

/** Ranked members who could meet the request. The requester and coordinators only; empty once the request is no longer open. */
export async function matchesForRequest(ctx: RequestContext, requestId: string, first?: number | null): Promise<MatchCandidate[]> {
  return (await requestMatches(ctx, requestId, first)).candidates;
}

/**
 * The same list with what it leaves out: `nobodyFits` when no member can do it (rather than a
 * list of members who cannot), and how many could do it but are ruled out by the language the
 * request needs, the bank's radius or the time asked for.
 */
export async function requestMatches(ctx: RequestContext, requestId: string, first?: number | null): Promise<RequestMatches> {
  const size = pageSize(first, MAX_RESULTS);
  const { post, bank } = await requestToMatch(ctx, requestId);
  if (!canManage(bank, post)) throw forbidden("only the requester and the bank's coordinators see candidates for a request");
  if (effectiveStatus(post, bank.clock.now()) !== "OPEN")
    return { candidates: [], nobodyFits: false, ruledOutByLanguage: 0, ruledOutByDistance: 0, ruledOutByTime: 0 };
  const { ranked, byId, nearMisses } = await rankForRequest(bank, post);
  const count = (u: string) => nearMisses.filter((s) => s.unfit === u).length;
  return {
    candidates: ranked.slice(0, size).map(toCandidate(byId)),
    nobodyFits: ranked.length === 0,
    ruledOutByLanguage: count("LANGUAGE"),
    ruledOutByDistance: count("TOO_FAR"),
    ruledOutByTime: count("NOT_AVAILABLE"),
  };
}

/** What a member can do, as the index and their open offers say (for suggestions and pairs). */
function abilitiesOf(c: CandidateFacts): string[] {
  return [...new Set([...Object.keys(c.activities ?? {}), ...c.offers.flatMap((o) => Object.keys(o.activities ?? {}))])];
}

type RequestRow = Parameters<typeof postFromRow>[0] & RequestIndexRow;

/** Open requests of the bank with their index rows (at most REQUEST_POOL, newest first). */
async function openRequests(ctx: BankContext, where: Prisma.Sql): Promise<RequestRow[]> {
  const bank = ctx.bank.id;
  const now = ctx.clock.now();
  return ctx.db.$queryRaw<RequestRow[]>`
    SELECT ${POST_COLUMNS}, coalesce(pr."languages", '{}'::text[]) AS "requesterLanguages",
           pi."strengths" AS "activities", pi."words", pi."languages", pi."lat", pi."lon", ai."lat" AS "requesterLat", ai."lon" AS "requesterLon"
      FROM "Post" p
      LEFT JOIN "MemberProfile" pr ON pr."timebankId" = p."timebankId" AND pr."membershipId" = p."authorId"
      LEFT JOIN "MatchingPostIndex" pi ON pi."timebankId" = p."timebankId" AND pi."postId" = p."id"
      LEFT JOIN "MatchingMemberIndex" ai ON ai."timebankId" = p."timebankId" AND ai."membershipId" = p."authorId"
     WHERE p."timebankId" = ${bank}::uuid AND p."kind" = 'REQUEST' AND p."status" = 'OPEN'
       AND (p."expiresAt" IS NULL OR p."expiresAt" > ${now})
       AND ${where}
     ORDER BY p."createdAt" DESC, p."id" DESC
     LIMIT ${REQUEST_POOL}`;
}

/** Open requests of the bank the viewer could meet, ranked the same way. Paused members get none. */
export async function suggestedRequests(ctx: BankContext, first?: number | null): Promise<SuggestedRequest[]> {
  const me = requireInsider(ctx);
  const size = pageSize(first, MAX_RESULTS);
  if (me.status !== "ACTIVE") return [];
  const { options } = await readyBank(ctx);
  const bank = ctx.bank.id;
  const [row] = await candidateRows(ctx, Prisma.sql`SELECT ${me.membershipId}::uuid AS "id"`, null);
  const totals = (await totalsFor(ctx, [row.id])).get(row.id) ?? NO_EXCHANGES;
  const candidate = candidateFactsOf(row, totals);
  const { related } = activitiesToLookFor(Object.fromEntries(abilitiesOf(candidate).map((a) => [a, 1])));
  const categories = [
    ...new Set([...row.skills.map((s) => s.categoryId), ...row.offers.map((o) => o.categoryId)].filter((c): c is string => !!c)),
  ];
  const labels = [...new Set([...row.skills.map((s) => s.label), ...row.offers.flatMap((o) => o.tags)])];
  const requests = await openRequests(
    ctx,
    Prisma.sql`p."authorId" <> ${me.membershipId}::uuid
       AND (NOT p."requiresVouchedHelper" OR ${row.vouched && row.checked})
       AND NOT EXISTS (SELECT 1 FROM "Match" d WHERE d."timebankId" = ${bank}::uuid AND d."requestId" = p."id"
                          AND d."candidateId" = ${me.membershipId}::uuid AND d."status" = 'DECLINED')
       AND (pi."activities" && ${related}::text[] OR p."categoryId" = ANY(${categories}::uuid[]) OR p."tags" && ${labels}::text[]
            OR EXISTS (SELECT 1 FROM unnest(${labels}::text[]) l WHERE position(l IN lower(p."title")) > 0))`,
  );
  return requests
    .map((r) => {
      const request = postFromRow(r);
      return { request, ...scoreCandidate(requestFactsOf(request, r.requesterLanguages, r), candidate, options) };
    })
    .filter((s) => s.relevant && !s.unfit)
    .sort((a, b) => b.score - a.score || b.request.createdAt.getTime() - a.request.createdAt.getTime())
    .slice(0, size)
    .map((s) => ({ request: s.request, score: s.score, reasons: s.reasons, factors: s.factors, offerId: s.offerId }));
}

/** A need of a member: an open request, or a need on their profile. */
interface Need {
  memberId: string;
  facts: RequestFacts;
  /** How the need is named in reasons. */
  label: string;
  requestId: string | null;
  requiresVouchedHelper: boolean;
}

/** What one member can do for another: their skills or offers, how well, and for which needs. */
interface Giving {
  what: Set<string>;
  fit: number;
  needs: Set<string>;
}

/**
 * Coordinators: active members who can each meet a need of the other, where a need is an open
 * request or a need on the member's profile, and "can meet" is the same fit as for a candidate
 * (an activity of theirs, a related one, or the label in the category), with the request's
 * language, distance, time and vouching rules.
 */
export async function reciprocalPairs(ctx: BankContext, first?: number | null): Promise<ReciprocalPair[]> {
  requireStaff(ctx);
  const size = pageSize(first);
  const { options, state } = await readyBank(ctx);
  const bank = ctx.bank.id;
  const [requests, profileNeeds] = await Promise.all([
    openRequests(
      ctx,
      Prisma.sql`EXISTS (SELECT 1 FROM "Membership" a WHERE a."timebankId" = p."timebankId" AND a."id" = p."authorId" AND a."status" = 'ACTIVE')`,
    ),
    ctx.db.$queryRaw<{ memberId: string; label: string; categoryId: string | null }[]>`
      SELECT n."membershipId"::text AS "memberId", n."label", n."categoryId"::text AS "categoryId"
        FROM "MemberSkill" n JOIN "Membership" m ON m."timebankId" = n."timebankId" AND m."id" = n."membershipId" AND m."status" = 'ACTIVE'
       WHERE n."timebankId" = ${bank}::uuid AND n."kind" = 'NEED'
       ORDER BY n."membershipId", n."label"
       LIMIT ${REQUEST_POOL * 3}`,
  ]);
  const needs: Need[] = [
    ...requests.map((r) => {
      const post = postFromRow(r);
      return {
        memberId: post.authorId,
        facts: requestFactsOf(post, r.requesterLanguages, r),
        label: `"${post.title}"`,
        requestId: post.id,
        requiresVouchedHelper: post.requiresVouchedHelper,
      };
    }),
    ...profileNeeds.map((n) => ({
      memberId: n.memberId,
      facts: {
        categoryId: n.categoryId,
        tags: [n.label],
        title: n.label,
        description: "",
        placeMode: "IN_PERSON" as const,
        neighbourhood: null,
        availability: [],
        dateWeekdays: [],
        flexible: true,
        requesterLanguages: [],
        activities: Object.fromEntries(activitiesIn(n.label, state.local)),
      },
      label: n.label,
      requestId: null,
      requiresVouchedHelper: false,
    })),
  ];
  const people = [...new Set(needs.map((n) => n.memberId))];
  if (people.length < 2) return [];
  const rows = await candidateRows(ctx, Prisma.sql`SELECT unnest(${people}::uuid[]) AS "id"`, null);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const helpers = new Map(rows.filter((r) => r.status === "ACTIVE").map((r) => [r.id, candidateFactsOf(r, NO_EXCHANGES)]));
  // gives.get(a).get(b): what a can do for b (the skill or offer), and for which of b's needs.
  const gives = new Map<string, Map<string, Giving>>();
  for (const need of needs) {
    for (const [helperId, helper] of helpers) {
      if (helperId === need.memberId) continue;
      if (need.requiresVouchedHelper && !(byId.get(helperId)!.vouched && byId.get(helperId)!.checked)) continue;
      const s = scoreCandidate({ ...need.facts, requesterLanguages: [] }, helper, options);
      const skill = s.factors.find((f) => f.name === "skill")!.value;
      if (skill < MIN_FIT || s.unfit) continue;
      const what = s.gives ?? s.reasons[0] ?? "";
      const toB = gives.get(helperId) ?? new Map<string, Giving>();
      gives.set(helperId, toB);
      const entry: Giving = toB.get(need.memberId) ?? { what: new Set<string>(), fit: 0, needs: new Set<string>() };
      entry.what.add(what);
      entry.fit = Math.max(entry.fit, skill);
      entry.needs.add(need.label);
      toB.set(need.memberId, entry);
    }
  }
  const pairs: { a: string; b: string; ab: Giving; ba: Giving }[] = [];
  for (const [a, toB] of gives) {
    for (const [b, ab] of toB) {
      const ba = gives.get(b)?.get(a);
      if (a < b && ba) pairs.push({ a, b, ab, ba });
    }
  }
  pairs.sort(
    (x, y) =>
      y.ab.fit + y.ba.fit - (x.ab.fit + x.ba.fit) ||
      x.ab.what.size + x.ba.what.size - (y.ab.what.size + y.ba.what.size) ||
      (x.a + x.b < y.a + y.b ? -1 : 1),
  );
  const sorted = (xs: Set<string>) => [...xs].sort();
  return pairs.slice(0, size).map(({ a, b, ab, ba }) => ({
    a: membershipOf(byId.get(a)!),
    b: membershipOf(byId.get(b)!),
    aCanHelpBWith: sorted(ab.what),
    bCanHelpAWith: sorted(ba.what),
    aHelpsBFor: sorted(ab.needs),
    bHelpsAFor: sorted(ba.needs),
  }));
}

/** A coordinator or the requester proposes a member (and perhaps one of their offers) for a request. */
export async function proposeMatch(
  ctx: RequestContext,
  requestId: string,
  candidateId: string,
  offerId?: string | null,
): Promise<MatchResult> {
  const { post, bank } = await requestToMatch(ctx, requestId);
  if (!canManage(bank, post)) throw forbidden("only the requester and the bank's coordinators can propose a match");
  const memberId = v.id(candidateId, "candidate");
  const offer = offerId ? v.id(offerId, "offer") : null;
  const now = bank.clock.now();
  if (effectiveStatus(post, now) !== "OPEN") {
    return refusal("REQUEST_NOT_OPEN", `the request is ${effectiveStatus(post, now).toLowerCase()}: only open requests get matches`);
  }
  const [row] = await candidateRows(bank, Prisma.sql`SELECT ${memberId}::uuid AS "id"`, post.id);
  if (!row) throw notFound("member");
  if (offer && !row.offers.some((o) => o.id === offer)) throw badInput("that is not an open offer of this member", "offer");
  const broken = ineligibility({
    candidateId: row.id,
    candidateStatus: row.status,
    requesterId: post.authorId,
    declinedThisRequest: row.declined,
    requiresVouchedHelper: post.requiresVouchedHelper,
    candidateVouched: row.vouched,
    candidateChecked: row.checked,
    candidateAtLimit: row.atLimit,
  });
  if (broken) return refusal(broken, INELIGIBILITY_MESSAGES[broken]);
  const { options } = await readyBank(bank);
  // The candidate's row was read before the index was brought up to date: read it again.
  const [fresh, ix, totals] = await Promise.all([
    candidateRows(bank, Prisma.sql`SELECT ${memberId}::uuid AS "id"`, post.id).then((r) => r[0]),
    requestIndexOf(bank, post),
    totalsFor(bank, [row.id]),
  ]);
  const score = scoreCandidate(
    requestFactsOf(post, ix.requesterLanguages, ix),
    candidateFactsOf(fresh, totals.get(row.id) ?? NO_EXCHANGES),
    options,
  );
  const proposer = bank.membership!.membershipId;
  const snapshot = {
    score: score.score,
    factors: score.factors as unknown as Prisma.InputJsonValue,
    offerId: offer ?? score.offerId,
    proposedById: proposer,
    createdAt: now,
    respondedAt: null,
    status: "PROPOSED" as const,
  };
  return inTransaction(bank, async (tx) => {
    const existing = await tx.db.match.findUnique({
      where: { timebankId_requestId_candidateId: { ...inBank(tx), requestId: post.id, candidateId: row.id } },
    });
    if (existing && existing.status !== "WITHDRAWN") {
      return refusal("ALREADY_PROPOSED", `this member was already proposed for this request (${existing.status.toLowerCase()})`);
    }
    if (existing) {
      const renewed = await tx.db.match.updateMany({ where: { ...inBank(tx), id: existing.id, status: "WITHDRAWN" }, data: snapshot });
      if (renewed.count !== 1) return refusal("ALREADY_PROPOSED", "this member was proposed for this request meanwhile");
      const match = await tx.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: existing.id } } });
      await recordMatchProposed(tx, match);
      return match;
    }
    try {
      const match = await tx.db.match.create({ data: { ...inBank(tx), requestId: post.id, candidateId: row.id, ...snapshot } });
      await recordMatchProposed(tx, match);
      return match;
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
        return refusal("ALREADY_PROPOSED", "this member was proposed for this request meanwhile");
      }
      throw err;
    }
  });
}

/** Finds a match as the viewer may see it: the candidate, the requester, the proposer or a coordinator of its bank. */
/** Finds a match as the viewer may see it: the candidate, the requester, the proposer or a coordinator of its bank. */
async function findVisibleMatch(ctx: RequestContext, rawId: string): Promise<{ match: MatchRow; bank: BankContext; request: Post }> {
  const viewer = requireViewer(ctx);
  const id = v.id(rawId, "match");
  const match = await ctx.db.match.findFirst({ where: { id } });
  if (!match || !isInsider(membershipIn(viewer, match.timebankId))) throw notFound("match");
  const { post, bank } = await findVisiblePost(ctx, match.requestId);
  const mine = bank.membership!.membershipId;
  if (![match.candidateId, match.proposedById, post.authorId].includes(mine) && !isStaff(bank.membership)) throw notFound("match");
  return { match, bank, request: post };
}

const answerRefused = (status: MatchStatus) =>
  refusal("MATCH_NOT_PROPOSED", `this match is ${status.toLowerCase()}: only a proposed match can be answered`);

/** The candidate says yes: the match is ACCEPTED, the request MATCHED, other proposals for it withdrawn. */
export async function acceptMatch(ctx: RequestContext, matchId: string): Promise<MatchResult> {
  const { match, bank } = await findVisibleMatch(ctx, matchId);
  if (bank.membership!.membershipId !== match.candidateId) throw forbidden("only the proposed member can accept or decline");
  const now = bank.clock.now();
  try {
    return await inTransaction(bank, async (tx) => {
      // WARNING: lock order is request, then matches (as closePost does). Two candidates
      // accepting at once queue here instead of deadlocking on each other's match rows.
      await tx.db
        .$queryRaw`SELECT 1 FROM "Post" WHERE "timebankId" = ${tx.bank.id}::uuid AND "id" = ${match.requestId}::uuid FOR NO KEY UPDATE`;
      const answered = await tx.db.match.updateMany({
        where: { ...inBank(tx), id: match.id, status: "PROPOSED" },
        data: { status: "ACCEPTED", respondedAt: now },
      });
      if (answered.count !== 1) {
        const current = await tx.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: match.id } } });
        return answerRefused(current.status);
      }
      const matched = await tx.db.post.updateMany({
        where: { ...inBank(tx), id: match.requestId, status: "OPEN", OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
        data: { status: "MATCHED", updatedAt: now },
      });
      // Roll the acceptance back: the request was closed, matched or expired meanwhile.
      if (matched.count !== 1) throw new RequestGone();
      await tx.db.match.updateMany({
        where: { ...inBank(tx), requestId: match.requestId, status: "PROPOSED" },
        data: { status: "WITHDRAWN" },
      });
      return tx.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: match.id } } });
    });
  } catch (err) {
    if (err instanceof RequestGone) return refusal("REQUEST_NOT_OPEN", "the request is no longer open");
    throw err;
  }
}

class RequestGone extends Error {}

/** The candidate says no; they are not proposed for this request again. */
export async function declineMatch(ctx: RequestContext, matchId: string): Promise<MatchResult> {
  const { match, bank } = await findVisibleMatch(ctx, matchId);
  if (bank.membership!.membershipId !== match.candidateId) throw forbidden("only the proposed member can accept or decline");
  const declined = await bank.db.match.updateMany({
    where: { ...inBank(bank), id: match.id, status: "PROPOSED" },
    data: { status: "DECLINED", respondedAt: bank.clock.now() },
  });
  const current = await bank.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: match.id } } });
  return declined.count === 1 ? current : answerRefused(current.status);
}

/** The proposer, the requester or a coordinator takes back a proposal that is not answered yet. */
export async function withdrawMatch(ctx: RequestContext, matchId: string): Promise<MatchResult> {
  const { match, bank, request } = await findVisibleMatch(ctx, matchId);
  const mine = bank.membership!.membershipId;
  if (mine !== match.proposedById && mine !== request.authorId && !isStaff(bank.membership))
    throw forbidden("only the proposer, the requester or a coordinator can withdraw a proposal");
  const withdrawn = await bank.db.match.updateMany({
    where: { ...inBank(bank), id: match.id, status: "PROPOSED" },
    data: { status: "WITHDRAWN" },
  });
  const current = await bank.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: match.id } } });
  return withdrawn.count === 1
    ? current
    : refusal("MATCH_NOT_PROPOSED", `this match is ${current.status.toLowerCase()}: only a proposed match can be withdrawn`);
}

/** The requester or a coordinator marks a matched request as done (the ledger will do this when it records the exchange). */
export async function markRequestDone(ctx: RequestContext, requestId: string): Promise<Post | MatchRefused> {
  const { post, bank } = await requestToMatch(ctx, requestId);
  if (!canManage(bank, post)) throw forbidden("only the requester and the bank's coordinators can mark a request done");
  const now = bank.clock.now();
  const done = await bank.db.post.updateMany({
    where: { ...inBank(bank), id: post.id, status: "MATCHED" },
    data: { status: "DONE", closedAt: now, updatedAt: now },
  });
  const current = await bank.db.post.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: post.id } } });
  return done.count === 1
    ? current
    : refusal("REQUEST_NOT_MATCHED", `the request is ${effectiveStatus(current, now).toLowerCase()}: only a matched request can be done`);
}

/** Proposals made to the viewer in a bank, newest first (default: those waiting for an answer). */
export async function myMatches(ctx: BankContext, status: MatchStatus | null | undefined, first?: number | null): Promise<MatchRow[]> {
  const me = requireInsider(ctx);
  return ctx.db.match.findMany({
    where: { ...inBank(ctx), candidateId: me.membershipId, status: status ?? "PROPOSED" },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: pageSize(first),
  });
}

/** The matches of a request, for its author and the bank's coordinators; null for anyone else. */
export async function matchesOfRequest(ctx: RequestContext, post: Post): Promise<MatchRow[] | null> {
  if (post.kind !== "REQUEST") return [];
  const m = membershipIn(ctx.viewer, post.timebankId);
  if (m?.membershipId !== post.authorId && !isStaff(m)) return null;
  return ctx.loaders.matchesByRequest.load(post.id);
}

/** Coordinators: this member may be sent into people's homes (references checked). */
export async function vouchForMember(ctx: RequestContext, memberId: string, note?: string | null): Promise<Membership> {
  const { member, bank } = await findVisibleMember(ctx, memberId);
  if (!isStaff(bank.membership)) {
    if (!isInsider(bank.membership)) throw notFound("member");
    throw forbidden("only the bank's coordinators can vouch for a member");
  }
  if (member.status !== "ACTIVE" && member.status !== "PAUSED") throw badInput("only current members can be vouched for", "memberId");
  const text = v.optionalText(note, "note", 500) ?? "";
  const key = { timebankId: bank.bank.id, membershipId: member.id };
  await bank.db.memberVouch.upsert({
    where: { timebankId_membershipId: key },
    create: { ...key, vouchedById: ctx.viewer!.personId, vouchedAt: bank.clock.now(), note: text },
    update: { vouchedById: ctx.viewer!.personId, vouchedAt: bank.clock.now(), note: text },
  });
  return member;
}

export async function withdrawVouch(ctx: RequestContext, memberId: string): Promise<Membership> {
  const { member, bank } = await findVisibleMember(ctx, memberId);
  if (!isStaff(bank.membership)) {
    if (!isInsider(bank.membership)) throw notFound("member");
    throw forbidden("only the bank's coordinators can withdraw a vouch");
  }
  await bank.db.memberVouch.deleteMany({ where: { timebankId: bank.bank.id, membershipId: member.id } });
  return member;
}

/** The vouch of a member, for insiders of their bank. */
export async function vouchOf(ctx: RequestContext, member: Pick<Membership, "id" | "timebankId">): Promise<MemberVouch | null> {
  if (!isInsider(membershipIn(ctx.viewer, member.timebankId))) return null;
  return ctx.loaders.vouchByMembership.load(member.id);
}

/** The activities of the vocabulary (all, or those of one category), for coordinators choosing where a synonym belongs. */
export function matchingActivities(ctx: BankContext, category?: string | null) {
  requireInsider(ctx);
  return ACTIVITIES.filter((a) => !category || a.category === category).map((a) => ({
    id: a.id,
    category: a.category,
    group: a.group,
    name: activityName(a.id),
    terms: Object.entries(a.terms).flatMap(([language, phrases]) => phrases.map((phrase) => ({ language, phrase }))),
  }));
}

/** The bank's own synonyms, oldest first. */
export async function matchingSynonyms(ctx: BankContext) {
  requireInsider(ctx);
  return ctx.db.matchingSynonym.findMany({ where: inBank(ctx), orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

/**
 * Coordinators: another way their members say an activity ("cykeldoktor" for bike repair).
 * The bank's index is rebuilt with it at the next matching read.
 */
export async function addMatchingSynonym(ctx: BankContext, activityId: string, rawPhrase: string) {
  requireStaff(ctx);
  const activity = (activityId ?? "").trim();
  if (!ACTIVITY_BY_ID.has(activity)) throw badInput(`unknown activity '${activity.slice(0, 60)}': see matchingActivities`, "activity");
  const phrase = v.text(rawPhrase, "phrase", { max: 80 }).replace(/\s+/g, " ");
  if (phrase.length < 2) throw badInput("the phrase must have at least 2 characters", "phrase");
  if (!termWords(phrase).length) throw badInput("the phrase needs a word that is not a filler word (such as 'help' or 'and')", "phrase");
  const folded = fold(phrase);
  const existing = await ctx.db.matchingSynonym.findUnique({ where: { timebankId_folded: { ...inBank(ctx), folded } } });
  if (existing) throw badInput(`'${existing.phrase}' already means ${existing.activityId} in this bank`, "phrase");
  try {
    return await ctx.db.matchingSynonym.create({
      data: { ...inBank(ctx), activityId: activity, phrase, folded, createdById: ctx.viewer!.personId, createdAt: ctx.clock.now() },
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")
      throw badInput("that phrase was added meanwhile", "phrase");
    throw err;
  }
}

/** Coordinators: remove a synonym of their bank. */
export async function removeMatchingSynonym(ctx: BankContext, rawId: string) {
  requireStaff(ctx);
  const id = v.id(rawId, "id");
  const existing = await ctx.db.matchingSynonym.findUnique({ where: { timebankId_id: { ...inBank(ctx), id } } });
  if (!existing) throw notFound("synonym");
  await ctx.db.matchingSynonym.deleteMany({ where: { ...inBank(ctx), id } });
  return existing;
}

/** How far (km) helpers may live from help wanted in person. */
export async function matchingRadiusKm(ctx: BankContext): Promise<number> {
  requireInsider(ctx);
  return (await bankMatchingState(ctx)).radiusKm;
}

/** Coordinators: set the bank's radius (0.5 to 500 km). */
export async function setMatchingRadius(ctx: BankContext, km: number): Promise<number> {
  requireStaff(ctx);
  if (!Number.isFinite(km) || km < 0.5 || km > 500) throw badInput("radiusKm must be between 0.5 and 500", "km");
  await ctx.db.matchingSettings.upsert({
    where: { timebankId: ctx.bank.id },
    create: { timebankId: ctx.bank.id, radiusKm: km },
    update: { radiusKm: km },
  });
  return km;
}

export async function matchingWeights(ctx: BankContext): Promise<MatchingWeights> {
  requireInsider(ctx);
  return weightsFor(ctx);
}

/** Coordinators tune how their bank ranks candidates. */
export async function updateMatchingWeights(ctx: BankContext, input: MatchingWeightsInput): Promise<MatchingWeights> {
  requireStaff(ctx);
  const changes: Partial<MatchingWeights> = {};
  for (const name of FACTOR_NAMES) {
    const value = input[name];
    if (value === undefined || value === null) continue;
    if (!Number.isFinite(value) || value < 0 || value > MAX_WEIGHT) throw badInput(`${name} must be between 0 and ${MAX_WEIGHT}`, name);
    changes[name] = value;
  }
  const current = await ctx.db.matchingSettings.findUnique({ where: { timebankId: ctx.bank.id } });
  const weights = { ...((current?.weights as Record<string, number> | undefined) ?? {}), ...changes };
  await ctx.db.matchingSettings.upsert({
    where: { timebankId: ctx.bank.id },
    create: { timebankId: ctx.bank.id, weights },
    update: { weights },
  });
  return effectiveWeights(weights);
}
