// What leaves the server when something goes wrong, and what it writes down: unexpected errors
// reach the client as a generic message with an error id, the log line with that id holds the
// cause and the request id, and no log line holds a password, a token or an email address.
import { Writable } from "node:stream";
import { createLogger } from "../../src/common/logger";
import { flavour } from "../helpers/database";
import { startTestServer, type TestServer } from "../helpers/server";
import { PASSWORD, signUp } from "../helpers/world";

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ config: { env: "production", enableExplorer: false }, log: createLogger("info", sink) });
});
afterAll(() => t?.close());

describe("errors and logs", () => {
  it("an unexpected failure is masked with an error id; the log line with that id has the cause and the request id", async () => {
    // A real failure deep down: the table the directory reads from is gone for a moment.
    await t.db.withSession((s) => s.exec(`ALTER TABLE "Timebank" RENAME TO "TimebankAway"`));
    let res;
    try {
      res = await t.client.request(`{ timebanks { slug } }`);
    } finally {
      await t.db.withSession((s) => s.exec(`ALTER TABLE "TimebankAway" RENAME TO "Timebank"`));
    }
    const error = res.errors![0];
    expect(error.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(error.message).toMatch(/^Internal server error \(error id [0-9a-f-]{36}\)$/);
    expect(Object.keys(error.extensions!).sort()).toEqual(["code", "errorId"]); // no stack, no cause
    const errorId = error.extensions?.errorId;
    const logged = lines.filter((l) => l.errorId === errorId);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toMatch(/Timebank/); // the cause, for the operator
    expect(logged[0].reqId).toEqual(expect.any(String));
    // The request's own log line carries the same request id.
    expect(lines.some((l) => l.msg === "graphql request" && l.reqId === logged[0].reqId)).toBe(true);
  });

  it("every request's log lines carry its request id, and none holds a password, a token or an email", async () => {
    const from = lines.length;
    const email = "log.check.person@example.org";
    const person = await signUp(t, "Log Check", email);
    await person.client.ok(`{ me { id } }`);
    await t.client.request(`mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { __typename } }`, {
      e: email,
      p: `${PASSWORD}-wrong`,
    });
    const ours = lines.slice(from);
    expect(ours.filter((l) => l.msg === "graphql request")).toHaveLength(3);
    for (const line of ours) {
      expect(line.reqId).toEqual(expect.any(String));
      const text = JSON.stringify(line);
      for (const secret of [PASSWORD, person.token, email, "log.check.person"]) expect(text).not.toContain(secret);
    }
  });

  it("PostgreSQL connections carry a statement timeout and an idle-in-transaction timeout", async () => {
    if (flavour() !== "postgres") return; // PGlite is in-process: no idle sessions, no runaway clients
    const [row] = await t.db.prisma.$queryRaw<
      { st: string; idle: string }[]
    >`SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle`;
    expect(row).toEqual({ st: "15s", idle: "30s" });
    await expect(t.db.prisma.$queryRaw`SELECT pg_sleep(16)`).rejects.toThrow(/statement timeout/);
  }, 30_000);
});
