// The operation limits against what an attacker would send (issue 18, item 1): documents that
// are small but expand to millions of selections, aliases times spreads, piles of directives, and
// variables that are huge or deep. Each is refused with a code, anonymously, over HTTP and over
// WebSocket, and the server keeps answering. How fast they are refused is measured by
// `npm run bench:limits` (bench/query-limits.ts), not here.
import { connect } from "../helpers/subscriptions";
import { BAD_INPUT, nestedFragments, TOO_COMPLEX } from "../helpers/hostile-documents";
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

describe("over HTTP, anonymously", () => {
  it.each(TOO_COMPLEX.map((d) => [d.name, d] as const))("refuses %s as QUERY_TOO_COMPLEX", async (_name, d) => {
    const res = await t.client.request(d.query, d.variables);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
    // The limits are not told to clients.
    expect(res.errors?.[0].message).not.toMatch(/\d/);
  });

  it.each(BAD_INPUT.map((d) => [d.name, d] as const))("refuses %s as BAD_USER_INPUT", async (_name, d) => {
    const res = await t.client.request(d.query, d.variables);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps the refusal when the same document comes again (Apollo's document cache)", async () => {
    for (let i = 0; i < 3; i++)
      expect((await t.client.request(nestedFragments(9, 10))).errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("still runs the same fragments when they expand to little", async () => {
    const res = await t.client.request(nestedFragments(3, 3));
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ timebanks: [] });
  });

  it("keeps /healthz and ordinary queries answering while hostile documents arrive", async () => {
    const hostile = Array.from({ length: 40 }, (_, i) => t.client.request(TOO_COMPLEX[i % TOO_COMPLEX.length].query));
    const health = await fetch(t.url.replace("/graphql", "/healthz"));
    expect(health.status).toBe(200);
    expect((await t.client.request(`{ timebanks { slug } }`)).errors).toBeUndefined();
    for (const res of await Promise.all(hostile)) expect(res.errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("refuses a heavy operation that is not the one asked for (validation would read it too)", async () => {
    const query = `query Light { timebanks { slug } }\n${nestedFragments(9, 10).replace("{ timebanks", "query Heavy { timebanks")}`;
    const res = await fetch(t.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, operationName: "Light" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("QUERY_TOO_COMPLEX");
  });
});

describe("over WebSocket", () => {
  /** The first answer to one operation over a fresh anonymous connection: its error codes, or "data". */
  async function answer(query: string, variables?: Record<string, unknown>): Promise<string[]> {
    const conn = connect(t.url);
    try {
      return await new Promise<string[]>((resolve) => {
        conn.client.subscribe(
          { query, variables },
          {
            next: (r) => resolve(r.errors ? r.errors.map((e) => String(e.extensions?.code)) : ["data"]),
            error: (err) =>
              resolve(
                Array.isArray(err)
                  ? err.map((e: { extensions?: { code?: string } }) => String(e.extensions?.code))
                  : [`closed ${String((err as { code?: number }).code)}`],
              ),
            complete: () => resolve(["complete"]),
          },
        );
      });
    } finally {
      await conn.dispose();
    }
  }

  it("refuses the nested fragments and their variants with QUERY_TOO_COMPLEX", async () => {
    for (const d of TOO_COMPLEX.slice(0, 6)) expect(await answer(d.query)).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("refuses a document past the token limit, as HTTP does", async () => {
    const query = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    expect(await answer(query)).toEqual(["GRAPHQL_PARSE_FAILED"]);
  });

  it("still answers an ordinary query", async () => {
    expect(await answer(`{ timebanks { slug } }`)).toEqual(["data"]);
  });
});
