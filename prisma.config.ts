// Configuration for the Prisma CLI. The CLI is used only to generate the client
// (`npm run generate`); migrations are created and applied by our own scripts
// because the native schema engine cannot be downloaded offline (see README).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
