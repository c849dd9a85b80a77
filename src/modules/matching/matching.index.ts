// The matching index: what each member can do and what each post is about, as activities of
// the vocabulary, with a place and the words of the text. Triggers queue every change of a
// skill, a profile or a post in MatchingStale (migration matching_vocabulary); before the
// service reads the index of a bank it indexes that bank's queue, in two statements whatever
// the number of changes (claim with the texts; write both index tables). A new vocabulary file
// or a bank's new synonym queues the whole bank again.
import { createHash } from "node:crypto";
import type { BankContext } from "../../context/context";
import type { Db } from "../../db/database";
import { locate } from "./gazetteer";
import { contentWords } from "./text";
import { ACTIVITIES, activitiesIn, languagesNeeded, TermIndex, VOCABULARY_VERSION, type LocalSynonym } from "./vocabulary";
import { effectiveWeights, type MatchingWeights } from "./scoring";

/** The vocabulary's identity: its declared version and a hash of its content (a forgotten bump still re-indexes). */
export const VOCABULARY_STAMP = `${VOCABULARY_VERSION}:${createHash("sha256").update(JSON.stringify(ACTIVITIES)).digest("hex").slice(0, 12)}`;

export const DEFAULT_RADIUS_KM = 10;

/** Strength of an activity found in a bio, relative to one named as a skill or in a title. */
const BIO_STRENGTH = 0.8;
const DESCRIPTION_STRENGTH = 0.9;
/** An activity only the description names, when the title named one: below MIN_FIT alone. */
const ASIDE_STRENGTH = 0.4;
const MAX_WORDS = 200;

export interface BankMatchingState {
  weights: MatchingWeights;
  radiusKm: number;
  vocabulary: string;
  synonyms: LocalSynonym[];
  /** The bank's synonyms compiled, or null when it has none. */
  local: TermIndex | null;
}

const compiled = new Map<string, TermIndex>();

function localIndex(bankId: string, synonyms: LocalSynonym[]): TermIndex | null {
  if (!synonyms.length) return null;
  const key = `${bankId}:${synonyms.map((s) => `${s.activityId}=${s.phrase}`).join("|")}`;
  let index = compiled.get(key);
  if (!index) {
    if (compiled.size > 500) compiled.clear();
    index = new TermIndex(synonyms.map((s) => ({ key: s.activityId, phrase: s.phrase })));
    compiled.set(key, index);
  }
  return index;
}

const loadedInto = new WeakSet<object>();

/** The vocabulary file in the MatchingActivity table (once per process and database; replaced when the file changed). */
async function ensureActivityTable(db: Db): Promise<void> {
  if (loadedInto.has(db)) return;
  const [row] = await db.$queryRaw<{ n: number; stamp: string | null }[]>`
    SELECT count(*)::int AS n, min("terms"->>'_stamp') AS stamp FROM "MatchingActivity"`;
  if (row.n !== ACTIVITIES.length || row.stamp !== VOCABULARY_STAMP) {
    await db.$transaction([
      db.matchingActivity.deleteMany({}),
      db.matchingActivity.createMany({
        data: ACTIVITIES.map((a) => ({
          id: a.id,
          category: a.category,
          group: a.group,
          version: VOCABULARY_VERSION,
          terms: { ...a.terms, _stamp: VOCABULARY_STAMP },
        })),
      }),
    ]);
  }
  loadedInto.add(db);
}

/** The bank's matching settings and synonyms, in one statement. */
export async function bankMatchingState(ctx: BankContext): Promise<BankMatchingState> {
  await ensureActivityTable(ctx.db);
  const [row] = await ctx.db.$queryRaw<
    { weights: Record<string, unknown> | null; radiusKm: number | null; vocabulary: string | null; synonyms: LocalSynonym[] }[]
  >`
    SELECT s."weights", s."radiusKm", s."vocabulary",
           coalesce((SELECT json_agg(json_build_object('activityId', y."activityId", 'phrase', y."phrase") ORDER BY y."createdAt", y."id")
                       FROM "MatchingSynonym" y WHERE y."timebankId" = ${ctx.bank.id}::uuid), '[]'::json) AS "synonyms"
      FROM (SELECT 1) one
      LEFT JOIN "MatchingSettings" s ON s."timebankId" = ${ctx.bank.id}::uuid`;
  return {
    weights: effectiveWeights(row?.weights ?? undefined),
    radiusKm: row?.radiusKm ?? DEFAULT_RADIUS_KM,
    vocabulary: row?.vocabulary ?? "",
    synonyms: row?.synonyms ?? [],
    local: localIndex(ctx.bank.id, row?.synonyms ?? []),
  };
}

/** The stamp of the vocabulary and the bank's synonyms: a change re-indexes the bank. */
export function indexStamp(state: Pick<BankMatchingState, "synonyms">): string {
  if (!state.synonyms.length) return VOCABULARY_STAMP;
  const h = createHash("sha256").update(JSON.stringify(state.synonyms)).digest("hex").slice(0, 12);
  return `${VOCABULARY_STAMP}+${h}`;
}

/** Queues every member and post of the bank for indexing (a new vocabulary or new synonyms). */
export async function queueWholeBank(ctx: BankContext, stamp: string): Promise<void> {
  const bank = ctx.bank.id;
  await ctx.db.$transaction([
    ctx.db
      .$executeRaw`INSERT INTO "MatchingStale" ("timebankId", "kind", "id") SELECT "timebankId", 'member', "id" FROM "Membership" WHERE "timebankId" = ${bank}::uuid ON CONFLICT DO NOTHING`,
    ctx.db
      .$executeRaw`INSERT INTO "MatchingStale" ("timebankId", "kind", "id") SELECT "timebankId", 'post', "id" FROM "Post" WHERE "timebankId" = ${bank}::uuid ON CONFLICT DO NOTHING`,
    ctx.db.$executeRaw`INSERT INTO "MatchingSettings" ("timebankId", "vocabulary", "updatedAt") VALUES (${bank}::uuid, ${stamp}, now())
                        ON CONFLICT ("timebankId") DO UPDATE SET "vocabulary" = EXCLUDED."vocabulary"`,
  ]);
}

interface MemberDoc {
  bio: string | null;
  neighbourhood: string | null;
  skills: string[] | null;
}

interface PostDoc {
  title: string;
  description: string;
  tags: string[];
  neighbourhood: string | null;
}

interface ClaimedRow {
  kind: "member" | "post";
  id: string;
  member: MemberDoc | null;
  post: PostDoc | null;
}

const strengthsJson = (m: Map<string, number>) => Object.fromEntries([...m].map(([k, v]) => [k, Math.round(v * 1000) / 1000]));

function merge(into: Map<string, number>, from: Map<string, number>, factor: number) {
  for (const [k, v] of from) {
    const s = v * factor;
    if (s > (into.get(k) ?? 0)) into.set(k, s);
  }
}

/** Activities (with the skill label or "bio" that said so), words and place of a member from their skills and bio. */
export function indexMember(doc: MemberDoc, local: TermIndex | null, placeHint: string) {
  const activities = new Map<string, number>();
  const sources = new Map<string, string>();
  const take = (found: Map<string, number>, factor: number, source: string) => {
    for (const [k, v] of found) {
      if (v * factor > (activities.get(k) ?? 0)) {
        activities.set(k, v * factor);
        sources.set(k, source);
      }
    }
  };
  for (const label of doc.skills ?? []) take(activitiesIn(label, local), 1, label);
  if (doc.bio) take(activitiesIn(doc.bio, local), BIO_STRENGTH, "bio");
  const place = locate(doc.neighbourhood, placeHint);
  const words = [...new Set(contentWords([...(doc.skills ?? []), doc.bio ?? ""].join("\n")))].slice(0, MAX_WORDS);
  return { activities, sources, words, place };
}

/**
 * Activities, words, named languages and place of an offer or a request. The title says what
 * it is about; the description adds context ("I just moved, and need help with the housing
 * benefit form"): what only the description names counts as an aside when the title named
 * an activity itself, in full when the title named none.
 */
export function indexPost(doc: PostDoc, local: TermIndex | null, placeHint: string, bankLocale: string) {
  const activities = new Map<string, number>();
  merge(activities, activitiesIn(doc.title, local), 1);
  for (const tag of doc.tags) merge(activities, activitiesIn(tag, local), 1);
  const titled = [...activities.values()].some((v) => v >= 0.8);
  const context = titled ? ASIDE_STRENGTH : DESCRIPTION_STRENGTH;
  if (doc.description) merge(activities, activitiesIn(doc.description, local), context);
  // Words that only make sense together across title and description ("Lære at ... strikke").
  merge(activities, activitiesIn(`${doc.title}\n${doc.description}`, local), context);
  const text = `${doc.title}\n${doc.description}`;
  return {
    activities,
    words: [...new Set(contentWords([doc.title, doc.description, ...doc.tags].join("\n")))].slice(0, MAX_WORDS),
    languages: languagesNeeded(text, bankLocale),
    place: locate(doc.neighbourhood, placeHint),
  };
}

export function placeHintOf(ctx: BankContext): string {
  return [ctx.bank.name, ctx.bank.region, ctx.bank.slug].filter(Boolean).join(" ");
}

/**
 * Indexes what changed in the bank since the last call: exactly two statements (claim the
 * queue with the texts, write both index tables), however many rows changed, plus a re-queue
 * of the whole bank when the vocabulary or the bank's synonyms changed.
 */
export async function refreshIndex(ctx: BankContext, state: BankMatchingState): Promise<void> {
  const bank = ctx.bank.id;
  const stamp = indexStamp(state);
  if (state.vocabulary !== stamp) {
    await queueWholeBank(ctx, stamp);
    state.vocabulary = stamp;
  }
  const claimed = await ctx.db.$queryRaw<ClaimedRow[]>`
    WITH claimed AS (
      DELETE FROM "MatchingStale" WHERE "timebankId" = ${bank}::uuid RETURNING "kind", "id"
    )
    SELECT c."kind", c."id"::text AS "id",
           CASE WHEN c."kind" = 'member' THEN (
             SELECT json_build_object(
                      'bio', (SELECT p."bio" FROM "MemberProfile" p WHERE p."timebankId" = ${bank}::uuid AND p."membershipId" = c."id"),
                      'neighbourhood', (SELECT p."neighbourhood" FROM "MemberProfile" p WHERE p."timebankId" = ${bank}::uuid AND p."membershipId" = c."id"),
                      'skills', (SELECT json_agg(s."label" ORDER BY s."label") FROM "MemberSkill" s
                                  WHERE s."timebankId" = ${bank}::uuid AND s."membershipId" = c."id" AND s."kind" IN ('SKILL', 'LIVED_EXPERIENCE')))
           ) END AS "member",
           CASE WHEN c."kind" = 'post' THEN (
             SELECT json_build_object('title', o."title", 'description', o."description", 'tags', coalesce(o."tags", '{}'::text[]), 'neighbourhood', o."neighbourhood")
               FROM "Post" o WHERE o."timebankId" = ${bank}::uuid AND o."id" = c."id"
           ) END AS "post"
      FROM claimed c`;
  const hint = placeHintOf(ctx);
  const now = ctx.clock.now();
  const members = claimed
    .filter((c) => c.kind === "member")
    .map((c) => {
      const ix = indexMember(c.member ?? { bio: null, neighbourhood: null, skills: [] }, state.local, hint);
      // strengths: { activityId: [strength, the skill label or "bio" that said so] }
      const strengths = Object.fromEntries([...ix.activities].map(([k, v]) => [k, [Math.round(v * 1000) / 1000, ix.sources.get(k)]]));
      return {
        id: c.id,
        activities: [...ix.activities.keys()],
        strengths,
        words: ix.words,
        lat: ix.place?.lat ?? null,
        lon: ix.place?.lon ?? null,
      };
    });
  const posts = claimed
    .filter((c) => c.kind === "post" && c.post)
    .map((c) => {
      const ix = indexPost(c.post!, state.local, hint, ctx.bank.locale);
      return {
        id: c.id,
        activities: [...ix.activities.keys()],
        strengths: strengthsJson(ix.activities),
        words: ix.words,
        languages: ix.languages,
        lat: ix.place?.lat ?? null,
        lon: ix.place?.lon ?? null,
      };
    });
  await ctx.db.$queryRaw`
    WITH m AS (
      INSERT INTO "MatchingMemberIndex" ("timebankId", "membershipId", "activities", "strengths", "words", "lat", "lon", "indexedAt")
      SELECT ${bank}::uuid, x."id", ARRAY(SELECT jsonb_array_elements_text(x."activities")), x."strengths", ARRAY(SELECT jsonb_array_elements_text(x."words")), x."lat", x."lon", ${now}
        FROM jsonb_to_recordset(${JSON.stringify(members)}::jsonb) AS x("id" uuid, "activities" jsonb, "strengths" jsonb, "words" jsonb, "lat" float8, "lon" float8)
      ON CONFLICT ("timebankId", "membershipId") DO UPDATE
        SET "activities" = EXCLUDED."activities", "strengths" = EXCLUDED."strengths", "words" = EXCLUDED."words",
            "lat" = EXCLUDED."lat", "lon" = EXCLUDED."lon", "indexedAt" = EXCLUDED."indexedAt"
      RETURNING 1
    ), p AS (
      INSERT INTO "MatchingPostIndex" ("timebankId", "postId", "activities", "strengths", "words", "languages", "lat", "lon", "indexedAt")
      SELECT ${bank}::uuid, x."id", ARRAY(SELECT jsonb_array_elements_text(x."activities")), x."strengths", ARRAY(SELECT jsonb_array_elements_text(x."words")),
             ARRAY(SELECT jsonb_array_elements_text(x."languages")), x."lat", x."lon", ${now}
        FROM jsonb_to_recordset(${JSON.stringify(posts)}::jsonb) AS x("id" uuid, "activities" jsonb, "strengths" jsonb, "words" jsonb, "languages" jsonb, "lat" float8, "lon" float8)
      ON CONFLICT ("timebankId", "postId") DO UPDATE
        SET "activities" = EXCLUDED."activities", "strengths" = EXCLUDED."strengths", "words" = EXCLUDED."words", "languages" = EXCLUDED."languages",
            "lat" = EXCLUDED."lat", "lon" = EXCLUDED."lon", "indexedAt" = EXCLUDED."indexedAt"
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM m)::int + (SELECT count(*) FROM p)::int AS "written"`;
  if (claimed.length) invalidateRarity(bank);
}

// ------------------------------------------------------------------------------------------
// Rarity of words in a bank: how many members use a word in their skills and bio. Kept per
// process and rebuilt at most every RARITY_TTL_MS (a few minutes old is fine for weighting, and
// the read path keeps a constant number of statements).

const RARITY_TTL_MS = 5 * 60_000;

interface Rarity {
  members: number;
  df: Map<string, number>;
  builtAt: number;
  stale: boolean;
}

const rarities = new Map<string, Rarity>();

function invalidateRarity(bankId: string) {
  const r = rarities.get(bankId);
  if (r) r.stale = true;
}

/** Document frequencies of the bank's member words (one statement when rebuilt). */
export async function rarityOf(ctx: BankContext): Promise<Rarity> {
  const bank = ctx.bank.id;
  const known = rarities.get(bank);
  const now = Date.now();
  if (known && !(known.stale && now - known.builtAt > RARITY_TTL_MS)) return known;
  const rows = await ctx.db.$queryRaw<{ word: string | null; n: number; members: number }[]>`
    WITH ws AS (SELECT w, count(*)::int AS n FROM "MatchingMemberIndex" mi, unnest(mi."words") w WHERE mi."timebankId" = ${bank}::uuid GROUP BY w)
    SELECT ws.w AS "word", ws.n, (SELECT count(*)::int FROM "MatchingMemberIndex" WHERE "timebankId" = ${bank}::uuid) AS "members"
      FROM (SELECT 1) one LEFT JOIN ws ON true`;
  const df = new Map<string, number>();
  for (const r of rows) if (r.word) df.set(r.word, r.n);
  const rarity = { members: rows[0]?.members ?? 0, df, builtAt: now, stale: false };
  rarities.set(bank, rarity);
  return rarity;
}

/** Weight of a word by its rarity in the bank (inverse document frequency, 0 for a word everyone uses). */
export function rarityWeight(r: Pick<Rarity, "members" | "df">, word: string): number {
  const n = Math.max(1, r.members);
  const df = r.df.get(word) ?? 0;
  return Math.max(0, Math.log((n + 1) / (df + 1)));
}
