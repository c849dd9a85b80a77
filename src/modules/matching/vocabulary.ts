// The skill vocabulary: canonical timebank activities (vocabulary/activities.json, versioned
// data) with the words people use for them in the languages of the banks, and the matching of
// free text against it. A text is mapped to activities with a strength 0..1: how sure we are
// that it speaks of that activity. Words are compared tolerantly (text.ts): endings, compounds,
// typos. A bank's coordinators add local synonyms; they are matched the same way.
import activitiesFile from "./vocabulary/activities.json";
import languagesFile from "./vocabulary/languages.json";
import { deletions, STOP_WORDS, stripArabicPrefix, tokens, wordFit } from "./text";

export interface Activity {
  id: string;
  category: string;
  group: string;
  terms: Record<string, string[]>;
}

export const VOCABULARY_VERSION: number = activitiesFile.version;
export const ACTIVITIES: readonly Activity[] = activitiesFile.activities as Activity[];
export const ACTIVITY_BY_ID: ReadonlyMap<string, Activity> = new Map(ACTIVITIES.map((a) => [a.id, a]));

/** Words of a term or a text as the matcher compares them. */
export function termWords(text: string): string[] {
  // The parts of a hyphenated word keep their small words: "IT-hjælp" is not "it" and "help".
  return text.split(/\s+/).flatMap((chunk) => {
    const parts = tokens(chunk).map(stripArabicPrefix);
    const hyphenated = parts.length > 1 && /\p{L}-\p{L}/u.test(chunk);
    return parts.filter((w) => w.length >= 2 && (hyphenated || !STOP_WORDS.has(w)));
  });
}

interface Term {
  key: string;
  words: string[];
  /** Lower for a single short word ("bil", "hund"): it says less than a phrase. */
  specificity: number;
}

/**
 * Written words that look like a vocabulary word but mean something else ("pensioneret" is
 * retired, not pension help; Danish "køkken" is a kitchen, Norwegian "kokk" a cook).
 */
const FALSE_FRIENDS = new Set<string>(
  (((activitiesFile as { falseFriends?: unknown }).falseFriends ?? []) as string[]).map((w) => termWords(w)[0]).filter(Boolean),
);

/** Up to this many words may come between two words of a phrase ("lære lidt arabisk"). */
const PHRASE_GAP = 2;

/**
 * Terms compiled for fast tolerant lookup: every written word is compared only with vocabulary
 * words it could match (same word, a prefix, a compound part, or a one-deletion neighbour).
 */
export class TermIndex {
  private readonly terms: Term[] = [];
  private readonly byWord = new Map<string, Term[]>();
  private readonly exact = new Map<string, string>();
  private readonly cut = new Map<string, string[]>();
  private readonly neighbours = new Map<string, string[]>();

  constructor(entries: Iterable<{ key: string; phrase: string }>) {
    for (const { key, phrase } of entries) {
      const words = termWords(phrase);
      // A phrase whose meaning was in its small words ("ny mor", "hjælpe i køkkenet") says
      // nothing reliable once they are gone.
      if (!words.length || (words.length === 1 && tokens(phrase).length > 1)) continue;
      const single = words.length === 1;
      if (single && words[0].length < 2) continue;
      const term: Term = { key, words, specificity: single && words[0].length < 6 ? 0.85 : 1 };
      this.terms.push(term);
      for (const w of new Set(words)) {
        const list = this.byWord.get(w);
        if (list) list.push(term);
        else {
          this.byWord.set(w, [term]);
          this.addWord(w);
        }
      }
    }
  }

  private addWord(w: string) {
    this.exact.set(w, w);
    const push = (map: Map<string, string[]>, k: string) => {
      const list = map.get(k);
      if (list) list.push(w);
      else map.set(k, [w]);
    };
    if (w.length >= 6) for (let n = 1; n <= 2; n++) push(this.cut, w.slice(0, w.length - n));
    if (w.length >= 5) {
      push(this.neighbours, w);
      for (const d of deletions(w)) push(this.neighbours, d);
    }
  }

  /** Vocabulary words a written word could stand for, with how well (wordFit). */
  private candidates(written: string): Map<string, number> {
    if (FALSE_FRIENDS.has(written)) return new Map();
    const found = new Set<string>();
    const add = (w: string | undefined) => w && found.add(w);
    add(this.exact.get(written));
    for (let n = 4; n < written.length; n++) {
      add(this.exact.get(written.slice(0, n))); // an ending added, or the first part of a compound
      if (n >= 6) add(this.exact.get(written.slice(written.length - n))); // the last part of a compound
    }
    for (const w of this.cut.get(written) ?? []) found.add(w);
    if (written.length >= 5) {
      for (const w of this.neighbours.get(written) ?? []) found.add(w);
      for (const d of deletions(written)) for (const w of this.neighbours.get(d) ?? []) found.add(w);
    }
    const out = new Map<string, number>();
    for (const w of found) {
      const fit = wordFit(w, written);
      if (fit > 0) out.set(w, fit);
    }
    return out;
  }

  /**
   * The keys whose terms the text contains, each with its best strength (0..1). Where terms
   * overlap, the better and longer one wins the words it covers: "klaverstemmer" is piano
   * tuning, not piano; "cover letter" is a job application, not a letter.
   */
  match(text: string): Map<string, number> {
    const written = termWords(text);
    // Per vocabulary word, where it was written and how well.
    const seen = new Map<string, { pos: number; fit: number }[]>();
    written.forEach((w, pos) => {
      for (const [vw, fit] of this.candidates(w)) {
        const list = seen.get(vw);
        if (list) list.push({ pos, fit });
        else seen.set(vw, [{ pos, fit }]);
      }
    });
    const found: { key: string; strength: number; rank: number; positions: number[] }[] = [];
    const tried = new Set<Term>();
    for (const vw of seen.keys()) {
      for (const term of this.byWord.get(vw) ?? []) {
        if (tried.has(term)) continue;
        tried.add(term);
        const hit = phraseFit(term.words, seen);
        if (hit.fit > 0)
          found.push({
            key: term.key,
            strength: hit.fit * term.specificity,
            rank: hit.fit + 0.1 * (term.words.length - 1),
            positions: hit.positions,
          });
      }
    }
    const cover = new Map<number, number>();
    for (const f of found) for (const p of f.positions) cover.set(p, Math.max(cover.get(p) ?? 0, f.rank));
    const out = new Map<string, number>();
    for (const f of found) {
      if (f.positions.some((p) => f.rank < cover.get(p)! - 1e-9)) continue;
      if (f.strength > (out.get(f.key) ?? 0)) out.set(f.key, f.strength);
    }
    return out;
  }
}

/** Best fit of a phrase's words written in order with small gaps (0 when some word is missing), and where. */
function phraseFit(words: string[], seen: Map<string, { pos: number; fit: number }[]>): { fit: number; positions: number[] } {
  let best = 0;
  let bestPositions: number[] = [];
  const path: number[] = [];
  const walk = (i: number, after: number, fit: number) => {
    if (fit <= best) return;
    if (i === words.length) {
      best = fit;
      bestPositions = [...path];
      return;
    }
    for (const at of seen.get(words[i]) ?? []) {
      if (i > 0 && (at.pos <= after || at.pos - after > PHRASE_GAP + 1)) continue;
      path.push(at.pos);
      walk(i + 1, at.pos, Math.min(fit, at.fit));
      path.pop();
    }
  };
  walk(0, -1, 1);
  return { fit: best, positions: bestPositions };
}

let base: TermIndex | null = null;

/** The project's vocabulary, compiled once per process. */
export function baseIndex(): TermIndex {
  base ??= new TermIndex(
    ACTIVITIES.flatMap((a) =>
      Object.values(a.terms)
        .flat()
        .map((phrase) => ({ key: a.id, phrase })),
    ),
  );
  return base;
}

export interface LocalSynonym {
  activityId: string;
  phrase: string;
}

/** Activities a text speaks of, from the vocabulary and the bank's own synonyms. */
export function activitiesIn(text: string, local: TermIndex | null = null): Map<string, number> {
  const found = baseIndex().match(text);
  if (local) {
    for (const [id, s] of local.match(text)) if (s > (found.get(id) ?? 0)) found.set(id, s);
  }
  return found;
}

const RELATED_GROUPS = new Map<string, number>();
for (const [a, b, w] of ((activitiesFile as { relatedGroups?: unknown }).relatedGroups ?? []) as [string, string, number][]) {
  RELATED_GROUPS.set(`${a}|${b}`, w);
  RELATED_GROUPS.set(`${b}|${a}`, w);
}

/**
 * How close two activities are: the same 1; the same group 0.6 (a bike mechanic for a flat
 * tyre); related groups as the vocabulary says (letters and translation 0.6); the same
 * category 0.3 (a near miss: "repairs" holds bikes and plumbing).
 */
export function activitySimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const x = ACTIVITY_BY_ID.get(a);
  const y = ACTIVITY_BY_ID.get(b);
  if (!x || !y) return 0;
  if (x.group === y.group) return 0.6;
  const related = RELATED_GROUPS.get(`${x.group}|${y.group}`);
  if (related !== undefined) return related;
  if (x.category === y.category) return 0.3;
  return 0;
}

/** Activities of a category of the bank (by the category's slug). */
export function activitiesOfCategory(slug: string): string[] {
  return ACTIVITIES.filter((a) => a.category === slug).map((a) => a.id);
}

// ------------------------------------------------------------------------------------------
// Languages named in a text ("it's in Danish", "po polsku", "بالعربية").

let languageIndex: TermIndex | null = null;

function languages(): TermIndex {
  languageIndex ??= new TermIndex(
    Object.entries(languagesFile.languages as Record<string, string[]>).flatMap(([code, names]) =>
      names.map((phrase) => ({ key: code, phrase })),
    ),
  );
  return languageIndex;
}

/** ISO 639-1 codes of the languages a text names. */
export function languagesNamed(text: string): string[] {
  // A language's name is specific even when short ("polsk"): any tolerant match of it counts.
  return [...languages().match(text)]
    .filter(([, s]) => s >= 0.6)
    .map(([code]) => code)
    .sort();
}

/** The language of a bank's locale ("da-DK" -> "da", "nn" -> "nb"). */
export function bankLanguage(locale: string): string {
  const code = locale.toLowerCase().split(/[-_]/)[0];
  return (languagesFile.bankLanguage as Record<string, string>)[code] ?? code;
}

/** Codes that count as the same language when comparing what a member speaks ("no" for "nb"). */
export function sameLanguage(a: string, b: string): boolean {
  if (a === b) return true;
  const eq = languagesFile.equivalent as Record<string, string[]>;
  return (eq[a]?.includes(b) ?? false) || (eq[b]?.includes(a) ?? false);
}

/**
 * The languages a request needs its helper to speak, any one of them: the languages it names,
 * leaving out the bank's own language when another is named too ("a Danish letter, explained in
 * Polish" needs Polish; "help in Danish" needs Danish).
 */
export function languagesNeeded(text: string, bankLocale: string): string[] {
  const named = languagesNamed(text);
  const home = bankLanguage(bankLocale);
  const others = named.filter((l) => !sameLanguage(l, home));
  return others.length ? others : named;
}
