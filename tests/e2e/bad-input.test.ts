// Every input a person or a program can get wrong gets a clear code and changes nothing.
import { gzipSync } from "node:zlib";
import { issueToken } from "../../src/modules/auth/token";
import { GraphQLClient } from "../helpers/client";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";
import { createBank, join, PASSWORD, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordinator: Actor;
let member: Actor;
let memberId: string;

/** A fingerprint of everything the foundation stores, to prove a rejected call changed nothing. */
async function snapshot() {
  const p = t.db.prisma;
  return JSON.stringify(
    await Promise.all([
      p.person.findMany({ orderBy: { id: "asc" } }),
      p.timebank.findMany({ orderBy: { id: "asc" } }),
      p.membership.findMany({ orderBy: { id: "asc" } }),
      p.memberProfile.findMany({ orderBy: { membershipId: "asc" } }),
      p.memberSkill.findMany({ orderBy: { id: "asc" } }),
    ]),
  );
}

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Coordinator");
  await createBank(t, admin, "aarhus", coordinator);
  member = await signUp(t, "Member", "member@example.org");
  memberId = await join(member, coordinator, "aarhus");
  for (let i = 0; i < 3; i++) await join(await signUp(t, `Filler ${i}`), coordinator, "aarhus");
});
afterAll(() => t.close());

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ... on ErrorResult { code message } } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { __typename ... on AuthPayload { token } ... on ErrorResult { code message } } }`;

describe("bad input", () => {
  it("malformed email → BAD_USER_INPUT naming the field", async () => {
    const before = await snapshot();
    for (const email of ["not-an-email", "a@b", "two@@example.org", " ", "x".repeat(300) + "@example.org"]) {
      const res = await t.client.request(SIGN_UP, { input: { email, password: PASSWORD, displayName: "X" } });
      expect(res.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "email" });
      expect(res.status).toBe(200);
    }
    expect(await snapshot()).toBe(before);
  });

  it("short password, empty name → BAD_USER_INPUT", async () => {
    const before = await snapshot();
    expect(await t.client.errorCode(SIGN_UP, { input: { email: "new@example.org", password: "short", displayName: "X" } })).toBe(
      "BAD_USER_INPUT",
    );
    expect(await t.client.errorCode(SIGN_UP, { input: { email: "new@example.org", password: PASSWORD, displayName: "   " } })).toBe(
      "BAD_USER_INPUT",
    );
    expect(await snapshot()).toBe(before);
  });

  it("duplicate email (in any case) → EMAIL_TAKEN result", async () => {
    const before = await snapshot();
    const res = await t.client.ok(SIGN_UP, { input: { email: "  MEMBER@Example.org ", password: PASSWORD, displayName: "Copy" } });
    expect(res.signUp).toMatchObject({ __typename: "EmailTaken", code: "EMAIL_TAKEN" });
    expect(await snapshot()).toBe(before);
  });

  it("wrong password or unknown email → INVALID_CREDENTIALS, the same answer for both", async () => {
    const wrong = await t.client.ok(LOG_IN, { input: { email: "member@example.org", password: "wrong password!" } });
    const unknown = await t.client.ok(LOG_IN, { input: { email: "nobody@example.org", password: PASSWORD } });
    expect(wrong.logIn).toEqual({
      __typename: "InvalidCredentials",
      code: "INVALID_CREDENTIALS",
      message: "the email or the password is wrong",
    });
    expect(unknown.logIn).toEqual(wrong.logIn);
    const right = await t.client.ok(LOG_IN, { input: { email: "Member@Example.org", password: PASSWORD } });
    expect(right.logIn.token).toEqual(expect.any(String));
  });

  it("expired, forged and malformed tokens → UNAUTHENTICATED with HTTP 401", async () => {
    const past = issueToken(member.personId, TEST_AUTH_SECRET, 60, new Date(Date.now() - 3600_000)).token;
    const forged = issueToken(member.personId, "another-secret".padEnd(40, "!"), 3600, new Date()).token;
    for (const token of [past, forged, "garbage", `${member.token}x`]) {
      const res = await new GraphQLClient(t.url, token).request(`{ me { id } }`);
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    }
    const res = await t.client.request(`{ timebanks { slug } }`, {}, { authorization: "Basic abc" });
    expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    // A token for a person who no longer exists.
    const ghost = issueToken("00000000-0000-4000-8000-000000000000", TEST_AUTH_SECRET, 3600, new Date()).token;
    expect((await new GraphQLClient(t.url, ghost).request(`{ me { id } }`)).errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("unknown bank slug → NOT_FOUND, and applying to it changes nothing", async () => {
    const before = await snapshot();
    expect(await member.client.errorCode(`{ timebank(slug: "atlantis") { id } }`)).toBe("NOT_FOUND");
    expect(await member.client.errorCode(`{ members(timebank: "atlantis") { totalCount } }`)).toBe("NOT_FOUND");
    expect(await member.client.errorCode(`mutation { applyToTimebank(timebank: "atlantis") { __typename } }`)).toBe("NOT_FOUND");
    expect(await member.client.errorCode(`mutation { applyToTimebank(timebank: "Robert'); DROP TABLE x;--") { __typename } }`)).toBe(
      "NOT_FOUND",
    );
    expect(await snapshot()).toBe(before);
  });

  it("page size over the limit, zero or negative → BAD_USER_INPUT", async () => {
    for (const first of [101, 0, -1, 100000]) {
      const res = await member.client.request(`query($first: Int) { members(timebank: "aarhus", first: $first) { totalCount } }`, {
        first,
      });
      expect(res.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "first" });
    }
    const max = await member.client.ok(`{ members(timebank: "aarhus", first: 100) { totalCount } }`);
    expect(max.members.totalCount).toBe(5);
  });

  it("invalid cursors → BAD_USER_INPUT; valid ones page through everybody exactly once", async () => {
    const bad = ["not a cursor", Buffer.from('["x"]').toString("base64url"), Buffer.from("{}").toString("base64url"), "WzFd".repeat(200)];
    for (const after of bad) {
      const res = await member.client.request(`query($after: String) { members(timebank: "aarhus", after: $after) { totalCount } }`, {
        after,
      });
      expect(res.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "after" });
    }
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await member.client.ok(
        `query($after: String) { members(timebank: "aarhus", first: 2, after: $after) { nodes { memberNumber } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      seen.push(...page.members.nodes.map((n: { memberNumber: number }) => n.memberNumber));
      if (!page.members.pageInfo.hasNextPage) break;
      after = page.members.pageInfo.endCursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("bad ids and profile values → BAD_USER_INPUT or NOT_FOUND, and nothing changes", async () => {
    const before = await snapshot();
    expect(await coordinator.client.errorCode(`mutation { approveMembership(memberId: "42") { __typename } }`)).toBe("BAD_USER_INPUT");
    expect(
      await coordinator.client.errorCode(`mutation { approveMembership(memberId: "6f1c2b1e-0000-4000-8000-000000000000") { __typename } }`),
    ).toBe("NOT_FOUND");
    const bad = [
      { availability: [{ weekday: 1, startMinute: 600, endMinute: 540 }] },
      { availability: [{ weekday: 9, startMinute: 0, endMinute: 60 }] },
      { skills: [{ label: "cooking", category: "no-such-category" }] },
      { skills: [{ label: "" }] },
      { languages: ["klingon"] },
      { contactEmail: "nope" },
      { contactPhone: "call me maybe" },
      { bio: "x".repeat(2001) },
      // A valid change together with an invalid one: neither is written.
      { bio: "new bio", needs: [{ label: "help", category: "nonsense" }] },
    ];
    for (const input of bad) {
      expect(
        await member.client.errorCode(
          `mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "aarhus", input: $input) { id } }`,
          { input },
        ),
      ).toBe("BAD_USER_INPUT");
    }
    expect(await member.client.errorCode(`{ members(timebank: "aarhus", filter: { category: "unknown" }) { totalCount } }`)).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      await member.client.errorCode(
        `mutation { pauseMembership(memberId: "${(await t.db.prisma.membership.findFirstOrThrow({ where: { personId: member.personId } })).id}", plannedReturnOn: "next week") { __typename } }`,
      ),
    ).toBe("BAD_USER_INPUT");
    expect(await snapshot()).toBe(before);
  });

  it("wrong types and unknown fields are validation errors, not server errors", async () => {
    const res = await member.client.request(`{ members(timebank: "aarhus", first: "ten") { totalCount } }`);
    expect(res.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const res2 = await member.client.request(`query($f: Int) { members(timebank: "aarhus", first: $f) { totalCount } }`, { f: "ten" });
    expect(res2.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const res3 = await member.client.request(`{ members(timebank: "aarhus") { secretField } }`);
    expect(res3.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    for (const r of [res, res2, res3]) expect(JSON.stringify(r)).not.toMatch(/at .*\.ts:\d+|stacktrace/);
  });

  it("compressed bodies are read; bodies the server cannot read get a coded 4xx", async () => {
    const post = (body: string | Uint8Array, headers: Record<string, string>) =>
      fetch(t.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const ok = await post(gzipSync(JSON.stringify({ query: "{ __typename }" })), { "content-encoding": "gzip" });
    expect(await ok.json()).toEqual({ data: { __typename: "Query" } });
    const cases: [string, Record<string, string>, number, string][] = [
      ["not gzip at all", { "content-encoding": "gzip" }, 400, "the request body could not be read"],
      ["{}", { "content-encoding": "compress" }, 415, 'unsupported content encoding "compress"'],
      [
        JSON.stringify({ query: "{ __typename }" }),
        { "content-type": "application/json; charset=latin1" },
        415,
        "unsupported charset: send UTF-8",
      ],
      ["42", {}, 400, "malformed JSON in request body"],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await post(body, headers);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
    }
  });

  it("malformed JSON gets a GraphQL-shaped 400, not a stack trace", async () => {
    const res = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: "malformed JSON in request body", extensions: { code: "BAD_REQUEST" } }] });
  });
});

// Issue 18, items 7 and 8: text and dates are checked at the edge (src/common/input-bounds.ts) for
// every argument, before any resolver runs. The server's clock is the system's here: the dates
// below are out of bounds whatever today is (years 0001 and 9999), or relative to no day at all.
describe("text and dates at the edge", () => {
  const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(timebank: "aarhus", input: $input) { id } }`;

  it.each([
    ["a NUL in a tag", ["fine", "bad\u0000tag"]],
    ["a lone surrogate in a tag", ["bad\ud800"]],
    ["an ESC in a tag", ["\u001b[31mred"]],
  ])("%s → BAD_USER_INPUT naming the tag, and no post", async (_what, tags) => {
    const before = await t.db.prisma.post.count();
    const res = await member.client.request(CREATE_POST, { input: { kind: "OFFER", title: "Gardening", tags } });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(String(res.errors?.[0].extensions?.field)).toMatch(/^\$input\.tags\[\d\]$/);
    expect(await t.db.prisma.post.count()).toBe(before);
  });

  it("a NUL in a literal string of the document → BAD_USER_INPUT, not a database error", async () => {
    const res = await t.client.request(`mutation { logIn(input: { email: "a\\u0000@example.org", password: "x" }) { __typename } }`);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    const viaVariable = await t.client.request(LOG_IN, { input: { email: "member\u0000@example.org", password: PASSWORD } });
    expect(viaVariable.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps tabs and newlines in long text", async () => {
    const res = await member.client.request(CREATE_POST, {
      input: { kind: "OFFER", title: "Soup", description: "Line one\n\tLine two", tags: ["soup"] },
    });
    expect(res.errors).toBeUndefined();
  });

  it.each([
    [
      "a safeguarding check in year 0001",
      `mutation($m: ID!) { recordSafeguardingCheck(memberId: $m, input: { checkType: "police", checkedOn: "0001-01-01" }) { id } }`,
    ],
    ["an interview in year 0001", `mutation($m: ID!) { scheduleInterview(memberId: $m, scheduledAt: "0001-01-01T10:00:00Z") { id } }`],
    [
      "an activity in year 9999",
      `mutation { createActivity(timebank: "aarhus", input: { kind: SHARED_MEAL, title: "Party", durationMinutes: 60, places: 5, startsAt: "9999-01-01T10:00:00Z" }) { id } }`,
    ],
    ["an empty planned return day", `mutation($m: ID!) { pauseMembership(memberId: $m, plannedReturnOn: "") { __typename } }`],
    [
      "a planned return on 30 February",
      `mutation($m: ID!) { pauseMembership(memberId: $m, plannedReturnOn: "2030-02-30") { __typename } }`,
    ],
    ["a work log in 1900", `mutation($m: ID!) { logWork(member: $m, input: { date: "1900-01-02", minutes: 60 }) { id } }`],
  ])("%s → BAD_USER_INPUT", async (_what, query) => {
    const before = await snapshot();
    const res = await coordinator.client.request(query, { m: memberId });
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(await snapshot()).toBe(before);
  });

  it("a balance ceiling of 0 → BAD_USER_INPUT", async () => {
    const res = await coordinator.client.request(
      `mutation { updateTimebankSettings(timebank: "aarhus", input: { balanceCeilingMinutes: 0 }) { id } }`,
    );
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([["BAD_USER_INPUT", "balanceCeilingMinutes"]]);
  });
});
