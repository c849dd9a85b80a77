// Prints the GraphQL schema to schema/schema.graphql (run by `npm run build` and `npm run schema:print`).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { printSchemaFile } from "../src/print-schema";

async function main() {
  const file = path.resolve(__dirname, "../../schema/schema.graphql").replace(`${path.sep}dist${path.sep}schema`, `${path.sep}schema`);
  const target = __dirname.includes(`${path.sep}dist${path.sep}`) ? file : path.resolve(__dirname, "../schema/schema.graphql");
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, await printSchemaFile());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
