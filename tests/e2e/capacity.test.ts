// Capacity time accounts told through GraphQL: Ingrid works an 80% position at the Oslo
// timebank office, Kari's capacity changes, the bank tries manual mode, Ola serves a
// community-service order, and a member of another bank sees none of it.
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const H = 60;
// 2026-11-16 is a Monday. "Today" is fixed, so the policy in force today is known.
const clock = new ManualClock(new Date("2026-11-30T10:00:00Z"));

let t: TestServer;
let maja: Actor; // the bank's admin: a manager who approves
let coordinator2: Actor; // a second coordinator, so that Maja's own requests can be decided
let ingrid: Actor;
let ingridId: string;
let kari: Actor;
let kariId: string;
let ola: Actor;
let olaId: string;
let neighbour: Actor; // a plain member of the same bank
let bergenAdmin: Actor;
let bergenMember: Actor;

beforeAll(async () => {
  // Tokens outlive the jump to January in the manual-mode story.
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 90 * 24 * 3600 } });
  const admin = await platformAdmin(t);
  maja = await signUp(t, "Maja Coordinator");
  await createBank(t, admin, "oslo", maja);
  await maja.client.ok(`mutation { updateTimebankSettings(timebank: "oslo", input: { timezone: "Europe/Oslo" }) { timezone } }`);
  coordinator2 = await signUp(t, "Per Coordinator");
  const perId = await join(coordinator2, maja, "oslo");
  await maja.client.ok(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: COORDINATOR) { __typename } }`, { id: perId });
  ingrid = await signUp(t, "Ingrid");
  ingridId = await join(ingrid, maja, "oslo");
  kari = await signUp(t, "Kari");
  kariId = await join(kari, maja, "oslo");
  ola = await signUp(t, "Ola");
  olaId = await join(ola, maja, "oslo");
  neighbour = await signUp(t, "Neighbour");
  await join(neighbour, maja, "oslo");

  bergenAdmin = await signUp(t, "Bergen Admin");
  await createBank(t, admin, "bergen", bergenAdmin);
  bergenMember = await signUp(t, "Bergen Member");
  await join(bergenMember, bergenAdmin, "bergen");

  // The organisation default: 80% position, Monday to Thursday 7.5 h, Friday 0.
  const schedule = await maja.client.ok(
    `mutation { setCapacitySchedule(timebank: "oslo", input: { effectiveFrom: "2026-01-01", mondayMinutes: 450, tuesdayMinutes: 450, wednesdayMinutes: 450, thursdayMinutes: 450 }) { ... on CapacitySchedule {
      isOrganisationDefault weeklyMinutes fridayMinutes member { id } } } }`,
  );
  expect(schedule.setCapacitySchedule).toEqual({ isOrganisationDefault: true, weeklyMinutes: 30 * H, fridayMinutes: 0, member: null });
});
afterAll(() => t.close());

const LOG = `id date minutes start end breakMinutes confirmed member { id }`;
const ACCOUNT = `balanceMinutes depositedMinutes withdrawnMinutes pendingTimeOffMinutes meterOn negativeBalanceLimitMinutes`;
const DECISION = `__typename ... on TimeOffRequest { id status minutes } ... on ErrorResult { code message }
  ... on InsufficientTimeBalance { balanceMinutes requestedMinutes negativeBalanceLimitMinutes } ... on RequestAlreadyDecided { currentStatus }`;

function logWork(actor: Actor, member: string, input: Record<string, unknown>) {
  return actor.client.request(`mutation($m: ID!, $input: WorkLogInput!) { logWork(member: $m, input: $input) { ${LOG} } }`, {
    m: member,
    input,
  });
}

async function logOk(actor: Actor, member: string, input: Record<string, unknown>) {
  const res = await logWork(actor, member, input);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.logWork;
}

async function account(actor: Actor, member: string) {
  return (await actor.client.ok(`query($m: ID!) { timeAccount(member: $m) { ${ACCOUNT} } }`, { m: member })).timeAccount;
}

async function statementOf(actor: Actor, member: string, from: string, to: string) {
  const data = await actor.client.ok(
    `query($m: ID!, $from: String!, $to: String!) { timeAccountStatement(member: $m, from: $from, to: $to) {
      from to openingBalanceMinutes closingBalanceMinutes member { id }
      days { date weekday capacityMinutes loggedMinutes depositedMinutes withdrawnMinutes balanceMinutes meterOn }
      totals { capacityMinutes loggedMinutes depositedMinutes withdrawnMinutes } } }`,
    { m: member, from, to },
  );
  return data.timeAccountStatement;
}

async function requestTimeOff(actor: Actor, member: string, date: string, minutes: number) {
  const data = await actor.client.ok(`mutation($input: DatedMinutesInput!) { requestTimeOff(input: $input) { id status minutes date } }`, {
    input: { member, date, minutes, note: "time off in lieu" },
  });
  return data.requestTimeOff as { id: string; status: string };
}

async function approveTimeOff(actor: Actor, id: string) {
  return (await actor.client.ok(`mutation($id: ID!) { approveTimeOff(id: $id) { ${DECISION} } }`, { id })).approveTimeOff;
}

describe("the worked example: an 80% position, Monday to Thursday 08:00-16:00 with 30 minutes lunch", () => {
  it("32 hours with 2 extra on Wednesday give +2 h; 2 hours on Friday +2 h more; 4 h time off takes 4 h; an empty Monday takes nothing", async () => {
    for (const date of ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"]) {
      const log = await logOk(ingrid, ingridId, { date, start: "08:00", end: "16:00", breakMinutes: 30 });
      expect(log).toMatchObject({ date, minutes: 7.5 * H, start: "08:00", end: "16:00", breakMinutes: 30, member: { id: ingridId } });
    }
    await logOk(ingrid, ingridId, { date: "2026-11-18", start: "16:00", end: "18:00", note: "asked to stay for the evening meeting" });
    expect(await account(ingrid, ingridId)).toMatchObject({
      balanceMinutes: 2 * H,
      depositedMinutes: 2 * H,
      withdrawnMinutes: 0,
      meterOn: true,
    });

    // Asked to come in on Friday, a day with capacity 0: every hour is deposited.
    await logOk(ingrid, ingridId, { date: "2026-11-20", minutes: 2 * H });
    expect((await account(ingrid, ingridId)).balanceMinutes).toBe(4 * H);

    const request = await requestTimeOff(ingrid, ingridId, "2026-11-24", 4 * H);
    expect(request.status).toBe("PENDING");
    expect((await account(maja, ingridId)).pendingTimeOffMinutes).toBe(4 * H);
    expect(await approveTimeOff(maja, request.id)).toEqual({
      __typename: "TimeOffRequest",
      id: request.id,
      status: "APPROVED",
      minutes: 4 * H,
    });

    // Working 0 hours on Monday withdraws nothing.
    await logOk(ingrid, ingridId, { date: "2026-11-23", minutes: 0 });
    expect(await account(ingrid, ingridId)).toMatchObject({
      balanceMinutes: 0,
      depositedMinutes: 4 * H,
      withdrawnMinutes: 4 * H,
      pendingTimeOffMinutes: 0,
    });

    const s = await statementOf(maja, ingridId, "2026-11-16", "2026-11-24");
    expect(
      s.days.map((d: any) => [
        d.date,
        d.weekday,
        d.capacityMinutes,
        d.loggedMinutes,
        d.depositedMinutes,
        d.withdrawnMinutes,
        d.balanceMinutes,
      ]),
    ).toEqual([
      ["2026-11-16", 1, 450, 450, 0, 0, 0],
      ["2026-11-17", 2, 450, 450, 0, 0, 0],
      ["2026-11-18", 3, 450, 570, 120, 0, 120],
      ["2026-11-19", 4, 450, 450, 0, 0, 120],
      ["2026-11-20", 5, 0, 120, 120, 0, 240],
      ["2026-11-21", 6, 0, 0, 0, 0, 240],
      ["2026-11-22", 7, 0, 0, 0, 0, 240],
      ["2026-11-23", 1, 450, 0, 0, 0, 240],
      ["2026-11-24", 2, 450, 0, 0, 240, 0],
    ]);
    expect(s).toMatchObject({ openingBalanceMinutes: 0, closingBalanceMinutes: 0, member: { id: ingridId } });
    expect(s.totals).toEqual({ capacityMinutes: 6 * 450, loggedMinutes: 34 * H, depositedMinutes: 4 * H, withdrawnMinutes: 4 * H });

    const logs = await ingrid.client.ok(
      `query($m: ID!) { workLogs(member: $m, from: "2026-11-18", to: "2026-11-18") { start end minutes } }`,
      { m: ingridId },
    );
    expect(logs.workLogs).toEqual([
      { start: "08:00", end: "16:00", minutes: 450 },
      { start: "16:00", end: "18:00", minutes: 120 },
    ]);
  });

  it("the approved withdrawal is an immutable row, even for the database owner", async () => {
    const entry = await t.db.prisma.timeAccountEntry.findFirstOrThrow({ where: { membershipId: ingridId } });
    expect(entry).toMatchObject({ kind: "WITHDRAWAL", minutes: 240 });
    await expect(t.db.prisma.timeAccountEntry.updateMany({ where: { id: entry.id }, data: { minutes: 1 } })).rejects.toThrow(/immutable/);
    await expect(t.db.prisma.timeAccountEntry.deleteMany({ where: { id: entry.id } })).rejects.toThrow(/immutable/);
  });
});

describe("capacity changes and edits", () => {
  it("a capacity change from a date applies from that date only", async () => {
    await logOk(kari, kariId, { date: "2026-11-17", minutes: 480 }); // Tuesday: 30 minutes over 7.5 h
    expect((await account(kari, kariId)).balanceMinutes).toBe(30);

    // From Wednesday Kari works 6 h a day, Monday to Friday.
    const override = await maja.client.ok(
      `mutation($m: ID!) { setCapacitySchedule(timebank: "oslo", input: { member: $m, effectiveFrom: "2026-11-18", mondayMinutes: 360, tuesdayMinutes: 360, wednesdayMinutes: 360, thursdayMinutes: 360, fridayMinutes: 360 }) { ... on CapacitySchedule {
        isOrganisationDefault weeklyMinutes member { id } } } }`,
      { m: kariId },
    );
    expect(override.setCapacitySchedule).toEqual({ isOrganisationDefault: false, weeklyMinutes: 30 * H, member: { id: kariId } });
    await logOk(kari, kariId, { date: "2026-11-18", minutes: 480 }); // 2 h over 6 h
    await logOk(kari, kariId, { date: "2026-11-20", minutes: 360 }); // Friday now has capacity: nothing extra

    const s = await statementOf(kari, kariId, "2026-11-17", "2026-11-20");
    expect(s.days.map((d: any) => [d.date, d.capacityMinutes, d.depositedMinutes])).toEqual([
      ["2026-11-17", 450, 30],
      ["2026-11-18", 360, 120],
      ["2026-11-19", 360, 0],
      ["2026-11-20", 360, 0],
    ]);
    expect(s.closingBalanceMinutes).toBe(150);

    // A later change of the organisation default does not beat Kari's override, and does not reach back.
    await maja.client.ok(
      `mutation { setCapacitySchedule(timebank: "oslo", input: { effectiveFrom: "2026-12-01", mondayMinutes: 480, tuesdayMinutes: 450, wednesdayMinutes: 450, thursdayMinutes: 450 }) { __typename } }`,
    );
    expect((await statementOf(kari, kariId, "2026-11-17", "2026-11-20")).days).toEqual(s.days);
    const ingridBefore = await statementOf(maja, ingridId, "2026-11-16", "2026-11-24");
    expect(ingridBefore.closingBalanceMinutes).toBe(0);
    const schedules = await kari.client.ok(
      `query($m: ID!) { capacitySchedules(timebank: "oslo", member: $m) { effectiveFrom mondayMinutes } }`,
      { m: kariId },
    );
    expect(schedules.capacitySchedules).toEqual([{ effectiveFrom: "2026-11-18", mondayMinutes: 360 }]);
    const defaults = await neighbour.client.ok(`{ capacitySchedules(timebank: "oslo") { effectiveFrom mondayMinutes } }`);
    expect(defaults.capacitySchedules).toEqual([
      { effectiveFrom: "2026-01-01", mondayMinutes: 450 },
      { effectiveFrom: "2026-12-01", mondayMinutes: 480 },
    ]);
  });

  it("editing or deleting a log recomputes the balance instead of adding to it", async () => {
    const log = await logOk(kari, kariId, { date: "2026-11-21", minutes: 90 }); // Saturday: all extra
    expect((await account(kari, kariId)).balanceMinutes).toBe(150 + 90);
    const edited = await kari.client.ok(
      `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-11-21", start: "10:00", end: "11:00" }) { ... on WorkLog { minutes start } } }`,
      { id: log.id },
    );
    expect(edited.updateWorkLog).toEqual({ minutes: 60, start: "10:00" });
    expect((await account(kari, kariId)).balanceMinutes).toBe(150 + 60);
    expect(
      (await maja.client.ok(`mutation($id: ID!) { deleteWorkLog(id: $id) { ... on DeletedWorkLog { id } } }`, { id: log.id }))
        .deleteWorkLog,
    ).toEqual({ id: log.id });
    expect((await account(kari, kariId)).balanceMinutes).toBe(150);
  });
});

describe("bad input gets a code and changes nothing", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["negative hours", { date: "2026-11-25", minutes: -60 }],
    ["a break longer than the day", { date: "2026-11-25", start: "08:00", end: "12:00", breakMinutes: 300 }],
    ["end before start", { date: "2026-11-25", start: "16:00", end: "08:00" }],
    ["a date in another time zone (date with offset)", { date: "2026-11-25-05:00", minutes: 60 }],
    ["a date in another time zone (date-time in UTC)", { date: "2026-11-25T08:00:00Z", minutes: 60 }],
    ["a negative break", { date: "2026-11-25", start: "08:00", end: "12:00", breakMinutes: -10 }],
    ["more than 24 hours on a day", { date: "2026-11-17", minutes: 1000 }],
    ["a day that has not come yet", { date: "2026-12-01", minutes: 60 }],
  ];

  it.each(cases)("%s", async (_what, input) => {
    const before = await statementOf(ingrid, ingridId, "2026-11-16", "2026-11-30");
    const rowsBefore = await t.db.prisma.workLog.count();
    const res = await logWork(ingrid, ingridId, input);
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.data).toBeNull();
    expect(await t.db.prisma.workLog.count()).toBe(rowsBefore);
    expect(await statementOf(ingrid, ingridId, "2026-11-16", "2026-11-30")).toEqual(before);
  });

  it("a date with the bank's own offset is accepted as that calendar day", async () => {
    const log = await logOk(ingrid, ingridId, { date: "2026-11-26T09:00:00+01:00", minutes: 450 });
    expect(log.date).toBe("2026-11-26");
  });

  it("a bad edit leaves the log as it was", async () => {
    const [log] = (
      await ingrid.client.ok(`query($m: ID!) { workLogs(member: $m, from: "2026-11-16", to: "2026-11-16") { id } }`, { m: ingridId })
    ).workLogs;
    const before = await t.db.prisma.workLog.findFirstOrThrow({ where: { id: log.id } });
    const code = await ingrid.client.errorCode(
      `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-11-16", start: "12:00", end: "09:00" }) { __typename } }`,
      { id: log.id },
    );
    expect(code).toBe("BAD_USER_INPUT");
    expect(await t.db.prisma.workLog.findFirstOrThrow({ where: { id: log.id } })).toEqual(before);
  });

  it("other bad input: schedules, requests and statements", async () => {
    expect(
      await maja.client.errorCode(
        `mutation { setCapacitySchedule(timebank: "oslo", input: { effectiveFrom: "2026-11-30", mondayMinutes: -1 }) { __typename } }`,
      ),
    ).toBe("BAD_USER_INPUT");
    expect(
      await maja.client.errorCode(
        `mutation { setCapacitySchedule(timebank: "oslo", input: { effectiveFrom: "2026-11-30", mondayMinutes: 1500 }) { __typename } }`,
      ),
    ).toBe("BAD_USER_INPUT");
    expect(
      await ingrid.client.errorCode(`mutation($m: ID!) { requestTimeOff(input: { member: $m, date: "2026-11-30", minutes: 0 }) { id } }`, {
        m: ingridId,
      }),
    ).toBe("BAD_USER_INPUT");
    expect(
      await ingrid.client.errorCode(`query($m: ID!) { timeAccountStatement(member: $m, from: "2026-11-30", to: "2026-11-01") { from } }`, {
        m: ingridId,
      }),
    ).toBe("BAD_USER_INPUT");
    expect(await t.db.prisma.capacitySchedule.count({ where: { effectiveFrom: new Date("2026-11-30T00:00:00Z") } })).toBe(0);
    expect(await t.db.prisma.timeOffRequest.count({ where: { takenOn: new Date("2026-11-30T00:00:00Z") } })).toBe(0);
  });
});

describe("time off: approval and refusal", () => {
  it("time off beyond the balance is refused with a typed result, until the organisation allows a negative balance", async () => {
    // Ingrid's balance: 0 (worked example) + 0 (the Thursday 2026-11-26 log is exactly capacity).
    const request = await requestTimeOff(ingrid, ingridId, "2026-12-03", 2 * H);
    const refused = await approveTimeOff(maja, request.id);
    expect(refused).toMatchObject({
      __typename: "InsufficientTimeBalance",
      code: "INSUFFICIENT_TIME_BALANCE",
      balanceMinutes: 0,
      requestedMinutes: 120,
      negativeBalanceLimitMinutes: 0,
    });
    const stored = await t.db.prisma.timeOffRequest.findFirstOrThrow({ where: { id: request.id } });
    expect(stored).toMatchObject({ status: "PENDING", decidedAt: null });
    expect((await account(ingrid, ingridId)).balanceMinutes).toBe(0);

    // Only bank admins set the policy.
    expect(
      await coordinator2.client.errorCode(
        `mutation { setCapacityPolicy(timebank: "oslo", input: { effectiveFrom: "2026-01-01", meterOn: true, negativeBalanceLimitMinutes: 180 }) { __typename } }`,
      ),
    ).toBe("FORBIDDEN");
    const policy = await maja.client.ok(
      `mutation { setCapacityPolicy(timebank: "oslo", input: { effectiveFrom: "2026-01-01", meterOn: true, negativeBalanceLimitMinutes: 180 }) { ... on CapacityPolicy { effectiveFrom meterOn negativeBalanceLimitMinutes } } }`,
    );
    expect(policy.setCapacityPolicy).toEqual({ effectiveFrom: "2026-01-01", meterOn: true, negativeBalanceLimitMinutes: 180 });

    expect(await approveTimeOff(maja, request.id)).toMatchObject({ __typename: "TimeOffRequest", status: "APPROVED" });
    expect(await account(ingrid, ingridId)).toMatchObject({ balanceMinutes: -120, negativeBalanceLimitMinutes: 180 });

    // A further 61 minutes would go beyond -180.
    const tooMuch = await requestTimeOff(ingrid, ingridId, "2026-12-02", 61);
    expect(await approveTimeOff(maja, tooMuch.id)).toMatchObject({
      code: "INSUFFICIENT_TIME_BALANCE",
      balanceMinutes: -120,
      negativeBalanceLimitMinutes: 180,
    });

    // Refused with a reason; a decided request is decided once.
    const refusal = await maja.client.ok(
      `mutation($id: ID!) { refuseTimeOff(id: $id, reason: "not enough hours") { ... on TimeOffRequest { status refusalReason decidedAt } } }`,
      { id: tooMuch.id },
    );
    expect(refusal.refuseTimeOff).toMatchObject({ status: "REFUSED", refusalReason: "not enough hours" });
    expect(await approveTimeOff(maja, tooMuch.id)).toMatchObject({
      __typename: "RequestAlreadyDecided",
      code: "ALREADY_DECIDED",
      currentStatus: "REFUSED",
    });
    expect(await approveTimeOff(maja, request.id)).toMatchObject({ __typename: "RequestAlreadyDecided", currentStatus: "APPROVED" });
    expect((await account(ingrid, ingridId)).balanceMinutes).toBe(-120);

    const listed = await maja.client.ok(`{ timeOffRequests(timebank: "oslo", status: REFUSED) { id member { id } } }`);
    expect(listed.timeOffRequests).toEqual([{ id: tooMuch.id, member: { id: ingridId } }]);
    const own = await kari.client.ok(`{ timeOffRequests(timebank: "oslo") { id } }`);
    expect(own.timeOffRequests).toEqual([]);
  });

  it("only another manager decides: not the member, and not the coordinator on their own request", async () => {
    const request = await requestTimeOff(kari, kariId, "2026-12-07", 30);
    expect(await kari.client.errorCode(`mutation($id: ID!) { approveTimeOff(id: $id) { __typename } }`, { id: request.id })).toBe(
      "FORBIDDEN",
    );
    const majaId = (await maja.client.ok(`{ me { memberships { id timebank { slug } } } }`)).me.memberships.find(
      (m: any) => m.timebank.slug === "oslo",
    ).id;
    const own = await requestTimeOff(maja, majaId, "2026-12-07", 30);
    expect(await maja.client.errorCode(`mutation($id: ID!) { approveTimeOff(id: $id) { __typename } }`, { id: own.id })).toBe("FORBIDDEN");
    // Maja's balance is 0, but the organisation now allows 180 minutes below zero.
    expect(await approveTimeOff(coordinator2, own.id)).toMatchObject({ __typename: "TimeOffRequest", status: "APPROVED" });
    expect((await account(maja, majaId)).balanceMinutes).toBe(-30);
    expect(await approveTimeOff(coordinator2, request.id)).toMatchObject({ __typename: "TimeOffRequest", status: "APPROVED" });
  });

  it("two approvals racing for the last hours: exactly one wins", async () => {
    // Kari: 150 - 30 = 120 minutes; the limit allows 180 below zero: room for 300 minutes.
    const a = await requestTimeOff(kari, kariId, "2026-12-08", 200);
    const b = await requestTimeOff(kari, kariId, "2026-12-09", 200);
    const results = await Promise.all([approveTimeOff(maja, a.id), approveTimeOff(coordinator2, b.id)]);
    expect(results.map((r: any) => r.__typename).sort()).toEqual(["InsufficientTimeBalance", "TimeOffRequest"]);
    expect((await account(kari, kariId)).balanceMinutes).toBe(120 - 200);
    expect(await t.db.prisma.timeAccountEntry.count({ where: { membershipId: kariId, kind: "WITHDRAWAL" } })).toBe(2);
  });
});

describe("community-service commitments", () => {
  it("hours logged against the order show progress; a coordinator records completion once it is served", async () => {
    const COMMITMENT = `id title requiredMinutes dueOn status loggedMinutes remainingMinutes percentDone fulfilled overdue completedAt member { id }`;
    expect(
      await ola.client.errorCode(
        `mutation($m: ID!) { createServiceCommitment(input: { member: $m, title: "x", requiredMinutes: 600, dueOn: "2026-12-15" }) { id } }`,
        { m: olaId },
      ),
    ).toBe("FORBIDDEN");
    const created = await maja.client.ok(
      `mutation($m: ID!) { createServiceCommitment(input: { member: $m, title: "Community service: garden of the care home", requiredMinutes: 600, dueOn: "2026-12-15" }) { ${COMMITMENT} } }`,
      { m: olaId },
    );
    const c = created.createServiceCommitment;
    expect(c).toMatchObject({
      requiredMinutes: 600,
      dueOn: "2026-12-15",
      status: "OPEN",
      loggedMinutes: 0,
      remainingMinutes: 600,
      percentDone: 0,
      fulfilled: false,
      overdue: false,
      member: { id: olaId },
    });

    const own = await logOk(ola, olaId, { date: "2026-11-28", start: "10:00", end: "14:30", breakMinutes: 30, serviceCommitment: c.id });
    // Community-service hours are not working time: they never enter Ola's flexitime account (a Saturday).
    expect((await account(ola, olaId)).balanceMinutes).toBe(0);
    const progress = await ola.client.ok(
      `query($m: ID!) { serviceCommitments(member: $m) { loggedMinutes remainingMinutes percentDone } }`,
      { m: olaId },
    );
    expect(progress.serviceCommitments).toEqual([{ loggedMinutes: 240, remainingMinutes: 360, percentDone: 40 }]);

    const early = await maja.client.ok(
      `mutation($id: ID!) { completeServiceCommitment(id: $id) { __typename ... on ErrorResult { code } ... on CommitmentNotFulfilled { remainingMinutes } } }`,
      { id: c.id },
    );
    expect(early.completeServiceCommitment).toEqual({ __typename: "CommitmentNotFulfilled", code: "NOT_FULFILLED", remainingMinutes: 360 });

    await logOk(maja, olaId, { date: "2026-11-29", minutes: 360, serviceCommitment: c.id });
    // Ola logged 240 minutes himself: the bank has not confirmed them yet.
    const unconfirmed = await maja.client.ok(
      `mutation($id: ID!) { completeServiceCommitment(id: $id) { __typename ... on ErrorResult { code } ... on CommitmentNotFulfilled { remainingMinutes } } }`,
      { id: c.id },
    );
    expect(unconfirmed.completeServiceCommitment).toEqual({
      __typename: "CommitmentNotFulfilled",
      code: "NOT_CONFIRMED",
      remainingMinutes: 240,
    });
    expect(await ola.client.errorCode(`mutation($id: ID!) { confirmServiceLog(id: $id) { confirmed } }`, { id: own.id })).toBe("FORBIDDEN");
    expect(
      (await maja.client.ok(`mutation($id: ID!) { confirmServiceLog(id: $id) { confirmed } }`, { id: own.id })).confirmServiceLog,
    ).toEqual({ confirmed: true });
    const done = await maja.client.ok(
      `mutation($id: ID!) { completeServiceCommitment(id: $id) { __typename ... on ServiceCommitment { status fulfilled percentDone completedAt } } }`,
      { id: c.id },
    );
    expect(done.completeServiceCommitment).toMatchObject({
      __typename: "ServiceCommitment",
      status: "COMPLETED",
      fulfilled: true,
      percentDone: 100,
      completedAt: expect.any(String),
    });
    const row = await t.db.prisma.serviceCommitment.findFirstOrThrow({ where: { id: c.id } });
    expect(row.completionApprovedById).toBe(maja.personId);

    const twice = await coordinator2.client.ok(
      `mutation($id: ID!) { completeServiceCommitment(id: $id) { __typename ... on ErrorResult { code } } }`,
      { id: c.id },
    );
    expect(twice.completeServiceCommitment).toEqual({ __typename: "CommitmentAlreadyCompleted", code: "ALREADY_COMPLETED" });
    const late = await logWork(ola, olaId, { date: "2026-11-30", minutes: 60, serviceCommitment: c.id });
    expect(late.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("who sees what", () => {
  const READS: [string, string][] = [
    ["timeAccount", `query($m: ID!) { timeAccount(member: $m) { balanceMinutes } }`],
    [
      "timeAccountStatement",
      `query($m: ID!) { timeAccountStatement(member: $m, from: "2026-11-16", to: "2026-11-20") { closingBalanceMinutes } }`,
    ],
    ["workLogs", `query($m: ID!) { workLogs(member: $m, from: "2026-11-16", to: "2026-11-20") { id } }`],
    ["serviceCommitments", `query($m: ID!) { serviceCommitments(member: $m) { id } }`],
    ["logWork", `mutation($m: ID!) { logWork(member: $m, input: { date: "2026-11-27", minutes: 60 }) { id } }`],
    ["requestTimeOff", `mutation($m: ID!) { requestTimeOff(input: { member: $m, date: "2026-12-10", minutes: 60 }) { id } }`],
  ];

  it.each(READS)(
    "another bank's members and admins get NOT_FOUND from %s; a neighbour in the same bank is FORBIDDEN",
    async (_name, query) => {
      const logsBefore = await t.db.prisma.workLog.count();
      expect(await bergenMember.client.errorCode(query, { m: ingridId })).toBe("NOT_FOUND");
      expect(await bergenAdmin.client.errorCode(query, { m: ingridId })).toBe("NOT_FOUND");
      expect(await t.client.errorCode(query, { m: ingridId })).toBe("UNAUTHENTICATED");
      expect(await neighbour.client.errorCode(query, { m: ingridId })).toBe("FORBIDDEN");
      expect(await t.db.prisma.workLog.count()).toBe(logsBefore);
    },
  );

  it("another bank cannot touch requests, logs or schedules by id", async () => {
    const request = await requestTimeOff(ingrid, ingridId, "2026-12-14", 30);
    const [log] = (
      await ingrid.client.ok(`query($m: ID!) { workLogs(member: $m, from: "2026-11-16", to: "2026-11-16") { id } }`, { m: ingridId })
    ).workLogs;
    expect(await bergenAdmin.client.errorCode(`mutation($id: ID!) { approveTimeOff(id: $id) { __typename } }`, { id: request.id })).toBe(
      "NOT_FOUND",
    );
    expect(await bergenAdmin.client.errorCode(`mutation($id: ID!) { refuseTimeOff(id: $id) { __typename } }`, { id: request.id })).toBe(
      "NOT_FOUND",
    );
    expect(
      await bergenAdmin.client.errorCode(
        `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-11-16", minutes: 1 }) { __typename } }`,
        { id: log.id },
      ),
    ).toBe("NOT_FOUND");
    expect(await bergenAdmin.client.errorCode(`mutation($id: ID!) { deleteWorkLog(id: $id) { __typename } }`, { id: log.id })).toBe(
      "NOT_FOUND",
    );
    expect(
      await bergenAdmin.client.errorCode(
        `mutation($m: ID!) { setCapacitySchedule(timebank: "bergen", input: { member: $m, effectiveFrom: "2026-11-01", mondayMinutes: 1 }) { __typename } }`,
        { m: ingridId },
      ),
    ).toBe("NOT_FOUND");
    expect(await bergenAdmin.client.errorCode(`{ capacityPolicies(timebank: "oslo") { meterOn } }`)).toBe("NOT_FOUND");
    expect(await bergenAdmin.client.errorCode(`{ timeOffRequests(timebank: "oslo") { id } }`)).toBe("NOT_FOUND");
    const bergen = await bergenAdmin.client.ok(
      `{ timeOffRequests(timebank: "bergen") { id } depositRequests(timebank: "bergen") { id } capacitySchedules(timebank: "bergen") { id } }`,
    );
    expect(bergen).toEqual({ timeOffRequests: [], depositRequests: [], capacitySchedules: [] });
    expect(await t.db.prisma.timeOffRequest.findFirstOrThrow({ where: { id: request.id } })).toMatchObject({ status: "PENDING" });
    expect(await t.db.prisma.workLog.findFirst({ where: { id: log.id } })).not.toBeNull();
  });
});

describe("manual mode", () => {
  it("with the meter off logged hours do not touch the account; submitted deposits count once a manager approves", async () => {
    clock.set(new Date("2027-01-11T10:00:00Z"));
    await maja.client.ok(
      `mutation { setCapacityPolicy(timebank: "oslo", input: { effectiveFrom: "2027-01-04", meterOn: false, negativeBalanceLimitMinutes: 180 }) { __typename } }`,
    );
    const policies = await neighbour.client.ok(`{ capacityPolicies(timebank: "oslo") { effectiveFrom meterOn } }`);
    expect(policies.capacityPolicies).toEqual([
      { effectiveFrom: "2026-01-01", meterOn: true },
      { effectiveFrom: "2027-01-04", meterOn: false },
    ]);

    const before = (await account(ola, olaId)).balanceMinutes;
    await logOk(ola, olaId, { date: "2027-01-04", minutes: 600 }); // 2 h beyond capacity, but manual mode
    await logOk(ola, olaId, { date: "2027-01-09", minutes: 120 }); // a Saturday
    expect((await account(ola, olaId)).balanceMinutes).toBe(before);
    const day = (await statementOf(ola, olaId, "2027-01-04", "2027-01-04")).days[0];
    // Monday capacity is 480 since the organisation default of 2026-12-01.
    expect(day).toMatchObject({ meterOn: false, capacityMinutes: 480, loggedMinutes: 600, depositedMinutes: 0 });

    // While the meter is on, manual deposits are refused: they would count twice.
    const metered = await ola.client.ok(
      `mutation($m: ID!) { submitDeposit(input: { member: $m, date: "2026-11-30", minutes: 60 }) { __typename ... on ErrorResult { code } } }`,
      { m: olaId },
    );
    expect(metered.submitDeposit).toEqual({ __typename: "CapacityMeterOn", code: "CAPACITY_METER_ON" });

    const DEPOSIT = `__typename ... on DepositRequest { id status minutes date member { id } } ... on ErrorResult { code }`;
    const DECIDED = `${DEPOSIT} ... on RequestAlreadyDecided { currentStatus }`;
    const submitted = await ola.client.ok(
      `mutation($m: ID!) { submitDeposit(input: { member: $m, date: "2027-01-04", minutes: 150, note: "stayed late" }) { ${DEPOSIT} } }`,
      { m: olaId },
    );
    expect(submitted.submitDeposit).toMatchObject({
      __typename: "DepositRequest",
      status: "PENDING",
      minutes: 150,
      date: "2027-01-04",
      member: { id: olaId },
    });
    expect((await account(ola, olaId)).balanceMinutes).toBe(before);

    const approved = await maja.client.ok(`mutation($id: ID!) { approveDeposit(id: $id) { ${DECIDED} } }`, {
      id: submitted.submitDeposit.id,
    });
    expect(approved.approveDeposit).toMatchObject({ __typename: "DepositRequest", status: "APPROVED" });
    expect((await account(ola, olaId)).balanceMinutes).toBe(before + 150);
    const again = await maja.client.ok(`mutation($id: ID!) { approveDeposit(id: $id) { ${DECIDED} } }`, { id: submitted.submitDeposit.id });
    expect(again.approveDeposit).toMatchObject({ __typename: "RequestAlreadyDecided", currentStatus: "APPROVED" });

    const second = await ola.client.ok(
      `mutation($m: ID!) { submitDeposit(input: { member: $m, date: "2027-01-09", minutes: 120 }) { ${DEPOSIT} } }`,
      { m: olaId },
    );
    const refused = await coordinator2.client.ok(
      `mutation($id: ID!) { refuseDeposit(id: $id, reason: "agreed as voluntary") { ${DECIDED} } }`,
      { id: second.submitDeposit.id },
    );
    expect(refused.refuseDeposit).toMatchObject({ status: "REFUSED" });
    expect((await account(ola, olaId)).balanceMinutes).toBe(before + 150);
    expect(await t.db.prisma.timeAccountEntry.count({ where: { membershipId: olaId } })).toBe(1);
    const pending = await maja.client.ok(`{ depositRequests(timebank: "oslo", status: PENDING) { id } }`);
    expect(pending.depositRequests).toEqual([]);
  });
});
