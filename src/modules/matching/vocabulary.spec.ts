// The vocabulary, the tolerant word comparison and the gazetteer, on phrases as people write them.
import { distanceKm, locate } from "./gazetteer";
import { editDistance, fold, wordFit } from "./text";
import { ACTIVITIES, activitiesIn, activitySimilarity, languagesNeeded, TermIndex } from "./vocabulary";

const top = (text: string) => [...activitiesIn(text)].sort((a, b) => b[1] - a[1]).map(([id]) => id);

describe("text as people write it", () => {
  it("folds case and accents, so Nørrebro is Norrebro and Øresund is Oresund", () => {
    expect(fold("Nørrebro")).toBe(fold("norrebro"));
    expect(fold("Tårnby")).toBe("tarnby");
    expect(fold("Straße")).toBe("strasse");
    expect(fold("أريد")).toBe(fold("اريد"));
  });

  it("tolerates endings, cut endings, compounds and typos, but not fragments", () => {
    expect(wordFit("brev", "breve")).toBeGreaterThan(0.8);
    expect(wordFit("boligstotte", "boligstott")).toBeGreaterThan(0.8);
    expect(wordFit("vaskemaskine", "vaskemasinen")).toBeGreaterThan(0);
    expect(wordFit("computer", "komputer")).toBeGreaterThan(0);
    expect(wordFit("middag", "formiddag")).toBe(0);
    expect(wordFit("bage", "bagefter")).toBe(0);
    expect(editDistance("komputer", "computer", 2)).toBe(1);
  });
});

describe("the vocabulary", () => {
  it("holds at least 200 activities, each with English, Danish and Norwegian words and a category", () => {
    expect(ACTIVITIES.length).toBeGreaterThanOrEqual(200);
    for (const a of ACTIVITIES) {
      expect(a.category).toMatch(/^[a-z-]+$/);
      for (const language of ["en", "da", "nb"]) expect(a.terms[language]?.length ?? 0).toBeGreaterThan(0);
    }
    expect(new Set(ACTIVITIES.map((a) => a.id)).size).toBe(ACTIVITIES.length);
  });

  it("maps requests written in several languages, with typos, to the activity asked for", () => {
    expect(top("Min komputer vil ikke starte")).toEqual(expect.arrayContaining(["computer-help"]));
    expect(top("Flat tyre on my bike")[0]).toBe("bike-puncture");
    expect(top("Vaskemasinen lækker")).toContain("plumbing");
    expect(top("Hjælp til boligstøtt")).toContain("housing-benefit");
    expect(top("List ze szpitala")).toContain("read-official-letters");
    expect(top("مرافقة إلى الطبيب")).toContain("escort-doctor");
    expect(top("Qof ila raaca jobcenter")).toEqual(expect.arrayContaining(["escort-doctor", "jobcentre-help"]));
    expect(top("Meine Bremsen quietschen")).toContain("bike-brakes");
    expect(top("Hylle på veggen")).toContain("hang-shelves");
  });

  it("gives overlapping words to the better, longer term", () => {
    expect(top("Klaverstemmer?")).toEqual(["piano-tuning"]);
    expect(top("Pensioneret sygeplejerske")).not.toContain("pension-benefits");
  });

  it("relates activities: the same, the same group, a near-miss category", () => {
    expect(activitySimilarity("bike-puncture", "bike-puncture")).toBe(1);
    expect(activitySimilarity("bike-puncture", "bike-repair")).toBe(0.6);
    expect(activitySimilarity("bike-puncture", "plumbing")).toBe(0.3);
    expect(activitySimilarity("bike-puncture", "knitting")).toBe(0);
  });

  it("matches a bank's own synonyms the same tolerant way", () => {
    const local = new TermIndex([{ key: "bike-repair", phrase: "nattergal" }]);
    expect(activitiesIn("Nattergalen søges", local).get("bike-repair")).toBeGreaterThan(0.8);
    expect(activitiesIn("Nattergalen søges").get("bike-repair")).toBeUndefined();
  });

  it("finds the languages a request needs, leaving out the bank's own when another is named", () => {
    expect(languagesNeeded("Dostałam list po duńsku. Proszę o pomoc po polsku", "da")).toEqual(["pl"]);
    expect(languagesNeeded("رسالة بالدنماركية، أحتاج من يشرحها بالعربية", "da")).toEqual(["ar"]);
    expect(languagesNeeded("Complaint to the kommune, in Danish", "da")).toEqual(["da"]);
    expect(languagesNeeded("I read English or Ukrainian best", "da")).toEqual(["en", "uk"]);
    expect(languagesNeeded("Flat tyre on my bike", "da")).toEqual([]);
  });
});

describe("the gazetteer", () => {
  it("finds places as typed: without accents, by alias, by postcode, inside other words", () => {
    expect(locate("norrebro")?.name).toBe("Nørrebro");
    expect(locate("kbh n")?.name).toBe("Nørrebro");
    expect(locate("2200 København N")?.name).toBe("Nørrebro");
    expect(locate("Nørrebro (Blågården)")?.name).toBe("Nørrebro");
    expect(locate("NV")?.name).toBe("Nordvest");
    expect(locate("Løkka")?.name).toBe("Grünerløkka");
    expect(locate("Atlantis")).toBeNull();
    expect(locate("55.69, 12.55")).toMatchObject({ lat: 55.69, lon: 12.55 });
  });

  it("measures distance in km (public coordinates: Nørrebro to Ishøj is about 15 km, to Østerbro about 2)", () => {
    const km = (a: string, b: string) => distanceKm(locate(a)!, locate(b)!);
    expect(km("Nørrebro", "Ishøj")).toBeGreaterThan(13);
    expect(km("Nørrebro", "Ishøj")).toBeLessThan(17);
    expect(km("Nørrebro", "Østerbro")).toBeLessThan(3);
  });
});
