// Prints the GraphQL schema to schema/schema.graphql (run by `npm run build` and `npm run schema:print`).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "../src/common/paths";
import { printSchemaFile } from "../src/print-schema";

async function main() {
  const target = path.join(PROJECT_ROOT, "schema", "schema.graphql");
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, await printSchemaFile());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
