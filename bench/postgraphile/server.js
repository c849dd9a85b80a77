// PostGraphile v5 (Amber preset) over the benchmark database, as `npm run bench:read` starts it
// beside our server: no auth, no RLS, no JWT (PostGraphile connects as the database owner),
// production mode, the same pool size. Run with this folder's Node 22.
"use strict";
const http = require("node:http");
const { postgraphile } = require("postgraphile");
const { PostGraphileAmberPreset } = require("postgraphile/presets/amber");
const { makePgService } = require("postgraphile/adaptors/pg");
const { grafserv } = require("postgraphile/grafserv/node");

const port = Number(process.env.PORT);
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: Number(process.env.DATABASE_POOL_SIZE ?? 10) },
    }),
  ],
  grafserv: { graphiql: false, watch: false, maxRequestLength: 100000 },
  grafast: { explain: false },
};

async function main() {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  await serv.addTo(server, false);
  server.listen(port, "127.0.0.1", () => console.log(`postgraphile listening on ${port}`));
  const stop = () => server.close(() => Promise.resolve(pgl.release()).finally(() => process.exit(0)));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
