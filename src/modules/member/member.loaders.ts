import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import { Prisma } from "../../generated/prisma/client";
import type { Account, MemberProfile, MemberSkill, Membership, Person } from "../../generated/prisma/client";
import type { MembershipRole, MembershipStatus } from "../../generated/prisma/enums";
import { byKey, groupByKey } from "../../common/keyed";

export type PersonName = Pick<Person, "id" | "displayName" | "email" | "offline">;

export interface MembershipWithPersonRow {
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

/**
 * The columns of a membership and its person's name, as `<prefix><column>`, for raw statements
 * that read members together with something else. `m` and `p` are the aliases of "Membership" and "Person".
 */
export function membershipWithPersonColumns(m: string, p: string, prefix = ""): Prisma.Sql {
  const col = (expr: string, name: string) => `${expr} AS "${prefix}${name}"`;
  return Prisma.raw(
    [
      col(`${m}."timebankId"::text`, "timebankId"),
      col(`${m}."id"::text`, "id"),
      col(`${m}."personId"::text`, "personId"),
      col(`${m}."role"::text`, "role"),
      col(`${m}."status"::text`, "status"),
      col(`${m}."memberNumber"`, "memberNumber"),
      col(`${m}."appliedAt"`, "appliedAt"),
      col(`${m}."approvedById"::text`, "approvedById"),
      col(`${m}."approvedAt"`, "approvedAt"),
      col(`${m}."joinedAt"`, "joinedAt"),
      col(`${m}."pausedAt"`, "pausedAt"),
      col(`${m}."plannedReturnOn"::text`, "plannedReturnOn"),
      col(`${m}."leftAt"`, "leftAt"),
      col(`${m}."updatedAt"`, "updatedAt"),
      col(`${p}."displayName"`, "displayName"),
      col(`${p}."email"`, "email"),
      col(`${p}."offline"`, "offline"),
    ].join(", "),
  );
}

const ACCOUNT_PREFIX = "account.";
/** Every column of an Account as "account.<field>" (Prisma's field list, so a new column comes along). */
const ACCOUNT_COLUMNS = Prisma.raw(
  Object.values(Prisma.AccountScalarFieldEnum)
    .map((f) => `a."${f}" AS "${ACCOUNT_PREFIX}${f}"`)
    .join(", "),
);

export function createMemberLoaders(db: Db) {
  const personById = new DataLoader<string, PersonName | null>(async (ids) =>
    byKey(
      ids,
      await db.person.findMany({ where: { id: { in: [...ids] } }, select: { id: true, displayName: true, email: true, offline: true } }),
      (p) => p.id,
    ),
  );
  const membershipFromRow = ({ displayName, email, offline, plannedReturnOn, ...m }: MembershipWithPersonRow): Membership => {
    personById.prime(m.personId, { id: m.personId, displayName, email, offline });
    return { ...m, plannedReturnOn: plannedReturnOn === null ? null : new Date(`${plannedReturnOn}T00:00:00Z`) };
  };
  /**
   * Memberships by id (a member by id, post authors, candidates, proposers), read together with
   * the person's name in one statement: the name is asked for nearly every time, and the
   * person loader is primed with it. Ids come from tenant-filtered rows or are checked by the caller.
   */
  const membershipById = new DataLoader<string, Membership | null>(async (ids) => {
    const rows = await db.$queryRaw<MembershipWithPersonRow[]>`
      SELECT ${membershipWithPersonColumns("m", "p")} FROM "Membership" m JOIN "Person" p ON p."id" = m."personId" WHERE m."id" = ANY(${[...ids]}::uuid[])`;
    return byKey(ids, rows.map(membershipFromRow), (m) => m.id);
  });
  const skillsByMembership = new DataLoader<string, MemberSkill[]>(async (ids) =>
    groupByKey(
      ids,
      await db.memberSkill.findMany({ where: { membershipId: { in: [...ids] } }, orderBy: [{ kind: "asc" }, { label: "asc" }] }),
      (s) => s.membershipId,
    ),
  );
  return {
    personById,
    /**
     * Memberships by id (a member by id, post authors, candidates, proposers), read together with
     * the person's name in one statement: the name is asked for nearly every time, and the
     * person loader is primed with it. Ids come from tenant-filtered rows or are checked by the caller.
     */
    membershipById,
    /**
     * A member by id with their account in one statement (`member(id) { account { … } }` read
     * them in two): primes membershipById (null when there is no such member in the request's
     * banks) and returns the account for the caller to prime accountByMembership with. The
     * access rules still run when the fields are resolved.
     */
    async memberWithAccount(id: string): Promise<{ member: Membership | null; account: Account | null }> {
      const [row] = await db.$queryRaw<(MembershipWithPersonRow & Record<string, unknown>)[]>`
        SELECT ${membershipWithPersonColumns("m", "p")}, ${ACCOUNT_COLUMNS}
        FROM "Membership" m JOIN "Person" p ON p."id" = m."personId"
        LEFT JOIN "Account" a ON a."timebankId" = m."timebankId" AND a."membershipId" = m."id"
        WHERE m."id" = ${id}::uuid`;
      if (!row) {
        membershipById.prime(id, null);
        return { member: null, account: null };
      }
      const account: Record<string, unknown> = {};
      const rest: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) {
        if (key.startsWith(ACCOUNT_PREFIX)) account[key.slice(ACCOUNT_PREFIX.length)] = value;
        else rest[key] = value;
      }
      const member = membershipFromRow(rest as unknown as MembershipWithPersonRow);
      membershipById.prime(member.id, member);
      return { member, account: account.id ? (account as unknown as Account) : null };
    },
    /** Primes membershipById and personById with rows read by another statement (e.g. a page of posts with their authors). */
    primeMemberships(rows: readonly MembershipWithPersonRow[]): void {
      for (const row of rows) {
        const m = membershipFromRow(row);
        membershipById.prime(m.id, m);
      }
    },
    profileByMembership: new DataLoader<string, MemberProfile | null>(async (ids) =>
      byKey(ids, await db.memberProfile.findMany({ where: { membershipId: { in: [...ids] } } }), (p) => p.membershipId),
    ),
    skillsByMembership,
    /**
     * A page of members: reads their names, and their skills and needs when the client asked for
     * them, in one statement, and primes the loaders the field resolvers use.
     */
    async primeMemberPage(memberships: readonly Pick<Membership, "id" | "timebankId">[], withSkills: boolean): Promise<void> {
      if (!memberships.length) return;
      const skills = withSkills
        ? Prisma.sql`COALESCE((SELECT json_agg(json_build_object('timebankId', s."timebankId", 'id', s."id", 'membershipId', s."membershipId", 'kind', s."kind",
                                                              'label', s."label", 'categoryId', s."categoryId") ORDER BY s."kind", s."label")
                                 FROM "MemberSkill" s WHERE s."timebankId" = m."timebankId" AND s."membershipId" = m."id"), '[]')`
        : Prisma.sql`NULL`;
      const rows = await db.$queryRaw<
        { personId: string; displayName: string; email: string; offline: boolean; id: string; skills: MemberSkill[] | null }[]
      >`
        SELECT m."id"::text AS "id", p."id"::text AS "personId", p."displayName", p."email", p."offline", ${skills} AS "skills"
          FROM "Membership" m JOIN "Person" p ON p."id" = m."personId"
         WHERE m."timebankId" = ANY(${[...new Set(memberships.map((m) => m.timebankId))]}::uuid[]) AND m."id" = ANY(${memberships.map((m) => m.id)}::uuid[])`;
      for (const r of rows) {
        personById.prime(r.personId, { id: r.personId, displayName: r.displayName, email: r.email, offline: r.offline });
        if (r.skills) skillsByMembership.prime(r.id, r.skills);
      }
    },
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
