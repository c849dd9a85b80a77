// A thousand coordinators' screens open at once in ten banks; a hundred people apply. Every screen
// receives exactly the applications to its own bank, once each, in order. Across two server
// processes with Redis when TEST_DATABASE_URL and TEST_REDIS_URL are set, otherwise on one server
// with the in-memory pub/sub.
import { GraphQLClient } from "../helpers/client";
import { seedCrowd, inBatches, type Crowd } from "../helpers/crowd";
import { createTestDatabase, flavour, type TestDatabase } from "../helpers/database";
import { startServerProcess, waitForRedisListeners, waitForSubscriptions, type ServerProcess } from "../helpers/processes";
import { startTestServer, TEST_AUTH_SECRET, type TestServer } from "../helpers/server";
import { connect, sleep, type Connection, type LiveSubscription } from "../helpers/subscriptions";

const redisUrl = process.env.TEST_REDIS_URL;
const twoProcesses = flavour() === "postgres" && !!redisUrl;
const SUBSCRIBERS = 1000;
const BANKS = 10;
const EVENTS = 100;

const APPLIED = `subscription($b: String!, $since: ID) { membershipApplied(timebank: $b, since: $since) { eventId memberId } }`;

let urls: string[];
let crowd: Crowd;
let single: TestServer | null = null;
let db: TestDatabase | null = null;
let processes: ServerProcess[] = [];
const connections: Connection[] = [];

beforeAll(async () => {
  if (twoProcesses) {
    db = await createTestDatabase();
    processes = await Promise.all(
      [0, 1].map(() => startServerProcess({ databaseUrl: db!.url!, redisUrl: redisUrl!, env: { DATABASE_POOL_SIZE: "10" } })),
    );
    urls = processes.map((p) => p.url);
    crowd = await seedCrowd(db.prisma, {
      banks: BANKS,
      coordinatorsPerBank: SUBSCRIBERS / BANKS,
      applicantsPerBank: EVENTS / BANKS,
      authSecret: TEST_AUTH_SECRET,
    });
  } else {
    console.log(`real-time load test on one server with the in-memory pub/sub (${flavour()}${redisUrl ? "" : ", TEST_REDIS_URL not set"})`);
    single = await startTestServer();
    urls = [single.url];
    crowd = await seedCrowd(single.db.prisma, {
      banks: BANKS,
      coordinatorsPerBank: SUBSCRIBERS / BANKS,
      applicantsPerBank: EVENTS / BANKS,
      authSecret: TEST_AUTH_SECRET,
    });
  }
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose()));
  await Promise.all(processes.map((p) => p.stop()));
  await db?.destroy();
  await single?.close();
});

it(`${SUBSCRIBERS} subscribers, ${EVENTS} applications: each subscriber gets exactly its bank's events`, async () => {
  const started = Date.now();
  // Half the screens pass `since: "0"` (they have seen nothing yet), as screens reconnecting
  // after a deploy would: they replay from the outbox first, then go live. The other half only
  // listen live, once the servers report every subscription open.
  // Screens connect a hundred at a time (a thousand TCP handshakes in the same millisecond
  // overflow the listen backlog of a busy test machine, and the resets are not what is tested).
  const screens: LiveSubscription[] = [];
  for (let from = 0; from < SUBSCRIBERS; from += 100) {
    crowd.coordinators.slice(from, from + 100).forEach((c, k) => {
      const i = from + k;
      const connection = connect(urls[i % urls.length], c.token);
      connections.push(connection);
      screens.push(connection.subscribe(APPLIED, { b: crowd.banks[c.bank].slug, since: Math.floor(i / 2) % 2 ? "0" : null }));
    });
    await waitForSubscriptions(urls, from + 100).catch((err) => {
      const ended = screens.filter((s) => s.completed || s.errors.length);
      throw new Error(
        `${err.message}; ${ended.length} screens ended, e.g. errors ${JSON.stringify(ended[0]?.errors)} close ${ended[0]?.closeCode}`,
      );
    });
  }
  if (!single) await Promise.all(crowd.banks.map((b) => waitForRedisListeners(redisUrl!, b.id, 2)));
  const subscribedMs = Date.now() - started;

  const applied = await inBatches(crowd.applicants, 10, async (a, i) => {
    const client = new GraphQLClient(urls[i % urls.length], a.token);
    const res = await client.ok(`mutation($b: String!) { applyToTimebank(timebank: $b) { __typename ... on Member { id } } }`, {
      b: crowd.banks[a.bank].slug,
    });
    expect(res.applyToTimebank.__typename).toBe("Member");
    return { bank: a.bank, memberId: res.applyToTimebank.id as string };
  });
  const expected = crowd.banks.map((_, bank) =>
    applied
      .filter((a) => a.bank === bank)
      .map((a) => a.memberId)
      .sort(),
  );

  await Promise.all(screens.map((s) => s.waitForEvents(EVENTS / BANKS, 60_000)));
  const deliveredMs = Date.now() - started - subscribedMs;
  await sleep(500); // a duplicate or a stray event would have arrived by now

  screens.forEach((screen, i) => {
    const received = screen.events.map((e) => e.membershipApplied);
    expect(screen.errors).toEqual([]);
    expect(received.map((e) => e.memberId).sort()).toEqual(expected[crowd.coordinators[i].bank]);
    const ids = received.map((e) => BigInt(e.eventId));
    expect(ids.every((id, k) => k === 0 || id > ids[k - 1])).toBe(true);
  });
  console.log(
    `${SUBSCRIBERS} subscribers on ${urls.length} process(es) subscribed in ${subscribedMs} ms; ${EVENTS} applications delivered to all in ${deliveredMs} ms`,
  );
  // About 20-25 s alone on 2 cores; on PGlite the server, its database and the 1,000 clients
  // share one thread, and beside another test file that can take three times as long.
}, 300_000);
