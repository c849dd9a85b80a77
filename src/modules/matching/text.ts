// Text as people write it: folding (case, accents, ø/æ/ß, Arabic letter variants), words, and
// the tolerant comparison of two words (endings, compounds, one or two typos). Pure functions,
// shared by the vocabulary, the gazetteer and the rarity weighting (text.spec.ts).

const FOLD_EXTRA: Record<string, string> = {
  ø: "o",
  æ: "ae",
  œ: "oe",
  ß: "ss",
  ł: "l",
  đ: "d",
  ı: "i",
  þ: "th",
  ð: "d",
  ё: "е",
  ї: "і",
  є: "е",
  ґ: "г",
};
const ARABIC: Record<string, string> = { أ: "ا", إ: "ا", آ: "ا", ٱ: "ا", ة: "ه", ى: "ي", ؤ: "و", ئ: "ي", ـ: "" };

/** Lower case without accents: "Nørrebro" and "Norrebro" fold alike, as do "Tårnby"/"Tarnby", "أ"/"ا". */
export function fold(text: string): string {
  let s = text.toLowerCase().replace(/[øæœßłđıþðёїєґ]/g, (c) => FOLD_EXTRA[c] ?? c);
  s = s.replace(/[أإآٱةىؤئـ]/g, (c) => ARABIC[c] ?? c);
  return s.normalize("NFKD").replace(/\p{M}+/gu, "");
}

/**
 * Words too common to carry meaning alone, in the languages of the banks. They are left out of
 * the vocabulary's single-word terms and of the rarity weighting.
 */
export const STOP_WORDS = new Set(
  `a an and the of to in on at for with from by is are was be been am i me my mine you your we our us he she his her it its they them their this that these those
   there here have has had do does did can could will would should may might must shall not no yes or but if so as up out about into over after before again
   very too also just only some any all more most other such than then once please thanks thank hi hello help helping need needs needed want wants looking
   someone somebody anyone anybody something anything who what when where why how get got getting make made like would love happy good great new old one two
   og i jeg du han hun den det de vi min mit mine din dit dine sin sit sine er var har havde kan kunne vil ville skal skulle maa ma med til fra pa af for
   om ikke eller men som der her en et ens nogen noget nogle hjaelp hjaelpe hjaelper gerne godt tak hej ogsa bare meget lidt mere sa nar hvis hvor hvad hvem
   hvordan efter foer inden under over ud ind op ned igen alle alt andre ny nyt nye gammel mig dig sig os jer dem hans hendes deres vores jeres sin hos
   ikkje eg meg deg seg oss dei kva korleis ogso hjelp hjelpe hjelper trenger trenge noen noe mye litt veldig takk
   jag mig dig sig oss er ni de det den och att som med till fran pa av for om inte eller men har hade kan kunde vill ska skulle hjalp hjalpa behover nagon nagot mycket lite
   ich du er sie es wir ihr mich mir dich dir sich uns euch mein meine dein deine und oder aber nicht kein keine ist sind war hat habe haben kann konnen will
   mochte bitte danke hilfe helfen brauche jemand etwas der die das den dem des ein eine einen einem einer mit zu von bei fur auf aus nach vor
   w z na do od po za ze sie nie i a o u jest sa byl mam masz moge mozesz prosze dziekuje pomoc pomocy potrzebuje ktos cos moj moja moje twoj jak co
   في من الى إلى على عن مع هذا هذه ذلك التي الذي انا أنا انت أنت هو هي نحن هم كان يكون لا نعم او أو و ثم قد لي لك له لها عندي اريد أريد احتاج أحتاج مساعدة ساعد شخص احد
   iyo oo ku ka la u waa ma aan waxaan waxa ayaa kale ah uu ay si ee haa maya caawimaad caawin qof
   i й та в у на з до від по за що це ти він вона ми ви вони мій моя моє мені мене не так ні або але як потрібна потрібен допомога допомогти хтось щось будь ласка`
    .split(/\s+/)
    .filter(Boolean)
    .map(fold),
);

/** Folded words of a text: letters and digits of any script; apostrophes join ("комп'ютер"). */
export function tokens(text: string): string[] {
  return fold(text)
    .replace(/['’ʼ`]/g, "")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** The meaningful words of a text (no stop words, no single letters). */
export function contentWords(text: string): string[] {
  return tokens(text).filter((w) => w.length >= 2 && !STOP_WORDS.has(w) && !/^\d{1,3}$/.test(w));
}

const ARABIC_PREFIX = /^(?:و|ف)?(?:بال|لل|وال|كال|فال|ال|ب|ل)(?=\p{L}{3})/u;

/** Arabic glues articles and prepositions to words ("بالعربية" = "ب" + "ال" + "عربية"). */
export function stripArabicPrefix(word: string): string {
  return /[\u0600-\u06FF]/.test(word) ? word.replace(ARABIC_PREFIX, "") : word;
}

/** Optimal string alignment distance, giving up (returning max + 1) past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1);
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    for (let j = 0; j <= b.length; j++) prev2[j] = prev[j];
    prev = cur;
  }
  return prev[b.length];
}

/** Typos tolerated in a word of this length: none below 5 letters, one up to 8, two from 9. */
export function typoBudget(length: number): number {
  return length < 6 ? 0 : length < 10 ? 1 : 2;
}

/**
 * How well a written word stands for a vocabulary word (0 = not at all):
 * 1 the same; 0.9 an ending added ("breve" for "brev"); 0.85 an ending cut ("boligstøtt" for
 * "boligstøtte"); 0.8 a compound that starts with it ("vaskemaskinen") or ends with it after
 * four letters ("skolebreve"); 0.75 a typo within the word's budget ("komputer").
 */
export function wordFit(term: string, written: string): number {
  if (term === written) return 1;
  const added = written.length - term.length;
  if (term.length >= 4 && written.startsWith(term) && added <= (term.length < 6 ? 3 : 5)) return 0.9;
  if (written.length >= 5 && term.startsWith(written) && -added <= 2) return 0.85;
  // Compounds: the word is the first part ("vaskemaskinen"), or the head, after at least four
  // letters of another word ("skolebreve", but not "formiddag" for "middag").
  if (term.length >= 5 && added >= 3 && written.startsWith(term)) return 0.8;
  if (term.length >= 6 && added >= 4 && written.endsWith(term)) return 0.8;
  const budget = typoBudget(Math.min(term.length, written.length));
  if (budget > 0 && editDistance(term, written, budget) <= budget) return 0.75;
  return 0;
}

/** Every string made by deleting one letter (for the typo index). */
export function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}
