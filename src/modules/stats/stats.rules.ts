// Pure rules of the statistics: periods, and small-cell suppression.
//
// Suppression (issue 7): a figure counting fewer than K people is withheld (primary
// suppression). Where cells add up to a total that is shown (banks to a region or the nation,
// categories to a bank's exchanges), a single withheld cell could be recovered by subtraction,
// so a second cell of the same total is withheld too (complementary suppression): the smallest
// other non-zero cell, or, failing that, the smallest other cell.

export type PeriodKind = "WEEK" | "MONTH";

/** Smallest cell size the statistics ever publish; a bank may raise its own, never lower it. */
export const MIN_CELL_SIZE = 5;

/** The effective threshold: the larger of the floor and the banks' own settings. */
export function effectiveCellSize(...bankSettings: number[]): number {
  return Math.max(MIN_CELL_SIZE, ...bankSettings.filter((n) => Number.isFinite(n)));
}

/** The start (UTC date, YYYY-MM-DD) of the period containing the day: months from the 1st, weeks from Monday. */
export function periodStartOf(kind: PeriodKind, day: Date): string {
  const d = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  if (kind === "MONTH") d.setUTCDate(1);
  else d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

export function nextPeriodStart(kind: PeriodKind, start: string): string {
  const d = new Date(`${start}T00:00:00.000Z`);
  if (kind === "MONTH") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + 7);
  return d.toISOString().slice(0, 10);
}

/** Every period start from the one containing `from` to the one containing `to`, inclusive. */
export function periodStarts(kind: PeriodKind, from: Date, to: Date, max = 400): string[] {
  const out: string[] = [];
  const last = periodStartOf(kind, to);
  for (let p = periodStartOf(kind, from); p <= last && out.length < max; p = nextPeriodStart(kind, p)) out.push(p);
  return out;
}

/**
 * Which cells of one total to withhold. `people[i]` is how many people cell i counts.
 * Returns a flag per cell: primary (0 < people < k) plus, where exactly one cell of the total
 * would be withheld, a complementary one.
 */
export function suppressCells(people: readonly number[], k: number): boolean[] {
  const hidden = people.map((n) => n > 0 && n < k);
  const count = hidden.filter(Boolean).length;
  if (count !== 1 || people.length < 2) return hidden;
  // The complement: the smallest other cell that counts someone; failing that, any other cell.
  return complementOf([...people], hidden);
}

/** A published figure: the value, or null and suppressed. */
export interface Figure {
  value: number | null;
  suppressed: boolean;
}

export function shown(value: number): Figure {
  return { value, suppressed: false };
}

export const withheld: Figure = Object.freeze({ value: null, suppressed: true });

/**
 * Suppresses one column of a table. Cells add up to totals along one or more dimensions
 * (`totalKeys`: e.g. the banks of a region in a period, and the categories of a bank in a
 * period); `people` says how many people each cell counts, `k` the threshold of the cell. A
 * primary pass withholds small cells; complementary passes along every dimension then repeat
 * until no total has exactly one withheld cell. Returns the figures in row order.
 */
export function suppressColumn<R>(
  rows: readonly R[],
  totalKeys: ((r: R) => string) | readonly ((r: R) => string)[],
  people: (r: R) => number,
  value: (r: R) => number,
  k: number | ((r: R) => number),
): Figure[] {
  const keys = typeof totalKeys === "function" ? [totalKeys] : totalKeys;
  const kOf = typeof k === "function" ? k : () => k;
  const counts = rows.map(people);
  const hidden = rows.map((r, i) => counts[i] > 0 && counts[i] < kOf(r));
  const groupsPerKey = keys.map((key) => {
    const groups = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const g = key(r);
      const list = groups.get(g);
      if (list) list.push(i);
      else groups.set(g, [i]);
    });
    return [...groups.values()];
  });
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (const groups of groupsPerKey) {
      for (const idx of groups) {
        if (idx.filter((i) => hidden[i]).length !== 1 || idx.length < 2) continue;
        // Already-withheld cells count as withheld; pick the complement among the others.
        const flags = complementOf(
          idx.map((i) => counts[i]),
          idx.map((i) => hidden[i]),
        );
        flags.forEach((h, j) => {
          if (h && !hidden[idx[j]]) {
            hidden[idx[j]] = true;
            changed = true;
          }
        });
      }
    }
  }
  return rows.map((r, i) => (hidden[i] ? withheld : shown(value(r))));
}

function complementOf(people: number[], hidden: boolean[]): boolean[] {
  const out = [...hidden];
  let best = -1;
  for (let i = 0; i < people.length; i++) {
    if (out[i]) continue;
    const better = best < 0 || (people[i] > 0 && (people[best] === 0 || people[i] < people[best]));
    if (better) best = i;
  }
  if (best >= 0) out[best] = true;
  return out;
}

/** A share (0..1) of two counts, withheld when either count would be, or when there is no one to divide by. */
export function share(numerator: Figure, denominator: Figure): Figure {
  if (numerator.suppressed || denominator.suppressed || numerator.value === null || denominator.value === null) return withheld;
  if (denominator.value === 0) return { value: null, suppressed: false };
  return shown(Math.round((numerator.value / denominator.value) * 10000) / 10000);
}

/** One CSV field: quoted when it holds a comma, quote, or line break; quotes doubled; formula starts defused. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = value instanceof Date ? value.toISOString() : String(value);
  // Spreadsheets run cells that start with = + - @ as formulas: prefix text (not numbers) with a quote.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}
