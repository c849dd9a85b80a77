import {
  csvField,
  effectiveCellSize,
  periodStartOf,
  periodStarts,
  share,
  shown,
  suppressCells,
  suppressColumn,
  toCsv,
  withheld,
} from "./stats.rules";

describe("small-cell suppression", () => {
  it("withholds a cell counting fewer than K people, and a complementary cell of the same total", () => {
    // A category with 3 members among others of 12, 40 and 7: the 3 and the smallest other (7) go.
    expect(suppressCells([12, 3, 40, 7], 5)).toEqual([false, true, false, true]);
  });

  it("needs no complement when two cells are already withheld", () => {
    expect(suppressCells([2, 3, 40], 5)).toEqual([true, true, false]);
  });

  it("shows zero cells and does not count them as small", () => {
    expect(suppressCells([0, 10, 20], 5)).toEqual([false, false, false]);
  });

  it("prefers a non-zero complement: withholding a zero would reveal nothing", () => {
    expect(suppressCells([0, 4, 30, 9], 5)).toEqual([false, true, false, true]);
  });

  it("uses a zero cell as the complement only when nothing else is left", () => {
    expect(suppressCells([0, 4], 5)).toEqual([true, true]);
  });

  it("a lone cell is its own total and is withheld when small", () => {
    expect(suppressCells([3], 5)).toEqual([true]);
  });

  it("the threshold never goes below 5, and a bank may raise it", () => {
    expect(effectiveCellSize()).toBe(5);
    expect(effectiveCellSize(3)).toBe(5);
    expect(effectiveCellSize(5, 8)).toBe(8);
  });

  it("no withheld cell can be recovered from the visible cells and the total", () => {
    const cells = [3, 12, 40, 7, 0, 25];
    const flags = suppressCells(cells, 5);
    const total = cells.reduce((a, b) => a + b, 0);
    const visible = cells.reduce((a, b, i) => a + (flags[i] ? 0 : b), 0);
    expect(flags.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    // What is left over is the sum of at least two withheld cells, not one cell.
    expect(total - visible).toBe(3 + 7);
  });

  it("suppresses a column per total and keeps the other totals untouched", () => {
    const rows = [
      { period: "2026-01-01", bank: "a", members: 3 },
      { period: "2026-01-01", bank: "b", members: 50 },
      { period: "2026-01-01", bank: "c", members: 20 },
      { period: "2026-02-01", bank: "a", members: 6 },
      { period: "2026-02-01", bank: "b", members: 51 },
    ];
    const figures = suppressColumn(
      rows,
      (r) => r.period,
      (r) => r.members,
      (r) => r.members,
      5,
    );
    expect(figures).toEqual([withheld, shown(50), withheld, shown(6), shown(51)]);
  });

  it("a share is withheld when its counts are", () => {
    expect(share(shown(3), shown(10))).toEqual(shown(0.3));
    expect(share(withheld, shown(10))).toEqual(withheld);
    expect(share(shown(0), shown(0))).toEqual({ value: null, suppressed: false });
  });
});

describe("periods", () => {
  it("months start on the 1st and weeks on Monday (UTC)", () => {
    expect(periodStartOf("MONTH", new Date("2026-03-17T23:00:00Z"))).toBe("2026-03-01");
    expect(periodStartOf("WEEK", new Date("2026-03-15T10:00:00Z"))).toBe("2026-03-09"); // a Sunday
    expect(periodStartOf("WEEK", new Date("2026-03-16T00:00:00Z"))).toBe("2026-03-16"); // a Monday
  });

  it("lists every period between two days", () => {
    expect(periodStarts("MONTH", new Date("2025-11-20Z"), new Date("2026-02-01Z"))).toEqual([
      "2025-11-01",
      "2025-12-01",
      "2026-01-01",
      "2026-02-01",
    ]);
  });
});

describe("CSV", () => {
  it("quotes commas, quotes and line breaks, and defuses formulas", () => {
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)");
    expect(csvField(-5)).toBe("-5");
    expect(csvField(null)).toBe("");
    expect(toCsv(["a", "b"], [[1, "x,y"]])).toBe('a,b\r\n1,"x,y"\r\n');
  });
});

describe("suppression along two dimensions", () => {
  it("a complement chosen along one total is protected along the other too", () => {
    // Categories (rows) of two banks (columns): bank a's gardening has 3 people.
    const cells = [
      { bank: "a", cat: "garden", n: 3 },
      { bank: "a", cat: "repair", n: 20 },
      { bank: "a", cat: "care", n: 9 },
      { bank: "b", cat: "garden", n: 30 },
      { bank: "b", cat: "repair", n: 40 },
      { bank: "b", cat: "care", n: 50 },
    ];
    const f = suppressColumn(
      cells,
      [(c) => c.bank, (c) => c.cat],
      (c) => c.n,
      (c) => c.n,
      5,
    );
    const hidden = cells.filter((_, i) => f[i].suppressed).map((c) => `${c.bank}.${c.cat}`);
    // In every bank and every category, either nothing or at least two cells are withheld.
    for (const key of ["a", "b", "garden", "repair", "care"]) {
      const n = hidden.filter((h) => h.split(".").includes(key)).length;
      expect(n === 0 || n >= 2).toBe(true);
    }
    expect(hidden).toContain("a.garden");
  });

  it("uses each row's own threshold (a bank that raised it)", () => {
    const f = suppressColumn(
      [
        { n: 7, k: 10 },
        { n: 7, k: 5 },
        { n: 30, k: 5 },
      ],
      () => "t",
      (r) => r.n,
      (r) => r.n,
      (r) => r.k,
    );
    expect(f.map((x) => x.suppressed)).toEqual([true, true, false]);
  });
});
