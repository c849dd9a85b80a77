// GRAPHQL_JIT: the same server answers the same requests the same way whether graphql-jit or
// graphql-js executes them: data, errors (messages, paths, locations, codes) and HTTP status.
// Two servers on one database, one with each executor, asked the same questions.
import { createApp } from "../../src/app";
import { getSchema } from "../../src/schema";
import { startServer, type RunningServer } from "../../src/server";
import { GraphQLClient, type GraphQLResponse } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let graphqlJs: RunningServer;
let coordinator: Actor;
let member: Actor;

beforeAll(async () => {
  t = await startTestServer({ config: { graphqlJit: true } });
  const app = await createApp({ ...t.app.config, graphqlJit: false }, { database: t.db, clock: t.clock });
  graphqlJs = await startServer(app, await getSchema(), 0, "127.0.0.1");
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Ines Coordinator");
  await createBank(t, admin, "jit-bank", coordinator);
  member = await signUp(t, "Jonas Gardener");
  await join(member, coordinator, "jit-bank");
  await member.client.ok(
    `mutation { updateMyProfile(timebank: "jit-bank", input: { skills: [{ label: "pruning", category: "gardening" }, { label: "soup" }] }) { id } }`,
  );
});

afterAll(async () => {
  await graphqlJs?.close();
  await t?.close();
});

/** Error ids are random per answer: everything else must match. */
const withoutErrorIds = (res: GraphQLResponse) =>
  JSON.parse(JSON.stringify(res).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>"));

/** Asks both servers as `who` (a token, or anonymous) and expects one answer. */
async function same(who: Actor | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  const jit = new GraphQLClient(t.url, who?.token);
  const js = new GraphQLClient(graphqlJs.url, who?.token);
  const a = await jit.request(query, variables);
  const b = await js.request(query, variables);
  expect(withoutErrorIds(a)).toEqual(withoutErrorIds(b));
  return a;
}

it("a page of members with skills, through fragments, aliases, directives and variables", async () => {
  const query = `query Page($bank: String!, $first: Int, $withSkills: Boolean!) {
    members(timebank: $bank, first: $first) {
      totalCount
      nodes { ...M number: memberNumber skills @include(if: $withSkills) { label kind category { name slug } } needs @skip(if: true) { label } }
      pageInfo { hasNextPage endCursor }
    }
  }
  fragment M on Member { __typename id displayName role status joinedAt appliedAt timebank { slug } }`;
  for (const withSkills of [true, false]) {
    const res = await same(coordinator, query, { bank: "jit-bank", first: 10, withSkills });
    expect(res.errors).toBeUndefined();
    expect(res.data.members.totalCount).toBe(2);
  }
  const res = await same(coordinator, query, { bank: "jit-bank", first: 10, withSkills: true });
  expect(res.data.members.nodes.flatMap((m: { skills: { label: string }[] }) => m.skills.map((s) => s.label)).sort()).toEqual([
    "pruning",
    "soup",
  ]);
});

it("union results: the success type and ErrorResult members", async () => {
  const fields = `__typename ... on AuthPayload { person { displayName } } ... on ErrorResult { code message }`;
  const taken = await same(null, `mutation($input: SignUpInput!) { signUp(input: $input) { ${fields} } }`, {
    input: { email: member.email, password: "another password!", displayName: "Copy" },
  });
  expect(taken.data.signUp.__typename).not.toBe("AuthPayload");
  const wrong = await same(null, `mutation($input: LogInInput!) { logIn(input: $input) { ${fields} } }`, {
    input: { email: member.email, password: "not the password" },
  });
  expect(wrong.data.logIn.code).toBeDefined();
  const right = await same(
    null,
    `mutation($input: LogInInput!) { logIn(input: $input) { ... on AuthPayload { person { displayName } } } }`,
    { input: { email: member.email, password: "correct horse battery" } },
  );
  expect(right.data.logIn.person.displayName).toBe("Jonas Gardener");
});

it("errors: bad variables, resolver errors with codes and paths, unknown operations, access refused", async () => {
  const badVariable = await same(member, `query($f: Int) { members(timebank: "jit-bank", first: $f) { totalCount } }`, { f: "ten" });
  expect(badVariable.status).toBe(400);
  expect(badVariable.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  const missing = await same(member, `query($bank: String!) { members(timebank: $bank) { totalCount } }`, {});
  expect(missing.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  const tooMany = await same(member, `{ members(timebank: "jit-bank", first: 1000) { totalCount } }`);
  expect(tooMany.errors?.[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "first" });
  const badId = await same(member, `{ ok: members(timebank: "jit-bank") { totalCount } member(id: "42") { id } }`);
  expect(badId.errors?.[0].path).toEqual(["member"]);
  const unknownBank = await same(member, `{ members(timebank: "no-such-bank") { totalCount } }`);
  expect(unknownBank.errors?.length).toBe(1);
  const anonymous = await same(null, `{ me { id } }`);
  expect(anonymous.errors?.length).toBeGreaterThan(0);
  const unknownOperation = await same(member, `query A { __typename } query B { __typename }`);
  expect(unknownOperation.errors?.length).toBe(1);
  const invalidEnum = await same(
    coordinator,
    `query($s: MembershipStatus) { members(timebank: "jit-bank", filter: { status: $s }) { totalCount } }`,
    { s: "SLEEPING" },
  );
  expect(invalidEnum.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  const enumVariable = await same(
    coordinator,
    `query($s: MembershipStatus) { members(timebank: "jit-bank", filter: { status: $s }) { nodes { status } } }`,
    { s: "ACTIVE" },
  );
  expect(enumVariable.data.members.nodes.length).toBe(2);
});

it("introspection", async () => {
  const res = await same(
    null,
    `{ __schema { queryType { name } } __type(name: "Member") { name fields { name type { kind name ofType { name } } } } }`,
  );
  expect(res.data.__type.name).toBe("Member");
});
