// Names for PostgreSQL prepared statements (the `name` of pg's query config).
//
// Sent unnamed, every statement is parsed, analysed and planned by PostgreSQL each time it runs.
// For the server's hot statements (a four-table join of the write path, Prisma's relation reads)
// that is most of PostgreSQL's work for them: measured on the write path's account read, 1.0 ms of
// backend CPU unnamed, 0.2 ms named (bench/README.md). A named statement is parsed once per
// connection (pg remembers which names each connection has prepared) and PostgreSQL keeps its
// plan, re-planning when a table it reads changes.
//
// Not every text deserves a name: each named statement stays prepared, with its plan, in every
// backend that ran it until the connection closes, and texts that differ only in the length of an
// IN list would each take one. So a text gets a name once it has been seen `minUses` times, and
// at most `maxNames` texts are ever named per process; the rest run unnamed, as before.
export interface StatementNameOptions {
  /** Most distinct texts named (0 names none: every statement is sent unnamed). */
  maxNames: number;
  /** Times a text must be seen before it is named (1: at once). */
  minUses: number;
}

export const DEFAULT_STATEMENT_NAMES: StatementNameOptions = { maxNames: 256, minUses: 2 };

/** Most texts counted while waiting for their `minUses`-th use; the counts start over beyond. */
const MAX_COUNTED = 4096;

export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly seen = new Map<string, number>();

  constructor(readonly options: StatementNameOptions = DEFAULT_STATEMENT_NAMES) {
    if (!Number.isInteger(options.maxNames) || options.maxNames < 0) throw new Error("maxNames must be a whole number, 0 or more");
    if (!Number.isInteger(options.minUses) || options.minUses < 1) throw new Error("minUses must be at least 1");
  }

  /** The name to prepare `sql` under, or undefined to send it unnamed. */
  name(sql: string): string | undefined {
    const known = this.names.get(sql);
    if (known !== undefined || this.names.size >= this.options.maxNames) return known;
    const uses = (this.seen.get(sql) ?? 0) + 1;
    if (uses < this.options.minUses) {
      // Texts seen once and never again (one-off IN lists, ad hoc reports) must not pile up.
      if (this.seen.size >= MAX_COUNTED) this.seen.clear();
      this.seen.set(sql, uses);
      return undefined;
    }
    this.seen.delete(sql);
    const name = `tb${this.names.size + 1}`;
    this.names.set(sql, name);
    return name;
  }

  /** Texts named so far (for tests and benchmarks). */
  get size(): number {
    return this.names.size;
  }
}
