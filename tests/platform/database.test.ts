// The migration runner, the single-process guard of the embedded database, and the demo data.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseLockedError, openPglite } from "../../src/db/database";
import { listMigrations, migrate, MigrationError, MIGRATIONS_DIR, pendingMigrations } from "../../src/db/migrations";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { startServer } from "../../src/server";
import { getSchema } from "../../src/schema";
import { GraphQLClient } from "../helpers/client";
import { DEMO_LOGINS, DEMO_PASSWORD } from "../../src/seed/demo";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "timebank-platform-"));

describe("migration runner", () => {
  it("applies every migration once, records them like Prisma, and refuses an edited one", async () => {
    const dir = tmp();
    const migrations = path.join(dir, "migrations");
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const db = await openPglite({ dataDir: null });
    try {
      const applied = await db.withSession((s) => migrate(s, () => {}, migrations));
      expect(applied).toEqual(listMigrations(migrations).map((m) => m.name));
      expect(await db.withSession((s) => migrate(s, () => {}, migrations))).toEqual([]);
      const rows = await db.withSession((s) =>
        s.query<{ migration_name: string; checksum: string; applied_steps_count: number; finished_at: Date | null }>(
          `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`,
        ),
      );
      expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count, !!r.finished_at])).toEqual(
        listMigrations(migrations).map((m) => [m.name, m.checksum, 1, true]),
      );

      // A new migration is picked up; a failing one rolls back completely.
      mkdirSync(path.join(migrations, "29990101000000_broken"));
      writeFileSync(
        path.join(migrations, "29990101000000_broken", "migration.sql"),
        `CREATE TABLE "Half" (id int);\nSELECT * FROM "NoSuchTable";`,
      );
      await expect(db.withSession((s) => migrate(s, () => {}, migrations))).rejects.toThrow(MigrationError);
      const half = await db.withSession((s) => s.query<{ t: string | null }>(`SELECT to_regclass('"Half"')::text AS t`));
      expect(half[0].t).toBeNull();
      rmSync(path.join(migrations, "29990101000000_broken"), { recursive: true });

      // Editing an applied migration is refused with a clear message.
      const first = listMigrations(migrations)[0].name;
      writeFileSync(path.join(migrations, first, "migration.sql"), "-- edited\n", { flag: "a" });
      await expect(db.withSession((s) => pendingMigrations(s, listMigrations(migrations)))).rejects.toThrow(/changed after it was applied/);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("embedded database", () => {
  it("refuses a second server on the same data directory with a clear message, and allows it after the first stops", async () => {
    const dir = tmp();
    const first = await openPglite({ dataDir: dir });
    try {
      await expect(openPglite({ dataDir: dir })).rejects.toThrow(DatabaseLockedError);
    } finally {
      await first.close();
    }
    // Another live process holds the lock (jest's parent process stands in for a running server).
    writeFileSync(path.join(dir, "server.lock"), String(process.ppid));
    await expect(openPglite({ dataDir: dir })).rejects.toThrow(/in use by another server \(pid \d+\)/);
    rmSync(path.join(dir, "server.lock"));
    const again = await openPglite({ dataDir: dir });
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes over a lock left by a process that died", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "server.lock"), "999999999");
    const db = await openPglite({ dataDir: dir });
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("first start", () => {
  it("creates, migrates and seeds an empty data directory; demo users can log in and see their bank", async () => {
    const dir = tmp();
    const config = { ...loadConfig({ NODE_ENV: "test", DATA_DIR: dir }), port: 0, host: "127.0.0.1" };
    expect(config.seedDemoData).toBe(true);
    const app = await createApp(config);
    const server = await startServer(app, await getSchema(), 0, "127.0.0.1");
    try {
      expect(app.seeded).toBe(true);
      const client = new GraphQLClient(`http://127.0.0.1:${server.port}/graphql`);
      const banks = await client.ok(`{ timebanks { slug memberCount } }`);
      expect(banks.timebanks.length).toBeGreaterThanOrEqual(3);
      const login = await client.ok(
        `mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { ... on AuthPayload { token } } }`,
        {
          e: DEMO_LOGINS[0].email,
          p: DEMO_PASSWORD,
        },
      );
      const me = await client.withToken(login.logIn.token).ok(`{ me { memberships { role timebank { slug } } } }`);
      expect(me.me.memberships).toEqual([{ role: "ADMIN", timebank: { slug: "aarhus" } }]);
      const health = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      expect(await health.json()).toEqual({ status: "ready" });
    } finally {
      await server.close();
      await app.database.close();
    }
    // The auth secret generated in development is kept for the next start.
    expect(require("node:fs").readFileSync(path.join(dir, "auth-secret"), "utf8").trim()).toHaveLength(64);
    rmSync(dir, { recursive: true, force: true });
  });
});
