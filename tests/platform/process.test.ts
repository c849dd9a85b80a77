// `npm start` as a user runs it: a real process on an empty data directory, a second one
// refused, and a graceful stop on SIGTERM that lets an in-flight request finish.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

function startProcess(dataDir: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["-r", "@swc-node/register", "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(pred: () => boolean, ms: number, what: () => string) {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the server process", () => {
  it("starts on an empty data directory with demo data, refuses a second process, and stops gracefully on SIGTERM", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "timebank-process-"));
    const first = startProcess(dir);
    try {
      await waitFor(
        () => /listening on (http:\S+)/.test(first.output()),
        90_000,
        () => `the server to listen: ${first.output()}`,
      );
      const url = /listening on (http:\S+)/.exec(first.output())![1].replace("localhost", "127.0.0.1");
      expect(first.output()).toMatch(/embedded PGlite/);
      expect(first.output()).toMatch(/timebank-demo/);

      const second = startProcess(dir);
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/in use by another server \(pid \d+\)/);

      // A request in flight (a password check takes a while) when SIGTERM arrives still completes.
      // First one answered request: fetch loads its HTTP client on first use and opens a
      // connection, which under load took longer than the 30 ms below, so SIGTERM came before the
      // request had even reached the server.
      await (await fetch(url.replace(/\/graphql$/, "/healthz"))).text();
      const inFlight = fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation { logIn(input: { email: "maja@aarhus.example", password: "timebank-demo" }) { __typename } }`,
        }),
      });
      await new Promise((r) => setTimeout(r, 30)); // received, and still checking the password
      first.child.kill("SIGTERM");
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: { logIn: { __typename: string } } }).data.logIn.__typename).toBe("AuthPayload");
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
