// Row-level security, the second line of defence: on PostgreSQL the server works as a role that
// does not own the tables, and the ledger, profiles and onboarding records show that role only
// the banks named for the transaction. A query without the setting sees nothing.
// PostgreSQL only: the embedded database has a single connection, which is the owner (owners
// bypass the policies), so there the services' tenant filters are the only line.
import pg from "pg";
import { bankContext, inTransaction, makeContext } from "../../src/context/context";
import { flavour } from "../helpers/database";
import { recordExchange } from "../helpers/ledger";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const PROTECTED = ["Account", "Transfer", "MemberProfile", "Interview", "Reference", "SafeguardingCheck"];

if (flavour() !== "postgres") {
  it.todo("row-level security (runs on PostgreSQL only: set TEST_DATABASE_URL)");
} else {
  describe("row-level security on PostgreSQL", () => {
    let t: TestServer;
    let bankA: { id: string };
    let bankB: { id: string };
    let appRole: pg.Client;

    beforeAll(async () => {
      t = await startTestServer();
      const admin = await platformAdmin(t);
      const banks: { id: string }[] = [];
      for (const slug of ["rls-a", "rls-b"]) {
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
          s.query(`INSERT INTO "Interview" ("timebankId", "id", "membershipId", "scheduledAt", "scheduledById", "notes") VALUES ($1, gen_random_uuid(), $2, now(), $3, 'private notes')`, [
            banks[banks.length - 1].id,
            g,
            coordinator.personId,
          ]),
        );
      }
      [bankA, bankB] = banks;
      // A connection as the application role, as a tool or a bug would open one.
      appRole = new pg.Client({ connectionString: t.db.url!, options: "-c role=timebank_app" });
      await appRole.connect();
    });
    afterAll(async () => {
      await appRole?.end();
      await t?.close();
    });

    const count = async (client: pg.Client, table: string) => Number((await client.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n);

    it("the posting function narrows its transaction to the bank it posts in", async () => {
      await appRole.query("BEGIN");
      try {
        await appRole.query(`SELECT set_config('timebank.bank_ids', '*', true)`);
        expect(await count(appRole, "Account")).toBeGreaterThan(0);
        // A call with a refusal decided by the caller: it stores the refusal under the key in bank A.
        const refusal = JSON.stringify({ type: "NotAllowed", fields: { code: "NOT_ALLOWED", message: "probe" } });
        const [row] = (await appRole.query(
          `SELECT outcome FROM ledger_post_transfers($1::uuid, 'rls-probe', 'h', gen_random_uuid(), now(), NULL, true, '[]'::jsonb, '[]'::jsonb, $2::jsonb)`,
          [bankA.id, refusal],
        )).rows;
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
        s.query<{ owner: string }>(`SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY($1)`, [PROTECTED]),
      );
      expect(owners.map((o) => o.owner)).not.toContain("timebank_app");
    });

    it("without the bank setting, the application role sees nothing of the protected tables and can write nothing there", async () => {
      for (const table of PROTECTED) {
        const asOwner = await t.db.withSession(async (s) => Number((await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`))[0].n));
        if (table !== "Reference" && table !== "SafeguardingCheck") expect([table, asOwner > 0]).toEqual([table, true]);
        expect([table, await count(appRole, table)]).toEqual([table, 0]);
      }
      await expect(
        appRole.query(`INSERT INTO "Account" ("timebankId", "id", "kind", "floorMinutes", "ceilingMinutes", "openedAt", "updatedAt") VALUES ($1, gen_random_uuid(), 'POT', 0, 0, now(), now())`, [bankA.id]),
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

    it("the application role cannot switch the protection off, drop the ledger's triggers or rewrite the migration history", async () => {
      await expect(appRole.query(`ALTER TABLE "Transfer" DISABLE ROW LEVEL SECURITY`)).rejects.toThrow(/must be owner/);
      await expect(appRole.query(`DROP POLICY bank_scope ON "Account"`)).rejects.toThrow(/must be owner/);
      await expect(appRole.query(`ALTER TABLE "Transfer" DISABLE TRIGGER ALL`)).rejects.toThrow(/must be owner/);
      await expect(appRole.query(`DELETE FROM "_prisma_migrations"`)).rejects.toThrow(/permission denied/);
    });
  });
}
