// Per-request DataLoaders. Each batch function runs one query with `in`, and returns rows in
// key order. Keys of bank-owned rows are ids, which are globally unique uuids; the callers
// only ever pass ids they obtained through a tenant-filtered query.
import type { Db } from "../db/database";
import { createCapacityLoaders } from "../modules/capacity/capacity.loaders";
import { createMatchingLoaders } from "../modules/matching/matching.loaders";
import { createLedgerLoaders } from "../modules/ledger/ledger.loaders";
import { createMemberLoaders } from "../modules/member/member.loaders";
import { createPostLoaders } from "../modules/post/post.loaders";
import { createTimebankLoaders } from "../modules/timebank/timebank.loaders";
import type { ReadCache } from "./read-cache";
import type { Coalescer } from "./coalesce";

function loaderGroups(db: Db, cache: ReadCache | null, coalesce: Coalescer | null) {
  return [
    () => createTimebankLoaders(db, cache, coalesce),
    () => createMemberLoaders(db),
    () => createCapacityLoaders(),
    () => createPostLoaders(db),
    () => createMatchingLoaders(db),
    () => createLedgerLoaders(db),
  ] as const;
}

type AllLoaders = ReturnType<ReturnType<typeof loaderGroups>[number]>;
type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;

/** Which group (index in loaderGroups) holds each loader: learnt once, from loaders nobody uses. */
const GROUP_OF: ReadonlyMap<string, number> = new Map(
  loaderGroups(null as unknown as Db, null, null).flatMap((create, i) => Object.keys(create()).map((name) => [name, i] as const)),
);

/**
 * The request's DataLoaders. A group of them (one module's) is made on first use: most
 * requests use one or two modules, and making all of them for every request was a measurable
 * share of a small request's time and garbage.
 *
 * `cache`: the app's read cache for a request that can only read, else null. `coalesce`: the
 * app's shared fresh reads (coalesce.ts) when `db` is the app's client, else null (transactions).
 */
export function createLoaders(db: Db, cache: ReadCache | null = null, coalesce: Coalescer | null = null): UnionToIntersection<AllLoaders> {
  const groups = loaderGroups(db, cache, coalesce);
  const made: Record<string, unknown> = {};
  return new Proxy(made, {
    get(target, name) {
      if (typeof name === "string" && !(name in target)) {
        const group = GROUP_OF.get(name);
        if (group !== undefined) Object.assign(target, groups[group]());
      }
      return Reflect.get(target, name);
    },
  }) as UnionToIntersection<AllLoaders>;
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Orders rows by the keys they were requested with (missing ones as null). */
export function byKey<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): (R | null)[] {
  const map = new Map<K, R>();
  for (const row of rows) map.set(keyOf(row), row);
  return keys.map((k) => map.get(k) ?? null);
}

/** Groups rows by key, in key order (missing ones as []). */
export function groupByKey<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): R[][] {
  const map = new Map<K, R[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return keys.map((k) => map.get(k) ?? []);
}
