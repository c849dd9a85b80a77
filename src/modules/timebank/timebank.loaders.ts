import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Category, Timebank } from "../../generated/prisma/client";
import { byKey, groupByKey } from "../../common/keyed";
import type { ReadCache } from "../../context/read-cache";
import { currentBankScope, everyBank } from "../../db/bank-scope";
import { loadAll, type Coalescer } from "../../context/coalesce";

/**
 * Banks and categories: from the read cache when the request only reads (see read-cache.ts);
 * banks otherwise read fresh, together with other requests' when `coalesce` is given.
 */
export function createTimebankLoaders(db: Db, cache: ReadCache | null = null, coalesce: Coalescer | null = null) {
  const banksById = async (ids: readonly string[]) =>
    coalesce ? loadAll(coalesce.banksById, ids) : byKey(ids, await db.timebank.findMany({ where: { id: { in: [...ids] } } }), (t) => t.id);
  const banksBySlug = async (slugs: readonly string[]) =>
    coalesce
      ? loadAll(coalesce.banksBySlug, slugs)
      : byKey(slugs, await db.timebank.findMany({ where: { slug: { in: [...slugs] } } }), (t) => t.slug);
  const categories = async (ids: readonly string[]) =>
    byKey(ids, await db.category.findMany({ where: { id: { in: [...ids] } } }), (c) => c.id);
  return {
    timebankById: new DataLoader<string, Timebank | null>((ids) => (cache ? cache.banksByIds(ids, banksById) : banksById(ids))),
    timebankBySlug: new DataLoader<string, Timebank | null>((slugs) =>
      cache ? cache.banksBySlugs(slugs, banksBySlug) : banksBySlug(slugs),
    ),
    // Categories are cached per bank scope (row-level security): a request never gets a category
    // that its own scope would not have found.
    categoryById: new DataLoader<string, Category | null>((ids) =>
      cache ? cache.categories(ids, categories, currentBankScope()) : categories(ids),
    ),
    // The public directory (Query.timebank, for anyone): a bank's categories and its number of
    // active members are public, so they are read with every bank in scope.
    categoriesByTimebank: new DataLoader<string, Category[]>(async (ids) =>
      groupByKey(
        ids,
        await everyBank(() => db.category.findMany({ where: { timebankId: { in: [...ids] } }, orderBy: { name: "asc" } })),
        (c) => c.timebankId,
      ),
    ),
    activeMemberCountByTimebank: new DataLoader<string, number>(async (ids) => {
      const rows = await everyBank(() =>
        db.membership.groupBy({
          by: ["timebankId"],
          where: { timebankId: { in: [...ids] }, status: "ACTIVE" },
          _count: { _all: true },
        }),
      );
      const counts = new Map(rows.map((r) => [r.timebankId, r._count._all]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}
