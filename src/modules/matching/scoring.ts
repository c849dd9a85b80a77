// How well a member fits a request: a pure function of facts the service has already read, so
// that every rule of the ranking is unit-tested (scoring.spec.ts) and explainable factor by factor.
//
// Each factor has a value (0..1; recentLoad is a penalty, -1..0) and a weight (a bank setting);
// its contribution is weight × value. The score is the sum of contributions divided by the sum
// of the weights of the positive factors, so 1 is a perfect fit and a heavy recent load can
// push a score below what the fit alone would give.
//
// Hard rules (active members only, never the requester, declined members out, vouched helpers
// for home visits) are NOT applied here: the service applies them before anything is scored.

import { distanceKm } from "./gazetteer";
import { contentWords, tokens, wordFit } from "./text";

export const FACTOR_NAMES = ["skill", "text", "availability", "place", "language", "reciprocity", "inclusion", "recentLoad"] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];
export type MatchingWeights = Record<FactorName, number>;

/** Sensible defaults: fit first (skill, time, place, language), then fairness (reciprocity, inclusion, load). */
export const DEFAULT_WEIGHTS: Readonly<MatchingWeights> = Object.freeze({
  skill: 0.35,
  text: 0.1,
  availability: 0.15,
  place: 0.1,
  language: 0.1,
  reciprocity: 0.05,
  inclusion: 0.1,
  recentLoad: 0.15,
});

export const MAX_WEIGHT = 1;

export type PlaceMode = "IN_PERSON" | "AT_HOME" | "BY_PHONE" | "ONLINE";

export interface WeeklyWindow {
  /** 1 = Monday ... 7 = Sunday. */
  weekday: number;
  startMinute: number;
  endMinute: number;
}

/** Activities of the vocabulary with a strength 0..1, and (for members) what said so. */
export type ActivityStrengths = Record<string, number>;

export interface Point {
  lat: number;
  lon: number;
}

export interface SkillFact {
  label: string;
  categoryId: string | null;
}

export interface OfferFact {
  id: string;
  title: string;
  categoryId: string | null;
  tags: string[];
  availability: WeeklyWindow[];
  flexible: boolean;
  /** The offer's activities (the matching index); empty when not indexed. */
  activities?: ActivityStrengths;
}

export interface RequestFacts {
  categoryId: string | null;
  tags: string[];
  title: string;
  description: string;
  placeMode: PlaceMode;
  neighbourhood: string | null;
  /** Weekly windows when the help is wanted. */
  availability: WeeklyWindow[];
  /** Weekdays (1..7) of the specific dates the help is wanted on. */
  dateWeekdays: number[];
  flexible: boolean;
  /** Languages the requester speaks (ISO 639-1). */
  requesterLanguages: string[];
  /** What the request is about, as activities of the vocabulary. */
  activities?: ActivityStrengths;
  /** The request's meaningful words (folded), for the rarity-weighted overlap. */
  words?: string[];
  /** Languages the request names: the helper must speak one of them. */
  languagesNeeded?: string[];
  /** Where the help is wanted: the request's neighbourhood, or else the requester's. */
  point?: Point | null;
}

export interface CandidateFacts {
  memberId: string;
  skills: SkillFact[];
  /** The candidate's open offers. */
  offers: OfferFact[];
  languages: string[];
  neighbourhood: string | null;
  availability: WeeklyWindow[];
  /** Minutes the member has given and received over their whole membership (ledger). */
  givenMinutes: number;
  receivedMinutes: number;
  /** Exchanges the member has made (ledger and accepted matches). */
  exchangeCount: number;
  /** Matches proposed to or accepted by the member recently. */
  recentMatches: number;
  /** What the member can do from skills and bio, as activities (the matching index). */
  activities?: ActivityStrengths;
  /** Skill labels by activity they express (for the reason). */
  activitySources?: Record<string, string>;
  /** The member's meaningful words (skills, bio, offers), folded. */
  words?: string[];
  point?: Point | null;
}

export interface ScoringOptions {
  weights: MatchingWeights;
  /** Recent matches at which the load penalty is full. */
  loadCap: number;
  /** Net minutes (received − given) at which reciprocity is at its extreme. */
  reciprocityScaleMinutes: number;
  /** Helpers farther than this (km) are not proposed for help in person. */
  radiusKm: number;
  /** Weight of a word by its rarity in the bank (1 for every word when unknown). */
  wordWeight: (word: string) => number;
  /** How close two activities are (1 the same, less for related ones). */
  similarity: (a: string, b: string) => number;
  /** A short name of an activity, for reasons. */
  activityName: (id: string) => string;
  /** A language's name, for reasons. */
  languageName: (code: string) => string;
}

export const DEFAULT_OPTIONS: Readonly<ScoringOptions> = Object.freeze({
  weights: DEFAULT_WEIGHTS,
  loadCap: 5,
  reciprocityScaleMinutes: 600,
  radiusKm: 10,
  wordWeight: () => 1,
  similarity: (a: string, b: string) => (a === b ? 1 : 0),
  activityName: (id: string) => id,
  languageName: (code: string) => code,
});

/**
 * The least skill fit that counts as "can do it": the same activity said plainly, a closely
 * related one (same group), or the bank's category together with the request's own words.
 * A category alone, or words alone that are not rare, are near misses and never listed.
 */
export const MIN_FIT = 0.46;
/** Rare words in common that make a member relevant without any activity in common. */
export const MIN_TEXT_ALONE = 0.6;

export interface Factor {
  name: FactorName;
  weight: number;
  value: number;
  contribution: number;
}

/** Why a member who could do it is still not proposed (a fit rule, not a safety rule). */
export type Unfit = "LANGUAGE" | "TOO_FAR" | "NOT_AVAILABLE";

export interface CandidateScore {
  memberId: string;
  score: number;
  factors: Factor[];
  /** The factors in words, strongest first. */
  reasons: string[];
  /** The candidate's offer that fits the request best, if any fits. */
  offerId: string | null;
  /** Whether the candidate can do what is asked at all (skill or words in common). */
  relevant: boolean;
  /** Set when the candidate could do it but the request rules them out (language, distance, time). */
  unfit: Unfit | null;
  /** What the candidate would give: the skill label, offer title or activity that fits (when it fits). */
  gives: string | null;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const hours = (minutes: number) => `${round(minutes / 60, 1)} h`;

/** Words of a text, folded, without punctuation and filler words (several languages). */
export function words(text: string): string[] {
  return [...new Set(contentWords(text).filter((w) => w.length >= 3))];
}

/** Two words match when one is the other with an ending, a compound part or a small typo. */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return wordFit(short, long) >= 0.85;
}

/** Share of the request's words found among the candidate's words (0..1), each word weighed by `weight`. */
export function wordCoverage(requestWords: string[], candidateWords: string[], weight: (w: string) => number = () => 1): number {
  if (!requestWords.length || !candidateWords.length) return 0;
  let total = 0;
  let hit = 0;
  for (const r of requestWords) {
    const w = weight(r);
    total += w;
    if (candidateWords.some((c) => sameWord(r, c))) hit += w;
  }
  return total > 0 ? hit / total : 0;
}

/** Minutes of `a` covered by `b`, both weekly windows. */
export function overlapMinutes(a: WeeklyWindow[], b: WeeklyWindow[]): number {
  let total = 0;
  for (const x of a) {
    for (const y of b) {
      if (x.weekday !== y.weekday) continue;
      total += Math.max(0, Math.min(x.endMinute, y.endMinute) - Math.max(x.startMinute, y.startMinute));
    }
  }
  return total;
}

const windowMinutes = (ws: WeeklyWindow[]) => ws.reduce((sum, w) => sum + (w.endMinute - w.startMinute), 0);

interface SkillFit {
  value: number;
  what: string | null;
  offerId: string | null;
  /** The skill label, offer title or activity that fits, as the member wrote it. */
  source: string | null;
}

/** Best fit between what is asked and what is offered, over pairs of activities: strength × strength × similarity. */
export function conceptFit(
  asked: ActivityStrengths | undefined,
  offered: ActivityStrengths | undefined,
  similarity: ScoringOptions["similarity"],
): { value: number; asked: string | null; offered: string | null } {
  let best = { value: 0, asked: null as string | null, offered: null as string | null };
  if (!asked || !offered) return best;
  for (const [a, ra] of Object.entries(asked)) {
    for (const [b, sb] of Object.entries(offered)) {
      const v = ra * sb * similarity(a, b);
      if (v > best.value) best = { value: v, asked: a, offered: b };
    }
  }
  return best;
}

function skillFit(request: RequestFacts, candidate: CandidateFacts, options: ScoringOptions): SkillFit {
  const requestTags = request.tags.map((t) => t.toLowerCase());
  const requestText = ` ${tokens(`${request.title} ${request.description}`).join(" ")} `;
  // A label counts when the request uses it as a tag, or as whole words: a phrase, or one word of
  // five letters or more ("have" is a garden in Danish and a verb in English).
  const labelFits = (label: string) => {
    if (requestTags.includes(label)) return true;
    const words = tokens(label);
    return (words.length > 1 || (words[0]?.length ?? 0) >= 5) && requestText.includes(` ${words.join(" ")} `);
  };
  const labelled = (categoryId: string | null, labels: string[]) => {
    const category = !!request.categoryId && categoryId === request.categoryId;
    const label = labels.some(labelFits);
    // The bank's category alone is a near miss (0.35 < MIN_FIT): "repairs" holds bikes and plumbing.
    return category && label ? 1 : label ? 0.6 : category ? 0.35 : 0;
  };
  let best: SkillFit = { value: 0, what: null, offerId: null, source: null };
  const consider = (value: number, what: string, offerId: string | null, source: string) => {
    if (value > best.value + 1e-9) best = { value, what, offerId, source };
  };
  for (const offer of candidate.offers) {
    const concept = conceptFit(request.activities, offer.activities, options.similarity);
    const value = Math.max(
      concept.value,
      labelled(offer.categoryId, [...offer.tags.map((t) => t.toLowerCase()), offer.title.toLowerCase()]),
    );
    consider(value, `offers "${offer.title}"`, offer.id, offer.title);
  }
  for (const skill of candidate.skills)
    consider(labelled(skill.categoryId, [skill.label.toLowerCase()]), `can do "${skill.label}"`, null, skill.label);
  const concept = conceptFit(request.activities, candidate.activities, options.similarity);
  if (concept.offered) {
    const source = candidate.activitySources?.[concept.offered];
    const name = options.activityName(concept.offered);
    const what = source && source !== "bio" ? `can do "${source}"` : `writes that they can help with ${name}`;
    consider(concept.value, what, null, source && source !== "bio" ? source : name);
  }
  return { ...best, value: clamp(best.value, 0, 1) };
}

function availabilityFit(
  request: RequestFacts,
  candidate: CandidateFacts,
  offer: OfferFact | null,
): { value: number; reason: string | null; known: boolean } {
  if (request.flexible) return { value: 1, reason: null, known: false };
  const theirs = offer && !offer.flexible && offer.availability.length ? offer.availability : candidate.availability;
  if (offer?.flexible && !offer.availability.length) return { value: 1, reason: "is flexible about when", known: true };
  if (!theirs.length) return { value: 0.5, reason: null, known: false };
  let wanted = 0;
  let covered = 0;
  if (request.availability.length) {
    wanted += windowMinutes(request.availability);
    covered += overlapMinutes(request.availability, theirs);
  }
  // A specific date counts as one unit: met when the candidate has any window on that weekday.
  const days = request.dateWeekdays;
  const dayShare = days.length ? days.filter((d) => theirs.some((w) => w.weekday === d)).length / days.length : null;
  const windowShare = wanted > 0 ? covered / wanted : null;
  const shares = [windowShare, dayShare].filter((s): s is number => s !== null);
  const value = shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : 0.5;
  if (value >= 0.99) return { value: 1, reason: "is available when you need it", known: true };
  if (value > 0) return { value: clamp(value, 0, 1), reason: "is available for part of the time you asked for", known: true };
  return { value: 0, reason: null, known: shares.length > 0 };
}

function placeFit(
  request: RequestFacts,
  candidate: CandidateFacts,
  options: ScoringOptions,
): { value: number; reason: string | null; km: number | null } {
  if (request.placeMode === "BY_PHONE") return { value: 1, reason: "by phone: no travel needed", km: null };
  if (request.placeMode === "ONLINE") return { value: 1, reason: "online: no travel needed", km: null };
  const same =
    !!request.neighbourhood &&
    !!candidate.neighbourhood &&
    candidate.neighbourhood.trim().toLowerCase() === request.neighbourhood.trim().toLowerCase();
  if (request.point && candidate.point) {
    const km = distanceKm(request.point, candidate.point);
    const radius = Math.max(0.5, options.radiusKm);
    const value = km <= 1 ? 1 : clamp(1 - (km - 1) / Math.max(radius - 1, 0.5), 0, 1);
    if (same || km < 0.3) return { value: 1, reason: `lives in ${candidate.neighbourhood} too`, km };
    return { value, reason: km <= radius ? `lives ${round(km, 1)} km away` : null, km };
  }
  if (same) return { value: 1, reason: `lives in ${candidate.neighbourhood} too`, km: null };
  if (!request.neighbourhood && !request.point) return { value: 0.5, reason: null, km: null };
  return { value: 0.25, reason: null, km: null };
}

/** ISO 639-1 codes as people pick them: Norwegian is "no", "nb" or "nn". */
export function languageCode(code: string): string {
  const c = code.trim().toLowerCase();
  return c === "no" || c === "nn" ? "nb" : c;
}

/**
 * A language the request names must be spoken (any one of them); otherwise helper and requester
 * must share a language when both said which they speak: they have to arrange it together.
 */
function languageFit(
  request: RequestFacts,
  candidate: CandidateFacts,
  options: ScoringOptions,
): { value: number; reason: string | null; needMet: boolean } {
  const theirs = candidate.languages.map(languageCode);
  const needed = (request.languagesNeeded ?? []).map(languageCode);
  if (needed.length) {
    const spoken = needed.filter((l) => theirs.includes(l));
    return spoken.length
      ? { value: 1, reason: `speaks ${spoken.map(options.languageName).join(" and ")}, as the request asks`, needMet: true }
      : { value: 0, reason: null, needMet: false };
  }
  const requester = request.requesterLanguages.map(languageCode);
  if (!requester.length || !theirs.length) return { value: 0.5, reason: null, needMet: true };
  const common = candidate.languages.filter((l) => requester.includes(languageCode(l)));
  return common.length
    ? { value: 1, reason: `speaks ${common.join(", ")} with you`, needMet: true }
    : { value: 0, reason: null, needMet: false };
}

/** Scores one candidate for one request. Pure: same facts and options, same result. */
export function scoreCandidate(
  request: RequestFacts,
  candidate: CandidateFacts,
  options: ScoringOptions = DEFAULT_OPTIONS,
): CandidateScore {
  const w = options.weights;
  const reasons: { text: string; contribution: number }[] = [];
  const factors: Factor[] = [];
  const add = (name: FactorName, value: number, reason: string | null) => {
    const v = round(value) || 0; // no -0 in the API
    const contribution = round(w[name] * v) || 0;
    factors.push({ name, weight: w[name], value: v, contribution });
    if (reason && w[name] !== 0) reasons.push({ text: reason, contribution });
  };

  const skill = skillFit(request, candidate, options);
  add("skill", skill.value, skill.value >= MIN_FIT ? skill.what : null);

  const requestWords = request.words ?? words(`${request.title} ${request.description} ${request.tags.join(" ")}`);
  const candidateWords = [
    ...(candidate.words ?? []),
    ...words([...candidate.skills.map((s) => s.label), ...candidate.offers.flatMap((o) => [o.title, ...o.tags])].join(" ")),
  ];
  const text = wordCoverage(requestWords, candidateWords, options.wordWeight);
  add("text", text, text >= 0.2 ? "describes their help in the words of your request" : null);

  // Without a skill fit, the offer whose words cover the request best is the one to point at.
  let offerId = skill.offerId;
  if (!offerId && text > 0) {
    let best = 0;
    for (const o of candidate.offers) {
      const coverage = wordCoverage(requestWords, words([o.title, ...o.tags].join(" ")), options.wordWeight);
      if (coverage > best) [best, offerId] = [coverage, o.id];
    }
  }
  const offer = candidate.offers.find((o) => o.id === offerId) ?? null;
  const availability = availabilityFit(request, candidate, offer);
  add("availability", availability.value, availability.reason);

  const place = placeFit(request, candidate, options);
  add("place", place.value, place.reason);

  const language = languageFit(request, candidate, options);
  add("language", language.value, language.reason);

  const net = candidate.receivedMinutes - candidate.givenMinutes;
  const scale = Math.max(1, options.reciprocityScaleMinutes);
  const reciprocity = clamp(0.5 + net / (2 * scale), 0, 1);
  const reciprocityReason =
    net >= scale / 2
      ? `has received ${hours(net)} more than given and would like to give back`
      : net <= -scale / 2
        ? `has given ${hours(-net)} more than received: due a rest`
        : null;
  add("reciprocity", reciprocity, reciprocityReason);

  const inclusion = 1 / (1 + Math.max(0, candidate.exchangeCount));
  add("inclusion", inclusion, candidate.exchangeCount === 0 ? "has not made an exchange yet: a chance to get started" : null);

  const cap = Math.max(1, options.loadCap);
  const load = -Math.min(Math.max(0, candidate.recentMatches) / cap, 1);
  add(
    "recentLoad",
    load,
    candidate.recentMatches > 0 ? `was asked ${candidate.recentMatches} time${candidate.recentMatches === 1 ? "" : "s"} recently` : null,
  );

  const positiveWeight = FACTOR_NAMES.filter((n) => n !== "recentLoad").reduce((sum, n) => sum + Math.max(0, w[n]), 0);
  const total = factors.reduce((sum, f) => sum + f.contribution, 0);
  const score = positiveWeight > 0 ? round(total / positiveWeight) : 0;
  reasons.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  const inPerson = request.placeMode !== "BY_PHONE" && request.placeMode !== "ONLINE";
  const unfit: Unfit | null = !language.needMet
    ? "LANGUAGE"
    : inPerson && place.km !== null && place.km > options.radiusKm
      ? "TOO_FAR"
      : availability.known && availability.value === 0
        ? "NOT_AVAILABLE"
        : null;
  return {
    memberId: candidate.memberId,
    score,
    factors,
    reasons: reasons.map((r) => r.text),
    offerId,
    relevant: skill.value >= MIN_FIT || text >= MIN_TEXT_ALONE,
    unfit,
    gives: skill.value >= MIN_FIT ? skill.source : null,
  };
}

/**
 * Ranks candidates for a request: those who can do it and whom the request does not rule out
 * (language, distance, time: filters, not penalties), best first; ties go to the less asked,
 * then by id.
 */
export function rankCandidates(
  request: RequestFacts,
  candidates: CandidateFacts[],
  options: ScoringOptions = DEFAULT_OPTIONS,
): CandidateScore[] {
  const load = new Map(candidates.map((c) => [c.memberId, c.recentMatches]));
  return candidates
    .map((c) => scoreCandidate(request, c, options))
    .filter((s) => s.relevant && !s.unfit)
    .sort(
      (a, b) =>
        b.score - a.score ||
        load.get(a.memberId)! - load.get(b.memberId)! ||
        (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0),
    );
}

/** Bank weights over the defaults; unknown names and out-of-range values are refused by the service. */
export function effectiveWeights(overrides: Partial<Record<string, unknown>> | null | undefined): MatchingWeights {
  const weights: MatchingWeights = { ...DEFAULT_WEIGHTS };
  for (const name of FACTOR_NAMES) {
    const v = overrides?.[name];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= MAX_WEIGHT) weights[name] = v;
  }
  return weights;
}
