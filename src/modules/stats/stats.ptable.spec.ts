// The ptable's properties, as the design states them (stats.ptable.ts header), checked row by
// row and by drawing cell keys: nothing here recomputes the table the way the code builds it.
import {
  bayesGuess,
  buildPtable,
  cellKey,
  perturbation,
  publishedCount,
  rowFor,
  supportOf,
  transition,
  PTABLE_PARAMS,
} from "./stats.ptable";

const table = buildPtable();
const { D, V, JS } = PTABLE_PARAMS;

describe("the perturbation table", () => {
  it("has the stated parameters: deviations up to 3, variance 1.5, values 1 and 2 never published", () => {
    expect(PTABLE_PARAMS).toEqual({ D: 3, V: 1.5, JS: 2 });
  });

  it("every row is a probability distribution laid out on [0, 1) in order", () => {
    for (const row of table.rows) {
      expect(row.p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      expect(row.p.every((x) => x > 0)).toBe(true);
      expect(row.ub[row.ub.length - 1]).toBe(1);
      for (let j = 1; j < row.ub.length; j++) expect(row.ub[j]).toBeGreaterThan(row.ub[j - 1]);
      for (let j = 1; j < row.v.length; j++) expect(row.v[j]).toBeGreaterThan(row.v[j - 1]);
    }
  });

  it("is unbiased: the expected published value is the true value", () => {
    for (const row of table.rows) expect(row.v.reduce((s, v, j) => s + v * row.p[j], 0)).toBeCloseTo(0, 10);
  });

  it("moves no cell by more than D, below zero, or onto 1..JS", () => {
    for (let i = 0; i <= 40; i++) {
      for (const v of rowFor(table, i).v) {
        expect(Math.abs(v)).toBeLessThanOrEqual(D);
        expect(i + v).toBeGreaterThanOrEqual(0);
        expect(i + v >= 1 && i + v <= JS).toBe(false);
      }
    }
  });

  it("never publishes 1 or 2, whatever the true value and the cell key", () => {
    const published = new Set<number>();
    for (let i = 0; i <= 30; i++) for (let ck = 0; ck < 1; ck += 1 / 997) published.add(publishedCount(table, i, ck));
    expect(published.has(1)).toBe(false);
    expect(published.has(2)).toBe(false);
    expect(published.has(0)).toBe(true);
    expect(published.has(3)).toBe(true);
  });

  it("has variance V wherever the allowed moves permit it (true values 3 and up)", () => {
    for (let i = JS + 1; i <= 30; i++) {
      const row = rowFor(table, i);
      expect(row.v.reduce((s, v, j) => s + v * v * row.p[j], 0)).toBeCloseTo(V, 8);
    }
  });

  it("gives no true value from 1 up with certainty: each one is moved with positive probability", () => {
    for (let i = 1; i <= 30; i++) expect(transition(table, i, i)).toBeLessThan(0.7);
    // A true 0 has no records and no key: it stays 0.
    expect(transition(table, 0, 0)).toBe(1);
  });

  it("is symmetric for large values, and the same for every value from JS + D + 1 on", () => {
    const big = rowFor(table, JS + D + 1);
    expect(big.v).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (let j = 0; j < big.v.length; j++) expect(big.p[j]).toBeCloseTo(big.p[big.v.length - 1 - j], 10);
    expect(rowFor(table, 1000)).toBe(big);
  });

  it("the allowed moves are those the design states", () => {
    expect(supportOf(1, PTABLE_PARAMS)).toEqual([-1, 2, 3]);
    expect(supportOf(2, PTABLE_PARAMS)).toEqual([-2, 1, 2, 3]);
    expect(supportOf(4, PTABLE_PARAMS)).toEqual([-1, 0, 1, 2, 3]);
  });

  it("draws perturbations with the table's frequencies when cell keys are uniform", () => {
    const n = 20000;
    for (const i of [1, 4, 50]) {
      const counts = new Map<number, number>();
      for (let j = 0; j < n; j++) {
        const v = perturbation(table, i, (j + 0.5) / n);
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const row = rowFor(table, i);
      row.v.forEach((v, j) => expect(Math.abs((counts.get(v) ?? 0) / n - row.p[j])).toBeLessThan(1 / n + 1e-9));
    }
  });

  it("refuses keys outside [0, 1) and counts that are not whole numbers", () => {
    expect(() => perturbation(table, 3, 1)).toThrow();
    expect(() => perturbation(table, 3, -0.1)).toThrow();
    expect(() => perturbation(table, 2.5, 0.3)).toThrow();
  });
});

describe("cell keys", () => {
  it("are the sum of the record keys modulo 1, whatever their order", () => {
    expect(cellKey([0.25, 0.5])).toBeCloseTo(0.75, 12);
    expect(cellKey([0.75, 0.5])).toBeCloseTo(0.25, 12);
    expect(cellKey([0.5, 0.75])).toBeCloseTo(cellKey([0.75, 0.5]), 12);
    expect(cellKey([])).toBe(0);
  });

  it("are spread evenly for cells of two or more random records", () => {
    // A fixed sequence of pseudo-random keys (a linear congruential generator), so the test is repeatable.
    let s = 12345;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const bins = new Array(10).fill(0);
    for (let c = 0; c < 10000; c++) bins[Math.floor(cellKey([next(), next(), next()]) * 10)]++;
    for (const b of bins) expect(Math.abs(b - 1000)).toBeLessThan(150);
  });
});

describe("what a single published value tells", () => {
  it("a published 0 or 3 leaves a true 1..4 uncertain: the best guess is often wrong", () => {
    const prior = new Map([0, 1, 2, 3, 4, 5, 6].map((i) => [i, 1]));
    for (const y of [0, 3, 4]) {
      const { chance } = bayesGuess(table, prior, y);
      expect(chance).toBeLessThan(0.75);
    }
  });

  it("a published value outside every row's reach gives no guess", () => {
    expect(bayesGuess(table, new Map([[5, 1]]), 1)).toEqual({ guess: null, chance: 0 });
  });
});
