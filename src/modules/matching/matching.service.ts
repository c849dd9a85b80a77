// Matchmaking: who could meet a request (and which requests a member could meet), explained;
// reciprocal pairs for coordinators; the life of a match from proposal to done; vouching.
//
// Speed: candidates are generated in SQL (hard rules, then a coarse ranking by skill, place,
// language and time with the bank's weights, bounded to CANDIDATE_POOL), and scored in
// TypeScript by the pure scoring function. matchesForRequest runs a constant number of queries.
import { recordMatchProposed } from "./matching.events";
import { Prisma } from "../../generated/prisma/client";
import type { Match as MatchRow, Membership, MemberVouch } from "../../generated/prisma/client";
import type { MatchStatus } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound } from "../../common/errors";
import { pageSize } from "../../common/pagination";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { isInsider, isStaff, membershipIn, requireInsider, requireStaff } from "../../context/access";
import { findVisibleMember } from "../member/member.service";
import { effectiveStatus } from "../post/post.rules";
import { canManage, findVisiblePost, POST_COLUMNS, postFromRow } from "../post/post.service";
import { windowsOf, type Post } from "../post/post.type";
import { exchangeHistory, NO_EXCHANGES, type ExchangeTotals } from "./exchange-history";
import { safeguardingCheckedSql } from "../onboarding/safeguarding.sql";
import { atEngagementLimitSql } from "../helper/engagement.sql";
import { ineligibility, INELIGIBILITY_MESSAGES, phrases } from "./matching.rules";
import { MatchRefused, type MatchCandidate, type MatchingWeightsInput, type ReciprocalPair, type SuggestedRequest } from "./matching.type";
import {
  DEFAULT_OPTIONS,
  effectiveWeights,
  FACTOR_NAMES,
  MAX_WEIGHT,
  rankCandidates,
  scoreCandidate,
  words,
  type CandidateFacts,
  type MatchingWeights,
  type OfferFact,
  type RequestFacts,
  type SkillFact,
  type WeeklyWindow,
} from "./scoring";

/** How many members the SQL pre-ranking hands to the scoring function at most. */
export const CANDIDATE_POOL = 150;
/**
 * How many skill hits are pre-ranked at most. In a city-sized bank a category can hold tens of
 * thousands of members; the hits are first cut to this many by skill fit, then neighbours first,
 * then a per-request pseudo-random order (so that no member is always left out).
 */
export const HIT_POOL = 500;
/** Requests considered for suggestedRequests at most (newest first). */
export const REQUEST_POOL = 300;
/** Matches proposed or accepted within this many days count as recent load. */
export const RECENT_DAYS = 30;
export const MAX_RESULTS = 50;

export type MatchResult = MatchRow | MatchRefused;

const inBank = (ctx: BankContext) => ({ timebankId: ctx.bank.id });

const refusal = (code: string, message: string) => errorResult(MatchRefused, code, message);

export async function weightsFor(ctx: BankContext): Promise<MatchingWeights> {
  const row = await ctx.db.matchingSettings.findUnique({ where: { timebankId: ctx.bank.id } });
  return effectiveWeights(row?.weights as Record<string, unknown> | undefined);
}

function weekdayOf(day: Date): number {
  return ((day.getUTCDay() + 6) % 7) + 1;
}

export function requestFactsOf(post: Post, requesterLanguages: string[]): RequestFacts {
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
  };
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
  offers: OfferFact[];
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
  const { id, timebankId, personId, memberNumber, role, status, appliedAt, approvedById, approvedAt, joinedAt, pausedAt, plannedReturnOn, leftAt, updatedAt } = row;
  return { id, timebankId, personId, memberNumber, role, status, appliedAt, approvedById, approvedAt, joinedAt, pausedAt, plannedReturnOn, leftAt, updatedAt };
}

function candidateFactsOf(row: CandidateRow, totals: ExchangeTotals): CandidateFacts {
  return {
    memberId: row.id,
    skills: row.skills,
    offers: row.offers,
    languages: row.languages,
    neighbourhood: row.neighbourhood,
    availability: Array.isArray(row.availability) ? row.availability : [],
    givenMinutes: totals.givenMinutes,
    receivedMinutes: totals.receivedMinutes,
    // Until the ledger records exchanges, an accepted match is the best evidence of one.
    exchangeCount: Math.max(totals.exchangeCount, row.acceptedMatches),
    recentMatches: row.recentMatches,
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
                                                       'availability', o."availability", 'flexible', o."flexible") ORDER BY o."createdAt" DESC)
                       FROM "Post" o
                      WHERE o."timebankId" = ${bank}::uuid AND o."authorId" = m."id" AND o."kind" = 'OFFER' AND o."status" = 'OPEN'
                        AND (o."expiresAt" IS NULL OR o."expiresAt" > ${now})), '[]'::json) AS "offers",
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
                          WHERE p2."timebankId" = ${bank}::uuid AND p2."membershipId" = m."id" LIMIT 1) pr ON true`;
}

/** The tsquery "w1 | w2 | ..." of a text's words (letters and digits only, so nothing to escape). */
function anyWordQuery(text: string): string | null {
  const ws = words(text).slice(0, 30);
  return ws.length ? ws.join(" | ") : null;
}

/**
 * Members who may be proposed for the request (hard rules) and could do it (a skill or an open
 * offer in the category, named in the request, or sharing its words), pre-ranked with the bank's
 * weights by skill fit, place, language and time, at most CANDIDATE_POOL of them (out of at most
 * HIT_POOL hits).
 */
function candidatePool(ctx: BankContext, post: Post, requesterLanguages: string[], w: MatchingWeights): Prisma.Sql {
  const bank = ctx.bank.id;
  const now = ctx.clock.now();
  const cat = post.categoryId;
  const named = [...new Set([...phrases(`${post.title} ${post.description}`), ...post.tags])];
  const orQuery = anyWordQuery(`${post.title} ${post.description} ${post.tags.join(" ")}`);
  // Offers found by words alone: uncategorised ones when the request has a category (offers in
  // other categories that merely share a word are near misses and would flood a large bank).
  const textMatch = !orQuery
    ? Prisma.empty
    : cat
      ? Prisma.sql`OR (o."categoryId" IS NULL AND o."searchVector" @@ to_tsquery(timebank_text_search_config(${ctx.bank.locale}), ${orQuery}))`
      : Prisma.sql`OR o."searchVector" @@ to_tsquery(timebank_text_search_config(${ctx.bank.locale}), ${orQuery})`;
  const remote = post.placeMode === "BY_PHONE" || post.placeMode === "ONLINE";
  const windows = JSON.stringify(windowsOf(post));
  // Members in the request's neighbourhood (an index scan), for the cut of the hits; remote help has no neighbourhood.
  const near = remote || !post.neighbourhood
    ? Prisma.sql`SELECT NULL::uuid`
    : Prisma.sql`SELECT np."membershipId" FROM "MemberProfile" np WHERE np."timebankId" = ${bank}::uuid AND np."neighbourhood" = ${post.neighbourhood}`;
  const availability = post.flexible
    ? Prisma.sql`1.0`
    : Prisma.sql`CASE WHEN jsonb_array_length(coalesce(pr."availability", '[]'::jsonb)) = 0 THEN 0.5
        WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(pr."availability") cw, jsonb_array_elements(${windows}::jsonb) rw
                      WHERE cw->>'weekday' = rw->>'weekday'
                        AND (cw->>'startMinute')::int < (rw->>'endMinute')::int AND (rw->>'startMinute')::int < (cw->>'endMinute')::int)
          OR (SELECT bool_or(extract(isodow FROM d)::int IN (SELECT (cw->>'weekday')::int FROM jsonb_array_elements(pr."availability") cw))
                FROM unnest(${post.dates.map((d) => d.toISOString().slice(0, 10))}::date[]) d)
        THEN 1.0 ELSE 0.0 END`;
  return Prisma.sql`
    SELECT pool."id" FROM (
      SELECT m."id",
             ${w.skill}::float8 * h."fit"
             + ${w.place}::float8 * (CASE WHEN ${remote} THEN 1.0
                                         WHEN ${post.neighbourhood}::text IS NULL THEN 0.5
                                         WHEN lower(pr."neighbourhood") = lower(${post.neighbourhood}::text) THEN 1.0 ELSE 0.0 END)
             + ${w.language}::float8 * (CASE WHEN cardinality(${requesterLanguages}::text[]) = 0 THEN 0.5
                                            WHEN pr."languages" && ${requesterLanguages}::text[] THEN 1.0 ELSE 0.0 END)
             + ${w.availability}::float8 * (${availability}) AS "coarse",
             m."memberNumber"
        FROM (
          SELECT hit."id", max(hit."fit") AS "fit" FROM (
            SELECT s."membershipId" AS "id",
                   CASE WHEN s."categoryId" = ${cat}::uuid AND s."label" = ANY(${named}::text[]) THEN 1.0
                        WHEN s."categoryId" = ${cat}::uuid THEN 0.7 ELSE 0.5 END AS "fit"
              FROM "MemberSkill" s
             WHERE s."timebankId" = ${bank}::uuid AND s."kind" IN ('SKILL', 'LIVED_EXPERIENCE')
               AND (s."categoryId" = ${cat}::uuid OR s."label" = ANY(${named}::text[]))
            UNION ALL
            SELECT o."authorId",
                   CASE WHEN o."categoryId" = ${cat}::uuid AND o."tags" && ${named}::text[] THEN 1.0
                        WHEN o."categoryId" = ${cat}::uuid THEN 0.7
                        WHEN o."tags" && ${named}::text[] THEN 0.5 ELSE 0.3 END
              FROM "Post" o
             WHERE o."timebankId" = ${bank}::uuid AND o."kind" = 'OFFER' AND o."status" = 'OPEN'
               AND (o."expiresAt" IS NULL OR o."expiresAt" > ${now})
               AND (o."categoryId" = ${cat}::uuid OR o."tags" && ${named}::text[] ${textMatch})
          ) hit GROUP BY hit."id"
          ORDER BY max(hit."fit") + (CASE WHEN hit."id" IN (${near}) THEN 0.3 ELSE 0 END) DESC, hashtext(hit."id"::text || ${post.id}::text)
          LIMIT ${HIT_POOL}
        ) h
        JOIN "Membership" m ON m."timebankId" = ${bank}::uuid AND m."id" = h."id"
        LEFT JOIN "MemberProfile" pr ON pr."timebankId" = m."timebankId" AND pr."membershipId" = m."id"
       WHERE m."status" = 'ACTIVE'
         AND m."id" <> ${post.authorId}::uuid
         AND NOT EXISTS (SELECT 1 FROM "Match" d WHERE d."timebankId" = ${bank}::uuid AND d."requestId" = ${post.id}::uuid
                            AND d."candidateId" = m."id" AND d."status" = 'DECLINED')
         AND (NOT ${post.requiresVouchedHelper} OR EXISTS (SELECT 1 FROM "MemberVouch" vo WHERE vo."timebankId" = ${bank}::uuid AND vo."membershipId" = m."id"))
         AND (NOT ${post.requiresVouchedHelper} OR ${safeguardingCheckedSql(bank, Prisma.sql`m."id"`, now)})
         AND NOT ${atEngagementLimitSql(bank, Prisma.sql`m."id"`, now)}
       ORDER BY "coarse" DESC, m."memberNumber"
       LIMIT ${CANDIDATE_POOL}
    ) pool`;
}

async function languagesOf(ctx: BankContext, membershipId: string): Promise<string[]> {
  const profile = await ctx.db.memberProfile.findUnique({
    where: { timebankId_membershipId: { ...inBank(ctx), membershipId } },
    select: { languages: true },
  });
  return profile?.languages ?? [];
}

async function totalsFor(ctx: BankContext, ids: string[]): Promise<Map<string, ExchangeTotals>> {
  return ids.length ? exchangeHistory().totalsFor(ctx, ids) : new Map();
}

async function requestToMatch(ctx: RequestContext, requestId: string) {
  const found = await findVisiblePost(ctx, requestId, "request");
  if (found.post.kind !== "REQUEST") throw badInput("that post is an offer: matches are made for requests", "request");
  return found;
}

/** Ranked members who could meet the request. The requester and coordinators only; empty once the request is no longer open. */
export async function matchesForRequest(ctx: RequestContext, requestId: string, first?: number | null): Promise<MatchCandidate[]> {
  const size = pageSize(first, MAX_RESULTS);
  const { post, bank } = await requestToMatch(ctx, requestId);
  if (!canManage(bank, post)) throw forbidden("only the requester and the bank's coordinators see candidates for a request");
  if (effectiveStatus(post, bank.clock.now()) !== "OPEN") return [];
  const [weights, requesterLanguages] = await Promise.all([weightsFor(bank), languagesOf(bank, post.authorId)]);
  const rows = await candidateRows(bank, candidatePool(bank, post, requesterLanguages, weights), post.id);
  const totals = await totalsFor(bank, rows.map((r) => r.id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ranked = rankCandidates(
    requestFactsOf(post, requesterLanguages),
    rows.map((r) => candidateFactsOf(r, totals.get(r.id) ?? NO_EXCHANGES)),
    { ...DEFAULT_OPTIONS, weights },
  );
  return ranked.slice(0, size).map((s) => ({ member: membershipOf(byId.get(s.memberId)!), score: s.score, reasons: s.reasons, factors: s.factors, offerId: s.offerId }));
}

/** Open requests of the bank the viewer could meet, ranked the same way. Paused members get none. */
export async function suggestedRequests(ctx: BankContext, first?: number | null): Promise<SuggestedRequest[]> {
  const me = requireInsider(ctx);
  const size = pageSize(first, MAX_RESULTS);
  if (me.status !== "ACTIVE") return [];
  const bank = ctx.bank.id;
  const now = ctx.clock.now();
  const [weights, [row]] = await Promise.all([weightsFor(ctx), candidateRows(ctx, Prisma.sql`SELECT ${me.membershipId}::uuid AS "id"`, null)]);
  const categories = [...new Set([...row.skills.map((s) => s.categoryId), ...row.offers.map((o) => o.categoryId)].filter((c): c is string => !!c))];
  const labels = [...new Set([...row.skills.map((s) => s.label), ...row.offers.flatMap((o) => o.tags)])];
  const orQuery = anyWordQuery([...labels, ...row.offers.map((o) => o.title)].join(" "));
  const textMatch = orQuery ? Prisma.sql`OR p."searchVector" @@ to_tsquery(timebank_text_search_config(${ctx.bank.locale}), ${orQuery})` : Prisma.empty;
  const labelMatch = labels.length
    ? Prisma.sql`OR p."tags" && ${labels}::text[] OR EXISTS (SELECT 1 FROM unnest(${labels}::text[]) l WHERE position(l IN lower(p."title")) > 0)`
    : Prisma.empty;
  const requests = await ctx.db.$queryRaw<(Parameters<typeof postFromRow>[0] & { requesterLanguages: string[] })[]>`
    SELECT ${POST_COLUMNS}, coalesce(pr."languages", '{}'::text[]) AS "requesterLanguages"
      FROM "Post" p
      LEFT JOIN "MemberProfile" pr ON pr."timebankId" = p."timebankId" AND pr."membershipId" = p."authorId"
     WHERE p."timebankId" = ${bank}::uuid AND p."kind" = 'REQUEST' AND p."status" = 'OPEN'
       AND (p."expiresAt" IS NULL OR p."expiresAt" > ${now})
       AND p."authorId" <> ${me.membershipId}::uuid
       AND (NOT p."requiresVouchedHelper" OR ${row.vouched && row.checked})
       AND NOT EXISTS (SELECT 1 FROM "Match" d WHERE d."timebankId" = ${bank}::uuid AND d."requestId" = p."id"
                          AND d."candidateId" = ${me.membershipId}::uuid AND d."status" = 'DECLINED')
       AND (p."categoryId" = ANY(${categories}::uuid[]) ${labelMatch} ${textMatch})
     ORDER BY p."createdAt" DESC, p."id" DESC
     LIMIT ${REQUEST_POOL}`;
  const totals = (await totalsFor(ctx, [row.id])).get(row.id) ?? NO_EXCHANGES;
  const candidate = candidateFactsOf(row, totals);
  const options = { ...DEFAULT_OPTIONS, weights };
  return requests
    .map((r) => {
      const request = postFromRow(r);
      return { request, ...scoreCandidate(requestFactsOf(request, r.requesterLanguages), candidate, options) };
    })
    .filter((s) => s.relevant)
    .sort((a, b) => b.score - a.score || b.request.createdAt.getTime() - a.request.createdAt.getTime())
    .slice(0, size)
    .map((s) => ({ request: s.request, score: s.score, reasons: s.reasons, factors: s.factors, offerId: s.offerId }));
}

/** Coordinators: active members who can each meet a need of the other (skills against needs, by label or category). */
export async function reciprocalPairs(ctx: BankContext, first?: number | null): Promise<ReciprocalPair[]> {
  requireStaff(ctx);
  const size = pageSize(first);
  const bank = ctx.bank.id;
  const rows = await ctx.db.$queryRaw<{ aId: string; bId: string; aGives: string[]; bGives: string[] }[]>`
    WITH gives AS (
      SELECT DISTINCT s."membershipId" AS "giver", n."membershipId" AS "receiver", s."label" AS "what"
        FROM "MemberSkill" s
        JOIN "MemberSkill" n ON n."timebankId" = s."timebankId" AND n."kind" = 'NEED' AND n."membershipId" <> s."membershipId"
                             AND (n."label" = s."label" OR (n."categoryId" IS NOT NULL AND n."categoryId" = s."categoryId"))
        JOIN "Membership" gm ON gm."timebankId" = s."timebankId" AND gm."id" = s."membershipId" AND gm."status" = 'ACTIVE'
        JOIN "Membership" rm ON rm."timebankId" = n."timebankId" AND rm."id" = n."membershipId" AND rm."status" = 'ACTIVE'
       WHERE s."timebankId" = ${bank}::uuid AND s."kind" = 'SKILL'
    ), pairs AS (
      SELECT a."giver" AS "aId", a."receiver" AS "bId",
             array_agg(DISTINCT a."what" ORDER BY a."what") AS "aGives",
             (SELECT array_agg(DISTINCT b."what" ORDER BY b."what") FROM gives b WHERE b."giver" = a."receiver" AND b."receiver" = a."giver") AS "bGives"
        FROM gives a
       WHERE a."giver" < a."receiver"
       GROUP BY a."giver", a."receiver"
    )
    SELECT "aId"::text AS "aId", "bId"::text AS "bId", "aGives", "bGives" FROM pairs
     WHERE "bGives" IS NOT NULL
     ORDER BY cardinality("aGives") + cardinality("bGives") DESC, "aId", "bId"
     LIMIT ${size}`;
  const ids = [...new Set(rows.flatMap((r) => [r.aId, r.bId]))];
  const members = new Map((await ctx.db.membership.findMany({ where: { ...inBank(ctx), id: { in: ids } } })).map((m) => [m.id, m]));
  return rows.map((r) => ({ a: members.get(r.aId)!, b: members.get(r.bId)!, aCanHelpBWith: r.aGives, bCanHelpAWith: r.bGives }));
}

/** A coordinator or the requester proposes a member (and perhaps one of their offers) for a request. */
export async function proposeMatch(ctx: RequestContext, requestId: string, candidateId: string, offerId?: string | null): Promise<MatchResult> {
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
  const [weights, requesterLanguages, totals] = await Promise.all([weightsFor(bank), languagesOf(bank, post.authorId), totalsFor(bank, [row.id])]);
  const score = scoreCandidate(requestFactsOf(post, requesterLanguages), candidateFactsOf(row, totals.get(row.id) ?? NO_EXCHANGES), { ...DEFAULT_OPTIONS, weights });
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
    const existing = await tx.db.match.findUnique({ where: { timebankId_requestId_candidateId: { ...inBank(tx), requestId: post.id, candidateId: row.id } } });
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

const answerRefused = (status: MatchStatus) => refusal("MATCH_NOT_PROPOSED", `this match is ${status.toLowerCase()}: only a proposed match can be answered`);

/** The candidate says yes: the match is ACCEPTED, the request MATCHED, other proposals for it withdrawn. */
export async function acceptMatch(ctx: RequestContext, matchId: string): Promise<MatchResult> {
  const { match, bank } = await findVisibleMatch(ctx, matchId);
  if (bank.membership!.membershipId !== match.candidateId) throw forbidden("only the proposed member can accept or decline");
  const now = bank.clock.now();
  try {
    return await inTransaction(bank, async (tx) => {
      // WARNING: lock order is request, then matches (as closePost does). Two candidates
      // accepting at once queue here instead of deadlocking on each other's match rows.
      await tx.db.$queryRaw`SELECT 1 FROM "Post" WHERE "timebankId" = ${tx.bank.id}::uuid AND "id" = ${match.requestId}::uuid FOR NO KEY UPDATE`;
      const answered = await tx.db.match.updateMany({ where: { ...inBank(tx), id: match.id, status: "PROPOSED" }, data: { status: "ACCEPTED", respondedAt: now } });
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
      await tx.db.match.updateMany({ where: { ...inBank(tx), requestId: match.requestId, status: "PROPOSED" }, data: { status: "WITHDRAWN" } });
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
  const declined = await bank.db.match.updateMany({ where: { ...inBank(bank), id: match.id, status: "PROPOSED" }, data: { status: "DECLINED", respondedAt: bank.clock.now() } });
  const current = await bank.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: match.id } } });
  return declined.count === 1 ? current : answerRefused(current.status);
}

/** The proposer, the requester or a coordinator takes back a proposal that is not answered yet. */
export async function withdrawMatch(ctx: RequestContext, matchId: string): Promise<MatchResult> {
  const { match, bank, request } = await findVisibleMatch(ctx, matchId);
  const mine = bank.membership!.membershipId;
  if (mine !== match.proposedById && mine !== request.authorId && !isStaff(bank.membership)) throw forbidden("only the proposer, the requester or a coordinator can withdraw a proposal");
  const withdrawn = await bank.db.match.updateMany({ where: { ...inBank(bank), id: match.id, status: "PROPOSED" }, data: { status: "WITHDRAWN" } });
  const current = await bank.db.match.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: match.id } } });
  return withdrawn.count === 1 ? current : refusal("MATCH_NOT_PROPOSED", `this match is ${current.status.toLowerCase()}: only a proposed match can be withdrawn`);
}

/** The requester or a coordinator marks a matched request as done (the ledger will do this when it records the exchange). */
export async function markRequestDone(ctx: RequestContext, requestId: string): Promise<Post | MatchRefused> {
  const { post, bank } = await requestToMatch(ctx, requestId);
  if (!canManage(bank, post)) throw forbidden("only the requester and the bank's coordinators can mark a request done");
  const now = bank.clock.now();
  const done = await bank.db.post.updateMany({ where: { ...inBank(bank), id: post.id, status: "MATCHED" }, data: { status: "DONE", closedAt: now, updatedAt: now } });
  const current = await bank.db.post.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: post.id } } });
  return done.count === 1 ? current : refusal("REQUEST_NOT_MATCHED", `the request is ${effectiveStatus(current, now).toLowerCase()}: only a matched request can be done`);
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
