import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { MemberProfile, MemberSkill, Membership, Person } from "../../generated/prisma/client";
import { byKey, groupByKey } from "../../context/loaders";

export type PersonName = Pick<Person, "id" | "displayName" | "email" | "offline">;

export function createMemberLoaders(db: Db) {
  return {
    personById: new DataLoader<string, PersonName | null>(async (ids) =>
      byKey(ids, await db.person.findMany({ where: { id: { in: [...ids] } }, select: { id: true, displayName: true, email: true, offline: true } }), (p) => p.id),
    ),
    profileByMembership: new DataLoader<string, MemberProfile | null>(async (ids) =>
      byKey(ids, await db.memberProfile.findMany({ where: { membershipId: { in: [...ids] } } }), (p) => p.membershipId),
    ),
    skillsByMembership: new DataLoader<string, MemberSkill[]>(async (ids) =>
      groupByKey(
        ids,
        await db.memberSkill.findMany({ where: { membershipId: { in: [...ids] } }, orderBy: [{ kind: "asc" }, { label: "asc" }] }),
        (s) => s.membershipId,
      ),
    ),
    /** Key: `${timebankId}:${personId}`: a person's membership in one bank. */
    membershipByBankAndPerson: new DataLoader<string, Membership | null>(async (keys) => {
      const pairs = keys.map((k) => k.split(":"));
      const rows = await db.membership.findMany({
        where: { timebankId: { in: [...new Set(pairs.map((p) => p[0]))] }, personId: { in: [...new Set(pairs.map((p) => p[1]))] } },
      });
      return byKey(keys, rows, (m) => `${m.timebankId}:${m.personId}`);
    }),
  };
}
