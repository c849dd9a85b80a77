// Offers and requests in a Danish bank: members post, browse and search in Danish, edit and
// close; expired posts stop appearing; bad input changes nothing; other banks see nothing.
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
const clock = new ManualClock(new Date("2026-11-23T09:00:00Z")); // a Monday, 10:00 in Copenhagen
let coordinator: Actor;
let else_: Actor;
let jonas: Actor;
let outsider: Actor;

const POST = `id kind title description tags expectedMinutes placeMode neighbourhood flexible dates requiresVouchedHelper visibility status expiresAt
  availability { weekday startMinute endMinute } category { slug } author { id displayName } timebank { slug }`;
const CREATE = `mutation($b: String!, $input: CreatePostInput!) { createPost(timebank: $b, input: $input) { ${POST} } }`;
const LIST = `query($b: String!, $filter: PostFilter, $first: Int, $after: String) {
  posts(timebank: $b, filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id title status } } }`;

async function bankWithLocale(admin: Actor, slug: string, locale: string, firstAdmin: Actor) {
  await admin.client.ok(`mutation($input: CreateTimebankInput!) { createTimebank(input: $input) { ... on Timebank { id } } }`, {
    input: { slug, name: `Bank ${slug}`, locale, timezone: "Europe/Copenhagen", firstAdminEmail: firstAdmin.email },
  });
}

const titles = (data: { posts: { nodes: { title: string }[] } }) => data.posts.nodes.map((n) => n.title);
const postCount = () => t.db.prisma.post.count();

beforeAll(async () => {
  t = await startTestServer({ clock });
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Maja Coordinator");
  await bankWithLocale(admin, "aarhus", "da", coordinator);
  else_ = await signUp(t, "Else Sørensen");
  jonas = await signUp(t, "Jonas Møller");
  await join(else_, coordinator, "aarhus");
  await join(jonas, coordinator, "aarhus");
  const otherCoordinator = await signUp(t, "Other Coordinator");
  await bankWithLocale(admin, "odense", "da", otherCoordinator);
  outsider = await signUp(t, "Outsider");
  await join(outsider, otherCoordinator, "odense");
});
afterAll(() => t.close());

describe("offers and requests", () => {
  let shoppingId: string;

  it("a member asks for help with weekly shopping and it is listed with everything she said", async () => {
    const created = await else_.client.ok(CREATE, {
      b: "aarhus",
      input: {
        kind: "REQUEST",
        title: "Hjælp til de ugentlige indkøb",
        description: "Jeg kan ikke længere bære tunge poser fra supermarkedet.",
        category: "shopping-errands",
        tags: ["Indkøb", "indkøb", "Poser"],
        expectedMinutes: 90,
        neighbourhood: "Frederiksbjerg",
        availability: [
          { weekday: 4, startMinute: 600, endMinute: 720 },
          { weekday: 2, startMinute: 540, endMinute: 660 },
        ],
        expiresAt: "2026-12-31T12:00:00Z",
      },
    });
    shoppingId = created.createPost.id;
    expect(created.createPost).toMatchObject({
      kind: "REQUEST",
      tags: ["indkøb", "poser"],
      expectedMinutes: 90,
      placeMode: "IN_PERSON",
      neighbourhood: "Frederiksbjerg",
      flexible: false,
      requiresVouchedHelper: false,
      visibility: "OWN_BANK",
      status: "OPEN",
      availability: [
        { weekday: 2, startMinute: 540, endMinute: 660 },
        { weekday: 4, startMinute: 600, endMinute: 720 },
      ],
      category: { slug: "shopping-errands" },
      author: { displayName: "Else Sørensen" },
      timebank: { slug: "aarhus" },
    });
    const one = await jonas.client.ok(`query($id: ID!) { post(id: $id) { id title } }`, { id: shoppingId });
    expect(one.post).toEqual({ id: shoppingId, title: "Hjælp til de ugentlige indkøb" });
  });

  it("a home visit requires a vouched helper by default; phone help is flexible", async () => {
    clock.advance(60_000);
    const home = await else_.client.ok(CREATE, {
      b: "aarhus",
      input: { kind: "REQUEST", title: "Skifte pære i loftet", placeMode: "AT_HOME", category: "repairs-bikes" },
    });
    expect(home.createPost).toMatchObject({ requiresVouchedHelper: true, flexible: true, placeMode: "AT_HOME" });
    clock.advance(60_000);
    const phone = await jonas.client.ok(CREATE, {
      b: "aarhus",
      input: {
        kind: "OFFER",
        title: "Computerhjælp over telefonen",
        placeMode: "BY_PHONE",
        category: "it-help",
        tags: ["computer"],
        dates: ["2026-11-28", "2026-11-24"],
      },
    });
    expect(phone.createPost).toMatchObject({ flexible: false, dates: ["2026-11-24", "2026-11-28"], requiresVouchedHelper: false });
    clock.advance(60_000);
    await jonas.client.ok(CREATE, {
      b: "aarhus",
      input: {
        kind: "OFFER",
        title: "Cykelreparation",
        description: "Jeg reparerer cykler i weekenden.",
        category: "repairs-bikes",
        tags: ["cykel"],
        neighbourhood: "Trøjborg",
        availability: [{ weekday: 6, startMinute: 600, endMinute: 1080 }],
      },
    });
  });

  it("browses by kind, category, tags, place and time, and searches text in Danish (stemmed)", async () => {
    const offers = await jonas.client.ok(LIST, { b: "aarhus", filter: { kind: "OFFER" } });
    expect(titles(offers)).toEqual(["Cykelreparation", "Computerhjælp over telefonen"]);
    expect((await jonas.client.ok(LIST, { b: "aarhus", filter: { category: "shopping-errands" } })).posts.totalCount).toBe(1);
    expect(titles(await jonas.client.ok(LIST, { b: "aarhus", filter: { tags: ["POSER", "nothing"] } }))).toEqual([
      "Hjælp til de ugentlige indkøb",
    ]);
    // "cyklen" and "reparere" find "cykler"/"reparerer" through the Danish stemmer.
    expect(titles(await jonas.client.ok(LIST, { b: "aarhus", filter: { text: "reparere cyklen" } }))).toEqual(["Cykelreparation"]);
    expect(titles(await jonas.client.ok(LIST, { b: "aarhus", filter: { text: "tunge poser" } }))).toEqual([
      "Hjælp til de ugentlige indkøb",
    ]);
    // Near Frederiksbjerg: posts there, plus phone help anywhere.
    expect(titles(await jonas.client.ok(LIST, { b: "aarhus", filter: { near: "frederiksbjerg" } }))).toEqual([
      "Computerhjælp over telefonen",
      "Hjælp til de ugentlige indkøb",
    ]);
    // Thursday 26 Nov 2026, 10:30 in Copenhagen: the shopping window and the flexible home visit.
    const thursday = await jonas.client.ok(LIST, { b: "aarhus", filter: { availableAt: "2026-11-26T09:30:00Z" } });
    expect(titles(thursday)).toEqual(["Skifte pære i loftet", "Hjælp til de ugentlige indkøb"]);
    // Tuesday 24 Nov: one of the phone offer's dates.
    const tuesdayEvening = await jonas.client.ok(LIST, { b: "aarhus", filter: { availableAt: "2026-11-24T19:00:00Z" } });
    expect(titles(tuesdayEvening)).toEqual(["Computerhjælp over telefonen", "Skifte pære i loftet"]);
  });

  it("pages with cursors, one SQL query per page", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    // The baseline: loading the viewer and the bank, which every bank query does.
    let before = t.db.queryCount();
    await jonas.client.ok(`{ timebank(slug: "aarhus") { id } }`);
    const baseline = t.db.queryCount() - before;
    for (;;) {
      before = t.db.queryCount();
      const page: any = await jonas.client.ok(LIST, { b: "aarhus", first: 3, after });
      expect(t.db.queryCount() - before).toBe(baseline + 1);
      expect(page.posts.totalCount).toBe(4);
      seen.push(...page.posts.nodes.map((n: { id: string }) => n.id));
      if (!page.posts.pageInfo.hasNextPage) break;
      after = page.posts.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    expect(await jonas.client.errorCode(LIST, { b: "aarhus", after: "bm9wZQ" })).toBe("BAD_USER_INPUT");
  });

  it("the author edits; someone else may not; a coordinator closes it and it leaves the list", async () => {
    const edited = await else_.client.ok(
      `mutation($id: ID!) { updatePost(id: $id, input: { expectedMinutes: 60, tags: ["indkøb"] }) { ... on Post { expectedMinutes tags } } }`,
      { id: shoppingId },
    );
    expect(edited.updatePost).toEqual({ expectedMinutes: 60, tags: ["indkøb"] });
    expect(
      await jonas.client.errorCode(`mutation($id: ID!) { updatePost(id: $id, input: { title: "Mine" }) { __typename } }`, {
        id: shoppingId,
      }),
    ).toBe("FORBIDDEN");
    const phone = await jonas.client.ok(LIST, { b: "aarhus", filter: { text: "computerhjælp" } });
    const phoneId = phone.posts.nodes[0].id;
    const closed = await coordinator.client.ok(`mutation($id: ID!) { closePost(id: $id) { ... on Post { status closedAt } } }`, {
      id: phoneId,
    });
    expect(closed.closePost.status).toBe("CANCELLED");
    const again = await jonas.client.ok(`mutation($id: ID!) { closePost(id: $id) { ... on PostRefused { code currentStatus } } }`, {
      id: phoneId,
    });
    expect(again.closePost).toEqual({ code: "POST_NOT_OPEN", currentStatus: "CANCELLED" });
    expect(titles(await jonas.client.ok(LIST, { b: "aarhus", filter: { kind: "OFFER" } }))).toEqual(["Cykelreparation"]);
    expect(titles(await jonas.client.ok(LIST, { b: "aarhus", filter: { kind: "OFFER", status: "CANCELLED" } }))).toEqual([
      "Computerhjælp over telefonen",
    ]);
  });

  it("an expired post stops appearing and shows as EXPIRED", async () => {
    const soon = await jonas.client.ok(CREATE, {
      b: "aarhus",
      input: { kind: "OFFER", title: "Hundeluftning i dag", category: "pet-care", expiresAt: "2026-11-23T11:00:00Z" },
    });
    expect((await jonas.client.ok(LIST, { b: "aarhus", filter: { category: "pet-care" } })).posts.totalCount).toBe(1);
    clock.advance(3 * 3600_000);
    expect((await jonas.client.ok(LIST, { b: "aarhus", filter: { category: "pet-care" } })).posts.totalCount).toBe(0);
    const expired = await jonas.client.ok(LIST, { b: "aarhus", filter: { status: "EXPIRED" } });
    expect(titles(expired)).toEqual(["Hundeluftning i dag"]);
    expect(expired.posts.nodes[0].status).toBe("EXPIRED");
    const one = await jonas.client.ok(`query($id: ID!) { post(id: $id) { status } }`, { id: soon.createPost.id });
    expect(one.post.status).toBe("EXPIRED");
  });
});

describe("bad input is refused with a code and changes nothing", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["an unknown category", { kind: "OFFER", title: "X", category: "astrology" }],
    [
      "a window that ends before it starts",
      { kind: "OFFER", title: "X", availability: [{ weekday: 1, startMinute: 600, endMinute: 540 }] },
    ],
    ["an expiry in the past", { kind: "OFFER", title: "X", expiresAt: "2020-01-01T00:00:00Z" }],
    ["an empty title", { kind: "OFFER", title: "   " }],
    ["no minutes", { kind: "OFFER", title: "X", expectedMinutes: 0 }],
    ["a date in the past", { kind: "REQUEST", title: "X", dates: ["2026-01-01"] }],
    ["an offer requiring a vouched helper", { kind: "OFFER", title: "X", requiresVouchedHelper: true }],
  ];
  it.each(cases)("%s", async (_what, input) => {
    const before = await postCount();
    expect(await jonas.client.errorCode(CREATE, { b: "aarhus", input })).toBe("BAD_USER_INPUT");
    expect(await postCount()).toBe(before);
  });

  it("an edit with one bad field changes no field", async () => {
    const list = await else_.client.ok(LIST, { b: "aarhus", filter: { category: "shopping-errands" } });
    const id = list.posts.nodes[0].id;
    const before = await t.db.prisma.post.findFirstOrThrow({ where: { id } });
    expect(
      await else_.client.errorCode(
        `mutation($id: ID!) { updatePost(id: $id, input: { title: "New", category: "astrology" }) { __typename } }`,
        { id },
      ),
    ).toBe("BAD_USER_INPUT");
    expect(
      await else_.client.errorCode(
        `mutation($id: ID!) { updatePost(id: $id, input: { title: "New", expiresAt: "2020-01-01T00:00:00Z" }) { __typename } }`,
        { id },
      ),
    ).toBe("BAD_USER_INPUT");
    expect(await t.db.prisma.post.findFirstOrThrow({ where: { id } })).toEqual(before);
  });

  it("filters are validated too", async () => {
    expect(await jonas.client.errorCode(LIST, { b: "aarhus", filter: { category: "astrology" } })).toBe("BAD_USER_INPUT");
    expect(await jonas.client.errorCode(LIST, { b: "aarhus", first: 0 })).toBe("BAD_USER_INPUT");
    expect(await jonas.client.errorCode(`{ post(id: "not-an-id") { id } }`)).toBe("BAD_USER_INPUT");
  });
});

describe("another bank sees nothing", () => {
  it("a member of another bank can neither list, read, edit nor post in it", async () => {
    const list = await else_.client.ok(LIST, { b: "aarhus", filter: { status: "OPEN" } });
    const id = list.posts.nodes[0].id;
    expect(await outsider.client.errorCode(LIST, { b: "aarhus" })).toBe("NOT_FOUND");
    expect(await outsider.client.errorCode(`query($id: ID!) { post(id: $id) { id } }`, { id })).toBe("NOT_FOUND");
    expect(await outsider.client.errorCode(`mutation($id: ID!) { closePost(id: $id) { __typename } }`, { id })).toBe("NOT_FOUND");
    expect(await outsider.client.errorCode(CREATE, { b: "aarhus", input: { kind: "OFFER", title: "Sneaking in" } })).toBe("NOT_FOUND");
    expect(await t.client.errorCode(LIST, { b: "aarhus" })).toBe("UNAUTHENTICATED");
    // Their own bank lists only their own bank's posts.
    expect((await outsider.client.ok(LIST, { b: "odense" })).posts.totalCount).toBe(0);
  });
});
