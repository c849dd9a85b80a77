// Matchmaking in a small hand-made bank: Else needs help with her weekly shopping. Several
// neighbours could help; the newcomer is surfaced, the overloaded helper drops, the paused member
// never appears, and home visits go only to vouched helpers. Then the life of a match.
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordinator: Actor;
const ids: Record<string, string> = {};
const actors: Record<string, Actor> = {};

const tuesdayMorning = [{ weekday: 2, startMinute: 540, endMinute: 780 }];
const PROFILE = `mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "aarhus", input: $input) { id } }`;
const CREATE = `mutation($input: CreatePostInput!) { createPost(timebank: "aarhus", input: $input) { id status requiresVouchedHelper } }`;
const MATCHES = `query($r: ID!, $first: Int) { matchesForRequest(request: $r, first: $first) {
  member { id displayName } offer { id title } score reasons factors { name weight value contribution } } }`;
const PROPOSE = `mutation($r: ID!, $c: ID!, $o: ID) { proposeMatch(request: $r, candidate: $c, offer: $o) {
  __typename ... on Match { id status score candidate { id } request { id } offer { id } } ... on ErrorResult { code message } } }`;
const ANSWER = (op: string) =>
  `mutation($m: ID!) { ${op}(match: $m) { __typename ... on Match { id status respondedAt } ... on ErrorResult { code message } } }`;

async function member(name: string, profile: Record<string, unknown>, bank = "aarhus", coord = coordinator): Promise<Actor> {
  const actor = await signUp(t, name);
  ids[name] = await join(actor, coord, bank);
  actors[name] = actor;
  await actor.client.ok(PROFILE.replace('"aarhus"', `"${bank}"`), { input: profile });
  return actor;
}

const shopper = (neighbourhood = "Frederiksbjerg", languages = ["da"]) => ({
  languages,
  neighbourhood,
  availability: tuesdayMorning,
  skills: [{ label: "weekly shopping", category: "shopping-errands" }],
});

const names = (list: { member: { id: string } }[]) => list.map((c) => Object.keys(ids).find((n) => ids[n] === c.member.id));

let shoppingRequest: string;

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Maja");
  await createBank(t, admin, "aarhus", coordinator);
  ids.Maja = (await coordinator.client.ok(`{ me { memberships { id } } }`)).me.memberships[0].id;

  await member("Else", {
    languages: ["da", "de"],
    neighbourhood: "Frederiksbjerg",
    skills: [
      { label: "danish conversation", category: "language-practice" },
      { label: "weekly shopping", category: "shopping-errands" },
    ],
    needs: [{ label: "weekly shopping", category: "shopping-errands" }],
  });
  await member("Ahmad", {
    ...shopper(),
    languages: ["ar", "da"],
    needs: [{ label: "danish conversation", category: "language-practice" }],
  });
  await member("Bo", shopper());
  await member("Helga", shopper());
  await member("Karen", shopper());
  await member("Otto", shopper("Viby", ["en", "de"]));
  await member("Jonas", {
    languages: ["da"],
    neighbourhood: "Frederiksbjerg",
    skills: [{ label: "light bulbs", category: "repairs-bikes" }],
  });
  await member("Dave", { languages: ["da"], neighbourhood: "Trøjborg", skills: [{ label: "light bulbs", category: "repairs-bikes" }] });
  await actors.Karen.client.ok(`mutation($id: ID!) { pauseMembership(memberId: $id) { __typename } }`, { id: ids.Karen });

  // Bo has helped twice before (accepted matches); Helga was asked five times this month.
  for (const [helper, accept] of [
    ["Bo", true],
    ["Bo", true],
    ["Helga", false],
    ["Helga", false],
    ["Helga", false],
    ["Helga", false],
    ["Helga", false],
  ] as const) {
    const r = await coordinator.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Shopping for the community cafe", category: "shopping-errands" },
    });
    const p = await coordinator.client.ok(PROPOSE, { r: r.createPost.id, c: ids[helper] });
    if (accept) await actors[helper].client.ok(ANSWER("acceptMatch"), { m: p.proposeMatch.id });
  }

  const request = await actors.Else.client.ok(CREATE, {
    input: {
      kind: "REQUEST",
      title: "Weekly shopping",
      description: "I cannot carry heavy bags from the supermarket any more.",
      category: "shopping-errands",
      tags: ["weekly shopping"],
      neighbourhood: "Frederiksbjerg",
      availability: [{ weekday: 2, startMinute: 600, endMinute: 720 }],
    },
  });
  shoppingRequest = request.createPost.id;
});
afterAll(() => t.close());

describe("ranking", () => {
  it("surfaces the newcomer first, drops the overloaded helper, and never shows the paused member or the requester", async () => {
    const data = await actors.Else.client.ok(MATCHES, { r: shoppingRequest });
    const ranked = names(data.matchesForRequest);
    // Ahmad, Bo and Helga fit equally (same skill, neighbourhood, language, time): the newcomer
    // first, the one asked five times this month below the one who helped twice. Otto (Viby,
    // about 3.5 km away, speaks German with Else, never helped) is a fair candidate too.
    expect(ranked[0]).toBe("Ahmad");
    expect(ranked.indexOf("Helga")).toBeGreaterThan(ranked.indexOf("Bo"));
    expect([...ranked].sort()).toEqual(["Ahmad", "Bo", "Helga", "Otto"]);
    expect(ranked).not.toContain("Karen");
    expect(ranked).not.toContain("Else");
    const [ahmad] = data.matchesForRequest;
    expect(ahmad.member.displayName).toBe("Ahmad");
    expect(ahmad.reasons).toEqual(
      expect.arrayContaining([
        'can do "weekly shopping"',
        "lives in Frederiksbjerg too",
        "speaks da with you",
        "has not made an exchange yet: a chance to get started",
      ]),
    );
    expect(ahmad.factors.map((f: { name: string }) => f.name)).toEqual([
      "skill",
      "text",
      "availability",
      "place",
      "language",
      "reciprocity",
      "inclusion",
      "recentLoad",
    ]);
    for (const f of ahmad.factors) expect(f.contribution).toBeCloseTo(f.weight * f.value, 4);
    const helga = data.matchesForRequest.find((c: { member: { id: string } }) => c.member.id === ids.Helga);
    expect(helga.reasons).toContain("was asked 5 times recently");
    expect(helga.factors.find((f: { name: string }) => f.name === "recentLoad").value).toBe(-1);
    const scores = data.matchesForRequest.map((c: { score: number }) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("runs the same number of queries however many members the bank has", async () => {
    const count = async () => {
      t.app.readCache.invalidate(); // measured cold: the sign-ups in between empty it anyway
      const before = t.db.queryCount();
      await actors.Else.client.ok(MATCHES, { r: shoppingRequest });
      return t.db.queryCount() - before;
    };
    const small = await count();
    for (const n of ["Extra1", "Extra2", "Extra3"]) await member(n, shopper());
    const larger = await count();
    expect(larger).toBe(small);
    expect(small).toBeLessThanOrEqual(10);
    const data = await actors.Else.client.ok(MATCHES, { r: shoppingRequest, first: 2 });
    expect(data.matchesForRequest).toHaveLength(2);
  });

  it("prefers the helper whose offer fits, and names the offer", async () => {
    const offer = await actors.Otto.client.ok(CREATE, {
      input: {
        kind: "OFFER",
        title: "Weekly shopping by car",
        category: "shopping-errands",
        tags: ["weekly shopping"],
        availability: tuesdayMorning,
      },
    });
    const data = await actors.Else.client.ok(MATCHES, { r: shoppingRequest });
    const otto = data.matchesForRequest.find((c: { member: { id: string } }) => c.member.id === ids.Otto);
    expect(otto.offer).toEqual({ id: offer.createPost.id, title: "Weekly shopping by car" });
    expect(otto.reasons[0]).toBe('offers "Weekly shopping by car"');
  });

  it("finds a helper by the words of a request, through an uncategorised offer", async () => {
    const offer = await actors.Jonas.client.ok(CREATE, { input: { kind: "OFFER", title: "Fixing punctures on bikes" } });
    const r = await actors.Else.client.ok(CREATE, { input: { kind: "REQUEST", title: "A puncture on my bike" } });
    const data = await actors.Else.client.ok(MATCHES, { r: r.createPost.id });
    expect(names(data.matchesForRequest)).toEqual(["Jonas"]);
    expect(data.matchesForRequest[0].offer).toEqual({ id: offer.createPost.id, title: "Fixing punctures on bikes" });
    expect(data.matchesForRequest[0].reasons).toContain("describes their help in the words of your request");
    await actors.Else.client.ok(`mutation($id: ID!) { closePost(id: $id) { __typename } }`, { id: r.createPost.id });
  });

  it("follows the bank's weights, which coordinators set and nobody else", async () => {
    expect(
      await actors.Else.client.errorCode(`mutation { updateMatchingWeights(timebank: "aarhus", input: { place: 0.5 }) { place } }`),
    ).toBe("FORBIDDEN");
    expect(
      await coordinator.client.errorCode(`mutation { updateMatchingWeights(timebank: "aarhus", input: { place: 2 }) { place } }`),
    ).toBe("BAD_USER_INPUT");
    const set = await coordinator.client.ok(
      `mutation { updateMatchingWeights(timebank: "aarhus", input: { inclusion: 0, recentLoad: 0 }) { inclusion recentLoad skill } }`,
    );
    expect(set.updateMatchingWeights).toEqual({ inclusion: 0, recentLoad: 0, skill: 0.35 });
    const data = await actors.Else.client.ok(MATCHES, { r: shoppingRequest });
    expect(data.matchesForRequest[0].factors.find((f: { name: string }) => f.name === "inclusion")).toMatchObject({
      weight: 0,
      contribution: 0,
    });
    await coordinator.client.ok(
      `mutation { updateMatchingWeights(timebank: "aarhus", input: { inclusion: 0.1, recentLoad: 0.15 }) { inclusion } }`,
    );
    const read = await actors.Ahmad.client.ok(`{ matchingWeights(timebank: "aarhus") { inclusion recentLoad } }`);
    expect(read.matchingWeights).toEqual({ inclusion: 0.1, recentLoad: 0.15 });
  });
});

describe("hard rules, each with a case", () => {
  it("only active members: the paused member cannot be proposed", async () => {
    const res = await coordinator.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Karen });
    expect(res.proposeMatch).toMatchObject({ __typename: "MatchRefused", code: "CANDIDATE_NOT_ACTIVE" });
  });

  it("never the requester", async () => {
    const res = await coordinator.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Else });
    expect(res.proposeMatch).toMatchObject({ __typename: "MatchRefused", code: "CANDIDATE_IS_REQUESTER" });
  });

  it("a member who declined this request is out of it, and cannot be proposed again", async () => {
    const proposed = await actors.Else.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Bo });
    expect(proposed.proposeMatch).toMatchObject({ __typename: "Match", status: "PROPOSED" });
    const declined = await actors.Bo.client.ok(ANSWER("declineMatch"), { m: proposed.proposeMatch.id });
    expect(declined.declineMatch).toMatchObject({ status: "DECLINED", respondedAt: expect.any(String) });
    expect(names((await actors.Else.client.ok(MATCHES, { r: shoppingRequest })).matchesForRequest)).not.toContain("Bo");
    const again = await coordinator.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Bo });
    expect(again.proposeMatch).toMatchObject({ code: "CANDIDATE_DECLINED" });
  });

  it("a home visit goes only to a member a coordinator has vouched for", async () => {
    const visit = await actors.Else.client.ok(CREATE, {
      input: {
        kind: "REQUEST",
        title: "Change the light bulbs in my ceiling",
        category: "repairs-bikes",
        placeMode: "AT_HOME",
        neighbourhood: "Frederiksbjerg",
      },
    });
    expect(visit.createPost.requiresVouchedHelper).toBe(true);
    const r = visit.createPost.id;
    expect(names((await actors.Else.client.ok(MATCHES, { r })).matchesForRequest)).toEqual([]);
    expect((await coordinator.client.ok(PROPOSE, { r, c: ids.Jonas })).proposeMatch).toMatchObject({ code: "CANDIDATE_NOT_VOUCHED" });
    // Only coordinators vouch.
    expect(await actors.Else.client.errorCode(`mutation($id: ID!) { vouchForMember(memberId: $id) { id } }`, { id: ids.Dave })).toBe(
      "FORBIDDEN",
    );
    const vouched = await coordinator.client.ok(
      `mutation($id: ID!) { vouchForMember(memberId: $id, note: "References checked") { id vouch { note vouchedAt } } }`,
      { id: ids.Dave },
    );
    expect(vouched.vouchForMember.vouch.note).toBe("References checked");
    expect(names((await actors.Else.client.ok(MATCHES, { r })).matchesForRequest)).toEqual(["Dave"]);
    // Jonas lives nearer, but is not vouched for: he stays out.
    await coordinator.client.ok(`mutation($id: ID!) { vouchForMember(memberId: $id) { id } }`, { id: ids.Jonas });
    expect(names((await actors.Else.client.ok(MATCHES, { r })).matchesForRequest)).toEqual(["Jonas", "Dave"]);
    await coordinator.client.ok(`mutation($id: ID!) { withdrawVouch(memberId: $id) { id } }`, { id: ids.Jonas });
    expect(names((await actors.Else.client.ok(MATCHES, { r })).matchesForRequest)).toEqual(["Dave"]);
  });
});

describe("the life of a match", () => {
  it("the requester proposes, the candidate finds and accepts it, the request is MATCHED, then done", async () => {
    const second = await actors.Else.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Otto });
    const proposed = await actors.Else.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Ahmad });
    expect(proposed.proposeMatch).toMatchObject({
      __typename: "Match",
      status: "PROPOSED",
      candidate: { id: ids.Ahmad },
      request: { id: shoppingRequest },
    });
    expect(proposed.proposeMatch.score).toBeGreaterThan(0.5);
    const twice = await actors.Else.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Ahmad });
    expect(twice.proposeMatch).toMatchObject({ code: "ALREADY_PROPOSED" });

    const waiting = await actors.Ahmad.client.ok(`{ myMatches(timebank: "aarhus") { id request { title author { displayName } } } }`);
    expect(waiting.myMatches).toEqual([
      { id: proposed.proposeMatch.id, request: { title: "Weekly shopping", author: { displayName: "Else" } } },
    ]);
    // Only the candidate answers.
    expect(await actors.Else.client.errorCode(ANSWER("acceptMatch"), { m: proposed.proposeMatch.id })).toBe("FORBIDDEN");

    const accepted = await actors.Ahmad.client.ok(ANSWER("acceptMatch"), { m: proposed.proposeMatch.id });
    expect(accepted.acceptMatch).toMatchObject({ __typename: "Match", status: "ACCEPTED" });
    const post = await actors.Else.client.ok(`query($id: ID!) { post(id: $id) { status matches { status candidate { displayName } } } }`, {
      id: shoppingRequest,
    });
    expect(post.post.status).toBe("MATCHED");
    expect(post.post.matches).toEqual(
      expect.arrayContaining([
        { status: "ACCEPTED", candidate: { displayName: "Ahmad" } },
        { status: "WITHDRAWN", candidate: { displayName: "Otto" } },
        { status: "DECLINED", candidate: { displayName: "Bo" } },
      ]),
    );
    // Otto's proposal was withdrawn when Ahmad accepted: it can no longer be accepted.
    const late = await actors.Otto.client.ok(ANSWER("acceptMatch"), { m: second.proposeMatch.id });
    expect(late.acceptMatch).toMatchObject({ code: "MATCH_NOT_PROPOSED" });
    // A matched request has no more candidates and takes no more proposals.
    expect((await actors.Else.client.ok(MATCHES, { r: shoppingRequest })).matchesForRequest).toEqual([]);
    expect((await coordinator.client.ok(PROPOSE, { r: shoppingRequest, c: ids.Helga })).proposeMatch).toMatchObject({
      code: "REQUEST_NOT_OPEN",
    });

    const done = await actors.Else.client.ok(
      `mutation($r: ID!) { markRequestDone(request: $r) { __typename ... on Post { status closedAt } ... on ErrorResult { code } } }`,
      { r: shoppingRequest },
    );
    expect(done.markRequestDone).toMatchObject({ __typename: "Post", status: "DONE" });
    const again = await actors.Else.client.ok(`mutation($r: ID!) { markRequestDone(request: $r) { ... on ErrorResult { code } } }`, {
      r: shoppingRequest,
    });
    expect(again.markRequestDone).toEqual({ code: "REQUEST_NOT_MATCHED" });
  });

  it("two candidates accepting at once: exactly one gets the request, the other a clear answer", async () => {
    const r = await actors.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Shopping before Christmas", category: "shopping-errands" },
    });
    const a = await coordinator.client.ok(PROPOSE, { r: r.createPost.id, c: ids.Extra1 });
    const b = await coordinator.client.ok(PROPOSE, { r: r.createPost.id, c: ids.Extra2 });
    const [ra, rb] = await Promise.all([
      actors.Extra1.client.ok(ANSWER("acceptMatch"), { m: a.proposeMatch.id }),
      actors.Extra2.client.ok(ANSWER("acceptMatch"), { m: b.proposeMatch.id }),
    ]);
    const outcomes = [ra.acceptMatch, rb.acceptMatch].map((x) => (x.__typename === "Match" ? x.status : x.code)).sort();
    // The loser's match was withdrawn by the winner, or its acceptance was rolled back because the request was taken.
    expect(outcomes[0]).toBe("ACCEPTED");
    expect(["MATCH_NOT_PROPOSED", "REQUEST_NOT_OPEN"]).toContain(outcomes[1]);
    expect(await t.db.prisma.match.count({ where: { requestId: r.createPost.id, status: "ACCEPTED" } })).toBe(1);
    expect((await t.db.prisma.post.findFirstOrThrow({ where: { id: r.createPost.id } })).status).toBe("MATCHED");
  });

  it("a proposal can be withdrawn by its proposer before it is answered", async () => {
    const r = await actors.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Weekly shopping next month", category: "shopping-errands" },
    });
    const p = await coordinator.client.ok(PROPOSE, { r: r.createPost.id, c: ids.Helga });
    expect(await actors.Ahmad.client.errorCode(ANSWER("withdrawMatch"), { m: p.proposeMatch.id })).toBe("NOT_FOUND");
    const w = await coordinator.client.ok(ANSWER("withdrawMatch"), { m: p.proposeMatch.id });
    expect(w.withdrawMatch).toMatchObject({ status: "WITHDRAWN" });
    // Proposed again later: the same match comes back.
    const again = await coordinator.client.ok(PROPOSE, { r: r.createPost.id, c: ids.Helga });
    expect(again.proposeMatch).toMatchObject({ id: p.proposeMatch.id, status: "PROPOSED" });
  });

  it("matches are for requests only, from the requester or a coordinator", async () => {
    const offer = await actors.Otto.client.ok(`{ posts(timebank: "aarhus", filter: { kind: OFFER }) { nodes { id } } }`);
    expect(await actors.Else.client.errorCode(MATCHES, { r: offer.posts.nodes[0].id })).toBe("BAD_USER_INPUT");
    const r = await actors.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Shopping on Fridays", category: "shopping-errands" },
    });
    expect(await actors.Ahmad.client.errorCode(MATCHES, { r: r.createPost.id })).toBe("FORBIDDEN");
    expect(await actors.Ahmad.client.errorCode(PROPOSE, { r: r.createPost.id, c: ids.Bo })).toBe("FORBIDDEN");
    expect(await coordinator.client.errorCode(PROPOSE, { r: r.createPost.id, c: "nope" })).toBe("BAD_USER_INPUT");
    expect(await coordinator.client.errorCode(PROPOSE, { r: r.createPost.id, c: ids.Bo, o: r.createPost.id })).toBe("BAD_USER_INPUT");
    expect(await t.db.prisma.match.count({ where: { requestId: r.createPost.id } })).toBe(0);
  });
});

describe("for members and coordinators", () => {
  it("suggests the open requests a member could meet, with reasons; a paused member gets none", async () => {
    const r = await actors.Else.client.ok(CREATE, {
      input: {
        kind: "REQUEST",
        title: "Shopping for my neighbour",
        category: "shopping-errands",
        tags: ["weekly shopping"],
        neighbourhood: "Frederiksbjerg",
      },
    });
    const data = await actors.Ahmad.client.ok(
      `{ suggestedRequests(timebank: "aarhus", first: 5) { request { id title author { displayName } } score reasons } }`,
    );
    const titles = data.suggestedRequests.map((s: { request: { title: string } }) => s.request.title);
    expect(titles[0]).toBe("Shopping for my neighbour");
    expect(data.suggestedRequests[0].reasons).toContain('can do "weekly shopping"');
    expect(
      data.suggestedRequests.every((s: { request: { author: { displayName: string } } }) => s.request.author.displayName !== "Ahmad"),
    ).toBe(true);
    // The home visit needs a vouched helper: not suggested to Ahmad.
    expect(titles).not.toContain("Change the light bulbs in my ceiling");
    const karen = await actors.Karen.client.ok(`{ suggestedRequests(timebank: "aarhus") { request { id } } }`);
    expect(karen.suggestedRequests).toEqual([]);
    // The request Ahmad accepted is no longer open.
    expect(titles).not.toContain("Weekly shopping");
    expect(r.createPost.status).toBe("OPEN");
  });

  it("shows coordinators the pairs who can each meet a need of the other", async () => {
    const data = await coordinator.client.ok(
      `{ reciprocalPairs(timebank: "aarhus") { a { displayName } b { displayName } aCanHelpBWith bCanHelpAWith } }`,
    );
    const pair = data.reciprocalPairs.find(
      (p: { a: { displayName: string }; b: { displayName: string } }) =>
        [p.a.displayName, p.b.displayName].sort().join("+") === "Ahmad+Else",
    );
    expect(pair).toBeDefined();
    const [elseGives, ahmadGives] =
      pair.a.displayName === "Else" ? [pair.aCanHelpBWith, pair.bCanHelpAWith] : [pair.bCanHelpAWith, pair.aCanHelpBWith];
    expect(elseGives).toEqual(["danish conversation"]);
    expect(ahmadGives).toEqual(["weekly shopping"]);
    // Karen is paused: in no pair.
    expect(JSON.stringify(data)).not.toContain("Karen");
    expect(await actors.Ahmad.client.errorCode(`{ reciprocalPairs(timebank: "aarhus") { a { id } } }`)).toBe("FORBIDDEN");
  });
});

describe("understanding people as they write (issue 20)", () => {
  const REQUEST_MATCHES = `query($r: ID!) { requestMatches(request: $r) { nobodyFits ruledOutByLanguage ruledOutByDistance ruledOutByTime
    candidates { member { id } reasons } } }`;
  const request = async (who: string, input: Record<string, unknown>) =>
    (await actors[who].client.ok(CREATE, { input: { kind: "REQUEST", ...input } })).createPost.id as string;
  const found = async (r: string) => (await actors.Else.client.ok(REQUEST_MATCHES, { r })).requestMatches;
  const close = (who: string, id: string) => actors[who].client.ok(`mutation($id: ID!) { closePost(id: $id) { __typename } }`, { id });

  beforeAll(async () => {
    // Written as people write: Danish, Polish, a compound, no categories.
    await member("Mette", {
      languages: ["da"],
      neighbourhood: "Trøjborg",
      bio: "Jeg fikser computere og bærbare.",
      skills: [{ label: "IT-hjælp" }],
    });
    await member("Piotr", {
      languages: ["pl", "da"],
      neighbourhood: "Aarhus C",
      bio: "Naprawiam rowery.",
      skills: [{ label: "cykelreparation" }],
    });
    await member("Kasia", { languages: ["pl", "da"], neighbourhood: "Frederiksbjerg", skills: [{ label: "læse breve" }] });
    await member("Birthe", { languages: ["da"], neighbourhood: "Frederiksbjerg", skills: [{ label: "læse breve" }] });
    await member("Sune", { languages: ["da"], neighbourhood: "Viby", skills: [{ label: "læse breve" }] });
    await member("Lars", { languages: ["da"], neighbourhood: "Frederiksbjerg", skills: [{ label: "datanisse" }] });
    await member("Gitte", {
      languages: ["da"],
      neighbourhood: "Trøjborg",
      skills: [{ label: "havearbejde" }],
      availability: [{ weekday: 6, startMinute: 600, endMinute: 900 }],
    });
  });

  it("finds the IT helper for a computer that will not start, written with a typo and without a category", async () => {
    const r = await request("Else", { title: "Min komputer vil ikke starte", neighbourhood: "Trojborg" });
    const list = await found(r);
    expect(names(list.candidates)[0]).toBe("Mette");
    expect(list.candidates[0].reasons).toEqual(expect.arrayContaining(['can do "it-hjælp"', "lives in Trøjborg too"]));
    expect(names(list.candidates)).not.toContain("Gitte");
    await close("Else", r);
  });

  it("finds a bike mechanic who wrote in Polish and Danish for a flat tyre asked in English", async () => {
    const r = await request("Else", { title: "Flat tyre on my bike" });
    expect(names((await found(r)).candidates)).toEqual(expect.arrayContaining(["Piotr", "Jonas"]));
    await close("Else", r);
  });

  it("a request that names a language needs a helper who speaks it, and says so", async () => {
    const r = await request("Else", { title: "Brev fra hospitalet", description: "Jeg skal have det forklaret på polsk." });
    const list = await found(r);
    expect(names(list.candidates)).toEqual(["Kasia"]);
    expect(list.candidates[0].reasons).toContain("speaks Polish, as the request asks");
    // Birthe and Sune read letters too, in Danish only.
    expect(list.ruledOutByLanguage).toBeGreaterThanOrEqual(2);
    await close("Else", r);
  });

  it("says nobody fits instead of filling the list", async () => {
    const r = await request("Else", { title: "Klaverstemmer søges", description: "Mit klaver er falsk." });
    expect(await found(r)).toMatchObject({ candidates: [], nobodyFits: true });
    await close("Else", r);
  });

  it("distance in km with the bank's radius, which coordinators set", async () => {
    const r = await request("Else", { title: "Hjælp til at læse et brev fra kommunen", neighbourhood: "Frederiksbjerg" });
    expect(names((await found(r)).candidates)).toEqual(expect.arrayContaining(["Kasia", "Birthe", "Sune"]));
    expect(await actors.Else.client.errorCode(`mutation { setMatchingRadius(timebank: "aarhus", km: 2) }`)).toBe("FORBIDDEN");
    expect(await coordinator.client.errorCode(`mutation { setMatchingRadius(timebank: "aarhus", km: 0) }`)).toBe("BAD_USER_INPUT");
    expect((await coordinator.client.ok(`mutation { setMatchingRadius(timebank: "aarhus", km: 2) }`)).setMatchingRadius).toBe(2);
    // Viby is about 3.5 km from Frederiksbjerg.
    const near = await found(r);
    expect(names(near.candidates)).not.toContain("Sune");
    expect(near.ruledOutByDistance).toBeGreaterThanOrEqual(1);
    await coordinator.client.ok(`mutation { setMatchingRadius(timebank: "aarhus", km: 10) }`);
    expect((await actors.Else.client.ok(`{ matchingRadiusKm(timebank: "aarhus") }`)).matchingRadiusKm).toBe(10);
    await close("Else", r);
  });

  it("a request with a time leaves out who is never free then", async () => {
    // Saturday 10-12: Gitte said she is free on Saturdays; nobody else who gardens.
    const r = await request("Else", { title: "Hjælp til havearbejde", availability: [{ weekday: 6, startMinute: 600, endMinute: 720 }] });
    expect(names((await found(r)).candidates)).toEqual(["Gitte"]);
    const monday = await request("Else", {
      title: "Hjælp til havearbejde om mandagen",
      availability: [{ weekday: 1, startMinute: 600, endMinute: 720 }],
    });
    expect(await found(monday)).toMatchObject({ candidates: [], nobodyFits: true, ruledOutByTime: 1 });
    await close("Else", r);
    await close("Else", monday);
  });

  it("coordinators add local synonyms, validated; members are matched with them from the next search", async () => {
    const r = await request("Else", { title: "Min computer vil ikke starte" });
    expect(names((await found(r)).candidates)).not.toContain("Lars");
    const ADD = `mutation($a: String!, $p: String!) { addMatchingSynonym(timebank: "aarhus", activity: $a, phrase: $p) { id activityId phrase } }`;
    expect(await actors.Else.client.errorCode(ADD, { a: "computer-repair", p: "datanisse" })).toBe("FORBIDDEN");
    expect(await coordinator.client.errorCode(ADD, { a: "no-such-activity", p: "datanisse" })).toBe("BAD_USER_INPUT");
    expect(await coordinator.client.errorCode(ADD, { a: "computer-repair", p: "help" })).toBe("BAD_USER_INPUT");
    expect((await coordinator.client.ok(`{ matchingSynonyms(timebank: "aarhus") { id } }`)).matchingSynonyms).toEqual([]);
    const added = await coordinator.client.ok(ADD, { a: "computer-repair", p: "Datanisse" });
    expect(added.addMatchingSynonym).toMatchObject({ activityId: "computer-repair", phrase: "Datanisse" });
    expect(await coordinator.client.errorCode(ADD, { a: "bike-repair", p: "datanisse" })).toBe("BAD_USER_INPUT");
    expect(names((await found(r)).candidates)).toContain("Lars");
    const activities = await coordinator.client.ok(
      `{ matchingActivities(timebank: "aarhus", category: "it-help") { id terms { language phrase } } }`,
    );
    expect(activities.matchingActivities.map((a: { id: string }) => a.id)).toContain("computer-repair");
    await coordinator.client.ok(`mutation($id: ID!) { removeMatchingSynonym(timebank: "aarhus", id: $id) { id } }`, {
      id: added.addMatchingSynonym.id,
    });
    expect(names((await found(r)).candidates)).not.toContain("Lars");
    await close("Else", r);
  });

  it("pairs members whose open requests the other can meet, and says which", async () => {
    const garden = await request("Mette", { title: "Hjælp til at luge haven" });
    const laptop = await request("Gitte", { title: "Min bærbare er blevet langsom" });
    const data = await coordinator.client.ok(
      `{ reciprocalPairs(timebank: "aarhus") { a { displayName } b { displayName } aHelpsBFor bHelpsAFor } }`,
    );
    const pair = data.reciprocalPairs.find(
      (p: { a: { displayName: string }; b: { displayName: string } }) =>
        [p.a.displayName, p.b.displayName].sort().join("+") === "Gitte+Mette",
    );
    expect(pair).toBeDefined();
    const [metteHelps, gitteHelps] =
      pair.a.displayName === "Mette" ? [pair.aHelpsBFor, pair.bHelpsAFor] : [pair.bHelpsAFor, pair.aHelpsBFor];
    expect(metteHelps).toEqual(['"Min bærbare er blevet langsom"']);
    expect(gitteHelps).toEqual(['"Hjælp til at luge haven"']);
    await close("Mette", garden);
    await close("Gitte", laptop);
  });
});

describe("another bank sees nothing", () => {
  it("a member of another bank can neither see candidates, propose, answer nor be proposed", async () => {
    const otherCoordinator = await signUp(t, "Odense Coordinator");
    const admin = await platformAdmin(t);
    await createBank(t, admin, "odense", otherCoordinator);
    const stranger = await member("Stranger", shopper(), "odense", otherCoordinator);
    const r = await actors.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Weekly shopping again", category: "shopping-errands", tags: ["weekly shopping"] },
    });
    const rid = r.createPost.id;
    expect(await stranger.client.errorCode(MATCHES, { r: rid })).toBe("NOT_FOUND");
    expect(await otherCoordinator.client.errorCode(PROPOSE, { r: rid, c: ids.Stranger })).toBe("NOT_FOUND");
    // A member of another bank is no candidate here, even when proposed by id.
    expect(await coordinator.client.errorCode(PROPOSE, { r: rid, c: ids.Stranger })).toBe("NOT_FOUND");
    expect(names((await actors.Else.client.ok(MATCHES, { r: rid })).matchesForRequest)).not.toContain("Stranger");
    expect(await stranger.client.errorCode(`{ suggestedRequests(timebank: "aarhus") { score } }`)).toBe("NOT_FOUND");
    expect(await otherCoordinator.client.errorCode(`{ reciprocalPairs(timebank: "aarhus") { a { id } } }`)).toBe("NOT_FOUND");
    const anyMatch = await t.db.prisma.match.findFirstOrThrow({ where: { status: "PROPOSED" } });
    expect(await stranger.client.errorCode(ANSWER("declineMatch"), { m: anyMatch.id })).toBe("NOT_FOUND");
    expect(await otherCoordinator.client.errorCode(`mutation($id: ID!) { vouchForMember(memberId: $id) { id } }`, { id: ids.Ahmad })).toBe(
      "NOT_FOUND",
    );
  });
});
