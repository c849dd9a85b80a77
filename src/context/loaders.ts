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

/**
 * `cache`: the app's read cache for a request that can only read, else null. `coalesce`: the
 * app's shared fresh reads (coalesce.ts) when `db` is the app's client, else null (transactions).
 */
export function createLoaders(db: Db, cache: ReadCache | null = null, coalesce: Coalescer | null = null) {
  return {
    ...createTimebankLoaders(db, cache, coalesce),
    ...createMemberLoaders(db),
    ...createCapacityLoaders(),
    ...createPostLoaders(db),
    ...createMatchingLoaders(db),
    ...createLedgerLoaders(db),
  };
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
