// Two server processes share PostgreSQL and Redis, as behind a load balancer: a coordinator's
// screen on one hears what happens on the other, and after its process crashes and comes back it
// catches up exactly once. Runs on PostgreSQL with Redis (TEST_DATABASE_URL and TEST_REDIS_URL).
import { GraphQLClient } from "../helpers/client";
import { createTestDatabase, flavour, type TestDatabase } from "../helpers/database";
import { startServerProcess, waitForRedisListeners, type ServerProcess } from "../helpers/processes";
import type { TestServer } from "../helpers/server";
import { connect, sleep, type Connection } from "../helpers/subscriptions";
import { createBank, MEMBERSHIP_FIELDS, platformAdmin, signUp, type Actor } from "../helpers/world";

const redisUrl = process.env.TEST_REDIS_URL;
const missing = [flavour() !== "postgres" && "the PostgreSQL suite (TEST_DATABASE_URL)", !redisUrl && "TEST_REDIS_URL"].filter(
  Boolean,
) as string[];

const APPLIED = `subscription($b: String!, $since: ID) { membershipApplied(timebank: $b, since: $since) { eventId memberId } }`;

function twoProcessStory() {
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  let maja: Actor;
  let bankId: string;
  const connections: Connection[] = [];
  const onB = () => ({ client: new GraphQLClient(b.url), db }) as unknown as TestServer;

  async function applyVia(server: ServerProcess, name: string): Promise<string> {
    const person = await signUp({ client: new GraphQLClient(server.url), db } as unknown as TestServer, name);
    const res = await person.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ${MEMBERSHIP_FIELDS} } }`);
    if (res.applyToTimebank.__typename !== "Member") throw new Error(JSON.stringify(res.applyToTimebank));
    return res.applyToTimebank.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([
      startServerProcess({ databaseUrl: db.url!, redisUrl: redisUrl! }),
      startServerProcess({ databaseUrl: db.url!, redisUrl: redisUrl! }),
    ]);
    const admin = await platformAdmin(onB());
    maja = await signUp(onB(), "Maja Admin");
    bankId = (await createBank(onB(), admin, "aarhus", maja)).id;
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.dispose()));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.destroy();
  });

  it("a screen on one process receives an application made on the other; each event once, on every process", async () => {
    const onA = connect(a.url, maja.token);
    const onBoth = connect(b.url, maja.token);
    connections.push(onA, onBoth);
    const screenA = onA.subscribe(APPLIED, { b: "aarhus" });
    const screenB = onBoth.subscribe(APPLIED, { b: "aarhus" });
    await waitForRedisListeners(redisUrl!, bankId, 2);

    // Applications through both processes: every relay publishes, yet each event arrives once.
    const applied: string[] = [];
    for (let i = 0; i < 6; i++) applied.push(await applyVia(i % 2 ? a : b, `Applicant ${i}`));
    await Promise.all([screenA.waitForEvents(6), screenB.waitForEvents(6)]);
    await sleep(500);
    for (const screen of [screenA, screenB]) {
      expect(screen.events.map((e) => e.membershipApplied.memberId).sort()).toEqual([...applied].sort());
      expect(new Set(screen.events.map((e) => e.membershipApplied.eventId)).size).toBe(6);
    }
    expect(await db.prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
  });

  it("after the subscriber's process is killed and restarted, reconnecting with `since` delivers the missed events exactly once", async () => {
    const screen = connect(a.url, maja.token);
    connections.push(screen);
    const before = screen.subscribe(APPLIED, { b: "aarhus" });
    await waitForRedisListeners(redisUrl!, bankId, 1);
    const seen = await applyVia(b, "Seen");
    await before.until(() => before.events.some((e) => e.membershipApplied.memberId === seen), "the application");
    const last = before.events.find((e) => e.membershipApplied.memberId === seen).membershipApplied.eventId;

    await a.kill();
    const missed = [await applyVia(b, "Missed 1"), await applyVia(b, "Missed 2"), await applyVia(b, "Missed 3")];
    a = await startServerProcess({ databaseUrl: db.url!, redisUrl: redisUrl! });

    const again = connect(a.url, maja.token);
    connections.push(again);
    const after = again.subscribe(APPLIED, { b: "aarhus", since: last });
    await after.waitForEvents(3);
    const live = await applyVia(b, "Live");
    await after.waitForEvents(4);
    await sleep(500);
    expect(after.events.map((e) => e.membershipApplied.memberId)).toEqual([...missed, live]);
    const ids = after.events.map((e) => BigInt(e.membershipApplied.eventId));
    expect(ids.every((id, i) => id > (i ? ids[i - 1] : BigInt(last)))).toBe(true);
  });
}

if (missing.length === 0) {
  describe("two server processes sharing PostgreSQL and Redis", twoProcessStory);
} else {
  // Not skipped silently: the reason is printed, and this test checks it is the real one.
  it("two server processes sharing PostgreSQL and Redis: not run here", () => {
    console.log(`two-process real-time tests not run: they need ${missing.join(" and ")}`);
    expect(flavour() !== "postgres" || !redisUrl).toBe(true);
  });
}
