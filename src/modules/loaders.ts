// Per-request DataLoaders of every module (the composition root app.ts hands createLoaders to
// the request context as App.createLoaders, so src/context imports no module at run time). Each batch function runs one query with `in`, and returns rows in
// key order. Keys of bank-owned rows are ids, which are globally unique uuids; the callers
// only ever pass ids they obtained through a tenant-filtered query.
import type { Db } from "../db/database";
import { createCapacityLoaders } from "./capacity/capacity.loaders";
import { createMatchingLoaders } from "./matching/matching.loaders";
import { createLedgerLoaders } from "./ledger/ledger.loaders";
import { createMemberLoaders } from "./member/member.loaders";
import { createPostLoaders } from "./post/post.loaders";
import { createTimebankLoaders } from "./timebank/timebank.loaders";
import type { ReadCache } from "../context/read-cache";
import type { Coalescer } from "../context/coalesce";

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

export type LoaderFactory = typeof createLoaders;
