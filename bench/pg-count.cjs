// Preloaded (`node -r bench/pg-count.cjs`) into both servers of `npm run bench:read`: counts every
// statement sent through node-postgres (`Client.prototype.query`, which Prisma's adapter-pg and
// PostGraphile's pg adaptor both use) and serves the running total as plain text on
// 127.0.0.1:$BENCH_COUNT_PORT, so the harness can divide statements by requests.
// pg_stat_statements would do the same inside PostgreSQL, but it needs shared_preload_libraries
// and a server restart; this counts at the wire, in the same way for both servers.
// GET /statements answers the counts by statement (its first 80 characters) as JSON, to see
// which statements a path sends: e.g. `node -r bench/pg-count.cjs dist/src/main.js`.
"use strict";
const http = require("node:http");
const pg = require(require.resolve("pg", { paths: [process.cwd()] }));
let count = 0;
const byText = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  count++;
  const first = args[0];
  const text = typeof first === "string" ? first : first && typeof first.text === "string" ? first.text : "(other)";
  const key = text.replace(/\s+/g, " ").trim().slice(0, 80);
  byText.set(key, (byText.get(key) ?? 0) + 1);
  return query.apply(this, args);
};
const port = Number(process.env.BENCH_COUNT_PORT);
if (port) {
  http
    .createServer((req, res) => {
      if (req.url === "/statements") res.end(JSON.stringify(Object.fromEntries([...byText].sort((a, b) => b[1] - a[1])), null, 1));
      else res.end(String(count));
    })
    .listen(port, "127.0.0.1")
    .unref();
}
