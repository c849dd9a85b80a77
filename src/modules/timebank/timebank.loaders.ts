import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Category, Timebank } from "../../generated/prisma/client";
import { byKey, groupByKey } from "../../context/loaders";

export function createTimebankLoaders(db: Db) {
  return {
    timebankById: new DataLoader<string, Timebank | null>(async (ids) =>
      byKey(ids, await db.timebank.findMany({ where: { id: { in: [...ids] } } }), (t) => t.id),
    ),
    timebankBySlug: new DataLoader<string, Timebank | null>(async (slugs) =>
      byKey(slugs, await db.timebank.findMany({ where: { slug: { in: [...slugs] } } }), (t) => t.slug),
    ),
    categoryById: new DataLoader<string, Category | null>(async (ids) =>
      byKey(ids, await db.category.findMany({ where: { id: { in: [...ids] } } }), (c) => c.id),
    ),
    categoriesByTimebank: new DataLoader<string, Category[]>(async (ids) =>
      groupByKey(ids, await db.category.findMany({ where: { timebankId: { in: [...ids] } }, orderBy: { name: "asc" } }), (c) => c.timebankId),
    ),
    activeMemberCountByTimebank: new DataLoader<string, number>(async (ids) => {
      const rows = await db.membership.groupBy({
        by: ["timebankId"],
        where: { timebankId: { in: [...ids] }, status: "ACTIVE" },
        _count: { _all: true },
      });
      const counts = new Map(rows.map((r) => [r.timebankId, r._count._all]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}
