// The event-loop watchdog: a process whose event loop has not turned for WATCHDOG_STALL_MS is
// ended, so that no single request (a hostile document the limits missed, a query the embedded
// database runs synchronously for minutes) can hold the server, and a SIGTERM that arrives while
// the loop is held still ends the process within the stop grace period.
//
// Why a thread: while JavaScript runs on the main thread nothing else there can run, not a timer
// and not a signal handler (Node delivers SIGTERM to `process.on` only when the loop turns). A
// worker thread has its own loop. The main thread writes the time of its last turn into shared
// memory every BEAT_MS; the worker reads it, and when it is older than the stall limit it writes
// one line to stderr and kills the process with SIGKILL (what a supervisor would do; PostgreSQL
// rolls back the open transactions, the outbox publishes what committed, and PGlite's data
// directory recovers as after a crash). Exit by signal: the supervisor restarts the process.
import { Worker } from "node:worker_threads";

const BEAT_MS = 100;

// Runs in the worker: plain JavaScript (no TypeScript, no imports from the project).
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const beat = new Float64Array(workerData.shared);
const { stallMs, checkMs } = workerData;
setInterval(() => {
  const held = Date.now() - beat[0];
  if (beat[0] > 0 && held > stallMs) {
    writeSync(2, JSON.stringify({ level: "fatal", time: Date.now(), msg: "event loop held for " + held + " ms (limit " + stallMs + " ms): ending the process" }) + "\\n");
    process.kill(process.pid, "SIGKILL");
  }
}, checkMs);
`;

export interface Watchdog {
  stop(): Promise<void>;
}

/** Starts watching this process's event loop; `stallMs` 0 watches nothing. */
export function startWatchdog(stallMs: number): Watchdog {
  if (stallMs <= 0) return { stop: async () => {} };
  const shared = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
  const beat = new Float64Array(shared);
  beat[0] = Date.now();
  const beater = setInterval(() => (beat[0] = Date.now()), BEAT_MS);
  beater.unref();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { shared, stallMs, checkMs: Math.min(BEAT_MS, Math.max(10, stallMs / 10)) },
  });
  worker.unref();
  return {
    async stop() {
      clearInterval(beater);
      await worker.terminate();
    },
  };
}
