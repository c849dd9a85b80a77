import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Match, MemberVouch } from "../../generated/prisma/client";
import { byKey, groupByKey } from "../../common/keyed";

export function createMatchingLoaders(db: Db) {
  return {
    vouchByMembership: new DataLoader<string, MemberVouch | null>(async (ids) =>
      byKey(ids, await db.memberVouch.findMany({ where: { membershipId: { in: [...ids] } } }), (v) => v.membershipId),
    ),
    matchesByRequest: new DataLoader<string, Match[]>(async (ids) =>
      groupByKey(
        ids,
        await db.match.findMany({ where: { requestId: { in: [...ids] } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
        (m) => m.requestId,
      ),
    ),
  };
}
