// A short-lived, per-process cache for what nearly every read asks first: who the bearer of a
// token is (person, platform admin flag, memberships with role and status), the bank by slug or
// id, and bank categories. Every round trip to PostgreSQL costs more than the work it does on
// this path, so a read that finds these here saves two to four statements.
//
// Only reads use it (a request whose document contains no `mutation`); mutations and
// subscriptions always load the viewer and banks fresh. It is emptied whenever this process
// finishes a mutation or commits a transaction, so a pause, a departure, a role change or an
// erasure takes effect for the very next request here; other processes see such a change after
// at most READ_CACHE_TTL_MS (default 5 s; 0 turns the cache off). A value loaded while a write
// was finishing is not stored (generation check), so the cache cannot hold on to a stale answer.
import type { Category, Timebank } from "../generated/prisma/client";

interface Entry<T> {
  value: T;
  expires: number;
}

/** Past this many entries in one map the map is emptied: a flood of tokens cannot grow memory. */
const MAX_ENTRIES = 10_000;

class TtlMap<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  get(key: K, now: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: K, value: V, expires: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, expires });
  }
  clear(): void {
    this.entries.clear();
  }
  get size(): number {
    return this.entries.size;
  }
}

export class ReadCache {
  private generation = 0;
  // Typed loosely here (context.ts owns Viewer and imports this file's users): see viewer().
  private readonly viewers = new TtlMap<string, object>();
  private readonly banksById = new TtlMap<string, Timebank>();
  private readonly banksBySlug = new TtlMap<string, Timebank>();
  private readonly categoriesById = new TtlMap<string, Category>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Empties the cache: called after every mutation and every committed transaction of this process. */
  invalidate(): void {
    this.generation++;
    this.viewers.clear();
    this.banksById.clear();
    this.banksBySlug.clear();
    this.categoriesById.clear();
  }

  /** The viewer of a (verified) token, loaded by `load` when not cached. */
  async viewer<V extends object>(token: string, load: () => Promise<V | null>): Promise<V | null> {
    const now = this.now();
    const hit = this.viewers.get(token, now);
    if (hit !== undefined) return hit as V;
    const generation = this.generation;
    const viewer = await load();
    // A person who is no one (erased, unknown) is not cached: the request fails anyway.
    if (viewer && generation === this.generation) this.viewers.set(token, viewer, now + this.ttlMs);
    return viewer;
  }

  /**
   * Looks keys up in `map`, loads the misses in one call, stores what was found, and returns
   * values in key order (null for missing).
   */
  private async many<K, V>(
    map: TtlMap<K, V>,
    keys: readonly K[],
    load: (missing: K[]) => Promise<(V | null)[]>,
    also?: (value: V, expires: number) => void,
  ): Promise<(V | null)[]> {
    const now = this.now();
    const out: (V | null)[] = keys.map((k) => map.get(k, now) ?? null);
    const missing = keys.filter((_, i) => out[i] === null);
    if (!missing.length) return out;
    const generation = this.generation;
    const loaded = await load(missing);
    const store = generation === this.generation;
    const byKey = new Map<K, V | null>();
    missing.forEach((k, i) => byKey.set(k, loaded[i]));
    return keys.map((k, i) => {
      if (out[i] !== null) return out[i];
      const v = byKey.get(k) ?? null;
      if (v !== null && store) {
        map.set(k, v, now + this.ttlMs);
        also?.(v, now + this.ttlMs);
      }
      return v;
    });
  }

  banksByIds(ids: readonly string[], load: (missing: string[]) => Promise<(Timebank | null)[]>): Promise<(Timebank | null)[]> {
    return this.many(this.banksById, ids, load, (b, exp) => this.banksBySlug.set(b.slug, b, exp));
  }

  banksBySlugs(slugs: readonly string[], load: (missing: string[]) => Promise<(Timebank | null)[]>): Promise<(Timebank | null)[]> {
    return this.many(this.banksBySlug, slugs, load, (b, exp) => this.banksById.set(b.id, b, exp));
  }

  /**
   * Categories by id, cached per bank scope (the request's timebank.bank_ids, see
   * src/db/bank-scope.ts): categories are bank rows under row-level security, so a narrowed
   * request must not be answered with what a wider one loaded, nor the other way round.
   */
  categories(
    ids: readonly string[],
    load: (missing: string[]) => Promise<(Category | null)[]>,
    scope: string,
  ): Promise<(Category | null)[]> {
    const prefix = `${scope}\u0000`;
    return this.many(
      this.categoriesById,
      ids.map((id) => prefix + id),
      (missing) => load(missing.map((k) => k.slice(prefix.length))),
    );
  }

  /** Entries held now (for tests). */
  get size(): number {
    return this.viewers.size + this.banksById.size + this.banksBySlug.size + this.categoriesById.size;
  }
}

/**
 * Whether an HTTP request can only read: a JSON body with a single document that has no
 * `mutation` keyword anywhere (so any mutation, however written, is excluded; a read that merely
 * mentions the word only misses the cache).
 */
export function isReadOnlyRequest(body: unknown): boolean {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const query = (body as { query?: unknown }).query;
  return typeof query === "string" && !/mutation/i.test(query);
}
