// /metrics in Prometheus format: an operator sees operations, latency, errors by code, open
// subscriptions and the outbox's lag, and nobody else reads it when METRICS_TOKEN is set.
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestServer;
const TOKEN = "metrics-token-for-tests-0123456789";
const base = () => t.url.replace(/\/graphql$/, "");

beforeAll(async () => {
  t = await startTestServer({ config: { metricsToken: TOKEN } });
});
afterAll(() => t.close());

/** The value of the sample of `name` whose labels include `labels` (in any order), or null. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${base()}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  return res.text();
}

it("refuses a scrape without the token, and with a wrong one", async () => {
  expect((await fetch(`${base()}/metrics`)).status).toBe(401);
  expect((await fetch(`${base()}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
});

it("counts operations by name and outcome, errors by code, and times them", async () => {
  // Three successful queries named BankList, and two refused: an id that is not one, anonymously.
  for (let i = 0; i < 3; i++) await t.client.ok(`query BankList { timebanks { slug } }`);
  const codes: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    const bad = await t.client.request(`query OneMember { member(id: "not-a-uuid") { id } }`);
    codes.push(...(bad.errors ?? []).map((e) => e.extensions?.code));
  }
  expect(codes).toHaveLength(2);
  const text = await scrape();
  expect(sample(text, "graphql_operations_total", { operation: "BankList", type: "query", outcome: "ok" })).toBe(3);
  expect(sample(text, "graphql_operation_duration_seconds_count", { operation: "BankList", type: "query" })).toBe(3);
  expect(sample(text, "graphql_operations_total", { operation: "OneMember", type: "query", outcome: "error" })).toBe(2);
  for (const code of new Set(codes)) {
    const expected = codes.filter((c) => c === code).length;
    expect({ code, count: sample(text, "graphql_errors_total", { code: String(code) }) }).toEqual({ code, count: expected });
  }
  expect(sample(text, "subscriptions_open")).toBe(0);
  expect(sample(text, "outbox_lag_seconds")).toBeGreaterThanOrEqual(0);
  expect(text).toContain("process_resident_memory_bytes");
});
