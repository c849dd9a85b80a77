// Safety and rights: Helga's safeguarding check expires and home visits stop reaching her until
// it is renewed; Bo gives at most an hour a week and is not asked for more; a repair café with a
// waiting list; contact details only between matched members; Ahmad downloads his data and is
// forgotten, and his bank's records stay whole.
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const DAY = 86_400_000;
const clock = new ManualClock(new Date("2027-01-04T09:00:00Z"));
let t: TestServer;
let maja: Actor;
let otto: Actor;
const a: Record<string, Actor> = {};
const id: Record<string, string> = {};

const PROFILE = `mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "aarhus", input: $input) { id } }`;
const CREATE = `mutation($input: CreatePostInput!) { createPost(timebank: "aarhus", input: $input) { id requiresVouchedHelper } }`;
const CANDIDATES = `query($r: ID!) { matchesForRequest(request: $r) { member { id } } }`;
const PROPOSE = `mutation($r: ID!, $c: ID!) { proposeMatch(request: $r, candidate: $c) { __typename ... on Match { id status } ... on ErrorResult { code message } } }`;
const ACCEPT = `mutation($m: ID!) { acceptMatch(match: $m) { __typename ... on Match { status } ... on ErrorResult { code } } }`;
const CHECK = `mutation($m: ID!, $input: SafeguardingCheckInput!) { recordSafeguardingCheck(memberId: $m, input: $input) { id checkType checkedOn expiresOn valid verifiedBy { id } } }`;

const candidates = async (requester: Actor, request: string): Promise<string[]> =>
  (await requester.client.ok(CANDIDATES, { r: request })).matchesForRequest.map((c: { member: { id: string } }) => c.member.id);

const shopper = { neighbourhood: "Trøjborg", languages: ["da"], skills: [{ label: "weekly shopping", category: "shopping-errands" }] };

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 365 * 24 * 3600 } });
  const admin = await platformAdmin(t);
  maja = await signUp(t, "Maja");
  await createBank(t, admin, "aarhus", maja);
  id.Maja = (await maja.client.ok(`{ me { memberships { id } } }`)).me.memberships[0].id;
  const olga = await signUp(t, "Olga");
  await createBank(t, admin, "odense", olga);
  otto = await signUp(t, "Otto");
  await join(otto, olga, "odense");
  for (const name of ["Else", "Helga", "Bo", "Ahmad", "Dave"]) {
    a[name] = await signUp(t, name);
    id[name] = await join(a[name], maja, "aarhus");
  }
  for (const name of ["Helga", "Bo", "Ahmad"]) await a[name].client.ok(PROFILE, { input: shopper });
  await a.Else.client.ok(PROFILE, { input: { neighbourhood: "Trøjborg", languages: ["da"] } });
});
afterAll(() => t.close());

describe("safeguarding checks that expire", () => {
  it("an expired check removes a vouched helper from home-visit requests until it is renewed", async () => {
    await maja.client.ok(
      `mutation { updateOnboardingSettings(timebank: "aarhus", input: { requireSafeguardingCheck: true }) { requireSafeguardingCheck } }`,
    );
    for (const name of ["Helga", "Bo"]) await maja.client.ok(`mutation($m: ID!) { vouchForMember(memberId: $m) { id } }`, { m: id[name] });
    const recorded = await maja.client.ok(CHECK, {
      m: id.Helga,
      input: { checkType: "criminal record certificate", checkedOn: "2026-02-01", expiresOn: "2027-02-01" },
    });
    expect(recorded.recordSafeguardingCheck).toMatchObject({
      checkedOn: "2026-02-01",
      expiresOn: "2027-02-01",
      valid: true,
      verifiedBy: { id: id.Maja },
    });
    // Bad input is refused and records nothing.
    const checks = () => t.db.prisma.safeguardingCheck.count();
    const before = await checks();
    for (const input of [
      { checkType: "x", checkedOn: "2026-02-01" },
      { checkType: "criminal record certificate", checkedOn: "2026-02-30" },
      { checkType: "criminal record certificate", checkedOn: "2026-02-01", expiresOn: "2026-01-01" },
      { checkType: "criminal record certificate", checkedOn: "2028-01-01" },
    ]) {
      expect(await maja.client.errorCode(CHECK, { m: id.Helga, input })).toBe("BAD_USER_INPUT");
    }
    expect(await a.Bo.client.errorCode(CHECK, { m: id.Bo, input: { checkType: "self-declared", checkedOn: "2026-02-01" } })).toBe(
      "FORBIDDEN",
    );
    expect(await checks()).toBe(before);

    const visit = await a.Else.client.ok(CREATE, {
      input: {
        kind: "REQUEST",
        title: "Weekly shopping brought home",
        category: "shopping-errands",
        tags: ["weekly shopping"],
        placeMode: "AT_HOME",
        neighbourhood: "Trøjborg",
      },
    });
    expect(visit.createPost.requiresVouchedHelper).toBe(true);
    const r = visit.createPost.id;
    // Bo is vouched for but has no check; Ahmad is neither.
    expect(await candidates(a.Else, r)).toEqual([id.Helga]);
    expect((await a.Else.client.ok(PROPOSE, { r, c: id.Bo })).proposeMatch.code).toBe("CANDIDATE_CHECK_EXPIRED");

    clock.set(new Date("2027-02-01T08:00:00Z"));
    expect(await candidates(a.Else, r)).toEqual([]);
    const refused = await a.Else.client.ok(PROPOSE, { r, c: id.Helga });
    expect(refused.proposeMatch).toMatchObject({ __typename: "MatchRefused", code: "CANDIDATE_CHECK_EXPIRED" });
    const seen = await maja.client.ok(`query($m: ID!) { onboarding(memberId: $m) { safeguardingChecks { valid } } }`, { m: id.Helga });
    expect(seen.onboarding.safeguardingChecks).toEqual([{ valid: false }]);
    // Her own shopping requests elsewhere are unaffected: the rule is for home visits.
    const street = await a.Else.client.ok(CREATE, {
      input: {
        kind: "REQUEST",
        title: "Weekly shopping list help",
        category: "shopping-errands",
        tags: ["weekly shopping"],
        placeMode: "BY_PHONE",
      },
    });
    expect(await candidates(a.Else, street.createPost.id)).toEqual(expect.arrayContaining([id.Helga, id.Bo, id.Ahmad]));

    await maja.client.ok(CHECK, {
      m: id.Helga,
      input: { checkType: "criminal record certificate", checkedOn: "2027-01-30", expiresOn: "2030-01-30" },
    });
    expect(await candidates(a.Else, r)).toEqual([id.Helga]);
    expect(
      await a.Helga.client.errorCode(`query($m: ID!) { onboarding(memberId: $m) { safeguardingChecks { id } } }`, { m: id.Else }),
    ).toBe("FORBIDDEN");
    expect(
      (await a.Helga.client.ok(`query($m: ID!) { onboarding(memberId: $m) { safeguardingChecks { id } } }`, { m: id.Helga })).onboarding
        .safeguardingChecks,
    ).toBeNull();
  });
});

describe("flexible engagement", () => {
  it("Bo gives at most an hour a week: once he has, he is not proposed, and next week he is again", async () => {
    const SET = `mutation($input: EngagementInput!) { setEngagement(timebank: "aarhus", input: $input) { period maxMinutes committedMinutes atLimit } }`;
    expect(await a.Bo.client.errorCode(SET, { input: { period: "WEEK" } })).toBe("BAD_USER_INPUT");
    expect(await a.Bo.client.errorCode(SET, { input: { period: "FLEXIBLE", maxMinutes: 60 } })).toBe("BAD_USER_INPUT");
    const set = await a.Bo.client.ok(SET, { input: { period: "WEEK", maxMinutes: 60 } });
    expect(set.setEngagement).toEqual({ period: "WEEK", maxMinutes: 60, committedMinutes: 0, atLimit: false });

    const first = await a.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Weekly shopping on Monday", category: "shopping-errands", expectedMinutes: 60 },
    });
    expect(await candidates(a.Else, first.createPost.id)).toContain(id.Bo);
    const proposed = await a.Else.client.ok(PROPOSE, { r: first.createPost.id, c: id.Bo });
    expect((await a.Bo.client.ok(ACCEPT, { m: proposed.proposeMatch.id })).acceptMatch.status).toBe("ACCEPTED");

    const seen = await maja.client.ok(`query($m: ID!) { member(id: $m) { engagement { committedMinutes atLimit } } }`, { m: id.Bo });
    expect(seen.member.engagement).toEqual({ committedMinutes: 60, atLimit: true });
    expect(
      (await a.Dave.client.ok(`query($m: ID!) { member(id: $m) { engagement { atLimit } } }`, { m: id.Bo })).member.engagement,
    ).toBeNull();

    const second = await a.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Weekly shopping on Thursday", category: "shopping-errands" },
    });
    const list = await candidates(a.Else, second.createPost.id);
    expect(list).not.toContain(id.Bo);
    expect(list).toContain(id.Ahmad);
    expect((await a.Else.client.ok(PROPOSE, { r: second.createPost.id, c: id.Bo })).proposeMatch.code).toBe("CANDIDATE_AT_LIMIT");

    clock.advance(8 * DAY);
    expect(await candidates(a.Else, second.createPost.id)).toContain(id.Bo);
  });
});

describe("group activities", () => {
  it("a repair café with two places: the third is waiting and moves up when someone cancels; a coordinator confirms attendance", async () => {
    const CREATE_ACTIVITY = `mutation($input: ActivityInput!) { createActivity(timebank: "aarhus", input: $input) { id status places host { id } } }`;
    const startsAt = new Date(clock.now().getTime() + 2 * DAY).toISOString();
    expect(
      await a.Bo.client.errorCode(CREATE_ACTIVITY, {
        input: { kind: "REPAIR_CAFE", title: "Repair café", startsAt, durationMinutes: 180, places: 2 },
      }),
    ).toBe("FORBIDDEN");
    expect(
      await maja.client.errorCode(CREATE_ACTIVITY, {
        input: { kind: "REPAIR_CAFE", title: "Repair café", startsAt, durationMinutes: 180, places: 0 },
      }),
    ).toBe("BAD_USER_INPUT");
    const created = await maja.client.ok(CREATE_ACTIVITY, {
      input: { kind: "REPAIR_CAFE", title: "Repair café", startsAt, durationMinutes: 180, places: 2, hostId: id.Dave },
    });
    const act = created.createActivity.id;
    expect(created.createActivity).toMatchObject({ status: "PLANNED", places: 2, host: { id: id.Dave } });

    const SIGN = `mutation($x: ID!) { signUpForActivity(activityId: $x) { status } }`;
    expect((await a.Bo.client.ok(SIGN, { x: act })).signUpForActivity.status).toBe("SIGNED_UP");
    clock.advance(1000);
    expect((await a.Ahmad.client.ok(SIGN, { x: act })).signUpForActivity.status).toBe("SIGNED_UP");
    clock.advance(1000);
    expect((await a.Helga.client.ok(SIGN, { x: act })).signUpForActivity.status).toBe("WAITING");
    const LIST = `query($x: ID!) { activity(id: $x) { status signups { status attendedAt member { id } } } }`;
    const people = async () =>
      (await a.Else.client.ok(LIST, { x: act })).activity.signups.map((s: { status: string; member: { id: string } }) => [
        s.member.id,
        s.status,
      ]);
    expect(await people()).toEqual([
      [id.Bo, "SIGNED_UP"],
      [id.Ahmad, "SIGNED_UP"],
      [id.Helga, "WAITING"],
    ]);

    await a.Bo.client.ok(`mutation($x: ID!) { cancelActivitySignup(activityId: $x) { status } }`, { x: act });
    expect(await people()).toEqual([
      [id.Ahmad, "SIGNED_UP"],
      [id.Helga, "SIGNED_UP"],
    ]);
    expect(await a.Bo.client.errorCode(`mutation($x: ID!) { cancelActivitySignup(activityId: $x) { status } }`, { x: act })).toBe(
      "BAD_USER_INPUT",
    );

    const CONFIRM = `mutation($x: ID!, $who: [ID!]!) { confirmAttendance(activityId: $x, attendeeIds: $who) { ... on Activity { status } ... on ErrorResult { code } } }`;
    const BALANCE = `query($m: ID!) { member(id: $m) { account { balanceMinutes } } }`;
    const balance = async (m: string) => (await maja.client.ok(BALANCE, { m })).member.account.balanceMinutes as number;
    const before = { dave: await balance(id.Dave), ahmad: await balance(id.Ahmad), helga: await balance(id.Helga) };
    expect(await maja.client.errorCode(CONFIRM, { x: act, who: [id.Ahmad] })).toBe("BAD_USER_INPUT"); // not started yet
    clock.advance(2 * DAY + 3600_000);
    expect(await a.Ahmad.client.errorCode(CONFIRM, { x: act, who: [id.Ahmad] })).toBe("FORBIDDEN");
    expect(await maja.client.errorCode(CONFIRM, { x: act, who: [id.Ahmad, id.Bo] })).toBe("BAD_USER_INPUT"); // Bo cancelled
    expect((await maja.client.ok(`query($x: ID!) { activity(id: $x) { status } }`, { x: act })).activity.status).toBe("PLANNED");
    expect((await maja.client.ok(CONFIRM, { x: act, who: [id.Ahmad, id.Helga] })).confirmAttendance.status).toBe("HELD");
    const after = (await maja.client.ok(LIST, { x: act })).activity.signups;
    expect(after.every((s: { attendedAt: string | null }) => s.attendedAt !== null)).toBe(true);
    expect(await maja.client.errorCode(CONFIRM, { x: act, who: [id.Ahmad] })).toBe("BAD_USER_INPUT");
    // The ledger recorded the hours in one go: the pot paid the host for the three hours he
    // repaired; the visitors of a repair café were guests. Nothing counted twice.
    expect(await balance(id.Dave)).toBe(before.dave + 180);
    expect([await balance(id.Ahmad), await balance(id.Helga)]).toEqual([before.ahmad, before.helga]);
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);

    expect(await otto.client.errorCode(LIST, { x: act })).toBe("NOT_FOUND");
    expect(await otto.client.errorCode(SIGN, { x: act })).toBe("NOT_FOUND");
    expect(await otto.client.errorCode(`{ activities(timebank: "aarhus") { id } }`)).toBe("NOT_FOUND");
  });
});

describe("contact details and privacy rights", () => {
  const PRIVATE = `query($m: ID!) { member(id: $m) { privateDetails { loginEmail contactPhone contactEmail accessibilityNeeds } } }`;

  it("contact details are shared between two members with an accepted match, and with coordinators", async () => {
    await a.Ahmad.client.ok(PROFILE, {
      input: { contactPhone: "+45 20 30 40 50", contactEmail: "ahmad@example.org", accessibilityNeeds: "uses a wheelchair" },
    });
    expect((await a.Else.client.ok(PRIVATE, { m: id.Ahmad })).member.privateDetails).toBeNull();
    const request = await a.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Weekly shopping on Friday", category: "shopping-errands" },
    });
    const proposed = await a.Else.client.ok(PROPOSE, { r: request.createPost.id, c: id.Ahmad });
    expect((await a.Else.client.ok(PRIVATE, { m: id.Ahmad })).member.privateDetails).toBeNull(); // proposed is not accepted
    await a.Ahmad.client.ok(ACCEPT, { m: proposed.proposeMatch.id });
    expect((await a.Else.client.ok(PRIVATE, { m: id.Ahmad })).member.privateDetails).toEqual({
      loginEmail: "",
      contactPhone: "+45 20 30 40 50",
      contactEmail: "ahmad@example.org",
      accessibilityNeeds: null,
    });
    expect((await a.Dave.client.ok(PRIVATE, { m: id.Ahmad })).member.privateDetails).toBeNull();
    expect((await maja.client.ok(PRIVATE, { m: id.Ahmad })).member.privateDetails.accessibilityNeeds).toBe("uses a wheelchair");
  });

  it("Ahmad downloads everything held about him, then is forgotten; his membership stays as an anonymous row", async () => {
    const exported = (await a.Ahmad.client.ok(`{ exportMyData }`)).exportMyData;
    expect(exported.person).toMatchObject({ id: a.Ahmad.personId, email: a.Ahmad.email, displayName: "Ahmad" });
    expect(exported.banks).toHaveLength(1);
    const bank = exported.banks[0];
    expect(bank.timebank.slug).toBe("aarhus");
    expect(bank.profile).toMatchObject({
      contactPhone: "+45 20 30 40 50",
      accessibilityNeeds: "uses a wheelchair",
      neighbourhood: "Trøjborg",
    });
    expect(bank.skills).toEqual([expect.objectContaining({ kind: "SKILL", label: "weekly shopping" })]);
    expect(bank.matchesProposedToMe.map((m: { status: string }) => m.status)).toEqual(["ACCEPTED"]);
    expect(bank.activitySignups[0]).toMatchObject({ status: "SIGNED_UP", activity: { title: "Repair café" } });
    expect(JSON.stringify(exported)).not.toContain("passwordHash");
    expect(
      await otto.client
        .ok(`{ exportMyData }`)
        .then((d) => d.exportMyData.banks.map((b: { timebank: { slug: string } }) => b.timebank.slug)),
    ).toEqual(["odense"]);

    const offer = await a.Ahmad.client.ok(CREATE, { input: { kind: "OFFER", title: "Arabic translation of letters" } });
    // He has the only place at next week's language café; Dave is waiting for it.
    const cafe = await maja.client.ok(`mutation($input: ActivityInput!) { createActivity(timebank: "aarhus", input: $input) { id } }`, {
      input: {
        kind: "LANGUAGE_CAFE",
        title: "Language café",
        startsAt: new Date(clock.now().getTime() + 7 * DAY).toISOString(),
        durationMinutes: 120,
        places: 1,
      },
    });
    await a.Ahmad.client.ok(`mutation($x: ID!) { signUpForActivity(activityId: $x) { status } }`, { x: cafe.createActivity.id });
    clock.advance(1000);
    await a.Dave.client.ok(`mutation($x: ID!) { signUpForActivity(activityId: $x) { status } }`, { x: cafe.createActivity.id });
    // He helped Else this week: the exchange is in the ledger before he asks to be forgotten.
    const exchange = await maja.client.ok(
      `mutation($g: ID!, $r: ID!) { recordExchange(input: { timebank: "aarhus", giverMemberId: $g, receiverMemberId: $r, minutes: 45, idempotencyKey: "erasure-story-1" }) { __typename ... on Transfer { id } } }`,
      { g: id.Ahmad, r: id.Else },
    );
    expect(exchange.recordExchange.__typename).toBe("Transfer");
    const accountBefore = await t.db.prisma.account.findFirstOrThrow({ where: { membershipId: id.Ahmad } });
    const forgotten = await a.Ahmad.client.ok(
      `mutation { forgetMe { __typename ... on Forgotten { anonymisedMemberships } ... on ErrorResult { code } } }`,
    );
    expect(forgotten.forgetMe).toEqual({ __typename: "Forgotten", anonymisedMemberships: 1 });
    // The ledger keeps its integrity: his account and the transfer stay, pointing at an anonymous
    // member; his balance went to the community pot through the ledger, and the account is closed.
    expect(await t.db.prisma.account.findFirstOrThrow({ where: { membershipId: id.Ahmad } })).toMatchObject({
      id: accountBefore.id,
      balanceMinutes: 0,
      status: "CLOSED",
    });
    expect(await t.db.prisma.transfer.count({ where: { id: exchange.recordExchange.id } })).toBe(1);
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);

    // His session ends and his email no longer logs in.
    expect(await a.Ahmad.client.errorCode(`{ me { id } }`)).toBe("UNAUTHENTICATED");
    const login = await t.client.ok(
      `mutation($e: String!) { logIn(input: { email: $e, password: "correct horse battery" }) { __typename } }`,
      { e: a.Ahmad.email },
    );
    expect(login.logIn.__typename).toBe("InvalidCredentials");

    const seen = await maja.client.ok(
      `query($m: ID!) { member(id: $m) { id status displayName skills { label } profile { bio neighbourhood languages }
      privateDetails { loginEmail contactPhone contactEmail accessibilityNeeds } } }`,
      { m: id.Ahmad },
    );
    expect(seen.member).toEqual({
      id: id.Ahmad,
      status: "LEFT",
      displayName: "Erased member",
      skills: [],
      profile: { bio: "", neighbourhood: null, languages: [] },
      // A random placeholder: nothing derived from his id (docs/privacy.md).
      privateDetails: {
        loginEmail: expect.stringMatching(/^erased-[0-9a-f-]{36}@erased\.invalid$/),
        contactPhone: null,
        contactEmail: null,
        accessibilityNeeds: null,
      },
    });
    const cafeSignups = await a.Dave.client.ok(`query($x: ID!) { activity(id: $x) { signups { status member { id } } } }`, {
      x: cafe.createActivity.id,
    });
    expect(cafeSignups.activity.signups).toEqual([{ status: "SIGNED_UP", member: { id: id.Dave } }]);
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { id: offer.createPost.id } });
    expect(post).toMatchObject({ title: "Removed at the member's request", description: "", status: "CANCELLED" });
    // The rows the ledger and statistics point at are still there.
    expect(await t.db.prisma.membership.count({ where: { id: id.Ahmad } })).toBe(1);
    expect(await t.db.prisma.match.count({ where: { candidateId: id.Ahmad, status: "ACCEPTED" } })).toBe(1);
    expect(await t.db.prisma.activitySignup.count({ where: { membershipId: id.Ahmad, attendedAt: { not: null } } })).toBe(1);
    const person = await t.db.prisma.person.findUniqueOrThrow({ where: { id: a.Ahmad.personId } });
    expect(person.erasedAt).not.toBeNull();
    expect(JSON.stringify(person)).not.toContain("Ahmad");
  });

  it("the bank's only admin must hand over before being forgotten", async () => {
    const refused = await maja.client.ok(`mutation { forgetMe { __typename ... on ErrorResult { code message } } }`);
    expect(refused.forgetMe).toMatchObject({ __typename: "ForgetRefused", code: "LAST_ADMIN" });
    expect((await maja.client.ok(`{ me { displayName } }`)).me.displayName).toBe("Maja");
  });
});

describe("a work party", () => {
  it("pays every attendee and the host from the community pot in one group exchange", async () => {
    const startsAt = new Date(clock.now().getTime() + DAY).toISOString();
    const created = await maja.client.ok(`mutation($input: ActivityInput!) { createActivity(timebank: "aarhus", input: $input) { id } }`, {
      input: { kind: "WORK_PARTY", title: "Clearing the allotments", startsAt, durationMinutes: 120, places: 5, hostId: id.Dave },
    });
    const act = created.createActivity.id;
    for (const who of [a.Bo, a.Helga])
      await who.client.ok(`mutation($x: ID!) { signUpForActivity(activityId: $x) { status } }`, { x: act });
    const BALANCE = `query($m: ID!) { member(id: $m) { account { balanceMinutes } } }`;
    const balance = async (m: string) => (await maja.client.ok(BALANCE, { m })).member.account.balanceMinutes as number;
    const pot = async () =>
      (await maja.client.ok(`{ communityPot(timebank: "aarhus") { balanceMinutes } }`)).communityPot.balanceMinutes as number;
    const before = { dave: await balance(id.Dave), bo: await balance(id.Bo), helga: await balance(id.Helga), pot: await pot() };
    clock.advance(DAY + 3 * 3600_000);
    const done = await maja.client.ok(
      `mutation($x: ID!, $who: [ID!]!) { confirmAttendance(activityId: $x, attendeeIds: $who) { ... on Activity { status } ... on ErrorResult { code } } }`,
      {
        x: act,
        who: [id.Bo, id.Helga],
      },
    );
    expect(done.confirmAttendance).toEqual({ status: "HELD" });
    expect([await balance(id.Dave), await balance(id.Bo), await balance(id.Helga)]).toEqual([
      before.dave + 120,
      before.bo + 120,
      before.helga + 120,
    ]);
    expect(await pot()).toBe(before.pot - 360);
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);
  });
});
