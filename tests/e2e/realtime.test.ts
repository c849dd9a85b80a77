// Coordinators watch applications arrive in real time over graphql-ws: what a coordinator's
// screen receives, what others never receive, and what a reconnecting screen catches up on.
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, MEMBERSHIP_FIELDS, platformAdmin, signUp, type Actor } from "../helpers/world";
import { connect, sleep, waitForStreams, type Connection } from "../helpers/subscriptions";
import { createMemoryBus, type EventBus } from "../../src/modules/events/event-bus";

let t: TestServer;
let admin: Actor;
let maja: Actor; // admin of aarhus
let coordinator: Actor; // a coordinator of aarhus
let plainMember: Actor;
let gloucester: Actor; // admin of another bank
const connections: Connection[] = [];

const APPLIED = `subscription($b: String!, $since: ID) { membershipApplied(timebank: $b, since: $since) { eventId timebankId memberId occurredAt } }`;

function open(actor: Actor | null, raw?: string): Connection {
  const c = connect(t.url, actor?.token, raw);
  connections.push(c);
  return c;
}

async function apply(person: Actor, slug: string): Promise<string> {
  const res = await person.client.ok(`mutation($b: String!) { applyToTimebank(timebank: $b) { ${MEMBERSHIP_FIELDS} } }`, { b: slug });
  if (res.applyToTimebank.__typename !== "Member") throw new Error(JSON.stringify(res.applyToTimebank));
  return res.applyToTimebank.id;
}

beforeAll(async () => {
  t = await startTestServer({ config: { outboxPollMs: 50 } });
  admin = await platformAdmin(t);
  maja = await signUp(t, "Maja Admin");
  gloucester = await signUp(t, "Gloucester Admin");
  const aarhus = await createBank(t, admin, "aarhus", maja);
  await createBank(t, admin, "gloucester", gloucester);
  coordinator = await signUp(t, "Karen Coordinator");
  plainMember = await signUp(t, "Peter Member");
  const karenId = await join(coordinator, maja, "aarhus");
  await join(plainMember, maja, "aarhus");
  await maja.client.ok(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: COORDINATOR) { __typename } }`, { id: karenId });
  expect(aarhus.slug).toBe("aarhus");
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.dispose()));
  // The server ends the streams of closed sockets: the next test counts its own only.
  for (let i = 0; t.app.events.openStreams.size > 0; i++) {
    if (i > 500) throw new Error(`${t.app.events.openStreams.size} event streams still open after their sockets closed`);
    await sleep(10);
  }
});
afterAll(() => t.close());

describe("a coordinator's screen", () => {
  it("receives an application made over HTTP at once, and re-reads the applicant by id", async () => {
    const screen = open(maja).subscribe(APPLIED, { b: "aarhus" });
    await waitForStreams(t.app, 1);

    const nadia = await signUp(t, "Nadia Newcomer");
    const memberId = await apply(nadia, "aarhus");

    await screen.waitForEvents(1);
    const event = screen.events[0].membershipApplied;
    expect(event).toEqual({
      eventId: expect.stringMatching(/^\d+$/),
      timebankId: expect.any(String),
      memberId,
      occurredAt: expect.any(String),
    });
    const applicant = await maja.client.ok(`query($id: ID!) { member(id: $id) { displayName status } }`, { id: event.memberId });
    expect(applicant.member).toEqual({ displayName: "Nadia Newcomer", status: "APPLIED" });
  });

  it("never shows another bank's applications, and plain members and outsiders cannot subscribe", async () => {
    const majaScreen = open(maja).subscribe(APPLIED, { b: "aarhus" });
    const gloucesterScreen = open(gloucester).subscribe(APPLIED, { b: "gloucester" });
    const memberTry = open(plainMember).subscribe(APPLIED, { b: "aarhus" });
    const outsiderTry = open(gloucester).subscribe(APPLIED, { b: "aarhus" });
    const anonymousTry = open(null).subscribe(APPLIED, { b: "aarhus" });
    await Promise.all([memberTry.waitForEnd(), outsiderTry.waitForEnd(), anonymousTry.waitForEnd()]);
    expect(memberTry.errors.map((e) => e.extensions?.code)).toEqual(["FORBIDDEN"]);
    expect(outsiderTry.errors.map((e) => e.extensions?.code)).toEqual(["NOT_FOUND"]);
    expect(anonymousTry.errors.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    await waitForStreams(t.app, 2);

    const toAarhus = await apply(await signUp(t, "Omar"), "aarhus");
    const toGloucester = await apply(await signUp(t, "Grace"), "gloucester");
    await Promise.all([majaScreen.waitForEvents(1), gloucesterScreen.waitForEvents(1)]);
    await sleep(300); // anything misrouted would have arrived by now
    expect(majaScreen.events.map((e) => e.membershipApplied.memberId)).toEqual([toAarhus]);
    expect(gloucesterScreen.events.map((e) => e.membershipApplied.memberId)).toEqual([toGloucester]);
  });

  it("is closed with 4403 when connection_init carries a bad token", async () => {
    const forged = open(null, "Bearer not-a-real-token");
    const tried = forged.subscribe(APPLIED, { b: "aarhus" });
    expect(await forged.closed).toBe(4403);
    await tried.waitForEnd();
    expect(tried.closeCode).toBe(4403);
    const malformed = open(null, "Basic abc");
    malformed.subscribe(APPLIED, { b: "aarhus" });
    expect(await malformed.closed).toBe(4403);
  });

  it("stops receiving as soon as its coordinator is made a plain member or pauses", async () => {
    const karenScreen = open(coordinator).subscribe(APPLIED, { b: "aarhus" });
    const majaScreen = open(maja).subscribe(APPLIED, { b: "aarhus" });
    await waitForStreams(t.app, 2);
    const first = await apply(await signUp(t, "First"), "aarhus");
    await Promise.all([karenScreen.waitForEvents(1), majaScreen.waitForEvents(1)]);

    const karenMember = await coordinator.client.ok(`{ me { memberships { id } } }`);
    const karenId = karenMember.me.memberships[0].id;
    await maja.client.ok(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: MEMBER) { __typename } }`, { id: karenId });
    const second = await apply(await signUp(t, "Second"), "aarhus");
    await majaScreen.waitForEvents(2);

    // Back as coordinator, then paused: a paused member receives nothing either.
    await maja.client.ok(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: COORDINATOR) { __typename } }`, { id: karenId });
    const third = await apply(await signUp(t, "Third"), "aarhus");
    await Promise.all([karenScreen.waitForEvents(2), majaScreen.waitForEvents(3)]);
    await coordinator.client.ok(`mutation($id: ID!) { pauseMembership(memberId: $id) { __typename } }`, { id: karenId });
    const fourth = await apply(await signUp(t, "Fourth"), "aarhus");
    await majaScreen.waitForEvents(4);
    await sleep(300);

    expect(majaScreen.events.map((e) => e.membershipApplied.memberId)).toEqual([first, second, third, fourth]);
    expect(karenScreen.events.map((e) => e.membershipApplied.memberId)).toEqual([first, third]);
    await coordinator.client.ok(`mutation($id: ID!) { resumeMembership(memberId: $id) { __typename } }`, { id: karenId });
  });
});

describe("catching up after a reconnect", () => {
  it("a screen that passes `since` receives what it missed exactly once, then live events", async () => {
    const before = open(maja);
    const screen = before.subscribe(APPLIED, { b: "aarhus" });
    await waitForStreams(t.app, 1);
    const seen = await apply(await signUp(t, "Seen"), "aarhus");
    await screen.waitForEvents(1);
    const lastEventId = screen.events[0].membershipApplied.eventId;
    expect(screen.events[0].membershipApplied.memberId).toBe(seen);
    await before.dispose();

    // While the screen is away (a train through a tunnel), three people apply, one of them to another bank.
    const missed = [await apply(await signUp(t, "Missed 1"), "aarhus"), await apply(await signUp(t, "Missed 2"), "aarhus")];
    await apply(await signUp(t, "Elsewhere"), "gloucester");
    // Published before the reconnect: they come from the outbox.
    await t.app.events.relay.publishPending();

    const applicants = await Promise.all(Array.from({ length: 6 }, (_, i) => signUp(t, `Racing ${i}`)));
    const back = open(maja).subscribe(APPLIED, { b: "aarhus", since: lastEventId });
    // Applications racing with the replay: each must arrive once, from the replay or live.
    const racing = await Promise.all(applicants.map((a) => apply(a, "aarhus")));
    await back.waitForEvents(missed.length + racing.length);
    await sleep(500);

    const received = back.events.map((e) => e.membershipApplied);
    expect(received.slice(0, 2).map((e) => e.memberId)).toEqual(missed);
    expect(received.map((e) => e.memberId).sort()).toEqual([...missed, ...racing].sort());
    const ids = received.map((e) => BigInt(e.eventId));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    expect(ids.every((id) => id > BigInt(lastEventId))).toBe(true);
  });

  it("refuses a malformed cursor as bad input", async () => {
    const s = open(maja).subscribe(APPLIED, { b: "aarhus", since: "yesterday" });
    await s.waitForEnd();
    expect(s.errors.map((e) => e.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("the outbox", () => {
  it("records the event with the change, and nothing for a refused application", async () => {
    const count = () => t.db.prisma.outboxEvent.count({ where: { type: "membershipApplied" } });
    const before = await count();
    const res = await plainMember.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ${MEMBERSHIP_FIELDS} } }`);
    expect(res.applyToTimebank).toMatchObject({ __typename: "MembershipRefused", code: "ALREADY_MEMBER" });
    expect(await count()).toBe(before);
    const row = await t.db.prisma.outboxEvent.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(row).toMatchObject({
      type: "membershipApplied",
      toCoordinators: true,
      toAllMembers: false,
      recipientPersonIds: [],
      payload: { memberId: expect.any(String) },
    });
  });

  it("keeps an event whose publication failed and publishes it at the next attempt", async () => {
    const screen = open(maja).subscribe(APPLIED, { b: "aarhus" });
    await waitForStreams(t.app, 1);
    const bus = t.app.events.bus;
    const realPublish = bus.publish;
    let failures = 0;
    bus.publish = async (...args) => {
      if (failures++ < 2) throw new Error("pub/sub unreachable");
      return realPublish.apply(bus, args);
    };
    try {
      const memberId = await apply(await signUp(t, "Patient"), "aarhus");
      await screen.waitForEvents(1);
      expect(screen.events[0].membershipApplied.memberId).toBe(memberId);
      expect(failures).toBeGreaterThanOrEqual(3);
      expect(await t.db.prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
    } finally {
      bus.publish = realPublish;
    }
  });

  it("trims published events after the retention period, keeping the newest so cursors never go back", async () => {
    await t.app.events.relay.publishPending();
    const total = await t.db.prisma.outboxEvent.count();
    expect(total).toBeGreaterThan(3);
    await t.db.prisma.outboxEvent.updateMany({ data: { publishedAt: new Date(Date.now() - 80 * 3600_000) } });
    const newest = await t.db.prisma.outboxEvent.findFirstOrThrow({ orderBy: { position: "desc" } });
    expect(await t.app.events.relay.trim()).toBe(total - 1);
    const left = await t.db.prisma.outboxEvent.findMany();
    expect(left.map((r) => r.position)).toEqual([newest.position]);

    // Numbering continues after the newest position.
    const screen = open(maja).subscribe(APPLIED, { b: "aarhus" });
    await waitForStreams(t.app, 1);
    await apply(await signUp(t, "After trim"), "aarhus");
    await screen.waitForEvents(1);
    expect(BigInt(screen.events[0].membershipApplied.eventId)).toBe(newest.position! + 1n);
  });
});

/** An in-memory pub/sub whose subscriber side can drop off, like a Redis connection that breaks. */
function droppingBus() {
  const inner = createMemoryBus();
  let connected = true;
  const reconnectListeners: (() => void)[] = [];
  const bus: EventBus = {
    ...inner,
    subscribe: (topic, listener) => inner.subscribe(topic, (e) => connected && listener(e)),
    onReconnect: (l) => void reconnectListeners.push(l),
  };
  return {
    bus,
    drop: () => (connected = false),
    reconnect: () => {
      connected = true;
      for (const l of reconnectListeners) l();
    },
  };
}

describe("a pub/sub connection that drops", () => {
  it("loses nothing: open screens catch up from the outbox when it comes back", async () => {
    const link = droppingBus();
    const s = await startTestServer({ eventBus: link.bus });
    try {
      const boss = await platformAdmin(s);
      const coordinatorHere = await signUp(s, "Ida Coordinator");
      await createBank(s, boss, "odense", coordinatorHere);
      const applyHere = async (name: string) => {
        const person = await signUp(s, name);
        const res = await person.client.ok(`mutation { applyToTimebank(timebank: "odense") { ${MEMBERSHIP_FIELDS} } }`);
        return res.applyToTimebank.id as string;
      };
      const screenConnection = connect(s.url, coordinatorHere.token);
      connections.push(screenConnection);
      const screen = screenConnection.subscribe(APPLIED, { b: "odense" });
      await waitForStreams(s.app, 1);
      const before = await applyHere("Before");
      await screen.waitForEvents(1);

      link.drop();
      const during = [await applyHere("During 1"), await applyHere("During 2")];
      await s.app.events.relay.publishPending();
      await sleep(200);
      expect(screen.events).toHaveLength(1); // published while the link was down: not heard

      link.reconnect();
      await screen.waitForEvents(3);
      const after = await applyHere("After");
      await screen.waitForEvents(4);
      await sleep(300);
      expect(screen.events.map((e) => e.membershipApplied.memberId)).toEqual([before, ...during, after]);
    } finally {
      await Promise.all(connections.splice(0).map((x) => x.dispose()));
      await s.close();
    }
  });
});
