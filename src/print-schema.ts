import { lexicographicSortSchema, printSchema } from "graphql";
import { getSchema } from "./schema";

/** The SDL committed in schema/schema.graphql: sorted, so diffs show real changes only. */
export async function printSchemaFile(): Promise<string> {
  const header =
    "# Printed from the type-graphql resolvers by `npm run schema:print` (also run by `npm run build`).\n# Do not edit: a test fails when this file differs from what the code prints.\n\n";
  return header + printSchema(lexicographicSortSchema(await getSchema())) + "\n";
}
