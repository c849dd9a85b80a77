import { alternation, everywherePatterns, linkedPatterns, nameParts, phoneDigitForms, REDACTED } from "./privacy.rules";

// The patterns are PostgreSQL AREs; JavaScript reads them alike once the POSIX class is spelled its way.
function redact(text: string, patterns: string[]): string {
  const alt = alternation(patterns);
  if (!alt) return text;
  return text.replace(new RegExp(alt.replaceAll("[[:alnum:]_]", "[\\p{L}\\p{N}_]"), "giu"), REDACTED);
}

const ahmad = { names: ["Ahmad Hassan"], emails: ["ahmad@example.org"], phones: ["+45 20 30 40 50"] };

describe("what erasure replaces in other people's text", () => {
  it("replaces the full name anywhere, in any case, and leaves other words alone", () => {
    expect(redact("AHMAD HASSAN walked Else's dog", everywherePatterns(ahmad))).toBe("[erased] walked Else's dog");
    expect(redact("Ahmadi Hassanein came", everywherePatterns(ahmad))).toBe("Ahmadi Hassanein came");
  });

  it("replaces a first name alone only in text tied to the person", () => {
    expect(redact("Thanks, Ahmad!", everywherePatterns(ahmad))).toBe("Thanks, Ahmad!");
    expect(redact("Thanks, Ahmad!", linkedPatterns(ahmad))).toBe("Thanks, [erased]!");
  });

  it("finds a phone number however it is spaced, with or without the country code, but not inside a longer number", () => {
    const p = everywherePatterns(ahmad);
    expect(redact("call +45 20 30 40 50", p)).toBe("call +[erased]");
    expect(redact("ring 20304050 or 20-30-40-50", p)).toBe("ring [erased] or [erased]");
    expect(redact("account 9920304050", p)).toBe("account 9920304050");
  });

  it("finds an email address as written", () => {
    expect(redact("mail AHMAD@example.org today", everywherePatterns(ahmad))).toBe("mail [erased] today");
  });

  it("does not treat initials or short numbers as identifying", () => {
    expect(nameParts("J. Bo Ek")).toEqual(["Bo", "Ek"]);
    expect(phoneDigitForms("112")).toEqual([]);
    // Country codes have 1 to 3 digits; at home the number may be dialled with a trunk 0.
    expect(phoneDigitForms("+46 70 111 22 33")).toEqual([
      "46701112233",
      "6701112233",
      "06701112233",
      "701112233",
      "0701112233",
      "01112233",
      "001112233",
    ]);
    expect(redact("ring 070-111 22 33", everywherePatterns({ names: [], emails: [], phones: ["+46 70 111 22 33"] }))).toBe("ring [erased]");
  });

  it("escapes what a name may contain", () => {
    expect(redact("O'Brien (Mary) paid", everywherePatterns({ names: ["O'Brien (Mary)"], emails: [], phones: [] }))).toBe("[erased] paid");
  });
});
