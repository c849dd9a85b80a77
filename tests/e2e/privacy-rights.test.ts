// A person's data rights, told through the API: Ahmad Hassan (member of two banks) downloads
// everything held about him and is forgotten; Gunnar Holm has no email or internet: his
// coordinator exports his data for him, and his helper asks for its erasure on his behalf;
// Lars left, and the bank's retention policy erases him six months later. Afterwards no text
// column of any table names them, the books balance, and closed periods' statistics are as published.
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, getNamedType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLNamedType } from "graphql";
import { ManualClock } from "../../src/common/clock";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { refreshRollups } from "../../src/modules/stats/stats.refresh";
import { applyRetention } from "../../src/modules/privacy/privacy.service";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, myMemberId, platformAdmin, signUp, type Actor } from "../helpers/world";
import { addDelegate, addInstitutionToBank, createInstitution, partnershipMutation, propose, send } from "../helpers/federation";

// The story happens in 2025: the statistics refresher dates its own work by the database's
// clock (not the server's), so the story's months must be in the past to be closed periods.
const clock = new ManualClock(new Date("2025-02-03T10:00:00Z"));
let t: TestServer;
let karin: Actor;
let mats: Actor;
let ahmad: Actor;
let elsa: Actor;
let sofie: Actor;
const id: Record<string, string> = {};
const account: Record<string, string> = {};
let gunnarPersonId: string;

const ERASE = `mutation($m: ID!, $input: PrivacyRequestInput) { eraseMember(memberId: $m, input: $input) { __typename ... on MemberErased { memberId settledMinutes } ... on ErrorResult { code message } } }`;
const EXPORT_MEMBER = `mutation($m: ID!, $input: PrivacyRequestInput) { exportMemberData(memberId: $m, input: $input) }`;

async function exchange(giver: string, receiver: string, minutes: number, memo: string) {
  clock.advance(60_000);
  const r = await karin.client.ok(
    `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { __typename ... on Transfer { id status } ... on ErrorResult { code message } } }`,
    {
      input: {
        timebank: "lund",
        giverMemberId: giver,
        receiverMemberId: receiver,
        minutes,
        memo,
        idempotencyKey: `story-${giver.slice(0, 4)}-${receiver.slice(0, 4)}-${minutes}`,
      },
    },
  );
  expect(r.recordExchange).toMatchObject({ __typename: "Transfer", status: "POSTED" });
}

const balanceOf = async (accountId: string) => (await t.db.prisma.account.findFirstOrThrow({ where: { id: accountId } })).balanceMinutes;
const potOf = async (slug: string) => t.db.prisma.account.findFirstOrThrow({ where: { kind: "POT", timebank: { slug } } });

/** Every text, JSON and text-array column of every table (information_schema), searched for each needle, case-insensitively. */
async function findInTextColumns(needles: string[]): Promise<string[]> {
  const columns = await t.db.prisma.$queryRawUnsafe<{ table_name: string; column_name: string; data_type: string }[]>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND (data_type IN ('text', 'character varying', 'json', 'jsonb') OR (data_type = 'ARRAY' AND udt_name IN ('_text', '_varchar')))`,
  );
  expect(columns.length).toBeGreaterThan(40);
  const found: string[] = [];
  for (const c of columns) {
    const expr = c.data_type === "ARRAY" ? `array_to_string("${c.column_name}", ' ')` : `"${c.column_name}"::text`;
    for (const needle of needles) {
      const [{ n }] = await t.db.prisma.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${c.table_name}" WHERE strpos(lower(${expr}), lower($1)) > 0`,
        needle,
      );
      if (n > 0) found.push(`${c.table_name}.${c.column_name} contains "${needle}" (${n} rows)`);
    }
  }
  return found;
}

/** The closed months' figures of the statistics rollups, as stored. */
async function closedPeriodFigures() {
  // The story's closed months: January and February 2025.
  const where = {
    periodKind: "MONTH" as const,
    periodStart: { gte: new Date("2025-01-01T00:00:00Z"), lt: new Date("2025-03-01T00:00:00Z") },
  };
  const order = { orderBy: [{ timebankId: "asc" as const }, { periodStart: "asc" as const }] };
  return {
    banks: await t.db.prisma.statsBankPeriod.findMany({ where, ...order }),
    categories: await t.db.prisma.statsBankPeriodCategory.findMany({
      where,
      orderBy: [{ timebankId: "asc" }, { periodStart: "asc" }, { categorySlug: "asc" }],
    }),
    participation: await t.db.prisma.statsParticipation.findMany({
      where,
      orderBy: [{ timebankId: "asc" }, { periodStart: "asc" }, { dimension: "asc" }, { answer: "asc" }],
    }),
  };
}

let exported: { ahmad: Record<string, unknown>; gunnar: Record<string, unknown>; elsa: Record<string, unknown> };
let published: Awaited<ReturnType<typeof closedPeriodFigures>>;
let ahmadBefore: { personId: string; email: string; memberships: string[]; accounts: string[]; memberNumbers: number[] };

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 365 * 24 * 3600 } });
  // Some steps below (a full statistics refresh, searching every column) leave the client's
  // pooled connection idle for seconds: past Node's 5 s keep-alive the server may close a socket
  // just as the client reuses it (ECONNRESET).
  t.server.httpServer.keepAliveTimeout = 120_000;
  const admin = await platformAdmin(t);
  karin = await signUp(t, "Karin Nilsson");
  mats = await signUp(t, "Mats Berg");
  await createBank(t, admin, "lund", karin);
  await createBank(t, admin, "malmo", mats);
  id.karin = await myMemberId(karin, "lund");
  ahmad = await signUp(t, "Ahmad Hassan", "ahmad.hassan@example.org");
  elsa = await signUp(t, "Elsa Lund");
  sofie = await signUp(t, "Sofie Lind");
  id.ahmad = await join(ahmad, karin, "lund");
  id.ahmadMalmo = await join(ahmad, mats, "malmo");
  // Elsa names Ahmad as her reference when she applies.
  id.elsa = (await elsa.client.ok(`mutation { applyToTimebank(timebank: "lund") { ... on Member { id } } }`)).applyToTimebank.id;
  await karin.client.ok(
    `mutation($m: ID!) { addReference(memberId: $m, input: { name: "Ahmad Hassan", relationship: "neighbour", contact: "+46 70 111 22 33" }) { id } }`,
    { m: id.elsa },
  );
  await karin.client.ok(`mutation($m: ID!) { approveMembership(memberId: $m) { __typename } }`, { m: id.elsa });
  id.sofie = await join(sofie, karin, "lund");
  const partner = await karin.client.ok(
    `mutation { createPartnerOrganisation(timebank: "lund", kind: JOB_CENTRE, name: "Lund job centre") { id } }`,
  );
  const gunnar = await karin.client.ok(
    `mutation($input: OfflineMemberInput!) { createOfflineMember(timebank: "lund", input: $input) { id } }`,
    {
      input: {
        displayName: "Gunnar Holm",
        contactPhone: "+46 70 123 45 67",
        neighbourhood: "Klostergården",
        referredBy: partner.createPartnerOrganisation.id,
      },
    },
  );
  id.gunnar = gunnar.createOfflineMember.id;
  // Gunnar's file: an interview and a reference before he is approved.
  const interview = await karin.client.ok(
    `mutation($m: ID!) { scheduleInterview(memberId: $m, scheduledAt: "2025-02-04T10:00:00Z") { id } }`,
    { m: id.gunnar },
  );
  await karin.client.ok(
    `mutation($i: ID!) { recordInterview(interviewId: $i, notes: "Gunnar Holm lives alone; his daughter Ingrid rings on +46 70 999 88 77") { id } }`,
    { i: interview.scheduleInterview.id },
  );
  await karin.client.ok(
    `mutation($m: ID!) { addReference(memberId: $m, input: { name: "Ingrid Holm", relationship: "daughter", contact: "ingrid.holm@example.org" }) { id } }`,
    { m: id.gunnar },
  );
  await karin.client.ok(`mutation($m: ID!) { approveMembership(memberId: $m) { __typename } }`, { m: id.gunnar });
  gunnarPersonId = (await t.db.prisma.membership.findFirstOrThrow({ where: { id: id.gunnar } })).personId;
  for (const [who, m] of [
    ["ahmad", id.ahmad],
    ["elsa", id.elsa],
    ["gunnar", id.gunnar],
    ["ahmadMalmo", id.ahmadMalmo],
  ] as const) {
    account[who] = (await t.db.prisma.account.findFirstOrThrow({ where: { membershipId: m } })).id;
  }

  // February: a month of ordinary life.
  await ahmad.client.ok(`mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "lund", input: $input) { id } }`, {
    input: {
      bio: "Ahmad, cook and cyclist",
      contactPhone: "+46 70 111 22 33",
      contactEmail: "ahmad.h@home.example",
      accessibilityNeeds: "needs a hearing loop at meetings",
      neighbourhood: "Möllevången",
      skills: [{ label: "cooking" }],
      availability: [{ weekday: 5, startMinute: 600, endMinute: 720 }],
    },
  });
  await ahmad.client.ok(
    `mutation { setMyParticipation(timebank: "lund", input: { consent: true, ageBand: AGE_25_44, situation: OUTSIDE_LABOUR_MARKET, joinReasons: [MEET_PEOPLE] }) { consentedAt } }`,
  );
  await ahmad.client.ok(`mutation { setLivedExperience(timebank: "lund", experiences: [BEREAVEMENT]) { id } }`);
  await ahmad.client.ok(`mutation { setEngagement(timebank: "lund", input: { period: WEEK, maxMinutes: 240 }) { period } }`);
  await exchange(id.ahmad, id.elsa, 90, "Ahmad Hassan walked Elsa's dog");
  await exchange(id.elsa, id.ahmad, 30, "Thanks Ahmad! Call him on 070-111 22 33");
  await exchange(id.gunnar, id.elsa, 120, "Gunnar Holm fixed Elsa's bike");
  const request = await elsa.client.ok(`mutation($input: CreatePostInput!) { createPost(timebank: "lund", input: $input) { id } }`, {
    input: { kind: "REQUEST", title: "A lift to the hospital", description: "Ahmad Hassan knows the way; or ring ahmad.h@home.example" },
  });
  await ahmad.client.ok(`mutation($input: CreatePostInput!) { createPost(timebank: "lund", input: $input) { id } }`, {
    input: { kind: "OFFER", title: "Syrian cooking lessons", tags: ["cooking"] },
  });
  const match = await karin.client.ok(`mutation($r: ID!, $c: ID!) { proposeMatch(request: $r, candidate: $c) { ... on Match { id } } }`, {
    r: request.createPost.id,
    c: id.ahmad,
  });
  await ahmad.client.ok(`mutation($m: ID!) { acceptMatch(match: $m) { __typename } }`, { m: match.proposeMatch.id });
  await karin.client.ok(`mutation($m: ID!) { vouchForMember(memberId: $m, note: "Known for years") { id } }`, { m: id.ahmad });
  await karin.client.ok(
    `mutation($m: ID!) { recordSafeguardingCheck(memberId: $m, input: { checkType: "criminal record certificate", checkedOn: "2025-01-15", expiresOn: "2028-01-15" }) { id } }`,
    { m: id.ahmad },
  );
  await karin.client.ok(`mutation($n: ID!, $m: ID!) { pairMentor(newcomerId: $n, mentorId: $m) { id } }`, { n: id.gunnar, m: id.ahmad });
  await karin.client.ok(
    `mutation($a: ID!) { setAccountLimits(input: { accountId: $a, floorMinutes: -900, ceilingMinutes: 6000, reason: "Ahmad Hassan cooks the Friday meal" }) { __typename } }`,
    { a: account.ahmad },
  );
  const meal = await karin.client.ok(`mutation($input: ActivityInput!) { createActivity(timebank: "lund", input: $input) { id } }`, {
    input: {
      kind: "SHARED_MEAL",
      title: "Friday meal cooked by Ahmad Hassan",
      startsAt: "2025-02-05T17:00:00Z",
      durationMinutes: 120,
      places: 10,
      hostId: id.ahmad,
    },
  });
  await ahmad.client.ok(`mutation($x: ID!) { signUpForActivity(activityId: $x) { status } }`, { x: meal.createActivity.id });
  // Working time: Ahmad also works shifts in the bank's kitchen.
  await karin.client.ok(
    `mutation { setCapacityPolicy(timebank: "lund", input: { effectiveFrom: "2025-01-01", meterOn: false }) { __typename } }`,
  );
  await karin.client.ok(
    `mutation($m: ID!) { setCapacitySchedule(timebank: "lund", input: { effectiveFrom: "2025-01-01", member: $m, mondayMinutes: 240 }) { __typename } }`,
    { m: id.ahmad },
  );
  const commitment = await karin.client.ok(
    `mutation($m: ID!) { createServiceCommitment(input: { member: $m, title: "Order 2025/114 for Ahmad Hassan", requiredMinutes: 600, dueOn: "2025-06-01" }) { id } }`,
    { m: id.ahmad },
  );
  await ahmad.client.ok(
    `mutation($m: ID!, $c: ID!) { logWork(member: $m, input: { date: "2025-02-01", minutes: 120, note: "Ahmad's kitchen shift", serviceCommitment: $c }) { id } }`,
    { m: id.ahmad, c: commitment.createServiceCommitment.id },
  );
  const deposit = await ahmad.client.ok(
    `mutation($m: ID!) { submitDeposit(input: { date: "2025-02-01", member: $m, minutes: 60, note: "stayed late" }) { __typename ... on DepositRequest { id } ... on ErrorResult { code message } } }`,
    { m: id.ahmad },
  );
  expect(deposit.submitDeposit.__typename).toBe("DepositRequest");
  await karin.client.ok(`mutation($d: ID!) { approveDeposit(id: $d) { __typename } }`, { d: deposit.submitDeposit.id });
  await karin.client.ok(
    `mutation($m: ID!) { setPosition(timebank: "lund", input: { effectiveFrom: "2025-01-01", member: $m, percent: 50 }) { __typename } }`,
    { m: id.ahmad },
  );
  await karin.client.ok(
    `mutation($m: ID!) { recordTimeCorrection(input: { member: $m, minutes: 15, reason: "rounding of January" }) { __typename } }`,
    { m: id.ahmad },
  );
  const payout = await ahmad.client.ok(
    `mutation($m: ID!) { requestPayout(input: { member: $m, minutes: 30, note: "paid hours" }) { id } }`,
    { m: id.ahmad },
  );
  await karin.client.ok(`mutation($p: ID!) { approvePayout(id: $p) { __typename } }`, { p: payout.requestPayout.id });
  await ahmad.client.ok(
    `mutation($m: ID!) { requestTimeOff(input: { date: "2025-02-24", member: $m, minutes: 30, note: "dentist" }) { id } }`,
    { m: id.ahmad },
  );
  // He volunteers for the clinic, which is a member of the bank.
  const clinic = await createInstitution(karin, "Lund Clinic", "CLINIC");
  await addInstitutionToBank(karin, { timebank: "lund", institutionId: clinic });
  await addDelegate(karin, clinic, ahmad, "Volunteer cook");
  // Across banks: Ahmad sends an anonymous gift from Malmö to Elsa in Lund.
  const partnership = await propose(mats, {
    timebank: "malmo",
    partnerBank: "lund",
    purposes: ["FAMILY_SUPPORT", "GENERAL"],
    outgoingCapMinutes: 600,
    incomingCapMinutes: 600,
    incomingNeedsAcceptance: false,
  });
  await partnershipMutation(karin, "acceptPartnership", partnership.id);
  const gift = await send(ahmad, {
    from: account.ahmadMalmo,
    toBank: "lund",
    toMember: id.elsa,
    minutes: 45,
    purpose: "FAMILY_SUPPORT",
    message: "For Elsa, with love",
    anonymous: true,
  });
  expect(gift).toMatchObject({ status: "POSTED", anonymous: true });
  // Gunnar: a helper on paper, and a post his helper made for him.
  await karin.client.ok(`mutation($m: ID!, $h: ID!) { authoriseHelper(memberId: $m, helperId: $h, consentOnPaper: true) { id } }`, {
    m: id.gunnar,
    h: id.sofie,
  });
  await sofie.client.ok(
    `mutation($g: ID!) { createPost(timebank: "lund", actingFor: $g, input: { kind: OFFER, title: "Bicycle repairs by Gunnar" }) { id } }`,
    { g: id.gunnar },
  );

  // March: February's statistics are published.
  clock.set(new Date("2025-03-10T09:00:00Z"));
  await refreshRollups(t.db, { full: true });
  published = await closedPeriodFigures();
  // February's figures count Ahmad's exchanges and his answers.
  expect(published.participation).toEqual(
    expect.arrayContaining([expect.objectContaining({ dimension: "SITUATION", answer: "OUTSIDE_LABOUR_MARKET", members: 1 })]),
  );
  expect(published.banks.some((b) => b.exchanges === 3)).toBe(true);
  const person = await t.db.prisma.person.findUniqueOrThrow({ where: { id: ahmad.personId }, include: { memberships: true } });
  ahmadBefore = {
    personId: person.id,
    email: person.email,
    memberships: person.memberships.map((m) => m.id),
    accounts: [account.ahmad, account.ahmadMalmo],
    memberNumbers: person.memberships.map((m) => m.memberNumber),
  };
});
afterAll(() => t.close());

describe("export", () => {
  it("Ahmad's export holds both banks: profile, answers, consents, every transfer with its memo, statements that add up, and what is withheld", async () => {
    const data = (await ahmad.client.ok(`{ exportMyData }`)).exportMyData;
    exported = { ...exported, ahmad: data };
    expect(data.person).toMatchObject({ id: ahmad.personId, email: "ahmad.hassan@example.org", displayName: "Ahmad Hassan" });
    expect(data.banks.map((b: { timebank: { slug: string } }) => b.timebank.slug)).toEqual(["lund", "malmo"]);
    const lund = data.banks[0];
    expect(lund.profile).toMatchObject({
      contactPhone: "+46 70 111 22 33",
      accessibilityNeeds: "needs a hearing loop at meetings",
      neighbourhood: "Möllevången",
    });
    expect(lund.participation).toMatchObject({ ageBand: "AGE_25_44", situation: "OUTSIDE_LABOUR_MARKET", joinReasons: ["MEET_PEOPLE"] });
    expect(lund.consents.map((c: { kind: string }) => c.kind)).toEqual(["PARTICIPATION_STATISTICS"]);
    expect(lund.transfers.map((x: { memo: string; inMinutes: number; outMinutes: number }) => [x.memo, x.inMinutes, x.outMinutes])).toEqual(
      [
        ["Ahmad Hassan walked Elsa's dog", 90, 0],
        ["Thanks Ahmad! Call him on 070-111 22 33", 0, 30],
      ],
    );
    expect(lund.transfers[0].debit).toMatchObject({ memberId: id.elsa, displayName: "Elsa Lund" });
    // The statement is the ledger's: the giver earns; February opened at 0 and closed at the account's balance.
    expect(lund.statements).toEqual([
      expect.objectContaining({
        month: "2025-02",
        openingBalanceMinutes: 0,
        totalInMinutes: 90,
        totalOutMinutes: 30,
        closingBalanceMinutes: 60,
      }),
    ]);
    expect(lund.accounts[0]).toMatchObject({ id: account.ahmad, balanceMinutes: 60, floorMinutes: -900 });
    expect(data.delegations).toEqual([
      expect.objectContaining({ role: "Volunteer cook", institution: expect.objectContaining({ name: "Lund Clinic", kind: "CLINIC" }) }),
    ]);
    expect(lund.accounts[0].limitChanges[0].reason).toBe("Ahmad Hassan cooks the Friday meal");
    expect(lund.matchesProposedToMe[0]).toMatchObject({ status: "ACCEPTED", requestTitle: "A lift to the hospital" });
    expect(lund.onboarding.safeguardingChecks[0]).toMatchObject({ checkType: "criminal record certificate", valid: true });
    expect(lund.mentorPairings[0]).toMatchObject({ myRole: "MENTOR", partner: "Gunnar Holm" });
    expect(lund.capacity.serviceCommitments[0]).toMatchObject({ title: "Order 2025/114 for Ahmad Hassan", loggedMinutes: 120 });
    expect(lund.capacity.timeAccountEntries).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "DEPOSIT", minutes: 60 })]));
    expect(lund.capacity.positions).toEqual([expect.objectContaining({ percent: 50 })]);
    expect(lund.capacity.payoutRequests).toEqual([expect.objectContaining({ minutes: 30, status: "APPROVED" })]);
    const malmo = data.banks[1];
    expect(malmo.interBankTransfers).toEqual([
      expect.objectContaining({
        direction: "SENT",
        minutes: 45,
        message: "For Elsa, with love",
        otherBank: "Timebank lund",
        anonymous: true,
      }),
    ]);
    expect(malmo.transfers[0]).toMatchObject({ kind: "INTER_BANK", outMinutes: 45, balanceAfterMinutes: -45 });
    expect(data.withheld.length).toBeGreaterThan(3);
    expect(JSON.stringify(data)).not.toContain("scrypt$");
  });

  it("Elsa sees the gift she received, but not who sent it: the donor asked to stay anonymous", async () => {
    const data = (await elsa.client.ok(`{ exportMyData }`)).exportMyData;
    exported = { ...exported, elsa: data };
    const received = data.banks[0].interBankTransfers;
    expect(received).toEqual([expect.objectContaining({ direction: "RECEIVED", donorName: "[withheld]", minutes: 45 })]);
    expect(JSON.stringify(received)).not.toContain("Ahmad");
  });

  it("the download streams the same document, and the page reads as a letter", async () => {
    const base = t.url.replace(/\/graphql$/, "");
    const res = await fetch(`${base}/privacy/export.json`, { headers: { authorization: `Bearer ${ahmad.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    expect(await res.json()).toEqual(exported.ahmad);
    const page = await fetch(`${base}/privacy/export.html`, { headers: { authorization: `Bearer ${ahmad.token}` } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("What we hold about Ahmad Hassan");
    expect(html).toContain("Ahmad Hassan walked Elsa&#39;s dog");
    expect(html).toContain("What is not shown here, and why");
    const anonymous = await fetch(`${base}/privacy/export.json`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const bad = await fetch(`${base}/privacy/export.json?member=not-an-id`, { headers: { authorization: `Bearer ${karin.token}` } });
    expect(bad.status).toBe(400);
  });

  it("a coordinator exports the data of Gunnar, who has no login, and hands him the page; the referee's contact details are withheld", async () => {
    const data = (await karin.client.ok(EXPORT_MEMBER, { m: id.gunnar, input: { note: "asked at the office on 10 March" } }))
      .exportMemberData;
    exported = { ...exported, gunnar: data };
    expect(data.person).toMatchObject({ displayName: "Gunnar Holm", offline: true });
    const lund = data.banks[0];
    expect(lund.onboarding.interviews[0].notes).toContain("lives alone");
    expect(lund.onboarding.references).toEqual([
      expect.objectContaining({ name: "Ingrid Holm", relationship: "daughter", contact: "[withheld]" }),
    ]);
    expect(lund.onboarding.referral.partner.name).toBe("Lund job centre");
    expect(lund.helpersActingForMe).toEqual([expect.objectContaining({ helper: "Sofie Lind", consentOnPaper: true, active: true })]);
    expect(lund.consents).toEqual([expect.objectContaining({ kind: "HELPER_MAY_ACT_FOR_ME", onPaper: true })]);
    expect(lund.actingLog).toEqual([expect.objectContaining({ action: "createPost", actingFor: "me", byMe: false })]);
    expect(lund.transfers[0]).toMatchObject({ memo: "Gunnar Holm fixed Elsa's bike", inMinutes: 120, recordedBy: "Karin Nilsson" });
    const base = t.url.replace(/\/graphql$/, "");
    clock.advance(1000);
    const page = await fetch(`${base}/privacy/export.html?member=${id.gunnar}&note=printed%20for%20Gunnar`, {
      headers: { authorization: `Bearer ${karin.token}` },
    });
    expect(await page.text()).toContain("What we hold about Gunnar Holm");
    expect(JSON.stringify(data)).not.toContain("ingrid.holm@example.org");
  });

  it("his helper may export it too; another member may not, and another bank does not even see him", async () => {
    clock.advance(1000);
    const data = (await sofie.client.ok(EXPORT_MEMBER, { m: id.gunnar, input: { note: "Gunnar asked me on the phone" } })).exportMemberData;
    expect(data.banks[0].membership.id).toBe(id.gunnar);
    expect(await elsa.client.errorCode(EXPORT_MEMBER, { m: id.gunnar })).toBe("FORBIDDEN");
    expect(await mats.client.errorCode(EXPORT_MEMBER, { m: id.gunnar })).toBe("NOT_FOUND");
    expect(await karin.client.errorCode(EXPORT_MEMBER, { m: id.gunnar, input: { note: "x".repeat(501) } })).toBe("BAD_USER_INPUT");
    const trail = (await karin.client.ok(`{ privacyRequests(timebank: "lund") { memberId action requestedBy actorName note } }`))
      .privacyRequests;
    expect(trail).toEqual([
      { memberId: id.gunnar, action: "EXPORT", requestedBy: "HELPER", actorName: "Sofie Lind", note: "Gunnar asked me on the phone" },
      { memberId: id.gunnar, action: "EXPORT", requestedBy: "COORDINATOR", actorName: "Karin Nilsson", note: "printed for Gunnar" },
      {
        memberId: id.gunnar,
        action: "EXPORT",
        requestedBy: "COORDINATOR",
        actorName: "Karin Nilsson",
        note: "asked at the office on 10 March",
      },
    ]);
    expect(await elsa.client.errorCode(`{ privacyRequests(timebank: "lund") { id } }`)).toBe("FORBIDDEN");
    const log = (await karin.client.ok(`query($m: ID!) { actingLog(memberId: $m) { action } }`, { m: id.gunnar })).actingLog;
    expect(log.map((l: { action: string }) => l.action)).toContain("exportMemberData");
  });

  it("holds every field the schema serves about a person (a walk over schema/schema.graphql from the person's queries)", () => {
    const schema = buildSchema(readFileSync(path.join(__dirname, "../../schema/schema.graphql"), "utf8"));
    // The person's entry points: `me`, `my*`, and every query that takes a member, an account or an author.
    const PERSONAL = /^(member|memberId|account|accountId|author|authorId)$/;
    const query = schema.getQueryType()!.getFields();
    const roots = Object.values(query).filter(
      (f) =>
        f.name === "me" ||
        /^my[A-Z]/.test(f.name) ||
        f.args.some(
          (a) =>
            PERSONAL.test(a.name) ||
            (isInputObjectType(getNamedType(a.type)) &&
              Object.keys((getNamedType(a.type) as { getFields(): object }).getFields()).some((n) => PERSONAL.test(n))),
        ),
    );
    expect(roots.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        "me",
        "myAccounts",
        "transfers",
        "statement",
        "actingLog",
        "onboarding",
        "workLogs",
        "myParticipation",
        "myInterBankTransfers",
      ]),
    );
    // The bank itself (its settings, its directory) is not the person's data.
    const BOUNDARY = new Set(["Timebank"]);
    const seen = new Set<string>();
    const leaves: string[] = [];
    const visit = (type: GraphQLNamedType) => {
      if (BOUNDARY.has(type.name) || seen.has(type.name)) return;
      if (isUnionType(type)) {
        seen.add(type.name);
        type.getTypes().forEach(visit);
        return;
      }
      if (!isObjectType(type) && !isInterfaceType(type)) return;
      seen.add(type.name);
      for (const f of Object.values(type.getFields())) {
        const inner = getNamedType(f.type);
        if (isObjectType(inner) || isInterfaceType(inner) || isUnionType(inner)) visit(inner);
        else leaves.push(`${type.name}.${f.name}`);
      }
    };
    for (const r of roots) visit(getNamedType(r.type));
    expect(leaves.length).toBeGreaterThan(200);
    // Figures the API computes from the rows the export holds, and pagination: not held, so not exported.
    const DERIVED: Record<string, string> = {
      "Engagement.atLimit": "computed from the engagement limit and the transfers",
      "Engagement.committedMinutes": "computed from the transfers",
      "OnboardingState.missingSteps": "computed from the bank's settings and the onboarding records",
      "CapacitySchedule.isOrganisationDefault": "a personal schedule never is",
      "CapacitySchedule.weeklyMinutes": "the sum of the weekday minutes",
      "ServiceCommitment.fulfilled": "computed from loggedMinutes and requiredMinutes",
      "ServiceCommitment.overdue": "computed from dueOn",
      "ServiceCommitment.percentDone": "computed from loggedMinutes and requiredMinutes",
      "ServiceCommitment.remainingMinutes": "computed from loggedMinutes and requiredMinutes",
      "TimeAccount.capacityTodayMinutes": "computed from the schedules",
      "TimeAccount.depositedMinutes": "computed from the time-account entries",
      "TimeAccount.withdrawnMinutes": "computed from the time-account entries",
      "TimeAccount.meterOn": "the bank's capacity policy",
      "TimeAccount.negativeBalanceLimitMinutes": "the bank's capacity policy",
      "TimeAccount.pendingTimeOffMinutes": "computed from the time-off requests",
      "TimeAccountDay.automaticDepositMinutes": "computed per day from the schedules and work logs",
      "TimeAccountDay.capacityMinutes": "computed per day from the schedules",
      "TimeAccountDay.depositedMinutes": "computed per day",
      "TimeAccountDay.loggedMinutes": "computed per day from the work logs",
      "TimeAccountDay.manualDepositMinutes": "computed per day from the entries",
      "TimeAccountDay.meterOn": "the bank's capacity policy",
      "TimeAccountDay.weekday": "the date's weekday",
      "TimeAccountDay.withdrawnMinutes": "computed per day from the entries",
      "TimeAccount.closedThrough": "the bank's closed capacity periods",
      "Account.earnedHoursOnly": "whether the member is supervised: the export's supervision",
      "InterBankLeg.transferId": "the member's own leg is a transfer of the export (legTransferId); the other bank's leg is that bank's",
      "InterBankLeg.source": "the direction of the inter-bank transfer (SENT or RECEIVED)",
      "InterBankLeg.sequence": "the member's own leg is a transfer of the export, with its seq",
      "InterBankLeg.idempotencyKey": "the member's own leg is a transfer of the export, with its key",
      "TimeAccount.correctionMinutes": "computed from the time-account entries",
      "TimeAccount.payoutMinutes": "computed from the time-account entries",
      "TimeAccount.plannedWeekMinutes": "computed from the schedules and the position",
      "TimeAccount.positionPercent": "the position in force (capacity.positions)",
      "TimeAccountDay.absenceMinutes": "computed per day from the time-off requests",
      "TimeAccountDay.correctionMinutes": "computed per day from the entries",
      "TimeAccountDay.payoutMinutes": "computed per day from the entries",
      "TimeAccountTotals.absenceMinutes": "computed",
      "TimeAccountTotals.correctionMinutes": "computed",
      "TimeAccountTotals.payoutMinutes": "computed",
      "CapacityPosition.plannedWeekMinutes": "computed from the schedules and the percent",
      "TimeAccountTotals.capacityMinutes": "computed",
      "TimeAccountTotals.depositedMinutes": "computed",
      "TimeAccountTotals.loggedMinutes": "computed",
      "TimeAccountTotals.withdrawnMinutes": "computed",
      "OnboardingSettings.requireInterview": "the bank's settings",
      "OnboardingSettings.requireSafeguardingCheck": "the bank's settings",
      "OnboardingSettings.requiredReferences": "the bank's settings",
      "PostEdge.cursor": "pagination",
      "TransferEdge.cursor": "pagination",
      "PageInfo.endCursor": "pagination",
      "PageInfo.hasNextPage": "pagination",
      "PostConnection.totalCount": "pagination",
      "TransferConnection.totalCount": "pagination",
    };
    const keys = new Set<string>();
    const collect = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) (keys.add(k), collect(x));
    };
    Object.values(exported).forEach(collect);
    // The same fact under the export's name.
    const SAME_AS: Record<string, string> = { "MemberPrivateDetails.loginEmail": "email" };
    const missing = leaves.filter((leaf) => !(leaf in DERIVED) && !keys.has(SAME_AS[leaf] ?? leaf.split(".")[1]));
    expect(missing).toEqual([]);
  });
});

describe("erasure", () => {
  const FORGET = `mutation { forgetMe { __typename ... on Forgotten { anonymisedMemberships } ... on ErrorResult { code message } } }`;

  it("the only admin of a bank must hand over first, and nothing changes", async () => {
    expect((await karin.client.ok(FORGET)).forgetMe).toMatchObject({ __typename: "ForgetRefused", code: "LAST_ADMIN" });
    expect((await karin.client.ok(`{ me { displayName } }`)).me.displayName).toBe("Karin Nilsson");
    expect(await t.db.prisma.privacyRequest.count({ where: { action: "ERASURE" } })).toBe(0);
  });

  it("Ahmad is forgotten: his balances are settled with the pots through the ledger, his accounts close, and the books balance", async () => {
    const pots = { lund: (await potOf("lund")).balanceMinutes, malmo: (await potOf("malmo")).balanceMinutes };
    // He earned 90 and spent 30 in Lund; he sent 45 to Lund from Malmö.
    expect([await balanceOf(account.ahmad), await balanceOf(account.ahmadMalmo)]).toEqual([60, -45]);
    expect((await ahmad.client.ok(FORGET)).forgetMe).toEqual({ __typename: "Forgotten", anonymisedMemberships: 2 });
    expect((await potOf("lund")).balanceMinutes).toBe(pots.lund + 60);
    expect((await potOf("malmo")).balanceMinutes).toBe(pots.malmo - 45);
    for (const a of [account.ahmad, account.ahmadMalmo]) {
      expect(await t.db.prisma.account.findFirstOrThrow({ where: { id: a } })).toMatchObject({
        status: "CLOSED",
        balanceMinutes: 0,
        pendingInMinutes: 0,
        pendingOutMinutes: 0,
      });
    }
    const settlements = await t.db.prisma.transfer.findMany({
      where: {
        OR: [{ debitAccountId: { in: ahmadBefore.accounts } }, { creditAccountId: { in: ahmadBefore.accounts } }],
        kind: { in: ["POT_DONATION", "POT_PAYMENT"] },
      },
      orderBy: { kind: "asc" },
    });
    expect(settlements.map((s) => [s.kind, s.minutes, s.status])).toEqual([
      ["POT_DONATION", 60, "POSTED"],
      ["POT_PAYMENT", 45, "POSTED"],
    ]);
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);
    // His session ends and his email no longer logs in.
    expect(await ahmad.client.errorCode(`{ me { id } }`)).toBe("UNAUTHENTICATED");
    const login = await t.client.ok(
      `mutation($e: String!) { logIn(input: { email: $e, password: "correct horse battery" }) { __typename } }`,
      { e: ahmadBefore.email },
    );
    expect(login.logIn.__typename).toBe("InvalidCredentials");
  });

  it("no text column of any table holds his names, emails, phone numbers or old ids", async () => {
    const needles = [
      "Ahmad",
      "Hassan",
      ahmadBefore.email,
      "ahmad.h@home.example",
      "111 22 33",
      "1112233",
      "Möllevången",
      "hearing loop",
      ahmadBefore.personId,
      ...ahmadBefore.memberships,
      ...ahmadBefore.accounts,
    ];
    expect(await findInTextColumns(needles)).toEqual([]);
    const person = await t.db.prisma.person.findUniqueOrThrow({ where: { id: ahmadBefore.personId }, include: { memberships: true } });
    expect(person.email).toMatch(/^erased-[0-9a-f-]{36}@erased\.invalid$/);
    expect(person).toMatchObject({ displayName: "Erased member", isPlatformAdmin: false });
    // The member numbers the banks' paper records knew him by are gone too.
    expect(person.memberships.map((m) => m.memberNumber).some((n) => ahmadBefore.memberNumbers.includes(n))).toBe(false);
    expect(person.memberships.map((m) => m.status)).toEqual(["LEFT", "LEFT"]);
    expect(await t.db.prisma.participationProfile.count({ where: { membershipId: { in: ahmadBefore.memberships } } })).toBe(0);
  });

  it("others' texts read [erased] where they named him, and keep the rest", async () => {
    const memos = (
      await elsa.client.ok(`query($a: ID!) { transfers(account: $a, first: 50) { nodes { memo } } }`, { a: account.elsa })
    ).transfers.nodes.map((n: { memo: string }) => n.memo);
    expect(memos).toEqual(
      expect.arrayContaining(["[erased] walked Elsa's dog", "Thanks [erased]! Call him on [erased]", "Gunnar Holm fixed Elsa's bike"]),
    );
    const post = await t.db.prisma.post.findFirstOrThrow({ where: { title: "A lift to the hospital" } });
    expect(post.description).toBe("[erased] knows the way; or ring [erased]");
    expect((await t.db.prisma.reference.findFirstOrThrow({ where: { membershipId: id.elsa } })).name).toBe("[erased]");
    expect((await t.db.prisma.activity.findFirstOrThrow({ where: { kind: "SHARED_MEAL" } })).title).toBe("Friday meal cooked by [erased]");
    // What he wrote himself is gone; the rows the books and the statistics count stay.
    const own = await t.db.prisma.post.findFirstOrThrow({ where: { authorId: id.ahmad } });
    expect(own).toMatchObject({ title: "Removed at the member's request", description: "", tags: [], status: "CANCELLED" });
    expect(await t.db.prisma.match.count({ where: { candidateId: id.ahmad, status: "ACCEPTED" } })).toBe(1);
  });

  it("February's published statistics stay as published", async () => {
    await refreshRollups(t.db, { marginMs: 0 });
    expect(await closedPeriodFigures()).toEqual(published);
  });

  it("Gunnar's helper asks for his erasure on his behalf; others may not; the trail says who and at whose request", async () => {
    expect(await elsa.client.errorCode(ERASE, { m: id.gunnar })).toBe("FORBIDDEN");
    expect(await mats.client.errorCode(ERASE, { m: id.gunnar })).toBe("NOT_FOUND");
    expect(await sofie.client.errorCode(ERASE, { m: id.gunnar, input: { note: "x".repeat(501) } })).toBe("BAD_USER_INPUT");
    expect(await t.db.prisma.privacyRequest.count({ where: { membershipId: id.gunnar, action: "ERASURE" } })).toBe(0);
    clock.advance(1000);
    const erased = await sofie.client.ok(ERASE, { m: id.gunnar, input: { note: "Gunnar Holm asked me by phone on 9 March" } });
    expect(erased.eraseMember).toEqual({ __typename: "MemberErased", memberId: id.gunnar, settledMinutes: 120 });
    expect(await karin.client.errorCode(ERASE, { m: id.gunnar })).toBe("BAD_USER_INPUT");
    const trail = (await karin.client.ok(`{ privacyRequests(timebank: "lund", first: 1) { memberId action requestedBy actorName note } }`))
      .privacyRequests;
    expect(trail).toEqual([
      {
        memberId: id.gunnar,
        action: "ERASURE",
        requestedBy: "HELPER",
        actorName: "Sofie Lind",
        note: "[erased] asked me by phone on 9 March",
      },
    ]);
    expect(
      await findInTextColumns([
        "Gunnar",
        "Holm",
        "Ingrid",
        "ingrid.holm@example.org",
        "123 45 67",
        "1234567",
        "999 88 77",
        "Klostergården",
        gunnarPersonId,
        id.gunnar,
        account.gunnar,
      ]),
    ).toEqual([]);
    expect(await t.db.prisma.person.findUniqueOrThrow({ where: { id: gunnarPersonId } })).toMatchObject({
      displayName: "Erased member",
      offline: false,
    });
    expect(await t.db.prisma.interview.count({ where: { membershipId: id.gunnar } })).toBe(0);
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);
  });
});

describe("retention", () => {
  const SET = `mutation($m: Int) { setPrivacyPolicy(timebank: "lund", eraseLeftMembersAfterMonths: $m) { eraseLeftMembersAfterMonths } }`;

  it("bank admins set the policy, members read it, and bad values are refused", async () => {
    for (const m of [0, 121, -3]) expect(await karin.client.errorCode(SET, { m })).toBe("BAD_USER_INPUT");
    expect(await elsa.client.errorCode(SET, { m: 6 })).toBe("FORBIDDEN");
    expect(await mats.client.errorCode(SET, { m: 6 })).toBe("NOT_FOUND");
    expect((await karin.client.ok(SET, { m: 6 })).setPrivacyPolicy.eraseLeftMembersAfterMonths).toBe(6);
    expect(
      (await elsa.client.ok(`{ privacyPolicy(timebank: "lund") { eraseLeftMembersAfterMonths } }`)).privacyPolicy
        .eraseLeftMembersAfterMonths,
    ).toBe(6);
  });

  it("six months after Lars left, the retention run erases him, and not a day before", async () => {
    const lars = await signUp(t, "Lars Persson");
    const larsId = await join(lars, karin, "lund");
    await lars.client.ok(`mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "lund", input: $input) { id } }`, {
      input: { contactPhone: "+46 73 555 66 77" },
    });
    await lars.client.ok(`mutation { leaveTimebank(timebank: "lund") { __typename } }`);
    clock.set(new Date("2025-09-09T09:00:00Z"));
    expect(await applyRetention(t.app.database, clock)).toEqual({ erased: 0, skipped: [] });
    clock.set(new Date("2025-09-11T09:00:00Z"));
    expect(await applyRetention(t.app.database, clock)).toEqual({ erased: 1, skipped: [] });
    expect(await applyRetention(t.app.database, clock)).toEqual({ erased: 0, skipped: [] });
    expect(await findInTextColumns(["Lars", "Persson", lars.email, "555 66 77", lars.personId, larsId])).toEqual([]);
    const trail = (await karin.client.ok(`{ privacyRequests(timebank: "lund", first: 1) { memberId action requestedBy actorName } }`))
      .privacyRequests;
    expect(trail).toEqual([{ memberId: larsId, action: "ERASURE", requestedBy: "RETENTION", actorName: null }]);
    expect((await verifyLedger(t.db.prisma)).problems).toEqual([]);
  });
});
