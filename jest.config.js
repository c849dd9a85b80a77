// Three suites: pure-logic unit tests next to the code, the end-to-end suite on PGlite (always),
// and the same end-to-end suite on PostgreSQL when TEST_DATABASE_URL is set (CI sets it).
const transform = {
  "^.+\\.(t|j)sx?$": [
    "@swc/jest",
    {
      jsc: {
        parser: { syntax: "typescript", decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: "es2022",
      },
      module: { type: "commonjs" },
    },
  ],
};
// The schema engine's WASM bindings ship as an ES module only: let swc turn them into CommonJS.
const common = {
  transform,
  transformIgnorePatterns: ["/node_modules/(?!@prisma/schema-engine-wasm/)"],
  setupFiles: ["reflect-metadata"],
  testEnvironment: "node",
  moduleFileExtensions: ["ts", "js", "json"],
};

const projects = [
  { ...common, displayName: "unit", testMatch: ["<rootDir>/src/**/*.spec.ts"] },
  {
    ...common,
    displayName: "pglite",
    testMatch: ["<rootDir>/tests/**/*.test.ts"],
    setupFiles: ["reflect-metadata", "<rootDir>/tests/helpers/flavour-pglite.ts"],
  },
];

if (process.env.TEST_DATABASE_URL) {
  projects.push({
    ...common,
    displayName: "postgres",
    // tests/platform checks files and tools, not the database: once (on PGlite) is enough.
    testMatch: ["<rootDir>/tests/e2e/**/*.test.ts"],
    setupFiles: ["reflect-metadata", "<rootDir>/tests/helpers/flavour-postgres.ts"],
  });
} else if (!process.env.JEST_WORKER_ID) {
  console.log("PostgreSQL suite skipped: TEST_DATABASE_URL is not set (the PGlite suite covers the same tests; .ci/run sets it).");
}

/** @type {import('jest').Config} */
module.exports = { projects, maxWorkers: 2, testTimeout: 120_000 };
