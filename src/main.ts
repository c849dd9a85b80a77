// Bootstrap: load config -> open database -> migrate -> seed -> build schema -> listen.
import "reflect-metadata";
import v8 from "node:v8";
import { ConfigError, loadConfig } from "./config";
import { createApp } from "./app";
import { DatabaseLockedError } from "./db/database";
import { MigrationError } from "./db/migrations";
import { getSchema } from "./schema";
import { startServer } from "./server";
import { startWatchdog } from "./watchdog";
import { DEMO_PASSWORD, DEMO_LOGINS } from "./seed/demo";

async function main() {
  const config = loadConfig();
  // WASM_BASELINE_ONLY: on PostgreSQL the only WebAssembly the server runs is Prisma's query
  // compiler (3.4 MB). V8's optimising tier for it holds ~66 MB of machine code (idle RSS 240 ->
  // 172 MB without it), but without it each new query shape compiles slower: bench:ledger's first
  // round fell to half its rate (bench/README.md), so it is off by default. PGlite, itself
  // WebAssembly doing all the SQL work, always keeps the optimising tier. Set before the first
  // module is compiled (createApp).
  if (config.databaseUrl && config.wasmBaselineOnly) v8.setFlagsFromString("--liftoff-only");
  const app = await createApp(config);
  const server = await startServer(app, await getSchema());
  // From here on no request may hold the event loop longer than WATCHDOG_STALL_MS (start-up,
  // migrations and seeding above may).
  startWatchdog(config.watchdogStallMs);
  const lines = [`Timebank federation server listening on ${server.url}`, `database: ${app.database.description}`];
  if (config.enableExplorer) lines.push(`open ${server.url} in a browser to explore the API`);
  if (config.seedDemoData) {
    lines.push(`demo logins (password "${DEMO_PASSWORD}"):`);
    for (const d of DEMO_LOGINS) lines.push(`  ${d.email.padEnd(34)} ${d.what}`);
    lines.push(
      `log in with: mutation { logIn(input: {email: "${DEMO_LOGINS[0].email}", password: "${DEMO_PASSWORD}"}) { ... on AuthPayload { token } } }`,
    );
  }
  console.log(lines.join("\n"));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down");
    // A stop that cannot finish in time (a request that keeps the drain waiting) ends anyway; a
    // request holding the event loop is ended by the watchdog.
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs);
    force.unref();
    await server.close();
    await app.database.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof DatabaseLockedError || err instanceof MigrationError) {
    console.error(`cannot start: ${err.message}`);
  } else if ((err as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
    console.error(`cannot start: port ${process.env.PORT ?? 4000} is already in use (set PORT to another one)`);
  } else if ((err as NodeJS.ErrnoException)?.code === "ECONNREFUSED") {
    console.error(`cannot start: PostgreSQL refused the connection (is it running? check DATABASE_URL)`);
  } else {
    console.error("cannot start:", err);
  }
  process.exit(1);
});
