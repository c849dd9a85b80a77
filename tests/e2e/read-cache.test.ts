// The read cache (context/read-cache.ts) keeps a token's viewer and the banks for a few seconds,
// for reads only. Stories: a member who leaves loses the member list on the very next request; a
// member made coordinator sees applications at once; a change made by another process (here: the
// database directly) is seen once READ_CACHE_TTL_MS has passed.
import { isReadOnlyRequest } from "../../src/context/read-cache";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const TTL_MS = 400;
let t: TestServer;
let coordinator: Actor;

const LIST = `query($status: MembershipStatus) { members(timebank: "cache-bank", filter: { status: $status }) { nodes { id displayName } } }`;
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code ?? null;

beforeAll(async () => {
  t = await startTestServer({ config: { readCacheTtlMs: TTL_MS } });
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Coordinator");
  await createBank(t, admin, "cache-bank", coordinator);
});
afterAll(() => t.close());

describe("read cache", () => {
  it("serves a repeated read without loading the viewer and the bank again", async () => {
    const member = await signUp(t, "Repeat Reader");
    await join(member, coordinator, "cache-bank");
    await member.client.ok(LIST);
    const before = t.db.queryCount();
    await member.client.ok(LIST);
    const warm = t.db.queryCount() - before;
    t.app.readCache.invalidate();
    const again = t.db.queryCount();
    await member.client.ok(LIST);
    const cold = t.db.queryCount() - again;
    // The viewer (person with memberships, one statement) and the bank by slug: two saved.
    expect(cold - warm).toBe(2);
  });

  it("a member who leaves the bank no longer sees its members on the next request", async () => {
    const leaver = await signUp(t, "Leaver");
    await join(leaver, coordinator, "cache-bank");
    await leaver.client.ok(LIST); // cached: an active member
    const left = await leaver.client.ok(`mutation { leaveTimebank(timebank: "cache-bank") { __typename ... on Member { status } } }`);
    expect(left.leaveTimebank.status).toBe("LEFT");
    expect(codeOf(await leaver.client.request(LIST))).toBe("NOT_FOUND");
  });

  it("a member made coordinator lists applications on the next request", async () => {
    const promoted = await signUp(t, "Promoted");
    const memberId = await join(promoted, coordinator, "cache-bank");
    expect(codeOf(await promoted.client.request(LIST, { status: "APPLIED" }))).toBe("FORBIDDEN");
    const changed = await coordinator.client.request(
      `mutation($id: ID!) { changeMemberRole(memberId: $id, role: COORDINATOR) { __typename } }`,
      { id: memberId },
    );
    // Only bank admins change roles: the bank's first admin is the coordinator here.
    expect(changed.errors).toBeUndefined();
    const res = await promoted.client.request(LIST, { status: "APPLIED" });
    expect(res.errors).toBeUndefined();
  });

  it("a pause made elsewhere (another process, the database) is seen once the TTL has passed", async () => {
    const paused = await signUp(t, "Paused Elsewhere");
    const memberId = await join(paused, coordinator, "cache-bank");
    const post = `mutation { createPost(timebank: "cache-bank", input: { kind: OFFER, title: "Walks" }) { id } }`;
    await paused.client.ok(LIST);
    await t.db.prisma.membership.updateMany({ where: { id: memberId }, data: { status: "PAUSED", pausedAt: new Date() } });
    // A mutation never uses the cache: refused at once.
    expect(codeOf(await paused.client.request(post))).toBe("FORBIDDEN");
    await new Promise((r) => setTimeout(r, TTL_MS + 50));
    const me = await paused.client.ok(`query($id: ID!) { member(id: $id) { status } }`, { id: memberId });
    expect(me.member.status).toBe("PAUSED");
  });

  it("only reads use it: a document with a mutation never does", () => {
    expect(isReadOnlyRequest({ query: "{ me { id } }" })).toBe(true);
    expect(isReadOnlyRequest({ query: 'mutation { leaveTimebank(timebank: "x") { __typename } }' })).toBe(false);
    expect(isReadOnlyRequest({ query: "query A { me { id } } mutation B { x }", operationName: "A" })).toBe(false);
    expect(isReadOnlyRequest([{ query: "{ me { id } }" }])).toBe(false);
    expect(isReadOnlyRequest({})).toBe(false);
  });
});
