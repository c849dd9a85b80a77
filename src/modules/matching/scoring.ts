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
}

export interface ScoringOptions {
  weights: MatchingWeights;
  /** Recent matches at which the load penalty is full. */
  loadCap: number;
  /** Net minutes (received − given) at which reciprocity is at its extreme. */
  reciprocityScaleMinutes: number;
}

export const DEFAULT_OPTIONS: Readonly<ScoringOptions> = Object.freeze({ weights: DEFAULT_WEIGHTS, loadCap: 5, reciprocityScaleMinutes: 600 });

export interface Factor {
  name: FactorName;
  weight: number;
  value: number;
  contribution: number;
}

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
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const hours = (minutes: number) => `${round(minutes / 60, 1)} h`;

const STOP_WORDS = new Set([
  "and", "the", "for", "with", "from", "that", "this", "have", "need", "needs", "help", "some", "someone", "would", "like", "please", "who", "can", "about", "into", "our", "your", "you", "are", "was", "will",
  "og", "med", "til", "det", "den", "som", "har", "hjælp", "jeg", "kan", "der", "ikke", "eller", "mig", "min", "mit", "en", "et",
]);

/** Words of a text, lower-cased, without punctuation, short words and common filler words. */
export function words(text: string): string[] {
  const out = new Set<string>();
  for (const w of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (w.length >= 3 && !STOP_WORDS.has(w)) out.add(w);
  }
  return [...out];
}

/** Two words match when they are equal or one starts with the other (4+ letters): "repair" ~ "repairs". */
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.startsWith(short);
}

/** Share of the request's words found among the candidate's words (0..1). */
export function wordCoverage(requestWords: string[], candidateWords: string[]): number {
  if (!requestWords.length || !candidateWords.length) return 0;
  const hit = requestWords.filter((r) => candidateWords.some((c) => sameWord(r, c))).length;
  return hit / requestWords.length;
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
}

function skillFit(request: RequestFacts, candidate: CandidateFacts): SkillFit {
  const requestTags = request.tags.map((t) => t.toLowerCase());
  const requestText = `${request.title} ${request.description}`.toLowerCase();
  const labelFits = (label: string) => requestTags.includes(label) || (label.length >= 4 && requestText.includes(label));
  const fit = (categoryId: string | null, labels: string[]) => {
    const category = !!request.categoryId && categoryId === request.categoryId;
    const label = labels.some(labelFits);
    return category && label ? 1 : category ? 0.7 : label ? 0.5 : 0;
  };
  let best: SkillFit = { value: 0, what: null, offerId: null };
  for (const offer of candidate.offers) {
    const value = fit(offer.categoryId, [...offer.tags.map((t) => t.toLowerCase()), offer.title.toLowerCase()]);
    if (value > best.value) best = { value, what: `offers "${offer.title}"`, offerId: offer.id };
  }
  for (const skill of candidate.skills) {
    const value = fit(skill.categoryId, [skill.label.toLowerCase()]);
    if (value > best.value) best = { value, what: `can do "${skill.label}"`, offerId: null };
  }
  return best;
}

function availabilityFit(request: RequestFacts, candidate: CandidateFacts, offer: OfferFact | null): { value: number; reason: string | null } {
  if (request.flexible) return { value: 1, reason: null };
  const theirs = offer && !offer.flexible && offer.availability.length ? offer.availability : candidate.availability;
  if (offer?.flexible && !offer.availability.length) return { value: 1, reason: "is flexible about when" };
  if (!theirs.length) return { value: 0.5, reason: null };
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
  if (value >= 0.99) return { value: 1, reason: "is available when you need it" };
  if (value > 0) return { value: clamp(value, 0, 1), reason: "is available for part of the time you asked for" };
  return { value: 0, reason: null };
}

function placeFit(request: RequestFacts, candidate: CandidateFacts): { value: number; reason: string | null } {
  if (request.placeMode === "BY_PHONE") return { value: 1, reason: "by phone: no travel needed" };
  if (request.placeMode === "ONLINE") return { value: 1, reason: "online: no travel needed" };
  if (!request.neighbourhood) return { value: 0.5, reason: null };
  if (!candidate.neighbourhood) return { value: 0.25, reason: null };
  if (candidate.neighbourhood.trim().toLowerCase() === request.neighbourhood.trim().toLowerCase()) {
    return { value: 1, reason: `lives in ${candidate.neighbourhood} too` };
  }
  return { value: 0, reason: null };
}

function languageFit(request: RequestFacts, candidate: CandidateFacts): { value: number; reason: string | null } {
  if (!request.requesterLanguages.length || !candidate.languages.length) return { value: 0.5, reason: null };
  const common = candidate.languages.filter((l) => request.requesterLanguages.includes(l));
  return common.length ? { value: 1, reason: `speaks ${common.join(", ")} with you` } : { value: 0, reason: null };
}

/** Scores one candidate for one request. Pure: same facts and options, same result. */
export function scoreCandidate(request: RequestFacts, candidate: CandidateFacts, options: ScoringOptions = DEFAULT_OPTIONS): CandidateScore {
  const w = options.weights;
  const reasons: { text: string; contribution: number }[] = [];
  const factors: Factor[] = [];
  const add = (name: FactorName, value: number, reason: string | null) => {
    const v = round(value) || 0; // no -0 in the API
    const contribution = round(w[name] * v) || 0;
    factors.push({ name, weight: w[name], value: v, contribution });
    if (reason && w[name] !== 0) reasons.push({ text: reason, contribution });
  };

  const skill = skillFit(request, candidate);
  add("skill", skill.value, skill.what);

  const requestWords = words(`${request.title} ${request.description} ${request.tags.join(" ")}`);
  const candidateWords = words([...candidate.skills.map((s) => s.label), ...candidate.offers.flatMap((o) => [o.title, ...o.tags])].join(" "));
  const text = wordCoverage(requestWords, candidateWords);
  add("text", text, text > 0 ? "describes their help in the words of your request" : null);

  // Without a skill fit, the offer whose words cover the request best is the one to point at.
  let offerId = skill.offerId;
  if (!offerId && text > 0) {
    let best = 0;
    for (const o of candidate.offers) {
      const coverage = wordCoverage(requestWords, words([o.title, ...o.tags].join(" ")));
      if (coverage > best) [best, offerId] = [coverage, o.id];
    }
  }
  const offer = candidate.offers.find((o) => o.id === offerId) ?? null;
  const availability = availabilityFit(request, candidate, offer);
  add("availability", availability.value, availability.reason);

  const place = placeFit(request, candidate);
  add("place", place.value, place.reason);

  const language = languageFit(request, candidate);
  add("language", language.value, language.reason);

  const net = candidate.receivedMinutes - candidate.givenMinutes;
  const scale = Math.max(1, options.reciprocityScaleMinutes);
  const reciprocity = clamp(0.5 + net / (2 * scale), 0, 1);
  const reciprocityReason =
    net >= scale / 2 ? `has received ${hours(net)} more than given and would like to give back`
    : net <= -scale / 2 ? `has given ${hours(-net)} more than received: due a rest`
    : null;
  add("reciprocity", reciprocity, reciprocityReason);

  const inclusion = 1 / (1 + Math.max(0, candidate.exchangeCount));
  add("inclusion", inclusion, candidate.exchangeCount === 0 ? "has not made an exchange yet: a chance to get started" : null);

  const cap = Math.max(1, options.loadCap);
  const load = -Math.min(Math.max(0, candidate.recentMatches) / cap, 1);
  add("recentLoad", load, candidate.recentMatches > 0 ? `was asked ${candidate.recentMatches} time${candidate.recentMatches === 1 ? "" : "s"} recently` : null);

  const positiveWeight = FACTOR_NAMES.filter((n) => n !== "recentLoad").reduce((sum, n) => sum + Math.max(0, w[n]), 0);
  const total = factors.reduce((sum, f) => sum + f.contribution, 0);
  const score = positiveWeight > 0 ? round(total / positiveWeight) : 0;
  reasons.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return {
    memberId: candidate.memberId,
    score,
    factors,
    reasons: reasons.map((r) => r.text),
    offerId,
    relevant: skill.value > 0 || text > 0,
  };
}

/** Ranks candidates for a request: relevant ones only, best first; ties go to the less asked, then by id. */
export function rankCandidates(request: RequestFacts, candidates: CandidateFacts[], options: ScoringOptions = DEFAULT_OPTIONS): CandidateScore[] {
  const load = new Map(candidates.map((c) => [c.memberId, c.recentMatches]));
  return candidates
    .map((c) => scoreCandidate(request, c, options))
    .filter((s) => s.relevant)
    .sort((a, b) => b.score - a.score || load.get(a.memberId)! - load.get(b.memberId)! || (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
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
