// Each protection of the server, with a test that fails without it.
import { auditServer } from "graphql-http";
import { GraphQLClient } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, PASSWORD, type Actor } from "../helpers/world";

let t: TestServer;
let member: Actor;
let memberId: string;

beforeAll(async () => {
  t = await startTestServer({
    config: {
      limits: {
        maxDepth: 6,
        maxAliases: 5,
        maxSpreads: 300,
        maxSelections: 2000,
        maxDirectives: 50,
        maxTokens: 400,
        maxCost: 600,
        bodyLimitBytes: 64 * 1024,
        executionTimeoutMs: 15_000,
      },
      rateLimits: { loginPerMinute: 1000, mutationsPerMinute: 1000 },
    },
  });
  const admin = await platformAdmin(t);
  const coordinator = await signUp(t, "Coordinator");
  await createBank(t, admin, "aarhus", coordinator);
  member = await signUp(t, "Member");
  memberId = await join(member, coordinator, "aarhus");
});
afterAll(() => t.close());

describe("query limits", () => {
  it("refuses deeply nested queries without saying what the limit is", async () => {
    const deep = `query($id: ID!) { member(id: $id) { approvedBy { approvedBy { approvedBy { approvedBy { approvedBy { approvedBy { id } } } } } } } }`;
    const res = await member.client.request(deep, { id: memberId });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: "QUERY_TOO_COMPLEX" } });
    expect(res.errors?.[0].message).not.toMatch(/\d/);
    const ok = await member.client.request(`query($id: ID!) { member(id: $id) { approvedBy { approvedBy { id } } } }`, { id: memberId });
    expect(ok.errors).toBeUndefined();
  });

  it("refuses too many aliases, and 1,000 aliases stop at the token limit", async () => {
    const six = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: timebanks { slug }`).join(" ")} }`;
    expect((await t.client.request(six)).errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
    const thousand = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    const res = await t.client.request(thousand);
    expect(res.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(res.errors?.[0].message).toMatch(/tokens/);
  });

  it("refuses queries whose lists multiply beyond the cost budget", async () => {
    const big = `{ members(timebank: "aarhus", first: 100) { nodes { id skills { label category { name } } } } }`;
    expect((await member.client.request(big)).errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
    const small = `{ members(timebank: "aarhus", first: 5) { nodes { id skills { label category { name } } } } }`;
    expect((await member.client.request(small)).errors).toBeUndefined();
  });

  it("refuses a request body over the size limit with a GraphQL-shaped 413", async () => {
    const res = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ timebanks { slug } }`, variables: { pad: "x".repeat(70_000) } }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ errors: [{ message: "request body too large", extensions: { code: "BAD_REQUEST" } }] });
  });

  it("stays responsive for normal queries while abusive ones are refused", async () => {
    const normal = async () => {
      const started = Date.now();
      const res = await member.client.request(`{ members(timebank: "aarhus") { totalCount } }`);
      expect(res.errors).toBeUndefined();
      return Date.now() - started;
    };
    const baseline = [await normal(), await normal(), await normal()].sort((a, b) => a - b)[1];
    const deep = `{ timebanks { categories { id } } ${Array.from({ length: 40 }, (_, i) => `x${i}: __typename`).join(" ")} }`;
    const abuse = Array.from({ length: 200 }, () => t.client.request(deep));
    const during = await normal();
    const results = await Promise.all(abuse);
    expect(results.every((r) => r.errors?.[0].extensions?.code === "QUERY_TOO_COMPLEX")).toBe(true);
    // Answered, and well within the execution deadline, even on a loaded 2-core CI machine.
    expect(during).toBeLessThan(Math.max(15_000 / 2, baseline * 50));
  });
});

describe("rate limits", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ config: { rateLimits: { loginPerMinute: 3, mutationsPerMinute: 6 } } });
  });
  afterAll(() => limited.close());

  const LOG_IN = `mutation($e: String!, $p: String!) { logIn(input: { email: $e, password: $p }) { __typename } }`;

  it("logIn attempts per address are limited, with HTTP 429 and Retry-After", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await limited.client.request(LOG_IN, { e: `guess${i}@example.org`, p: "wrong-password" });
      expect(r.data?.logIn.__typename).toBe("InvalidCredentials");
    }
    const res = await fetch(limited.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: LOG_IN, variables: { e: "guess@example.org", p: "x" } }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await res.json()) as { errors: { extensions: unknown }[] };
    expect(body.errors[0].extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
  });

  it("aliased logIn attempts in one request count one by one", async () => {
    const other = await startTestServer({ config: { rateLimits: { loginPerMinute: 3, mutationsPerMinute: 100 } } });
    try {
      const batch = `mutation { ${Array.from({ length: 4 }, (_, i) => `a${i}: logIn(input: { email: "v@example.org", password: "guess-${i}-xxxxx" }) { __typename }`).join(" ")} }`;
      const res = await other.client.request(batch);
      expect(res.errors?.[0].extensions?.code).toBe("RATE_LIMITED");
      expect(res.data).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it("mutations per person are limited", async () => {
    const other = await startTestServer({ config: { rateLimits: { loginPerMinute: 100, mutationsPerMinute: 3 } } });
    try {
      const p = await signUp(other, "Busy"); // one mutation from this address
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await p.client.request(`mutation { applyToTimebank(timebank: "nowhere") { __typename } }`));
      expect(results.slice(0, 3).map((r) => r.errors?.[0].extensions?.code)).toEqual(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]);
      expect(results[3].errors?.[0].extensions?.code).toBe("RATE_LIMITED");
      // Queries are not mutations: still answered.
      expect((await p.client.request(`{ me { id } }`)).errors).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it("the per-email budget holds even from many addresses", async () => {
    const other = await startTestServer({ config: { rateLimits: { loginPerMinute: 2, mutationsPerMinute: 100 }, trustProxy: true } });
    try {
      await signUp(other, "Target", "target@example.org").catch(() => undefined);
      const codes = [];
      for (let i = 0; i < 3; i++) {
        const r = await other.client.request(
          LOG_IN,
          { e: "target@example.org", p: PASSWORD + i },
          { "x-forwarded-for": `10.0.0.${i + 10}` },
        );
        codes.push(r.errors?.[0].extensions?.code ?? r.data?.logIn.__typename);
      }
      expect(codes).toEqual(["InvalidCredentials", "InvalidCredentials", "RATE_LIMITED"]);
    } finally {
      await other.close();
    }
  });
});

describe("production mode", () => {
  let prod: TestServer;
  beforeAll(async () => {
    prod = await startTestServer({ config: { env: "production", enableExplorer: false } });
  });
  afterAll(() => prod.close());

  it("turns introspection and field suggestions off and sends secure headers", async () => {
    const intro = await prod.client.request(`{ __schema { types { name } } }`);
    expect(intro.errors?.[0].message).toMatch(/introspection/i);
    const typo = await prod.client.request(`{ timebankz { slug } }`);
    expect(typo.errors?.[0].message).not.toMatch(/did you mean/i);
    const res = await fetch(prod.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ timebanks { slug } }" }),
    });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("strict-transport-security")).toContain("max-age");
    expect(res.headers.get("x-powered-by")).toBeNull();
    // The landing page is off.
    const page = await fetch(prod.url, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toMatch(/<html|<script/i);
  });

  it("development suggests field names; production does not", async () => {
    const dev = await t.client.request(`{ timebankz { slug } }`);
    expect(dev.errors?.[0].message).toMatch(/did you mean/i);
  });

  it("blocks simple cross-site GET requests (CSRF prevention)", async () => {
    const res = await fetch(`${prod.url}?query=${encodeURIComponent("{ timebanks { slug } }")}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });

  it("answers a request that overruns the execution deadline with TIMEOUT, not a hang or a crash", async () => {
    const slow = await startTestServer({
      config: {
        limits: {
          maxDepth: 12,
          maxAliases: 30,
          maxSpreads: 300,
          maxSelections: 2000,
          maxDirectives: 50,
          maxTokens: 5000,
          maxCost: 20000,
          bodyLimitBytes: 100_000,
          executionTimeoutMs: 5,
        },
      },
    });
    try {
      // Checking a password takes tens of milliseconds of scrypt: longer than this deadline.
      const res = await slow.client.request(
        `mutation { logIn(input: { email: "someone@example.org", password: "a password to hash" }) { __typename } }`,
      );
      expect(res.status).toBe(503);
      expect(res.errors?.[0].extensions?.code).toBe("TIMEOUT");
      // The server is still there.
      expect((await fetch(slow.url.replace("/graphql", "/healthz"))).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});

describe("GraphQL over HTTP", () => {
  it("passes every MUST and SHOULD audit of graphql-http", async () => {
    const results = await auditServer({ url: t.url });
    const failures = results
      .filter((r) => r.status !== "ok" && r.status !== "notice")
      .map((r) => `${r.id} ${r.name}: ${"reason" in r ? r.reason : ""}`);
    expect(failures).toEqual([]);
  });

  it("keeps 400 for parse errors when the client accepts application/graphql-response+json", async () => {
    const res = await new GraphQLClient(t.url).request(`{ timebanks {`);
    expect(res.status).toBe(400);
    const json = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: "{ timebanks {" }),
    });
    expect(json.status).toBe(200);
    expect(((await json.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
  });
});
