// Offline access to Prisma's schema engine (WASM build) for creating migrations and for
// checking that schema.prisma and prisma/migrations agree. The native engine that the Prisma
// CLI downloads is not available offline, see STACK.md / README "Migrations".
//
// WARNING: the engine uses the connected database as scratch space and writes into it: it is
// only ever given a throwaway in-memory PGlite, never a real database.
import { readFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { listMigrations, MIGRATIONS_DIR } from "../../src/db/migrations";
import { PROJECT_ROOT } from "../../src/common/paths";

const SCHEMA_PATH = path.join(PROJECT_ROOT, "prisma", "schema.prisma");
const filters = { externalTables: [] as string[], externalEnums: [] as string[] };

interface EngineRuntime {
  __wbg_set_wasm(exports: unknown): void;
  SchemaEngine: {
    new: (options: unknown, log: (msg: string) => void, adapter: unknown) => Promise<SchemaEngineApi>;
  };
}
interface SchemaEngineApi {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout?: string | null }>;
  free(): void;
}

interface WasmApi {
  Module: new (bytes: Buffer) => unknown;
  Instance: new (mod: unknown, imports: Record<string, unknown>) => { exports: Record<string, unknown> };
}

async function openEngine(): Promise<{ engine: SchemaEngineApi; db: PGlite; timers: Set<NodeJS.Timeout> }> {
  // The package's main entry imports the .wasm file as an ES module, which Node cannot load;
  // instantiate the module ourselves and hand it to the generated bindings.
  const runtime = require("@prisma/schema-engine-wasm/schema_engine_bg") as EngineRuntime;
  const wasmPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
  // WebAssembly is a Node global that @types/node does not declare without the DOM lib.
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const mod = new wasm.Module(readFileSync(wasmPath));
  // WARNING: the engine's async runtime arms JS timers (10 s timeouts racing its work) and never
  // clears them when the work finishes first; a process (a jest worker) then cannot exit for 10 s.
  // Keep track of them so that they can be cleared once the engine is done.
  const timers = new Set<NodeJS.Timeout>();
  const imports: Record<string, unknown> = { ...(runtime as unknown as Record<string, unknown>) };
  for (const name of Object.keys(imports)) {
    if (!name.startsWith("__wbg_setTimeout_")) continue;
    imports[name] = (fn: () => void, ms: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms >>> 0);
      timers.add(timer);
      return timer;
    };
  }
  const instance = new wasm.Instance(mod, { "./schema_engine_bg.js": imports });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  const db = new PGlite();
  const factory = bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(db));
  const engine = await runtime.SchemaEngine.new({ datamodels: undefined }, () => {}, factory);
  return { engine, db, timers };
}

/** Returns the SQL that brings the existing migrations up to schema.prisma, or null when they agree. */
export async function diffMigrationsToSchema(): Promise<string | null> {
  const { engine, db, timers } = await openEngine();
  try {
    const migrations = listMigrations();
    await engine.applyMigrations({
      migrationsList: {
        baseDir: MIGRATIONS_DIR,
        lockfile: { path: "migration_lock.toml", content: null },
        shadowDbInitScript: "",
        migrationDirectories: migrations.map((m) => ({
          path: m.name,
          migrationFile: { path: "migration.sql", content: { tag: "ok", value: m.sql } },
        })),
      },
      filters,
    });
    const files = [{ path: SCHEMA_PATH, content: readFileSync(SCHEMA_PATH, "utf8") }];
    const result = await engine.diff({
      from: { tag: "schemaDatasource", files, configDir: path.dirname(SCHEMA_PATH) },
      to: { tag: "schemaDatamodel", files },
      script: true,
      exitCode: true,
      shadowDatabaseUrl: null,
      filters,
    });
    if (result.exitCode !== 2) return null;
    return (result.stdout ?? "").trim() || null;
  } finally {
    engine.free();
    for (const timer of timers) clearTimeout(timer);
    await db.close();
  }
}
