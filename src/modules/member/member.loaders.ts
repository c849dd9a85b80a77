import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { MemberProfile, MemberSkill, Membership, Person } from "../../generated/prisma/client";
import type { MembershipRole, MembershipStatus } from "../../generated/prisma/enums";
import { byKey, groupByKey } from "../../context/loaders";

export type PersonName = Pick<Person, "id" | "displayName" | "email" | "offline">;

interface MembershipWithPersonRow {
  timebankId: string;
  id: string;
  personId: string;
  role: MembershipRole;
  status: MembershipStatus;
  memberNumber: number;
  appliedAt: Date;
  approvedById: string | null;
  approvedAt: Date | null;
  joinedAt: Date | null;
  pausedAt: Date | null;
  plannedReturnOn: string | null;
  leftAt: Date | null;
  updatedAt: Date;
  displayName: string;
  email: string;
  offline: boolean;
}

export function createMemberLoaders(db: Db) {
  const personById = new DataLoader<string, PersonName | null>(async (ids) =>
    byKey(ids, await db.person.findMany({ where: { id: { in: [...ids] } }, select: { id: true, displayName: true, email: true, offline: true } }), (p) => p.id),
  );
  return {
    personById,
    /**
     * Memberships by id (a member by id, post authors, candidates, proposers), read together with
     * the person's name in one statement: the name is asked for nearly every time, and the
     * person loader is primed with it. Ids come from tenant-filtered rows or are checked by the caller.
     */
    membershipById: new DataLoader<string, Membership | null>(async (ids) => {
      const rows = await db.$queryRaw<MembershipWithPersonRow[]>`
        SELECT m."timebankId"::text AS "timebankId", m."id"::text AS "id", m."personId"::text AS "personId", m."role"::text AS "role",
               m."status"::text AS "status", m."memberNumber", m."appliedAt", m."approvedById"::text AS "approvedById", m."approvedAt",
               m."joinedAt", m."pausedAt", m."plannedReturnOn"::text AS "plannedReturnOn", m."leftAt", m."updatedAt",
               p."displayName", p."email", p."offline"
          FROM "Membership" m JOIN "Person" p ON p."id" = m."personId"
         WHERE m."id" = ANY(${[...ids]}::uuid[])`;
      const memberships = rows.map(({ displayName, email, offline, plannedReturnOn, ...m }): Membership => {
        personById.prime(m.personId, { id: m.personId, displayName, email, offline });
        return { ...m, plannedReturnOn: plannedReturnOn === null ? null : new Date(`${plannedReturnOn}T00:00:00Z`) };
      });
      return byKey(ids, memberships, (m) => m.id);
    }),
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
