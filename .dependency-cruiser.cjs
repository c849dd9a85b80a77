// Dependencies point one way: common <- db <- context <- modules (docs/development.md).
// Only runtime imports count: `import type` is erased at compile time and may point upward.
module.exports = {
  forbidden: [
    { name: "no-circular", comment: "a runtime import cycle", severity: "error", from: {}, to: { circular: true } },
    {
      name: "common-is-the-bottom",
      comment: "src/common imports nothing of the server's own layers",
      severity: "error",
      from: { path: "^src/common/" },
      to: { path: "^src/(db|context|modules)/" },
    },
    {
      name: "db-below-context",
      comment: "src/db knows no request context and no module",
      severity: "error",
      from: { path: "^src/db/" },
      to: { path: "^src/(context|modules)/" },
    },
    {
      name: "context-below-modules",
      comment: "src/context builds requests; modules build on it, not the other way",
      severity: "error",
      from: { path: "^src/context/" },
      to: { path: "^src/modules/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "src/generated" },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
