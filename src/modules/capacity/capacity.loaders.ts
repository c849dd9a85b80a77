import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Membership } from "../../generated/prisma/client";
import { byKey } from "../../context/loaders";

export function createCapacityLoaders(db: Db) {
  return {
    /** The member a capacity row belongs to (ids come from rows already filtered by bank). */
    membershipById: new DataLoader<string, Membership | null>(async (ids) =>
      byKey(ids, await db.membership.findMany({ where: { id: { in: [...ids] } } }), (m) => m.id),
    ),
  };
}
