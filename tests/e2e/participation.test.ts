// Participation without barriers: Amira is referred by the job centre, applies, is interviewed,
// gives two references and is approved; Bo, who has been unemployed himself, becomes her mentor.
// She pauses for three months, comes back and is matched again. Karl has no email: the
// coordinator applies and acts for him. Else's neighbour acts for her, and every action is logged.
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, MEMBERSHIP_FIELDS, platformAdmin, signUp, type Actor } from "../helpers/world";

const DAY = 86_400_000;
const clock = new ManualClock(new Date("2027-01-04T09:00:00Z"));
let t: TestServer;
let maja: Actor; // coordinator
let otto: Actor; // member of another bank
const a: Record<string, Actor> = {};
const id: Record<string, string> = {};
let jobCentre: string;

const PROFILE = `mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "aarhus", input: $input) { id } }`;
const CREATE = `mutation($input: CreatePostInput!, $for: ID) { createPost(timebank: "aarhus", input: $input, actingFor: $for) { id author { id } } }`;
const CANDIDATES = `query($r: ID!) { matchesForRequest(request: $r) { member { id } reasons } }`;
const PROPOSE = `mutation($r: ID!, $c: ID!) { proposeMatch(request: $r, candidate: $c) { __typename ... on Match { id status } ... on ErrorResult { code message } } }`;
const ACCEPT = `mutation($m: ID!, $for: ID) { acceptMatch(match: $m, actingFor: $for) { __typename ... on Match { id status } ... on ErrorResult { code } } }`;
const DECLINE = `mutation($m: ID!, $for: ID) { declineMatch(match: $m, actingFor: $for) { __typename ... on Match { id status } ... on ErrorResult { code } } }`;
const ONBOARDING = `query($id: ID!) { onboarding(memberId: $id) {
  member { id status } requirements { requireInterview requiredReferences requireSafeguardingCheck }
  interviews { id scheduledAt heldAt notes } references { id name relationship contact checkedAt checkedBy { id } }
  safeguardingChecks { id } missingSteps referredBy { name kind } } }`;
const APPROVE = `mutation($id: ID!) { approveMembership(memberId: $id) { ${MEMBERSHIP_FIELDS} ... on OnboardingIncomplete { missingSteps } } }`;

const candidates = async (requester: Actor, request: string) =>
  (await requester.client.ok(CANDIDATES, { r: request })).matchesForRequest.map((c: { member: { id: string } }) => c.member.id);

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
  // Members who joined before the bank required interviews and references.
  for (const name of ["Bo", "Else", "Dave"]) {
    a[name] = await signUp(t, name);
    id[name] = await join(a[name], maja, "aarhus");
  }
  await a.Else.client.ok(PROFILE, { input: { neighbourhood: "Trøjborg", languages: ["da"] } });
});
afterAll(() => t.close());

describe("onboarding with interviews and references, referred by the job centre", () => {
  it("the bank chooses its steps; bad settings are refused and change nothing", async () => {
    const set = await maja.client
      .ok(`mutation { updateOnboardingSettings(timebank: "aarhus", input: { requireInterview: true, requiredReferences: 2 }) {
      requireInterview requiredReferences requireSafeguardingCheck } }`);
    expect(set.updateOnboardingSettings).toEqual({ requireInterview: true, requiredReferences: 2, requireSafeguardingCheck: false });
    expect(
      await maja.client.errorCode(
        `mutation { updateOnboardingSettings(timebank: "aarhus", input: { requiredReferences: 9, requireInterview: false }) { requiredReferences } }`,
      ),
    ).toBe("BAD_USER_INPUT");
    expect(
      await a.Bo.client.errorCode(
        `mutation { updateOnboardingSettings(timebank: "aarhus", input: { requiredReferences: 0 }) { requiredReferences } }`,
      ),
    ).toBe("FORBIDDEN");
    const now = await a.Bo.client.ok(`{ onboardingSettings(timebank: "aarhus") { requireInterview requiredReferences } }`);
    expect(now.onboardingSettings).toEqual({ requireInterview: true, requiredReferences: 2 });

    const partners = [];
    for (const [name, kind] of [
      ["Jobcenter Aarhus", "JOB_CENTRE"],
      ["Socialpsykiatrien", "SOCIAL_PSYCHIATRY"],
    ]) {
      const p = await maja.client.ok(
        `mutation($n: String!, $k: PartnerKind!) { createPartnerOrganisation(timebank: "aarhus", name: $n, kind: $k) { id name kind } }`,
        { n: name, k: kind },
      );
      partners.push(p.createPartnerOrganisation.id);
    }
    jobCentre = partners[0];
    expect(
      await maja.client.errorCode(
        `mutation { createPartnerOrganisation(timebank: "aarhus", name: "Jobcenter Aarhus", kind: OTHER) { id } }`,
      ),
    ).toBe("BAD_USER_INPUT");
  });

  it("Amira applies, names the job centre, and cannot be approved before her interview and references", async () => {
    a.Amira = await signUp(t, "Amira");
    const applied = await a.Amira.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ${MEMBERSHIP_FIELDS} } }`);
    id.Amira = applied.applyToTimebank.id;
    await a.Amira.client.ok(`mutation($m: ID!, $p: ID!) { recordReferral(memberId: $m, partnerId: $p) { name } }`, {
      m: id.Amira,
      p: jobCentre,
    });

    const refused = await maja.client.ok(APPROVE, { id: id.Amira });
    expect(refused.approveMembership).toMatchObject({
      __typename: "OnboardingIncomplete",
      code: "ONBOARDING_INCOMPLETE",
      missingSteps: ["INTERVIEW", "REFERENCES"],
    });
    expect(refused.approveMembership.message).toContain("0 of 2 references checked");
    const state = await a.Amira.client.ok(ONBOARDING, { id: id.Amira });
    expect(state.onboarding).toMatchObject({
      member: { status: "APPLIED" },
      missingSteps: ["INTERVIEW", "REFERENCES"],
      referredBy: { name: "Jobcenter Aarhus", kind: "JOB_CENTRE" },
    });
  });

  it("coordinators are reminded of applications waiting too long", async () => {
    const overdue = `query($d: Int!) { overdueApplications(timebank: "aarhus", olderThanDays: $d) { member { id } daysWaiting missingSteps } }`;
    expect((await maja.client.ok(overdue, { d: 7 })).overdueApplications).toEqual([]);
    clock.advance(10 * DAY);
    expect((await maja.client.ok(overdue, { d: 7 })).overdueApplications).toEqual([
      { member: { id: id.Amira }, daysWaiting: 10, missingSteps: ["INTERVIEW", "REFERENCES"] },
    ]);
    expect(await a.Bo.client.errorCode(overdue, { d: 7 })).toBe("FORBIDDEN");
    expect(await maja.client.errorCode(overdue, { d: -1 })).toBe("BAD_USER_INPUT");
  });

  it("she is interviewed (notes for coordinators only), names two references that a coordinator checks, and is approved", async () => {
    const scheduled = await maja.client.ok(
      `mutation($m: ID!, $at: DateTimeISO!) { scheduleInterview(memberId: $m, scheduledAt: $at) { id heldAt } }`,
      {
        m: id.Amira,
        at: "2027-01-15T10:00:00Z",
      },
    );
    expect(scheduled.scheduleInterview.heldAt).toBeNull();
    // The applicant is not yet an insider; a member without the coordinator role is refused.
    expect(
      await a.Amira.client.errorCode(`mutation($i: ID!) { recordInterview(interviewId: $i, notes: "x") { id } }`, {
        i: scheduled.scheduleInterview.id,
      }),
    ).toBe("NOT_FOUND");
    expect(
      await a.Bo.client.errorCode(`mutation($i: ID!) { recordInterview(interviewId: $i, notes: "x") { id } }`, {
        i: scheduled.scheduleInterview.id,
      }),
    ).toBe("FORBIDDEN");
    await maja.client.ok(
      `mutation($i: ID!) { recordInterview(interviewId: $i, notes: "Cook for 12 years; lost her job in 2025. Wants to cook for others.") { heldAt } }`,
      {
        i: scheduled.scheduleInterview.id,
      },
    );

    const ADD = `mutation($m: ID!, $input: ReferenceInput!) { addReference(memberId: $m, input: $input) { id name checkedAt } }`;
    expect(await a.Amira.client.errorCode(ADD, { m: id.Amira, input: { name: "   " } })).toBe("BAD_USER_INPUT");
    const refs = [];
    for (const [name, relationship] of [
      ["Hanne Jensen", "former employer"],
      ["Yusuf Ali", "neighbour"],
    ]) {
      refs.push((await a.Amira.client.ok(ADD, { m: id.Amira, input: { name, relationship, contact: "+45 12 34 56 78" } })).addReference.id);
    }
    expect(await a.Bo.client.errorCode(`mutation($r: ID!) { checkReference(referenceId: $r) { id } }`, { r: refs[0] })).toBe("FORBIDDEN");
    for (const r of refs) await maja.client.ok(`mutation($r: ID!) { checkReference(referenceId: $r) { checkedAt } }`, { r });

    const mine = (await a.Amira.client.ok(ONBOARDING, { id: id.Amira })).onboarding;
    expect(mine.interviews[0].notes).toBeNull();
    expect(mine.safeguardingChecks).toBeNull();
    expect(mine.references.map((r: { name: string; contact: string; checkedBy: unknown }) => [r.name, r.contact, r.checkedBy])).toEqual([
      ["Hanne Jensen", "+45 12 34 56 78", null],
      ["Yusuf Ali", "+45 12 34 56 78", null],
    ]);
    expect(mine.missingSteps).toEqual([]);
    const staffView = (await maja.client.ok(ONBOARDING, { id: id.Amira })).onboarding;
    expect(staffView.interviews[0].notes).toContain("Cook for 12 years");
    expect(
      staffView.references.every((r: { checkedAt: string; checkedBy: { id: string } }) => r.checkedAt && r.checkedBy.id === id.Maja),
    ).toBe(true);
    expect(staffView.safeguardingChecks).toEqual([]);

    const approved = await maja.client.ok(APPROVE, { id: id.Amira });
    expect(approved.approveMembership).toMatchObject({ __typename: "Member", status: "ACTIVE" });
    expect(
      (await maja.client.ok(`query($d: Int!) { overdueApplications(timebank: "aarhus", olderThanDays: $d) { member { id } } }`, { d: 0 }))
        .overdueApplications,
    ).toEqual([]);
  });

  it("referral statistics count people per partner and how many became active, never names", async () => {
    const stats = await maja.client.ok(`{ referralStatistics(timebank: "aarhus") { partner { name } referrals becameActive } }`);
    expect(stats.referralStatistics).toEqual([
      { partner: { name: "Jobcenter Aarhus" }, referrals: 1, becameActive: 1 },
      { partner: { name: "Socialpsykiatrien" }, referrals: 0, becameActive: 0 },
    ]);
    expect(await a.Amira.client.errorCode(`{ referralStatistics(timebank: "aarhus") { referrals } }`)).toBe("FORBIDDEN");
  });

  it("Bo, who has been through unemployment, is paired with her as a mentor, and matching finds him by it", async () => {
    const lived = await a.Bo.client.ok(
      `mutation { setLivedExperience(timebank: "aarhus", experiences: [UNEMPLOYMENT, ILLNESS]) { livedExperience } }`,
    );
    expect(lived.setLivedExperience.livedExperience).toEqual(["ILLNESS", "UNEMPLOYMENT"]);
    const LIVED = `query($id: ID!) { member(id: $id) { livedExperience } }`;
    expect((await maja.client.ok(LIVED, { id: id.Bo })).member.livedExperience).toEqual(["ILLNESS", "UNEMPLOYMENT"]);
    expect((await a.Else.client.ok(LIVED, { id: id.Bo })).member.livedExperience).toBeNull();
    const PAIR = `mutation($n: ID!, $m: ID!) { pairMentor(newcomerId: $n, mentorId: $m) { id mentor { id } newcomer { id } endedAt } }`;
    expect(await a.Bo.client.errorCode(PAIR, { n: id.Amira, m: id.Bo })).toBe("FORBIDDEN");
    const pairing = await maja.client.ok(PAIR, { n: id.Amira, m: id.Bo });
    expect(pairing.pairMentor).toMatchObject({ mentor: { id: id.Bo }, newcomer: { id: id.Amira }, endedAt: null });
    expect(await maja.client.errorCode(PAIR, { n: id.Amira, m: id.Else })).toBe("BAD_USER_INPUT");
    const seen = await a.Amira.client.ok(`query($id: ID!) { member(id: $id) { mentorPairings { mentor { displayName } } } }`, {
      id: id.Amira,
    });
    expect(seen.member.mentorPairings).toEqual([{ mentor: { displayName: "Bo" } }]);
    expect(
      (await a.Dave.client.ok(`query($id: ID!) { member(id: $id) { mentorPairings { id } } }`, { id: id.Amira })).member.mentorPairings,
    ).toEqual([]);

    const request = await a.Else.client.ok(CREATE, {
      input: {
        kind: "REQUEST",
        title: "Someone who has been through unemployment to talk to",
        tags: ["unemployment"],
        placeMode: "BY_PHONE",
      },
    });
    const found = await a.Else.client.ok(CANDIDATES, { r: request.createPost.id });
    expect(found.matchesForRequest.map((c: { member: { id: string } }) => c.member.id)).toEqual([id.Bo]);
  });

  it("she pauses for three months, is not asked for help meanwhile, returns and is matched again", async () => {
    await a.Amira.client.ok(PROFILE, {
      input: { neighbourhood: "Trøjborg", languages: ["da", "ar"], skills: [{ label: "cooking", category: "shared-meals" }] },
    });
    const request = await a.Else.client.ok(CREATE, {
      input: {
        kind: "REQUEST",
        title: "Cooking together on Sundays",
        category: "shared-meals",
        tags: ["cooking"],
        neighbourhood: "Trøjborg",
      },
    });
    const r = request.createPost.id;
    expect(await candidates(a.Else, r)).toContain(id.Amira);

    const paused = await a.Amira.client.ok(
      `mutation($id: ID!) { pauseMembership(memberId: $id, plannedReturnOn: "2027-04-14") { ... on Member { status plannedReturnOn } } }`,
      { id: id.Amira },
    );
    expect(paused.pauseMembership).toEqual({ status: "PAUSED", plannedReturnOn: "2027-04-14" });
    expect(await candidates(a.Else, r)).not.toContain(id.Amira);
    expect((await a.Else.client.ok(PROPOSE, { r, c: id.Amira })).proposeMatch.code).toBe("CANDIDATE_NOT_ACTIVE");

    clock.advance(90 * DAY);
    await a.Amira.client.ok(`mutation($id: ID!) { resumeMembership(memberId: $id) { __typename } }`, { id: id.Amira });
    expect(await candidates(a.Else, r)).toContain(id.Amira);
    const proposed = await a.Else.client.ok(PROPOSE, { r, c: id.Amira });
    const accepted = await a.Amira.client.ok(ACCEPT, { m: proposed.proposeMatch.id });
    expect(accepted.acceptMatch).toEqual({ __typename: "Match", id: proposed.proposeMatch.id, status: "ACCEPTED" });
  });
});

describe("a member without email", () => {
  it("the coordinator applies for Karl, takes him through onboarding and acts for him; all of it is logged", async () => {
    const karl = await maja.client.ok(
      `mutation($input: OfflineMemberInput!) { createOfflineMember(timebank: "aarhus", input: $input) {
      id status offline displayName privateDetails { loginEmail contactPhone } } }`,
      {
        input: {
          displayName: "Karl Nielsen",
          contactPhone: "+45 86 12 34 56",
          neighbourhood: "Trøjborg",
          languages: ["da"],
          referredBy: jobCentre,
        },
      },
    );
    id.Karl = karl.createOfflineMember.id;
    expect(karl.createOfflineMember).toMatchObject({
      status: "APPLIED",
      offline: true,
      displayName: "Karl Nielsen",
      privateDetails: { contactPhone: "+45 86 12 34 56" },
    });
    const placeholder = karl.createOfflineMember.privateDetails.loginEmail;
    expect(placeholder).toMatch(/^offline-.*@offline\.invalid$/);
    const login = await t.client.ok(
      `mutation($e: String!) { logIn(input: { email: $e, password: "correct horse battery" }) { __typename ... on ErrorResult { code } } }`,
      { e: placeholder },
    );
    expect(login.logIn).toEqual({ __typename: "InvalidCredentials", code: "INVALID_CREDENTIALS" });
    expect(await a.Bo.client.errorCode(`mutation { createOfflineMember(timebank: "aarhus", input: { displayName: "X" }) { id } }`)).toBe(
      "FORBIDDEN",
    );

    const interview = await maja.client.ok(
      `mutation($m: ID!) { scheduleInterview(memberId: $m, scheduledAt: "2027-04-20T10:00:00Z") { id } }`,
      { m: id.Karl },
    );
    await maja.client.ok(`mutation($i: ID!) { recordInterview(interviewId: $i, notes: "Met at the library.") { id } }`, {
      i: interview.scheduleInterview.id,
    });
    for (const name of ["Pastor Holm", "Lis from the allotment"]) {
      const ref = await maja.client.ok(`mutation($m: ID!, $n: String!) { addReference(memberId: $m, input: { name: $n }) { id } }`, {
        m: id.Karl,
        n: name,
      });
      await maja.client.ok(`mutation($r: ID!) { checkReference(referenceId: $r) { id } }`, { r: ref.addReference.id });
    }
    expect((await maja.client.ok(APPROVE, { id: id.Karl })).approveMembership.status).toBe("ACTIVE");

    // The coordinator keeps his profile and says how much he wants to give.
    clock.advance(60_000);
    const profile = await maja.client.ok(
      `mutation($input: UpdateProfileInput!, $for: ID) { updateMyProfile(timebank: "aarhus", input: $input, actingFor: $for) { id skills { label } } }`,
      { input: { bio: "Retired gardener.", skills: [{ label: "hedge trimming", category: "gardening" }] }, for: id.Karl },
    );
    expect(profile.updateMyProfile).toEqual({ id: id.Karl, skills: [{ label: "hedge trimming" }] });
    expect((await t.db.prisma.memberProfile.findFirstOrThrow({ where: { membershipId: id.Maja } })).bio).toBe("");
    clock.advance(60_000);

    // The coordinator posts for Karl; another member cannot.
    const post = await maja.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Help with my garden hedge", neighbourhood: "Trøjborg" },
      for: id.Karl,
    });
    expect(post.createPost.author.id).toBe(id.Karl);
    clock.advance(60_000);
    expect(await a.Bo.client.errorCode(CREATE, { input: { kind: "OFFER", title: "Not mine to post" }, for: id.Karl })).toBe("FORBIDDEN");

    // Karl is proposed for Else's phone request, and the coordinator accepts for him.
    const request = await a.Else.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "A phone friend on Thursdays", placeMode: "BY_PHONE" },
    });
    const proposed = await a.Else.client.ok(PROPOSE, { r: request.createPost.id, c: id.Karl });
    const accepted = await maja.client.ok(ACCEPT, { m: proposed.proposeMatch.id, for: id.Karl });
    expect(accepted.acceptMatch.status).toBe("ACCEPTED");

    const log = await maja.client.ok(`query($m: ID!) { actingLog(memberId: $m) { action targetId outcome actor { id } member { id } } }`, {
      m: id.Karl,
    });
    expect(log.actingLog).toEqual([
      { action: "acceptMatch", targetId: proposed.proposeMatch.id, outcome: "OK", actor: { id: id.Maja }, member: { id: id.Karl } },
      { action: "createPost", targetId: post.createPost.id, outcome: "OK", actor: { id: id.Maja }, member: { id: id.Karl } },
      { action: "updateMyProfile", targetId: id.Karl, outcome: "OK", actor: { id: id.Maja }, member: { id: id.Karl } },
    ]);
  });
});

describe("a helper acts for a member", () => {
  it("needs the member's and a coordinator's word, acts only with a member's rights, logs every action, and stops when revoked", async () => {
    const AUTH = `mutation($m: ID!, $h: ID!) { authoriseHelper(memberId: $m, helperId: $h) { id active memberConsentedAt coordinatorApprovedAt helper { id } } }`;
    const given = await a.Else.client.ok(AUTH, { m: id.Else, h: id.Dave });
    expect(given.authoriseHelper.active).toBe(false);
    const posts = async () => t.db.prisma.post.count({ where: { authorId: id.Else } });
    const before = await posts();
    expect(await a.Dave.client.errorCode(CREATE, { input: { kind: "REQUEST", title: "Lift to the doctor" }, for: id.Else })).toBe(
      "FORBIDDEN",
    );
    expect(await a.Bo.client.errorCode(AUTH, { m: id.Else, h: id.Bo })).toBe("FORBIDDEN");
    expect(await a.Else.client.errorCode(AUTH, { m: id.Else, h: id.Else })).toBe("BAD_USER_INPUT");
    const approved = await maja.client.ok(AUTH, { m: id.Else, h: id.Dave });
    expect(approved.authoriseHelper).toMatchObject({ id: given.authoriseHelper.id, active: true });

    const post = await a.Dave.client.ok(CREATE, {
      input: { kind: "REQUEST", title: "Lift to the doctor on Monday", placeMode: "IN_PERSON" },
      for: id.Else,
    });
    expect(post.createPost.author.id).toBe(id.Else);

    // Two proposals to Else: Dave accepts one and declines the other for her.
    const req1 = await a.Bo.client.ok(CREATE, { input: { kind: "REQUEST", title: "Company on a walk", placeMode: "IN_PERSON" } });
    const req2 = await a.Bo.client.ok(CREATE, { input: { kind: "REQUEST", title: "Reading letters aloud", placeMode: "IN_PERSON" } });
    const m1 = (await a.Bo.client.ok(PROPOSE, { r: req1.createPost.id, c: id.Else })).proposeMatch.id;
    const m2 = (await a.Bo.client.ok(PROPOSE, { r: req2.createPost.id, c: id.Else })).proposeMatch.id;
    clock.advance(60_000);
    expect((await a.Dave.client.ok(ACCEPT, { m: m1, for: id.Else })).acceptMatch.status).toBe("ACCEPTED");
    clock.advance(60_000);
    expect((await a.Dave.client.ok(DECLINE, { m: m2, for: id.Else })).declineMatch.status).toBe("DECLINED");
    clock.advance(60_000);
    // A refusal is logged too, with its code.
    expect((await a.Dave.client.ok(ACCEPT, { m: m2, for: id.Else })).acceptMatch.code).toBe("MATCH_NOT_PROPOSED");
    // Acting for Else gives no coordinator rights.
    expect(
      await a.Dave.client.errorCode(`mutation($m: ID!, $h: ID!) { pairMentor(newcomerId: $m, mentorId: $h) { id } }`, {
        m: id.Else,
        h: id.Bo,
      }),
    ).toBe("FORBIDDEN");

    const log = await a.Else.client.ok(`query($m: ID!) { actingLog(memberId: $m) { action targetId outcome actor { id } } }`, {
      m: id.Else,
    });
    expect(log.actingLog).toEqual([
      { action: "acceptMatch", targetId: null, outcome: "MATCH_NOT_PROPOSED", actor: { id: id.Dave } },
      { action: "declineMatch", targetId: m2, outcome: "OK", actor: { id: id.Dave } },
      { action: "acceptMatch", targetId: m1, outcome: "OK", actor: { id: id.Dave } },
      { action: "createPost", targetId: post.createPost.id, outcome: "OK", actor: { id: id.Dave } },
    ]);
    expect(await a.Dave.client.errorCode(`query($m: ID!) { actingLog(memberId: $m) { id } }`, { m: id.Else })).toBe("FORBIDDEN");

    const revoked = await a.Else.client.ok(`mutation($x: ID!) { revokeHelper(authorisationId: $x) { active revokedAt } }`, {
      x: given.authoriseHelper.id,
    });
    expect(revoked.revokeHelper.active).toBe(false);
    const count = await posts();
    expect(await a.Dave.client.errorCode(CREATE, { input: { kind: "REQUEST", title: "After revoking" }, for: id.Else })).toBe("FORBIDDEN");
    expect(await posts()).toBe(count);
    expect(count).toBe(before + 1);
    expect(await a.Dave.client.errorCode(CREATE, { input: { kind: "REQUEST", title: "x" }, for: "not-an-id" })).toBe("BAD_USER_INPUT");
  });
});

describe("a member of another bank", () => {
  it("sees none of it", async () => {
    const nf = async (query: string, vars: Record<string, unknown> = {}) =>
      expect(await otto.client.errorCode(query, vars)).toBe("NOT_FOUND");
    await nf(ONBOARDING, { id: id.Amira });
    await nf(`{ overdueApplications(timebank: "aarhus", olderThanDays: 0) { daysWaiting } }`);
    await nf(`{ referralStatistics(timebank: "aarhus") { referrals } }`);
    await nf(`{ partnerOrganisations(timebank: "aarhus") { name } }`);
    await nf(`query($m: ID!) { actingLog(memberId: $m) { id } }`, { m: id.Else });
    await nf(`query($m: ID!) { helperAuthorisations(memberId: $m) { id } }`, { m: id.Else });
    await nf(CREATE, { input: { kind: "REQUEST", title: "x" }, for: id.Karl });
    await nf(`mutation($m: ID!, $h: ID!) { authoriseHelper(memberId: $m, helperId: $h) { id } }`, { m: id.Else, h: id.Dave });
    await nf(`mutation($m: ID!) { scheduleInterview(memberId: $m, scheduledAt: "2027-06-01T10:00:00Z") { id } }`, { m: id.Amira });
    const own = await otto.client.ok(`{ partnerOrganisations(timebank: "odense") { name } }`);
    expect(own.partnerOrganisations).toEqual([]);
  });
});
