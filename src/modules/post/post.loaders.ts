import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Membership, Post } from "../../generated/prisma/client";
import { byKey } from "../../context/loaders";

export function createPostLoaders(db: Db) {
  return {
    postById: new DataLoader<string, Post | null>(async (ids) => byKey(ids, await db.post.findMany({ where: { id: { in: [...ids] } } }), (p) => p.id)),
    /** Memberships by id (authors, candidates, proposers): ids come from tenant-filtered rows. */
    membershipById: new DataLoader<string, Membership | null>(async (ids) =>
      byKey(ids, await db.membership.findMany({ where: { id: { in: [...ids] } } }), (m) => m.id),
    ),
  };
}
