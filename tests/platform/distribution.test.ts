// Citus on paper, checked: docs/operations.md names where every table would live when PostgreSQL
// is distributed by bank, and this test holds the migrated schema to what Citus requires of
// that plan (https://docs.citusdata.com: a distributed table's primary and unique keys contain
// the distribution column; foreign keys between distributed tables include it on both sides;
// reference tables may not point at distributed ones).
import { readFileSync } from "node:fs";
import path from "node:path";
import { openPglite, type Database } from "../../src/db/database";
import { migrate } from "../../src/db/migrations";

type Placement = "distributed" | "reference" | "local";
const DOC = path.resolve(__dirname, "../../docs/operations.md");
const COLUMN = "timebankId";

/** The rows of the table under the "Distribution by bank" heading: `| Table | placement | why |`. */
function documentedPlacement(): Map<string, Placement> {
  const text = readFileSync(DOC, "utf8");
  const start = text.indexOf("## Distribution by bank");
  if (start < 0) throw new Error("docs/operations.md has no 'Distribution by bank' section");
  const section = text.slice(start).split(/\n## /)[0];
  const placements = new Map<string, Placement>();
  for (const line of section.split("\n")) {
    const m = /^\|\s*`([A-Za-z_]+)`\s*\|\s*(distributed|reference|local)\s*\|/.exec(line);
    if (m) {
      if (placements.has(m[1])) throw new Error(`${m[1]} is listed twice in docs/operations.md`);
      placements.set(m[1], m[2] as Placement);
    }
  }
  return placements;
}

let db: Database;
const q = <T>(sql: string) => db.withSession((s) => s.query<T>(sql));

beforeAll(async () => {
  db = await openPglite({ dataDir: null });
  await db.withSession((s) => migrate(s, () => {}));
}, 120_000);
afterAll(() => db.close());

const tables = () =>
  q<{ name: string; hasBankColumn: boolean }>(
    `SELECT c.relname AS name, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = '${COLUMN}' AND NOT a.attisdropped) AS "hasBankColumn"
   FROM pg_class c WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace ORDER BY 1`,
  );

describe("distribution by bank (Citus), as docs/operations.md plans it", () => {
  it("places every table, and only distributes tables that carry the bank's id", async () => {
    const plan = documentedPlacement();
    const actual = await tables();
    const unplaced = actual.filter((t) => !plan.has(t.name)).map((t) => t.name);
    const gone = [...plan.keys()].filter((name) => !actual.some((t) => t.name === name));
    expect({ unplaced, gone }).toEqual({ unplaced: [], gone: [] });
    const wrong = actual
      .filter((t) => (plan.get(t.name) === "distributed") !== t.hasBankColumn)
      .map((t) => `${t.name} (${plan.get(t.name)})`);
    expect(wrong).toEqual([]);
  });

  it("gives every distributed table the bank's id in its primary key and in every unique key", async () => {
    const plan = documentedPlacement();
    const keys = await q<{ table: string; index: string; columns: string[] | null; definition: string }>(
      `SELECT t.relname AS "table", ic.relname AS "index", pg_get_indexdef(i.indexrelid) AS definition,
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
       WHERE i.indisunique AND t.relnamespace = 'public'::regnamespace`,
    );
    const withoutPk = (await tables())
      .filter((t) => plan.get(t.name) === "distributed")
      .map((t) => t.name)
      .filter((name) => !keys.some((k) => k.table === name && k.index.endsWith("_pkey")));
    expect(withoutPk).toEqual([]);
    const offending = keys
      .filter((k) => plan.get(k.table) === "distributed")
      .filter((k) => !(k.columns ?? []).includes(COLUMN) && !k.definition.includes(`"${COLUMN}"`))
      .map((k) => `${k.table}.${k.index}`);
    expect(offending).toEqual([]);
  });

  it("joins distributed tables on the bank's id, and never points a reference table at a distributed one", async () => {
    const plan = documentedPlacement();
    const fks = await q<{ name: string; from: string; to: string; columns: string[]; referenced: string[] }>(
      `SELECT con.conname AS name, f.relname AS "from", r.relname AS "to",
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(n, ord) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n) AS columns,
              (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(n, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n) AS referenced
       FROM pg_constraint con JOIN pg_class f ON f.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
       WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace`,
    );
    expect(fks.length).toBeGreaterThan(20);
    const bad: string[] = [];
    for (const fk of fks) {
      const from = plan.get(fk.from);
      const to = plan.get(fk.to);
      if (from === "distributed" && to === "distributed") {
        const i = fk.columns.indexOf(COLUMN);
        if (i < 0 || fk.referenced[i] !== COLUMN) bad.push(`${fk.from} -> ${fk.to} (${fk.name}): not on ${COLUMN}`);
      }
      if (from === "reference" && to === "distributed")
        bad.push(`${fk.from} -> ${fk.to} (${fk.name}): a reference table cannot point at a distributed one`);
      if (from === "local" && to !== "local") bad.push(`${fk.from} -> ${fk.to} (${fk.name}): a local table cannot point at a shared one`);
    }
    expect(bad).toEqual([]);
  });
});
