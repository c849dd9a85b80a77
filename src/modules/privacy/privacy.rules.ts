// Pure rules of erasure: which strings identify a person, and the patterns that find them in
// other people's text. The patterns are PostgreSQL regular expressions (ARE), applied with the
// case-insensitive flag by privacy.erase.ts; docs/privacy.md states the rules in words.

/** What replaces a name, email or phone number of an erased person in someone else's text. */
export const REDACTED = "[erased]";

/** Name parts with fewer letters than this are not replaced on their own (an initial such as "J."). */
export const MIN_NAME_PART = 2;

export interface Identifiers {
  /** Names the person went by: the login's display name (full form). */
  names: string[];
  /** Login email and contact email. */
  emails: string[];
  /** Contact phone numbers as entered. */
  phones: string[];
}

/** Escapes a literal for a PostgreSQL ARE (the same metacharacters as JavaScript's, plus none). */
export function escapeRegex(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/** A literal as a whole word: not preceded or followed by a letter or digit. */
function wholeWord(literal: string): string {
  return `(?<![[:alnum:]_])${escapeRegex(literal)}(?![[:alnum:]_])`;
}

const norm = (s: string) => s.trim().replace(/\s+/g, " ");

/** The parts of a full name worth replacing on their own ("Ahmad Hassan" -> Ahmad, Hassan). */
export function nameParts(name: string): string[] {
  return [
    ...new Set(
      norm(name)
        .split(/[\s]+/)
        .filter((p) => (p.match(/\p{L}/gu) ?? []).length >= MIN_NAME_PART),
    ),
  ];
}

/**
 * The digits of a phone number, and the forms people write it in: with its international prefix
 * and without it, with or without a trunk 0 (a number entered as "+46 70 111 22 33" is also
 * found as "070-111 22 33" and "701112233"). Numbers with fewer than 6 digits are not phone numbers we can find safely.
 */
export function phoneDigitForms(phone: string): string[] {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 6) return [];
  const forms = [digits];
  if (/^\s*(\+|00)/.test(phone)) {
    const national = phone.trim().startsWith("00") ? digits.slice(2) : digits;
    // Without the country code (1 to 3 digits), and as dialled at home with a trunk 0.
    for (const cc of [1, 2, 3]) if (national.length - cc >= 6) forms.push(national.slice(cc), `0${national.slice(cc)}`);
    if (national !== digits) forms.push(national);
  }
  if (digits.startsWith("0") && digits.length - 1 >= 6) forms.push(digits.slice(1));
  return [...new Set(forms)];
}

/** A digit sequence with any spacing, dots, dashes or brackets between its digits, not inside a longer number. */
function digitsPattern(digits: string): string {
  return `(?<![0-9])${[...digits].join("[-. ()/]{0,2}")}(?![0-9])`;
}

/**
 * Patterns found everywhere in the person's banks: full names, emails and phone numbers.
 * Longest first, so "Ahmad Hassan" is replaced before "Ahmad" could split it.
 */
export function everywherePatterns(ids: Identifiers): string[] {
  const names = ids.names.map(norm).filter((n) => [...n].length >= MIN_NAME_PART);
  const emails = ids.emails.map((e) => e.trim()).filter((e) => e.includes("@"));
  const phones = ids.phones.flatMap(phoneDigitForms).sort((a, b) => b.length - a.length);
  const literal = [...new Set([...names, ...emails])].sort((a, b) => b.length - a.length).map(wholeWord);
  return [...literal, ...phones.map(digitsPattern)];
}

/**
 * Patterns found in the texts tied to the person (the memos of their transfers, the messages of
 * their inter-bank transfers, the requests they were matched with): also each part of a name
 * on its own ("Thanks, Ahmad!").
 */
export function linkedPatterns(ids: Identifiers): string[] {
  const parts = [...new Set(ids.names.flatMap(nameParts))].sort((a, b) => b.length - a.length).map(wholeWord);
  return [...everywherePatterns(ids), ...parts];
}

/** One alternation of patterns (PostgreSQL and JavaScript read it alike); null when there is nothing to find. */
export function alternation(patterns: string[]): string | null {
  return patterns.length ? patterns.map((p) => `(?:${p})`).join("|") : null;
}
