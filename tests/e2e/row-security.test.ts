// Row-level security, the second line of defence: on PostgreSQL the server works as a role that
// does not own the tables, and the ledger, profiles and onboarding records show that role only
// the banks named for the transaction. A query without the setting sees nothing.
// PostgreSQL only: the embedded database has a single connection, which is the owner (owners
// bypass the policies), so there the services' tenant filters are the only line.
import pg from "pg";
import { bankContext, buildContext, inTransaction, makeContext } from "../../src/context/context";
import { createLoaders } from "../../src/modules/loaders";
import { ReadCache } from "../../src/context/read-cache";
import { everyBank, runRequestScope, selfScoped, withBankScope } from "../../src/db/bank-scope";
import { ledgerTransaction } from "../../src/modules/ledger/ledger.engine";
import { applyToTimebank } from "../../src/modules/member/member.service";
import { flavour } from "../helpers/database";
import { partnershipMutation, propose, send } from "../helpers/federation";
import { myAccount, recordExchange } from "../helpers/ledger";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const PROTECTED = ["Account", "Transfer", "MemberProfile", "Interview", "Reference", "SafeguardingCheck"];
/**
 * Tables with a bank column and no policy, each for a reason given in migrations
 * 20261129010000_row_level_security_every_bank_table and 20261129020000_row_level_security_stats_tables:
 * count-only statistics rollups and each bank's suppression basis, read across every bank by design.
 */
const WITHOUT_POLICY = [
  "StatsBankPeriod",
  "StatsBankPeriodCategory",
  "StatsInterBankFlow",
  "StatsInstitutionHours",
  "StatsParticipation",
  "StatsSuppressionBasis",
];
/** The bank columns of the tables that span two banks: a row is in scope when either side is. */
const TWO_SIDED: Record<string, [string, string]> = {
  InterBankTransfer: ["timebankId", "targetTimebankId"],
  Partnership: ["proposerBankId", "partnerBankId"],
};

if (flavour() !== "postgres") {
  it.todo("row-level security (runs on PostgreSQL only: set TEST_DATABASE_URL)");
} else {
  describe("row-level security on PostgreSQL", () => {
    let t: TestServer;
    let bankA: { id: string };
    let bankB: { id: string };
    let bankC: { id: string };
    let people: Record<string, { coordinator: Actor; giver: Actor; receiverId: string }>;
    let appRole: pg.Client;
    /** Every table with a policy, and its bank column(s). */
    let policed: { table: string; columns: string[] }[];

    beforeAll(async () => {
      t = await startTestServer();
      const admin = await platformAdmin(t);
      const banks: { id: string }[] = [];
      people = {};
      for (const slug of ["rls-a", "rls-b", "rls-c"]) {
        const coordinator: Actor = await signUp(t, `${slug} Coordinator`);
        banks.push(await createBank(t, admin, slug, coordinator));
        const giver = await signUp(t, `${slug} Giver`);
        const receiver = await signUp(t, `${slug} Receiver`);
        const g = await join(giver, coordinator, slug);
        const r = await join(receiver, coordinator, slug);
        const res = await recordExchange(coordinator, { timebank: slug, giverMemberId: g, receiverMemberId: r, minutes: 30 });
        expect(res.__typename).toBe("Transfer");
        // An interview with notes: the onboarding record is protected too.
        await t.db.withSession((s) =>
          s.query(
            `INSERT INTO "Interview" ("timebankId", "id", "membershipId", "scheduledAt", "scheduledById", "notes") VALUES ($1, gen_random_uuid(), $2, now(), $3, 'private notes')`,
            [banks[banks.length - 1].id, g, coordinator.personId],
          ),
        );
        people[slug] = { coordinator, giver, receiverId: r };
      }
      [bankA, bankB, bankC] = banks;
      // B and C are partners, and B's giver sends ten minutes to C: rows that span two banks
      // (the partnership, the inter-bank transfer), none of them bank A's.
      const b = people["rls-b"];
      const c = people["rls-c"];
      const proposed = await propose(b.coordinator, {
        timebank: "rls-b",
        partnerBank: "rls-c",
        purposes: ["GENERAL"],
        outgoingCapMinutes: 600,
        incomingCapMinutes: 600,
        incomingNeedsAcceptance: false,
      });
      expect(await partnershipMutation(c.coordinator, "acceptPartnership", proposed.id)).toMatchObject({ status: "ACTIVE" });
      const sent = await send(b.giver, {
        from: (await myAccount(b.giver, "rls-b")).id,
        toBank: "rls-c",
        toMember: c.receiverId,
        minutes: 10,
        purpose: "GENERAL",
      });
      expect(sent).toMatchObject({ __typename: "InterBankTransfer", status: "POSTED" });
      // A connection as the application role, as a tool or a bug would open one.
      appRole = new pg.Client({ connectionString: t.db.url!, options: "-c role=timebank_app" });
      await appRole.connect();
      policed = await t.db.withSession(async (s) =>
        (
          await s.query<{ table: string; columns: string[] }>(
            `SELECT c.relname AS "table", array_agg(a.attname::text ORDER BY a.attname) AS columns
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname IN ('timebankId', 'targetTimebankId', 'proposerBankId', 'partnerBankId')
              WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relrowsecurity
              GROUP BY c.relname ORDER BY c.relname`,
          )
        ).map((r) => ({
          table: r.table,
          columns: typeof r.columns === "string" ? String(r.columns).replace(/[{}]/g, "").split(",") : r.columns,
        })),
      );
    });
    afterAll(async () => {
      await appRole?.end();
      await t?.close();
    });

    const count = async (client: pg.Client, table: string) =>
      Number((await client.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n);

    it("the posting function narrows its transaction to the bank it posts in", async () => {
      await appRole.query("BEGIN");
      try {
        await appRole.query(`SELECT set_config('timebank.bank_ids', '*', true)`);
        expect(await count(appRole, "Account")).toBeGreaterThan(0);
        // A call with a refusal decided by the caller: it stores the refusal under the key in bank A.
        const refusal = JSON.stringify({ type: "NotAllowed", fields: { code: "NOT_ALLOWED", message: "probe" } });
        const [row] = (
          await appRole.query(
            `SELECT outcome FROM ledger_post_transfers($1::uuid, 'rls-probe', 'h', gen_random_uuid(), now(), NULL, true, '[]'::jsonb, '[]'::jsonb, $2::jsonb)`,
            [bankA.id, refusal],
          )
        ).rows;
        expect(row.outcome).toBe("refused");
        expect((await appRole.query(`SELECT current_setting('timebank.bank_ids', true) AS s`)).rows[0].s).toBe(bankA.id);
        expect((await appRole.query(`SELECT count(*)::int AS n FROM "Account" WHERE "timebankId" = $1`, [bankB.id])).rows[0].n).toBe(0);
      } finally {
        await appRole.query("ROLLBACK");
      }
    });

    it("the server's queries run as timebank_app, which does not own the tables", async () => {
      const [who] = await t.db.prisma.$queryRaw<{ user: string }[]>`SELECT current_user::text AS "user"`;
      expect(who.user).toBe("timebank_app");
      const owners = await t.db.withSession((s) =>
        s.query<{ owner: string }>(
          `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1)`,
          [PROTECTED],
        ),
      );
      expect(owners.map((o) => o.owner)).not.toContain("timebank_app");
    });

    it("without the bank setting, the application role sees nothing of the protected tables and can write nothing there", async () => {
      for (const table of PROTECTED) {
        const asOwner = await t.db.withSession(async (s) =>
          Number((await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`))[0].n),
        );
        if (table !== "Reference" && table !== "SafeguardingCheck") expect([table, asOwner > 0]).toEqual([table, true]);
        expect([table, await count(appRole, table)]).toEqual([table, 0]);
      }
      await expect(
        appRole.query(
          `INSERT INTO "Account" ("timebankId", "id", "kind", "floorMinutes", "ceilingMinutes", "openedAt", "updatedAt") VALUES ($1, gen_random_uuid(), 'POT', 0, 0, now(), now())`,
          [bankA.id],
        ),
      ).rejects.toThrow(/row-level security/);
    });

    it("named for bank A, it sees exactly bank A's rows, even in a query with no bank filter", async () => {
      await appRole.query("BEGIN");
      try {
        await appRole.query(`SELECT set_config('timebank.bank_ids', $1, true)`, [bankA.id]);
        for (const table of ["Account", "Transfer", "MemberProfile", "Interview"]) {
          const banks = (await appRole.query(`SELECT DISTINCT "timebankId"::text AS b FROM "${table}"`)).rows.map((r) => r.b);
          expect([table, banks]).toEqual([table, [bankA.id]]);
        }
        // Writing into bank B from bank A's transaction is refused by the database itself.
        const victim = (await t.db.prisma.account.findFirstOrThrow({ where: { timebankId: bankB.id } })).id;
        const updated = await appRole.query(`UPDATE "Account" SET "floorMinutes" = -99999 WHERE "id" = $1`, [victim]);
        expect(updated.rowCount).toBe(0);
      } finally {
        await appRole.query("ROLLBACK");
      }
    });

    it("a service transaction for one bank is limited to it: a query there that forgets its bank filter finds only that bank", async () => {
      const bank = await t.db.prisma.timebank.findUniqueOrThrow({ where: { id: bankA.id } });
      const ctx = bankContext(makeContext(t.app, null, "rls-test"), bank);
      const seen = await inTransaction(ctx, async (tx) => {
        const accounts = await tx.db.account.findMany({ select: { timebankId: true } }); // no filter, on purpose
        const transfers = await tx.db.transfer.findMany({ select: { timebankId: true } });
        return new Set([...accounts, ...transfers].map((r) => r.timebankId));
      });
      expect([...seen]).toEqual([bankA.id]);
      // Outside such a transaction the server's connections see every bank: its filters are the first line.
      const all = new Set((await t.db.prisma.account.findMany({ select: { timebankId: true } })).map((r) => r.timebankId));
      expect(all.has(bankA.id) && all.has(bankB.id)).toBe(true);
    });

    it("every table that belongs to a bank has the policy, except the documented statistics rollups", async () => {
      const tables = await t.db.withSession((s) =>
        s.query<{ table: string; rls: boolean; policies: number }>(
          `SELECT c.relname AS "table", c.relrowsecurity AS rls,
                  (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'bank_scope') AS policies
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'r'
              AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('timebankId', 'proposerBankId'))`,
        ),
      );
      expect(tables.length).toBeGreaterThan(35);
      const unprotected = tables
        .filter((r) => !r.rls || r.policies !== 1)
        .map((r) => r.table)
        .sort();
      expect(unprotected).toEqual([...WITHOUT_POLICY].sort());
      expect(policed.map((p) => p.table)).toEqual(
        expect.arrayContaining([...PROTECTED, "Membership", "Post", "OutboxEvent", "Partnership", "InterBankTransfer", "PartnerClearing"]),
      );
    });

    /** Rows of `table` the scope must not show: those with no bank column naming a bank in `scope`. */
    const outside = (table: string, columns: string[], scope: string[]) =>
      `SELECT count(*)::int AS n FROM "${table}" WHERE NOT (${(TWO_SIDED[table] ?? columns.filter((c) => c === "timebankId")).map((c) => `"${c}" = ANY($1::uuid[])`).join(" OR ")})`;

    it("named for bank A, a statement with no bank filter finds no row of another bank in any protected table; rows of two banks show from either side", async () => {
      // The owner sees rows of the other banks in these tables, so finding none below means something.
      const asOwner = async (sql: string, params: unknown[]) =>
        t.db.withSession(async (s) => Number((await s.query<{ n: number }>(sql, params))[0].n));
      for (const table of [
        "Membership",
        "Category",
        "Account",
        "Transfer",
        "OutboxEvent",
        "Partnership",
        "InterBankTransfer",
        "PartnerClearing",
        "MemberProfile",
      ]) {
        const columns = policed.find((p) => p.table === table)!.columns;
        expect([table, (await asOwner(outside(table, columns, [bankA.id]), [[bankA.id]])) > 0]).toEqual([table, true]);
      }
      await appRole.query("BEGIN");
      try {
        await appRole.query(`SELECT set_config('timebank.bank_ids', $1, true)`, [bankA.id]);
        for (const { table, columns } of policed) {
          expect([table, Number((await appRole.query(outside(table, columns, [bankA.id]), [[bankA.id]])).rows[0].n)]).toEqual([table, 0]);
        }
        expect(await count(appRole, "Membership")).toBeGreaterThan(0);
        expect(await count(appRole, "Partnership")).toBe(0);
        expect(await count(appRole, "InterBankTransfer")).toBe(0);
        // Narrowed to the receiving bank C, the inter-bank transfer sent from B (kept with B) and the partnership show.
        await appRole.query(`SELECT set_config('timebank.bank_ids', $1, true)`, [bankC.id]);
        expect(await count(appRole, "InterBankTransfer")).toBe(1);
        expect(await count(appRole, "Partnership")).toBe(1);
        expect((await appRole.query(`SELECT DISTINCT "timebankId"::text AS b FROM "PartnerClearing"`)).rows.map((r) => r.b)).toEqual([
          bankC.id,
        ]);
        // Bank A cannot create a partnership between B and C, nor write a row of B.
        await appRole.query(`SELECT set_config('timebank.bank_ids', $1, true)`, [bankA.id]);
        await appRole.query("SAVEPOINT probe");
        await expect(
          appRole.query(
            `INSERT INTO "Partnership" ("id", "proposerBankId", "partnerBankId", "purposes", "proposerToPartnerCapMinutes", "partnerToProposerCapMinutes", "proposedById") VALUES (gen_random_uuid(), $1, $2, '{}', 0, 0, gen_random_uuid())`,
            [bankB.id, bankC.id],
          ),
        ).rejects.toThrow(/row-level security/);
        await appRole.query("ROLLBACK TO SAVEPOINT probe");
        expect((await appRole.query(`UPDATE "Membership" SET "status" = 'LEFT' WHERE "timebankId" = $1`, [bankB.id])).rowCount).toBe(0);
      } finally {
        await appRole.query("ROLLBACK");
      }
    });

    it("a ledger transaction is limited to the banks it names: its raw queries cannot see or change another bank", async () => {
      const bank = await t.db.prisma.timebank.findUniqueOrThrow({ where: { id: bankA.id } });
      const ctx = bankContext(makeContext(t.app, null, "rls-ledger"), bank);
      const victim = (await t.db.prisma.account.findFirstOrThrow({ where: { timebankId: bankB.id } })).id;
      const seen = await ledgerTransaction(ctx, async (tx) => {
        const banks = async (table: string) =>
          (await tx.db.$queryRawUnsafe<{ b: string }[]>(`SELECT DISTINCT "timebankId"::text AS b FROM "${table}"`)).map((r) => r.b);
        const changed = await tx.db.$executeRaw`UPDATE "Account" SET "floorMinutes" = -99999 WHERE "id" = ${victim}::uuid`;
        return { accounts: await banks("Account"), memberships: await banks("Membership"), outbox: await banks("OutboxEvent"), changed };
      });
      expect(seen).toEqual({ accounts: [bankA.id], memberships: [bankA.id], outbox: [bankA.id], changed: 0 });
      // Cross-bank work names both banks, and sees exactly those two.
      const both = await ledgerTransaction(
        ctx,
        async (tx) =>
          (await tx.db.$queryRaw<{ b: string }[]>`SELECT DISTINCT "timebankId"::text AS b FROM "Account" ORDER BY 1`).map((r) => r.b),
        [bankB.id],
      );
      expect(both).toEqual([bankA.id, bankB.id].sort());
    });

    /** Banks of the rows of every protected table that the statements run by `query` find, without any bank filter. */
    const banksSeen = async (query: (sql: string) => Promise<{ b: string }[]>) => {
      const seen = new Set<string>();
      for (const { table, columns } of policed) {
        for (const column of TWO_SIDED[table] ?? columns.filter((c) => c === "timebankId")) {
          for (const row of await query(`SELECT DISTINCT "${column}"::text AS b FROM "${table}"`)) seen.add(row.b);
        }
      }
      return [...seen].sort();
    };

    it("inside a bank-A member's request, a statement without a bank filter finds no other bank's row in any protected table", async () => {
      const member = people["rls-a"].giver;
      const inRequest = await runRequestScope(async () => {
        const ctx = await buildContext(t.app, { authorization: `Bearer ${member.token}`, readOnly: true });
        expect(ctx.viewer!.readableBankIds).toEqual([bankA.id]);
        return banksSeen((sql) => ctx.db.$queryRawUnsafe(sql));
      });
      expect(inRequest).toEqual([bankA.id]);
      // A member of bank B reads B and its federation partner C (an inter-bank transfer names its
      // recipient in the other bank), never A.
      const partnerSide = await runRequestScope(async () => {
        const ctx = await buildContext(t.app, { authorization: `Bearer ${people["rls-b"].giver.token}` });
        return banksSeen((sql) => ctx.db.$queryRawUnsafe(sql));
      });
      expect(partnerSide).toEqual([bankB.id, bankC.id].sort());
      // Background work (no request scope), and work a request hands to the background, sees every bank.
      expect(await banksSeen((sql) => t.db.prisma.$queryRawUnsafe(sql))).toEqual([bankA.id, bankB.id, bankC.id].sort());
      const handedOff = await runRequestScope(async () => {
        await buildContext(t.app, { authorization: `Bearer ${member.token}` });
        return everyBank(() => banksSeen((sql) => t.db.prisma.$queryRawUnsafe(sql)));
      });
      expect(handedOff).toEqual([bankA.id, bankB.id, bankC.id].sort());
    });

    it("an applicant reads their new membership in the rest of the request that applied", async () => {
      const applicant = await signUp(t, "rls Applicant");
      const seen = await runRequestScope(async () => {
        const ctx = await buildContext(t.app, { authorization: `Bearer ${applicant.token}` });
        expect(ctx.viewer!.readableBankIds).toEqual([]);
        const bank = await t.db.prisma.timebank.findUniqueOrThrow({ where: { id: bankA.id } });
        const applied = await applyToTimebank(bankContext(ctx, bank));
        expect(applied).toMatchObject({ status: "APPLIED" });
        return ctx.db.membership.findMany({ where: { personId: applicant.personId }, select: { timebankId: true } });
      });
      expect(seen).toEqual([{ timebankId: bankA.id }]);
    });

    it("a narrowed request's GraphQL reads run on connections set for its banks: a statement changes the setting only when its connection served other banks", async () => {
      const member = people["rls-a"].giver;
      // Background work on every connection of the test pool (5): each is set for every bank now.
      await everyBank(() => Promise.all(Array.from({ length: 8 }, () => t.db.prisma.$queryRaw`SELECT pg_sleep(0.05)::text AS slept`)));
      const before = t.db.scopeSwitches();
      await member.client.ok(`{ myAccounts(timebank: "rls-a") { id } }`);
      const afterFirst = t.db.scopeSwitches();
      expect(afterFirst).toBeGreaterThan(before); // the request's statements narrowed their connection
      // The same request again: its connections are already set for bank A, at most one change per connection.
      for (let i = 0; i < 5; i++) await member.client.ok(`{ myAccounts(timebank: "rls-a") { id } }`);
      expect(t.db.scopeSwitches() - afterFirst).toBeLessThanOrEqual(5);
    });

    it("statements that narrow themselves (the group commit's) run on connections as they are: no setting is sent for them", async () => {
      const setting = () =>
        t.db.prisma.$queryRaw<{ s: string }[]>`SELECT current_setting('timebank.bank_ids') AS s, pg_sleep(0.05)::text AS slept`;
      await everyBank(() => Promise.all(Array.from({ length: 8 }, setting)));
      await withBankScope([bankA.id], setting); // one connection now set for bank A
      const before = t.db.scopeSwitches();
      const seen = await selfScoped(() => Promise.all(Array.from({ length: 8 }, setting)));
      expect(t.db.scopeSwitches()).toBe(before);
      expect(new Set(seen.map(([r]) => r.s))).toEqual(new Set(["*", bankA.id]));
    });

    it("Prisma's batching of findUnique calls made in the same tick keeps each caller in its own bank scope", async () => {
      const accountOfA = await t.db.prisma.account.findFirstOrThrow({ where: { timebankId: bankA.id } });
      const key = { timebankId_id: { timebankId: bankA.id, id: accountOfA.id } };
      for (const order of [0, 1]) {
        const calls = [
          () => withBankScope([bankA.id], () => t.db.prisma.account.findUnique({ where: key })),
          () => withBankScope([bankB.id], () => t.db.prisma.account.findUnique({ where: key })),
        ];
        const [first, second] = order === 0 ? calls : [...calls].reverse();
        const results = await Promise.all([first(), second()]); // same tick: one Prisma batch without the scope in its key
        const [asA, asB] = order === 0 ? results : [...results].reverse();
        expect([order, asA?.id ?? null, asB]).toEqual([order, accountOfA.id, null]);
      }
    });

    it("fresh reads shared by concurrent requests (coalesce.ts) keep each request's bank scope; the viewer lookup sees every bank", async () => {
      const key = `${bankA.id}:${people["rls-a"].receiverId}`;
      const [asA, asB] = await Promise.all([
        withBankScope([bankA.id], () => t.app.coalesce.memberAccountsInScope([key])),
        withBankScope([bankB.id], () => t.app.coalesce.memberAccountsInScope([key])),
      ]);
      expect(asA[0]?.timebankId).toBe(bankA.id);
      expect(asB).toEqual([null]);
      // Even asked from a request that sees no bank yet, the viewer row lists every membership.
      const row = await withBankScope([], () => t.app.coalesce.viewers.load(people["rls-b"].giver.personId));
      const memberships = typeof row!.memberships === "string" ? JSON.parse(row!.memberships) : row!.memberships;
      expect(memberships.map((m: { timebankId: string }) => m.timebankId)).toEqual([bankB.id]);
    });

    it("the shared read cache never answers a narrowed request with a category a wider one loaded", async () => {
      const categoryOfB = await t.db.prisma.category.findFirstOrThrow({ where: { timebankId: bankB.id } });
      const cache = new ReadCache(60_000);
      const wide = await withBankScope("*", () => createLoaders(t.db.prisma, cache).categoryById.load(categoryOfB.id));
      expect(wide?.id).toBe(categoryOfB.id);
      expect(await withBankScope([bankA.id], () => createLoaders(t.db.prisma, cache).categoryById.load(categoryOfB.id))).toBeNull();
      expect((await withBankScope([bankB.id], () => createLoaders(t.db.prisma, cache).categoryById.load(categoryOfB.id)))?.id).toBe(
        categoryOfB.id,
      );
    });

    it("the application role cannot switch the protection off, drop the ledger's triggers or rewrite the migration history", async () => {
      await expect(appRole.query(`ALTER TABLE "Transfer" DISABLE ROW LEVEL SECURITY`)).rejects.toThrow(/must be owner/);
      await expect(appRole.query(`DROP POLICY bank_scope ON "Account"`)).rejects.toThrow(/must be owner/);
      await expect(appRole.query(`ALTER TABLE "Transfer" DISABLE TRIGGER ALL`)).rejects.toThrow(/must be owner/);
      await expect(appRole.query(`DELETE FROM "_prisma_migrations"`)).rejects.toThrow(/permission denied/);
    });
  });
}
