import {
  DEFAULT_OPTIONS,
  DEFAULT_WEIGHTS,
  effectiveWeights,
  FACTOR_NAMES,
  overlapMinutes,
  rankCandidates,
  sameWord,
  scoreCandidate,
  wordCoverage,
  words,
  type CandidateFacts,
  type RequestFacts,
} from "./scoring";

const SHOPPING = "cat-shopping";
const LANGUAGE = "cat-language";

const request = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  categoryId: SHOPPING,
  tags: ["weekly shopping"],
  title: "Weekly shopping at the supermarket",
  description: "I cannot carry heavy bags any more.",
  placeMode: "IN_PERSON",
  neighbourhood: "Frederiksbjerg",
  availability: [{ weekday: 2, startMinute: 600, endMinute: 720 }],
  dateWeekdays: [],
  flexible: false,
  requesterLanguages: ["da"],
  ...over,
});

const candidate = (memberId: string, over: Partial<CandidateFacts> = {}): CandidateFacts => ({
  memberId,
  skills: [{ label: "weekly shopping", categoryId: SHOPPING }],
  offers: [],
  languages: ["da"],
  neighbourhood: "Frederiksbjerg",
  availability: [{ weekday: 2, startMinute: 540, endMinute: 780 }],
  givenMinutes: 0,
  receivedMinutes: 0,
  exchangeCount: 0,
  recentMatches: 0,
  ...over,
});

const factor = (s: ReturnType<typeof scoreCandidate>, name: string) => s.factors.find((f) => f.name === name)!;

describe("words and overlaps", () => {
  it("keeps the meaningful words of a text, lower-cased, once", () => {
    expect(words("Help with the Weekly shopping, weekly!")).toEqual(["weekly", "shopping"]);
    // Folded: accents and ø/æ do not split people who write "kokken" from those who write "køkken".
    expect(words("Cykler og køkken")).toEqual(["cykler", "kokken"]);
  });

  it("treats a word and its longer forms as the same word, but not short fragments", () => {
    expect(sameWord("repair", "repairs")).toBe(true);
    expect(sameWord("bike", "bikes")).toBe(true);
    expect(sameWord("car", "carpet")).toBe(false);
    expect(sameWord("garden", "guard")).toBe(false);
  });

  it("measures how many of the request's words a candidate covers", () => {
    expect(wordCoverage(["bike", "repair"], ["repairs", "bikes", "woodwork"])).toBe(1);
    expect(wordCoverage(["bike", "repair"], ["bike"])).toBe(0.5);
    expect(wordCoverage([], ["bike"])).toBe(0);
    expect(wordCoverage(["bike"], [])).toBe(0);
  });

  it("adds up overlapping minutes of weekly windows on the same weekday only", () => {
    const a = [
      { weekday: 1, startMinute: 600, endMinute: 720 },
      { weekday: 3, startMinute: 0, endMinute: 60 },
    ];
    expect(overlapMinutes(a, [{ weekday: 1, startMinute: 660, endMinute: 900 }])).toBe(60);
    expect(overlapMinutes(a, [{ weekday: 2, startMinute: 600, endMinute: 720 }])).toBe(0);
    expect(
      overlapMinutes(a, [
        { weekday: 3, startMinute: 0, endMinute: 1440 },
        { weekday: 1, startMinute: 0, endMinute: 1440 },
      ]),
    ).toBe(180);
  });
});

describe("scoreCandidate", () => {
  it("gives a perfect fit a score near 1 and explains it in words and factors", () => {
    const s = scoreCandidate(request(), candidate("m1"));
    expect(s.relevant).toBe(true);
    expect(s.score).toBeGreaterThan(0.85);
    expect(s.factors.map((f) => f.name)).toEqual([...FACTOR_NAMES]);
    for (const f of s.factors) expect(f.contribution).toBeCloseTo(f.weight * f.value, 4);
    expect(s.reasons).toEqual(
      expect.arrayContaining([
        'can do "weekly shopping"',
        "lives in Frederiksbjerg too",
        "speaks da with you",
        "is available when you need it",
      ]),
    );
    expect(s.reasons[0]).toBe('can do "weekly shopping"');
  });

  it("is deterministic", () => {
    expect(scoreCandidate(request(), candidate("m1"))).toEqual(scoreCandidate(request(), candidate("m1")));
  });

  it("counts the request's own words in a skill label above the bank's category alone, which is a near miss", () => {
    const categoryOnly = scoreCandidate(request(), candidate("a", { skills: [{ label: "errands", categoryId: SHOPPING }] }));
    const labelOnly = scoreCandidate(request(), candidate("b", { skills: [{ label: "weekly shopping", categoryId: null }] }));
    const nearMiss = scoreCandidate(request(), candidate("c", { skills: [{ label: "danish conversation", categoryId: LANGUAGE }] }));
    expect(factor(categoryOnly, "skill").value).toBe(0.35);
    expect(factor(labelOnly, "skill").value).toBe(0.6);
    expect(factor(nearMiss, "skill").value).toBe(0);
    expect(nearMiss.relevant).toBe(false);
    expect(labelOnly.score).toBeGreaterThan(categoryOnly.score);
  });

  it("matches activities of the vocabulary: the same one fully, a related one (same group) in part, a category neighbour not", () => {
    const options = {
      ...DEFAULT_OPTIONS,
      similarity: (a: string, b: string) => (a === b ? 1 : a.startsWith("bike") && b.startsWith("bike") ? 0.6 : 0),
    };
    const asked = request({ categoryId: null, tags: [], title: "Flat tyre", activities: { "bike-puncture": 1 } });
    const same = scoreCandidate(
      asked,
      candidate("a", { skills: [], activities: { "bike-puncture": 1 }, activitySources: { "bike-puncture": "punktering" } }),
      options,
    );
    const related = scoreCandidate(asked, candidate("b", { skills: [], activities: { "bike-repair": 1 } }), options);
    const other = scoreCandidate(asked, candidate("c", { skills: [], activities: { knitting: 1 } }), options);
    expect(factor(same, "skill").value).toBe(1);
    expect(same.reasons[0]).toBe('can do "punktering"');
    expect(factor(related, "skill").value).toBe(0.6);
    expect(related.relevant).toBe(true);
    expect(other.relevant).toBe(false);
  });

  it("rules out (does not just rank low) a helper without the language the request names, too far away, or never free then", () => {
    const here = { lat: 55.6937, lon: 12.548 };
    const fits = candidate("a", { languages: ["pl", "da"], point: here });
    const polish = request({ languagesNeeded: ["pl"], point: here });
    expect(scoreCandidate(polish, fits).unfit).toBeNull();
    expect(scoreCandidate(polish, fits).reasons).toContain("speaks pl, as the request asks");
    expect(scoreCandidate(polish, candidate("b", { languages: ["da"], point: here })).unfit).toBe("LANGUAGE");
    // Ishøj is about 13 km from Nørrebro: beyond a 10 km radius in person, fine by phone.
    const ishoj = candidate("c", { point: { lat: 55.615, lon: 12.352 } });
    expect(scoreCandidate(request({ point: here }), ishoj, { ...DEFAULT_OPTIONS, radiusKm: 10 }).unfit).toBe("TOO_FAR");
    expect(scoreCandidate(request({ point: here }), ishoj, { ...DEFAULT_OPTIONS, radiusKm: 20 }).unfit).toBeNull();
    expect(scoreCandidate(request({ point: here, placeMode: "BY_PHONE" }), ishoj).unfit).toBeNull();
    const monday = request({ flexible: false, availability: [{ weekday: 1, startMinute: 600, endMinute: 660 }] });
    expect(scoreCandidate(monday, candidate("d", { availability: [{ weekday: 6, startMinute: 600, endMinute: 900 }] })).unfit).toBe(
      "NOT_AVAILABLE",
    );
    // Nothing said about when they are free: not ruled out, half a point.
    expect(scoreCandidate(monday, candidate("e", { availability: [] })).unfit).toBeNull();
    expect(rankCandidates(polish, [fits, candidate("b", { languages: ["da"], point: here })]).map((s) => s.memberId)).toEqual(["a"]);
  });

  it("picks the candidate's best-fitting offer and uses its windows", () => {
    const s = scoreCandidate(
      request(),
      candidate("m", {
        skills: [],
        availability: [],
        offers: [
          { id: "o-lang", title: "Danish conversation", categoryId: LANGUAGE, tags: [], availability: [], flexible: true },
          {
            id: "o-shop",
            title: "Shopping on Tuesdays",
            categoryId: SHOPPING,
            tags: ["weekly shopping"],
            availability: [{ weekday: 2, startMinute: 600, endMinute: 720 }],
            flexible: false,
          },
        ],
      }),
    );
    expect(s.offerId).toBe("o-shop");
    expect(factor(s, "availability").value).toBe(1);
    expect(s.reasons[0]).toBe('offers "Shopping on Tuesdays"');
  });

  it("points at the offer whose words fit when no skill or category does", () => {
    const s = scoreCandidate(
      request({ categoryId: null, tags: [], title: "A puncture on my bike", description: "" }),
      candidate("m", {
        skills: [],
        offers: [
          { id: "o-cake", title: "Baking cakes", categoryId: null, tags: [], availability: [], flexible: true },
          { id: "o-bike", title: "Fixing punctures on bikes", categoryId: null, tags: [], availability: [], flexible: true },
        ],
      }),
    );
    expect(factor(s, "skill").value).toBe(0);
    expect(factor(s, "text").value).toBe(1);
    expect(s.offerId).toBe("o-bike");
    expect(s.relevant).toBe(true);
  });

  it("counts partial availability, unknown availability as half, and a flexible request as met", () => {
    const partial = scoreCandidate(request(), candidate("m", { availability: [{ weekday: 2, startMinute: 660, endMinute: 900 }] }));
    expect(factor(partial, "availability").value).toBe(0.5);
    const none = scoreCandidate(request(), candidate("m", { availability: [{ weekday: 5, startMinute: 600, endMinute: 720 }] }));
    expect(factor(none, "availability").value).toBe(0);
    const unknown = scoreCandidate(request(), candidate("m", { availability: [] }));
    expect(factor(unknown, "availability").value).toBe(0.5);
    const flexible = scoreCandidate(request({ flexible: true, availability: [] }), candidate("m", { availability: [] }));
    expect(factor(flexible, "availability").value).toBe(1);
  });

  it("meets a specific date when the candidate has a window on its weekday", () => {
    const r = request({ availability: [], dateWeekdays: [2, 4] });
    expect(factor(scoreCandidate(r, candidate("m")), "availability").value).toBe(0.5);
    expect(
      factor(
        scoreCandidate(
          r,
          candidate("m", {
            availability: [
              { weekday: 2, startMinute: 0, endMinute: 60 },
              { weekday: 4, startMinute: 0, endMinute: 60 },
            ],
          }),
        ),
        "availability",
      ).value,
    ).toBe(1);
  });

  it("needs no shared neighbourhood by phone or online, and prefers neighbours in person", () => {
    const far = candidate("m", { neighbourhood: "Viby" });
    expect(factor(scoreCandidate(request({ placeMode: "BY_PHONE" }), far), "place").value).toBe(1);
    expect(factor(scoreCandidate(request({ placeMode: "ONLINE" }), far), "place").value).toBe(1);
    // Another neighbourhood whose place is unknown: as unknown as no neighbourhood.
    expect(factor(scoreCandidate(request(), far), "place").value).toBe(0.25);
    // With points: full within 1 km, falling to 0 at the radius.
    const centre = { lat: 56.148, lon: 10.205 };
    expect(factor(scoreCandidate(request({ point: centre }), candidate("m", { point: { lat: 56.152, lon: 10.205 } })), "place").value).toBe(
      1,
    );
    const viby = factor(
      scoreCandidate(request({ point: centre }), candidate("m", { neighbourhood: "Viby", point: { lat: 56.127, lon: 10.162 } })),
      "place",
    ).value;
    expect(viby).toBeGreaterThan(0.6);
    expect(viby).toBeLessThan(0.8);
    expect(factor(scoreCandidate(request(), candidate("m", { neighbourhood: " frederiksbjerg " })), "place").value).toBe(1);
    expect(factor(scoreCandidate(request(), candidate("m", { neighbourhood: null })), "place").value).toBe(0.25);
    expect(factor(scoreCandidate(request({ neighbourhood: null }), far), "place").value).toBe(0.5);
  });

  it("rewards a language in common and penalises none", () => {
    expect(
      factor(scoreCandidate(request({ requesterLanguages: ["ar", "en"] }), candidate("m", { languages: ["da", "en"] })), "language").value,
    ).toBe(1);
    expect(factor(scoreCandidate(request({ requesterLanguages: ["ar"] }), candidate("m", { languages: ["da"] })), "language").value).toBe(
      0,
    );
    expect(factor(scoreCandidate(request({ requesterLanguages: [] }), candidate("m")), "language").value).toBe(0.5);
  });

  it("reciprocity: who received a lot would like to give, who gave a lot gets a rest", () => {
    const received = scoreCandidate(request(), candidate("r", { receivedMinutes: 1200, givenMinutes: 0, exchangeCount: 3 }));
    const balanced = scoreCandidate(request(), candidate("b", { receivedMinutes: 300, givenMinutes: 300, exchangeCount: 3 }));
    const gave = scoreCandidate(request(), candidate("g", { receivedMinutes: 0, givenMinutes: 1200, exchangeCount: 3 }));
    expect(factor(received, "reciprocity").value).toBe(1);
    expect(factor(balanced, "reciprocity").value).toBe(0.5);
    expect(factor(gave, "reciprocity").value).toBe(0);
    expect(received.score).toBeGreaterThan(balanced.score);
    expect(balanced.score).toBeGreaterThan(gave.score);
    expect(received.reasons).toContain("has received 20 h more than given and would like to give back");
    expect(gave.reasons).toContain("has given 20 h more than received: due a rest");
  });

  it("inclusion: a member with no exchange yet is surfaced above an equally fitting regular", () => {
    const newcomer = scoreCandidate(request(), candidate("new", { exchangeCount: 0 }));
    const regular = scoreCandidate(request(), candidate("old", { exchangeCount: 4 }));
    expect(factor(newcomer, "inclusion").value).toBe(1);
    expect(factor(regular, "inclusion").value).toBe(0.2);
    expect(newcomer.score).toBeGreaterThan(regular.score);
    expect(newcomer.reasons).toContain("has not made an exchange yet: a chance to get started");
  });

  it("recent load is a penalty that grows with recent matches up to the cap", () => {
    const rested = scoreCandidate(request(), candidate("a"));
    const busy = scoreCandidate(request(), candidate("b", { recentMatches: 2 }));
    const overloaded = scoreCandidate(request(), candidate("c", { recentMatches: 50 }));
    expect(factor(rested, "recentLoad").value).toBe(0);
    expect(factor(busy, "recentLoad").value).toBe(-0.4);
    expect(factor(overloaded, "recentLoad").value).toBe(-1);
    expect(factor(overloaded, "recentLoad").contribution).toBeCloseTo(-DEFAULT_WEIGHTS.recentLoad, 6);
    expect(rested.score).toBeGreaterThan(busy.score);
    expect(busy.score).toBeGreaterThan(overloaded.score);
    expect(overloaded.reasons).toContain("was asked 50 times recently");
  });

  it("follows the bank's weights: with only place weighted, the neighbour wins whatever the skill", () => {
    const weights = { ...Object.fromEntries(FACTOR_NAMES.map((n) => [n, 0])), place: 1 } as typeof DEFAULT_WEIGHTS;
    const options = { ...DEFAULT_OPTIONS, weights };
    const neighbour = scoreCandidate(request(), candidate("n", { skills: [{ label: "errands", categoryId: SHOPPING }] }), options);
    const expert = scoreCandidate(request(), candidate("e", { neighbourhood: "Viby" }), options);
    expect(neighbour.score).toBe(1);
    expect(expert.score).toBe(0.25);
  });

  it("scores 0 when every weight is 0 rather than dividing by zero", () => {
    const weights = Object.fromEntries(FACTOR_NAMES.map((n) => [n, 0])) as typeof DEFAULT_WEIGHTS;
    expect(scoreCandidate(request(), candidate("m"), { ...DEFAULT_OPTIONS, weights }).score).toBe(0);
  });
});

describe("rankCandidates", () => {
  it("orders by score, leaves out those who cannot do it, and breaks ties by load then id", () => {
    const ranked = rankCandidates(request(), [
      candidate("z-twin"),
      candidate("a-twin"),
      candidate("busy", { recentMatches: 5 }),
      candidate("far", { neighbourhood: "Viby" }),
      candidate("unrelated", { skills: [{ label: "knitting", categoryId: "cat-crafts" }] }),
    ]);
    expect(ranked.map((r) => r.memberId)).toEqual(["a-twin", "z-twin", "far", "busy"]);
  });

  it("surfaces the newcomer and drops the overloaded helper below equally skilled members", () => {
    const ranked = rankCandidates(request(), [
      candidate("overloaded", { exchangeCount: 40, recentMatches: 8, givenMinutes: 3000 }),
      candidate("regular", { exchangeCount: 5, givenMinutes: 300, receivedMinutes: 300 }),
      candidate("newcomer", { exchangeCount: 0 }),
    ]);
    expect(ranked.map((r) => r.memberId)).toEqual(["newcomer", "regular", "overloaded"]);
  });
});

describe("effectiveWeights", () => {
  it("takes valid bank weights over the defaults and ignores the rest", () => {
    expect(effectiveWeights(null)).toEqual(DEFAULT_WEIGHTS);
    expect(effectiveWeights({ place: 0.5, inclusion: 2, language: -1, bogus: 1, text: "x" })).toEqual({ ...DEFAULT_WEIGHTS, place: 0.5 });
  });
});
