// The committed SDL and the migrations must match the code: drift fails the build.
import { readFileSync } from "node:fs";
import path from "node:path";
import { printSchemaFile } from "../../src/print-schema";
import { diffMigrationsToSchema } from "../../scripts/lib/schema-engine";

describe("schema drift", () => {
  it("schema/schema.graphql is what the resolvers print (run `npm run schema:print`)", async () => {
    const committed = readFileSync(path.resolve(__dirname, "../../schema/schema.graphql"), "utf8");
    expect(committed).toBe(await printSchemaFile());
  });

  it("prisma/schema.prisma and prisma/migrations agree (run `npm run migrate:create -- <name>`)", async () => {
    expect(await diffMigrationsToSchema()).toBeNull();
  });
});
