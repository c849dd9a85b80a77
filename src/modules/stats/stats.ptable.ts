// The perturbation table (ptable) of the cell key method. Pure logic: no database, no clock.
//
// The method (Thompson, Broadfoot and Elazar 2013 for the ABS; Giessing and Tent 2019 for the
// form used here, as the sdcTools packages ptable and cellKey document it): every record that a
// count counts carries a fixed random record key in [0, 1); a cell's key is the sum of its
// records' keys modulo 1, so the same set of records always gives the same cell key, however
// the cell is reached. The ptable maps (true value i, cell key) to a perturbation v, and the
// cell is published as i + v.
//
// This table is our own construction from the stated design:
// - |v| <= D (the largest deviation);
// - no true value is moved below 0, and the published values 1 .. JS are never published
//   (JS = k - 1, "small values"): a true 1 or 2 is published as 0 or as JS + 1 or more;
// - every row is unbiased (the expected published value is the true value) and, where its
//   support allows, has variance V; within those constraints it is the distribution of largest
//   entropy, p(v) ∝ exp(a·v + b·v²) (solved by Newton's method on a and b);
// - a true 0 stays 0 (a cell without records has no key; structural zeros are not invented);
// - rows for i >= JS + D + 1 are all the same (the shift is the same whatever the size).
// Each row's probabilities are laid out on [0, 1) in order of v; the cell key falls into one
// interval, and that interval's v is the perturbation.

/** The design parameters. */
export interface PtableParams {
  /** Largest deviation, in units of the count. */
  D: number;
  /** Target variance of the perturbation. */
  V: number;
  /** Published values 1..JS never appear (JS = k - 1). */
  JS: number;
}

export const PTABLE_PARAMS: PtableParams = { D: 3, V: 1.5, JS: 2 };

export interface PtableRow {
  /** The true value this row applies to (the last row applies to every larger value too). */
  i: number;
  /** Perturbations, ascending. */
  v: number[];
  /** Their probabilities. */
  p: number[];
  /** Upper bounds of the cumulative intervals on [0, 1): cell key < ub[j] (and >= ub[j-1]) gives v[j]. */
  ub: number[];
}

export interface Ptable {
  params: PtableParams;
  rows: PtableRow[];
}

/** The perturbations allowed for true value i: |v| <= D, i + v >= 0, i + v not in 1..JS. */
export function supportOf(i: number, { D, JS }: PtableParams): number[] {
  const out: number[] = [];
  for (let v = -D; v <= D; v++) {
    const published = i + v;
    if (published < 0) continue;
    if (published >= 1 && published <= JS) continue;
    out.push(v);
  }
  return out;
}

/** p(v) ∝ exp(a·v + b·v²) over `support`. */
function gibbs(support: number[], a: number, b: number): number[] {
  const logits = support.map((v) => a * v + b * v * v);
  const top = Math.max(...logits);
  const w = logits.map((l) => Math.exp(l - top));
  const sum = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / sum);
}

const moment = (support: number[], p: number[], k: number) => support.reduce((s, v, j) => s + p[j] * v ** k, 0);

/**
 * The largest-entropy distribution on `support` with mean 0 and, if `variance` is given, that
 * variance. Returns null when Newton's method does not reach the constraints (infeasible).
 */
function maxEntropy(support: number[], variance: number | null): number[] | null {
  let a = 0;
  let b = 0;
  for (let step = 0; step < 500; step++) {
    const p = gibbs(support, a, b);
    const m1 = moment(support, p, 1);
    const m2 = moment(support, p, 2);
    const g1 = m1;
    const g2 = variance === null ? 0 : m2 - variance;
    if (Math.abs(g1) < 1e-13 && Math.abs(g2) < 1e-12) return p;
    // Jacobian of (E[v], E[v²]) with respect to (a, b): the covariance matrix of (v, v²).
    const m3 = moment(support, p, 3);
    const m4 = moment(support, p, 4);
    const j11 = m2 - m1 * m1;
    if (variance === null) {
      if (j11 <= 0) return null;
      a -= g1 / j11;
      continue;
    }
    const j12 = m3 - m1 * m2;
    const j22 = m4 - m2 * m2;
    const det = j11 * j22 - j12 * j12;
    if (!(Math.abs(det) > 1e-15)) return null;
    let da = (j22 * g1 - j12 * g2) / det;
    let db = (j11 * g2 - j12 * g1) / det;
    // Damped: large steps overshoot where the target sits near the support's limits.
    const scale = Math.min(1, 2 / Math.max(Math.abs(da), Math.abs(db)));
    da *= scale;
    db *= scale;
    a -= da;
    b -= db;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  }
  return null;
}

/** Builds the ptable for the parameters: rows i = 0 .. JS + D + 1. */
export function buildPtable(params: PtableParams = PTABLE_PARAMS): Ptable {
  const { D, V, JS } = params;
  if (!(Number.isInteger(D) && D >= 1 && Number.isInteger(JS) && JS >= 0 && V > 0))
    throw new Error("ptable: D >= 1 and JS >= 0 are whole numbers, V > 0");
  // A true value JS + 1 must reach 0 or stay: otherwise no unbiased row exists for 1..JS.
  if (D < JS + 1) throw new Error("ptable: D must be at least JS + 1");
  const rows: PtableRow[] = [{ i: 0, v: [0], p: [1], ub: [1] }];
  for (let i = 1; i <= JS + D + 1; i++) {
    const support = supportOf(i, params);
    const p = maxEntropy(support, V) ?? maxEntropy(support, null);
    if (!p) throw new Error(`ptable: no unbiased distribution for true value ${i}`);
    // Drop what rounds to nothing, so that every listed v can really happen.
    const kept = support.map((v, j) => ({ v, p: p[j] })).filter((x) => x.p > 1e-9);
    const total = kept.reduce((s, x) => s + x.p, 0);
    let cumulative = 0;
    const ub = kept.map((x, j) => (j === kept.length - 1 ? 1 : (cumulative += x.p / total)));
    rows.push({ i, v: kept.map((x) => x.v), p: kept.map((x) => x.p / total), ub });
  }
  return { params, rows };
}

/** The row that applies to true value i. */
export function rowFor(table: Ptable, i: number): PtableRow {
  if (!Number.isInteger(i) || i < 0) throw new Error(`ptable: a count is a whole number >= 0, not ${i}`);
  return table.rows[Math.min(i, table.rows.length - 1)];
}

/** The perturbation of a cell with true value i and cell key ck in [0, 1). */
export function perturbation(table: Ptable, i: number, ck: number): number {
  if (!(ck >= 0 && ck < 1)) throw new Error(`ptable: a cell key lies in [0, 1), not ${ck}`);
  const row = rowFor(table, i);
  for (let j = 0; j < row.ub.length; j++) if (ck < row.ub[j]) return row.v[j];
  return row.v[row.v.length - 1];
}

/** The published value of a cell with true value i and cell key ck. */
export function publishedCount(table: Ptable, i: number, ck: number): number {
  return i + perturbation(table, i, ck);
}

/** A cell's key from its records' keys: their sum modulo 1. */
export function cellKey(recordKeys: Iterable<number>): number {
  let sum = 0;
  for (const k of recordKeys) sum += k;
  return sum - Math.floor(sum);
}

/** P(published = y | true = i) under the table. */
export function transition(table: Ptable, i: number, y: number): number {
  const row = rowFor(table, i);
  const j = row.v.indexOf(y - i);
  return j < 0 ? 0 : row.p[j];
}

/**
 * The attacker's best single-cell guess and its chance of being right: knowing only the ptable,
 * a prior over true values and the published value y, the Bayes guess is argmax_i prior(i)·P(y | i),
 * right with probability max_i prior(i)·P(y | i) / Σ_i prior(i)·P(y | i).
 */
export function bayesGuess(table: Ptable, prior: ReadonlyMap<number, number>, y: number): { guess: number | null; chance: number } {
  let best: number | null = null;
  let bestWeight = 0;
  let total = 0;
  for (const [i, w] of prior) {
    const weight = w * transition(table, i, y);
    total += weight;
    if (weight > bestWeight) {
      bestWeight = weight;
      best = i;
    }
  }
  return total > 0 ? { guess: best, chance: bestWeight / total } : { guess: null, chance: 0 };
}
