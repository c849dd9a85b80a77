// Preloaded (`node -r bench/pg-count.cjs`) into both servers of `npm run bench:read`: counts every
// statement sent through node-postgres (`Client.prototype.query`, which Prisma's adapter-pg and
// PostGraphile's pg adaptor both use) and serves the running total as plain text on
// 127.0.0.1:$BENCH_COUNT_PORT, so the harness can divide statements by requests.
// pg_stat_statements would do the same inside PostgreSQL, but it needs shared_preload_libraries
// and a server restart; this counts at the wire, in the same way for both servers.
"use strict";
const http = require("node:http");
const pg = require(require.resolve("pg", { paths: [process.cwd()] }));
let count = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  count++;
  return query.apply(this, args);
};
const port = Number(process.env.BENCH_COUNT_PORT);
if (port) {
  http
    .createServer((_req, res) => res.end(String(count)))
    .listen(port, "127.0.0.1")
    .unref();
}
