import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Post } from "../../generated/prisma/client";
import { byKey } from "../../common/keyed";

export function createPostLoaders(db: Db) {
  return {
    postById: new DataLoader<string, Post | null>(async (ids) =>
      byKey(ids, await db.post.findMany({ where: { id: { in: [...ids] } } }), (p) => p.id),
    ),
  };
}
