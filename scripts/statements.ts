// npm run statements -- --bank <slug> --month 2026-10 [--out <folder>]
// Writes one CSV and one printable HTML statement per member of the bank for the month (in
// the bank's time zone) to the folder (default statements/<slug>-<month>). Uses DATABASE_URL
// or the embedded database in DATA_DIR, like the server.
import "reflect-metadata";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { writeBankStatements } from "../src/modules/ledger/ledger.statements";

async function main() {
  const { values } = parseArgs({ options: { bank: { type: "string" }, month: { type: "string" }, out: { type: "string" } } });
  if (!values.bank || !values.month) {
    console.error("usage: npm run statements -- --bank <slug> --month 2026-10 [--out <folder>]");
    process.exit(2);
  }
  const out = path.resolve(values.out ?? path.join("statements", `${values.bank}-${values.month}`));
  const db = await openDatabase(loadConfig());
  try {
    const files = await writeBankStatements(db.prisma, values.bank, values.month, out);
    console.log(`wrote ${files.length / 2} statements (CSV and HTML) to ${path.relative(process.cwd(), out) || "."}`);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
