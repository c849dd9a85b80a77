// Three suites: pure-logic unit tests next to the code, the end-to-end suite on PGlite (always),
// and the same end-to-end suite on PostgreSQL when TEST_DATABASE_URL is set (CI sets it).
const transform = { "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { parser: { syntax: "typescript", decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: "es2022" }, module: { type: "commonjs" } }] };
const common = { transform, testEnvironment: "node", moduleFileExtensions: ["ts", "js", "json"] };

const projects = [
  { ...common, displayName: "unit", testMatch: ["<rootDir>/src/**/*.spec.ts"] },
  { ...common, displayName: "pglite", testMatch: ["<rootDir>/tests/**/*.test.ts"], setupFiles: ["<rootDir>/tests/helpers/flavour-pglite.ts"] },
];

if (process.env.TEST_DATABASE_URL) {
  projects.push({
    ...common,
    displayName: "postgres",
    testMatch: ["<rootDir>/tests/**/*.test.ts"],
    setupFiles: ["<rootDir>/tests/helpers/flavour-postgres.ts"],
  });
} else if (!process.env.JEST_WORKER_ID) {
  console.log("PostgreSQL suite skipped: TEST_DATABASE_URL is not set (the PGlite suite covers the same tests; .ci/run sets it).");
}

/** @type {import('jest').Config} */
module.exports = { projects, maxWorkers: 2, testTimeout: 120_000 };
