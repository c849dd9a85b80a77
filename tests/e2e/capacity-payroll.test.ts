// An employer runs November and December 2026 for a team through GraphQL: plans from a company
// default and position percentages (Hans's 80 % as Monday to Thursday 08:00-16:00 less 30
// minutes' lunch; Lise's 80 % as 6 h a day), work logs, absences, the negative limit held on
// every change, an override that is logged, a payout, period closes, a correction and the
// payroll export. Dates are fixed by a ManualClock; expected figures are worked out by hand
// from the calendar (November 2026 starts on a Sunday, December on a Tuesday).
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const H = 60;
const clock = new ManualClock(new Date("2026-12-03T10:00:00Z")); // Thursday 3 December, 11:00 in Oslo

let t: TestServer;
let eva: Actor; // the bank's admin: the employer's manager
let per: Actor; // a second coordinator
let hans: Actor;
let hansId: string;
let lise: Actor;
let liseId: string;
let outsider: Actor;

const LIMIT_FIELDS = `... on BalanceLimitExceeded { code message negativeBalanceLimitMinutes breaches { balanceBeforeMinutes balanceAfterMinutes member { id } } }`;

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 120 * 24 * 3600 } });
  const admin = await platformAdmin(t);
  eva = await signUp(t, "Eva Manager");
  await createBank(t, admin, "kontor", eva);
  await eva.client.ok(`mutation { updateTimebankSettings(timebank: "kontor", input: { timezone: "Europe/Oslo" }) { timezone } }`);
  per = await signUp(t, "Per Coordinator");
  const perId = await join(per, eva, "kontor");
  await eva.client.ok(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: COORDINATOR) { __typename } }`, { id: perId });
  hans = await signUp(t, "Hans");
  hansId = await join(hans, eva, "kontor");
  lise = await signUp(t, "Lise");
  liseId = await join(lise, eva, "kontor");
  const other = await signUp(t, "Other Admin");
  await createBank(t, admin, "andre", other);
  outsider = other;
});
afterAll(() => t.close());

async function account(actor: Actor, member: string) {
  return (
    await actor.client.ok(
      `query($m: ID!) { timeAccount(member: $m) { balanceMinutes payoutMinutes correctionMinutes positionPercent plannedWeekMinutes closedThrough negativeBalanceLimitMinutes } }`,
      { m: member },
    )
  ).timeAccount;
}

async function log(actor: Actor, member: string, input: Record<string, unknown>) {
  return (
    await actor.client.ok(`mutation($m: ID!, $input: WorkLogInput!) { logWork(member: $m, input: $input) { id minutes } }`, {
      m: member,
      input,
    })
  ).logWork;
}

async function absence(actor: Actor, member: string, date: string, minutes: number, type = "TIME_OFF_IN_LIEU") {
  return actor.client.request(
    `mutation($input: DatedMinutesInput!, $type: AbsenceType) { requestTimeOff(input: $input, absenceType: $type) { id status absenceType minutes } }`,
    {
      input: { member, date, minutes },
      type,
    },
  );
}

async function approveAbsence(actor: Actor, id: string) {
  return (
    await actor.client.ok(
      `mutation($id: ID!) { approveTimeOff(id: $id) { __typename ... on TimeOffRequest { status } ... on ErrorResult { code } } }`,
      { id },
    )
  ).approveTimeOff;
}

describe("plans from a company default and position percentages", () => {
  it("80 % of a 37.5 h week is 30 h; a personal schedule overrides the derived plan", async () => {
    // The company default: full time, Monday to Friday 7.5 h = 37.5 h.
    const def = await eva.client.ok(
      `mutation { setCapacitySchedule(timebank: "kontor", input: { effectiveFrom: "2026-01-01", mondayMinutes: 450, tuesdayMinutes: 450, wednesdayMinutes: 450, thursdayMinutes: 450, fridayMinutes: 450 }) { ... on CapacitySchedule { weeklyMinutes } } }`,
    );
    expect(def.setCapacitySchedule.weeklyMinutes).toBe(37.5 * H);
    expect((await eva.client.ok(`{ capacitySettings(timebank: "kontor") { periodKind closedThrough } }`)).capacitySettings).toEqual({
      periodKind: "MONTH",
      closedThrough: null,
    });

    for (const m of [hansId, liseId]) {
      const set = await eva.client.ok(
        `mutation($m: ID!) { setPosition(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-01", percent: 80 }) { __typename ... on CapacityPosition { percent plannedWeekMinutes member { id } } } }`,
        { m },
      );
      expect(set.setPosition).toEqual({ __typename: "CapacityPosition", percent: 80, plannedWeekMinutes: 30 * H, member: { id: m } });
    }
    // Hans works his 80 % as Monday to Thursday 08:00-16:00 less 30 minutes' lunch: 4 x 7.5 h = 30 h.
    await eva.client.ok(
      `mutation($m: ID!) { setCapacitySchedule(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-01", mondayMinutes: 450, tuesdayMinutes: 450, wednesdayMinutes: 450, thursdayMinutes: 450 }) { __typename } }`,
      { m: hansId },
    );
    expect(await account(hans, hansId)).toMatchObject({ positionPercent: 80, plannedWeekMinutes: 30 * H, balanceMinutes: 0 });
    expect(await account(lise, liseId)).toMatchObject({ positionPercent: 80, plannedWeekMinutes: 30 * H });

    // Only coordinators set positions; a percentage outside 1..100 is bad input.
    expect(
      await hans.client.errorCode(
        `mutation($m: ID!) { setPosition(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-01", percent: 100 }) { __typename } }`,
        { m: hansId },
      ),
    ).toBe("FORBIDDEN");
    expect(
      await eva.client.errorCode(
        `mutation($m: ID!) { setPosition(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-01", percent: 120 }) { __typename } }`,
        { m: hansId },
      ),
    ).toBe("BAD_USER_INPUT");
    const positions = await lise.client.ok(
      `query($m: ID!) { capacityPositions(timebank: "kontor", member: $m) { effectiveFrom percent } }`,
      { m: liseId },
    );
    expect(positions.capacityPositions).toEqual([{ effectiveFrom: "2026-11-01", percent: 80 }]);
  });
});

describe("the worked week, absences checked against the plan", () => {
  it("32 hours with 2 extra on Wednesday give +2 h; Friday outside the contract +2 h", async () => {
    for (const date of ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19"])
      await log(hans, hansId, { date, start: "08:00", end: "16:00", breakMinutes: 30 });
    await log(hans, hansId, { date: "2026-11-18", start: "16:00", end: "18:00" });
    expect((await account(hans, hansId)).balanceMinutes).toBe(2 * H);
    await log(hans, hansId, { date: "2026-11-20", minutes: 2 * H });
    expect((await account(hans, hansId)).balanceMinutes).toBe(4 * H);
  });

  it("time off on a day with nothing planned, or beyond the day's plan, is refused and stores nothing", async () => {
    const before = await t.db.prisma.timeOffRequest.count();
    const friday = await absence(hans, hansId, "2026-11-27", 60);
    expect(friday.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(friday.errors?.[0].message).toMatch(/nothing is planned on 2026-11-27/);
    const tooLong = await absence(hans, hansId, "2026-11-23", 600);
    expect(tooLong.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(tooLong.errors?.[0].message).toMatch(/450 minutes are planned/);
    expect(await t.db.prisma.timeOffRequest.count()).toBe(before);

    // Partial days add up to at most the plan: 240 + 240 on a 450-minute day is too much.
    const first = await absence(hans, hansId, "2026-11-23", 240);
    expect(first.errors).toBeUndefined();
    const second = await absence(hans, hansId, "2026-11-23", 240);
    expect(second.errors?.[0].message).toMatch(/240 are already taken off: at most 210 more/);
    expect(
      await eva.client.ok(`mutation($id: ID!) { refuseTimeOff(id: $id, reason: "rearranged") { __typename } }`, {
        id: first.data.requestTimeOff.id,
      }),
    ).toBeTruthy();
  });

  it("sickness, a child's sickness and holiday leave the balance alone; time off in lieu withdraws", async () => {
    // Lise: 6 h planned each weekday. Sick on Thursday, home with a sick child half of Friday
    // (and works the other half), on holiday on Monday.
    await log(lise, liseId, { date: "2026-11-20", minutes: 180 });
    for (const [date, minutes, type] of [
      ["2026-11-19", 360, "SICKNESS"],
      ["2026-11-20", 180, "CHILD_SICKNESS"],
      ["2026-11-23", 360, "HOLIDAY"],
    ] as const) {
      const res = await absence(lise, liseId, date, minutes, type);
      expect(res.data.requestTimeOff).toMatchObject({ status: "PENDING", absenceType: type, minutes });
      expect(await approveAbsence(eva, res.data.requestTimeOff.id)).toEqual({ __typename: "TimeOffRequest", status: "APPROVED" });
    }
    expect((await account(lise, liseId)).balanceMinutes).toBe(0);

    // Hans takes 6 h of time off in lieu on Tuesday under a limit of 3 h below zero: 240 - 360 = -120.
    await eva.client.ok(
      `mutation { setCapacityPolicy(timebank: "kontor", input: { effectiveFrom: "2026-01-01", meterOn: true, negativeBalanceLimitMinutes: 180 }) { __typename } }`,
    );
    const toil = await absence(hans, hansId, "2026-11-24", 360);
    expect(await approveAbsence(eva, toil.data.requestTimeOff.id)).toEqual({ __typename: "TimeOffRequest", status: "APPROVED" });
    expect((await account(hans, hansId)).balanceMinutes).toBe(-120);
  });
});

describe("the negative limit holds on every change that lowers a balance", () => {
  let fridayLogId: string;

  it("deleting a log, a schedule change and switching the meter off are refused with the limit named; nothing changes", async () => {
    const logs = await hans.client.ok(`query($m: ID!) { workLogs(member: $m, from: "2026-11-20", to: "2026-11-20") { id } }`, {
      m: hansId,
    });
    fridayLogId = logs.workLogs[0].id;

    const del = await hans.client.ok(`mutation($id: ID!) { deleteWorkLog(id: $id) { __typename ${LIMIT_FIELDS} } }`, { id: fridayLogId });
    expect(del.deleteWorkLog).toMatchObject({
      __typename: "BalanceLimitExceeded",
      code: "BALANCE_LIMIT_EXCEEDED",
      negativeBalanceLimitMinutes: 180,
      breaches: [{ balanceBeforeMinutes: -120, balanceAfterMinutes: -240, member: { id: hansId } }],
    });
    expect(del.deleteWorkLog.message).toMatch(/negative-balance limit of -180 minutes/);

    const edit = await hans.client.ok(
      `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-11-20", minutes: 0 }) { __typename ${LIMIT_FIELDS} } }`,
      { id: fridayLogId },
    );
    expect(edit.updateWorkLog.__typename).toBe("BalanceLimitExceeded");

    // Wednesday's plan raised to 9.5 h after the fact would take his 2 extra hours away.
    const schedule = await eva.client.ok(
      `mutation($m: ID!) { setCapacitySchedule(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-16", mondayMinutes: 450, tuesdayMinutes: 450, wednesdayMinutes: 570, thursdayMinutes: 450 }) { __typename ${LIMIT_FIELDS} } }`,
      { m: hansId },
    );
    expect(schedule.setCapacitySchedule).toMatchObject({
      __typename: "BalanceLimitExceeded",
      breaches: [{ balanceBeforeMinutes: -120, balanceAfterMinutes: -240 }],
    });

    // Manual mode from the 16th would undo every automatic deposit of that week.
    const policy = await eva.client.ok(
      `mutation { setCapacityPolicy(timebank: "kontor", input: { effectiveFrom: "2026-11-16", meterOn: false, negativeBalanceLimitMinutes: 180 }) { __typename ${LIMIT_FIELDS} } }`,
    );
    expect(policy.setCapacityPolicy).toMatchObject({
      __typename: "BalanceLimitExceeded",
      breaches: [{ balanceBeforeMinutes: -120, balanceAfterMinutes: -360, member: { id: hansId } }],
    });

    // A position change that raises the plan is held too.
    const position = await eva.client.ok(
      `mutation($m: ID!) { setPosition(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-20", percent: 100 }) { __typename ${LIMIT_FIELDS} } }`,
      { m: hansId },
    );
    expect(position.setPosition.__typename).toBe("BalanceLimitExceeded");

    expect((await account(hans, hansId)).balanceMinutes).toBe(-120);
    expect(await t.db.prisma.capacityPolicy.count({ where: { effectiveFrom: new Date("2026-11-16T00:00:00Z") } })).toBe(0);
    expect(
      await t.db.prisma.capacitySchedule.count({ where: { membershipId: hansId, effectiveFrom: new Date("2026-11-16T00:00:00Z") } }),
    ).toBe(0);
    expect(await t.db.prisma.capacityPosition.count({ where: { membershipId: hansId } })).toBe(1);
    expect(await t.db.prisma.workLog.count({ where: { id: fridayLogId } })).toBe(1);
  });

  it("only a coordinator overrides, with a reason, and the override is in the audit trail", async () => {
    expect(
      await hans.client.errorCode(`mutation($id: ID!) { deleteWorkLog(id: $id, overrideLimitReason: "please") { __typename } }`, {
        id: fridayLogId,
      }),
    ).toBe("FORBIDDEN");
    expect(
      await eva.client.errorCode(`mutation($id: ID!) { deleteWorkLog(id: $id, overrideLimitReason: "") { __typename } }`, {
        id: fridayLogId,
      }),
    ).toBe("BAD_USER_INPUT");
    const done = await eva.client.ok(
      `mutation($id: ID!) { deleteWorkLog(id: $id, overrideLimitReason: "logged twice by mistake") { __typename ... on DeletedWorkLog { id } } }`,
      {
        id: fridayLogId,
      },
    );
    expect(done.deleteWorkLog).toEqual({ __typename: "DeletedWorkLog", id: fridayLogId });
    expect((await account(hans, hansId)).balanceMinutes).toBe(-240);
    const trail = await eva.client.ok(
      `query($m: ID!) { capacityAudit(timebank: "kontor", member: $m) { action detail actorId member { id } } }`,
      { m: hansId },
    );
    expect(trail.capacityAudit).toHaveLength(1);
    expect(trail.capacityAudit[0]).toMatchObject({ action: "LIMIT_OVERRIDE", actorId: eva.personId, member: { id: hansId } });
    expect(JSON.parse(trail.capacityAudit[0].detail)).toMatchObject({
      reason: "logged twice by mistake",
      balanceBeforeMinutes: -120,
      balanceAfterMinutes: -240,
      negativeBalanceLimitMinutes: 180,
    });
    expect(await hans.client.errorCode(`{ capacityAudit(timebank: "kontor") { action } }`)).toBe("FORBIDDEN");

    // Logging work raises a balance and is always allowed: Friday again, and Saturday.
    await log(hans, hansId, { date: "2026-11-20", minutes: 2 * H });
    await log(hans, hansId, { date: "2026-11-28", minutes: 6 * H });
    expect((await account(hans, hansId)).balanceMinutes).toBe(240);
  });
});

describe("payout", () => {
  it("the employee requests, another manager approves; the hours leave the account today; only hours held are paid", async () => {
    const PAYOUT = `__typename ... on PayoutRequest { id status minutes paidOn member { id } } ... on ErrorResult { code message } ... on InsufficientTimeBalance { balanceMinutes requestedMinutes }`;
    const big = (
      await hans.client.ok(`mutation($m: ID!) { requestPayout(input: { member: $m, minutes: 600 }) { id status } }`, { m: hansId })
    ).requestPayout;
    expect(big.status).toBe("PENDING");
    expect(await hans.client.errorCode(`mutation($id: ID!) { approvePayout(id: $id) { __typename } }`, { id: big.id })).toBe("FORBIDDEN");
    const refused = await eva.client.ok(`mutation($id: ID!) { approvePayout(id: $id) { ${PAYOUT} } }`, { id: big.id });
    expect(refused.approvePayout).toMatchObject({
      __typename: "InsufficientTimeBalance",
      code: "INSUFFICIENT_TIME_BALANCE",
      balanceMinutes: 240,
      requestedMinutes: 600,
    });
    await eva.client.ok(`mutation($id: ID!) { refusePayout(id: $id, reason: "more than the balance") { __typename } }`, { id: big.id });

    const ask = (
      await hans.client.ok(`mutation($m: ID!) { requestPayout(input: { member: $m, minutes: 120, note: "December salary" }) { id } }`, {
        m: hansId,
      })
    ).requestPayout;
    const paid = await per.client.ok(`mutation($id: ID!) { approvePayout(id: $id) { ${PAYOUT} } }`, { id: ask.id });
    expect(paid.approvePayout).toEqual({
      __typename: "PayoutRequest",
      id: ask.id,
      status: "APPROVED",
      minutes: 120,
      paidOn: "2026-12-03",
      member: { id: hansId },
    });
    const again = await eva.client.ok(
      `mutation($id: ID!) { approvePayout(id: $id) { __typename ... on RequestAlreadyDecided { currentStatus } } }`,
      { id: ask.id },
    );
    expect(again.approvePayout).toEqual({ __typename: "RequestAlreadyDecided", currentStatus: "APPROVED" });
    expect(await account(hans, hansId)).toMatchObject({ balanceMinutes: 120, payoutMinutes: 120 });
    const listed = await hans.client.ok(`{ payoutRequests(timebank: "kontor") { minutes status } }`);
    expect(listed.payoutRequests).toEqual([
      { minutes: 600, status: "REFUSED" },
      { minutes: 120, status: "APPROVED" },
    ]);
    expect(await outsider.client.errorCode(`mutation($id: ID!) { approvePayout(id: $id) { __typename } }`, { id: ask.id })).toBe(
      "NOT_FOUND",
    );
  });
});

describe("closing periods", () => {
  it("a period closes only when it has ended, in order, with no request waiting", async () => {
    const pending = await absence(lise, liseId, "2026-11-30", 60);
    const CLOSE = `__typename ... on CapacityPeriod { kind startsOn endsOn } ... on ErrorResult { code message } ... on PeriodNotReady { pendingRequests }`;
    expect(await hans.client.errorCode(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-11-01") { __typename } }`)).toBe(
      "FORBIDDEN",
    );
    const waiting = await eva.client.ok(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-11-01") { ${CLOSE} } }`);
    expect(waiting.closeCapacityPeriod).toMatchObject({ __typename: "PeriodNotReady", code: "PERIOD_NOT_READY", pendingRequests: 1 });
    await eva.client.ok(`mutation($id: ID!) { refuseTimeOff(id: $id) { __typename } }`, { id: pending.data.requestTimeOff.id });

    expect(await eva.client.errorCode(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-11-15") { __typename } }`)).toBe(
      "BAD_USER_INPUT",
    );
    expect(await eva.client.errorCode(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-12-01") { __typename } }`)).toBe(
      "BAD_USER_INPUT",
    );
    const closed = await eva.client.ok(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-11-01") { ${CLOSE} } }`);
    expect(closed.closeCapacityPeriod).toEqual({
      __typename: "CapacityPeriod",
      kind: "MONTH",
      startsOn: "2026-11-01",
      endsOn: "2026-11-30",
    });
    expect(await eva.client.errorCode(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-11-01") { __typename } }`)).toBe(
      "BAD_USER_INPUT",
    );
    expect((await account(hans, hansId)).closedThrough).toBe("2026-11-30");
    // Weekly periods cannot start on 1 December (a Tuesday); monthly stay.
    expect(await eva.client.errorCode(`mutation { setCapacitySettings(timebank: "kontor", periodKind: WEEK) { periodKind } }`)).toBe(
      "BAD_USER_INPUT",
    );
  });

  it("after closing, logs, schedules, positions, policies and absences dated in it cannot change", async () => {
    const [monday] = (
      await hans.client.ok(`query($m: ID!) { workLogs(member: $m, from: "2026-11-16", to: "2026-11-16") { id } }`, { m: hansId })
    ).workLogs;
    const attempts: [Actor, string, Record<string, unknown>][] = [
      [hans, `mutation($m: ID!) { logWork(member: $m, input: { date: "2026-11-25", minutes: 60 }) { id } }`, { m: hansId }],
      [
        hans,
        `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-11-16", minutes: 500 }) { __typename } }`,
        { id: monday.id },
      ],
      [
        hans,
        `mutation($id: ID!) { updateWorkLog(id: $id, input: { date: "2026-12-01", minutes: 450 }) { __typename } }`,
        { id: monday.id },
      ],
      [
        eva,
        `mutation($id: ID!) { deleteWorkLog(id: $id, overrideLimitReason: "even with an override") { __typename } }`,
        { id: monday.id },
      ],
      [
        eva,
        `mutation($m: ID!) { setCapacitySchedule(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-20", mondayMinutes: 60 }) { __typename } }`,
        { m: hansId },
      ],
      [
        eva,
        `mutation { setCapacitySchedule(timebank: "kontor", input: { effectiveFrom: "2026-11-30", mondayMinutes: 60 }) { __typename } }`,
        {},
      ],
      [
        eva,
        `mutation($m: ID!) { setPosition(timebank: "kontor", input: { member: $m, effectiveFrom: "2026-11-01", percent: 50 }) { __typename } }`,
        { m: liseId },
      ],
      [
        eva,
        `mutation { setCapacityPolicy(timebank: "kontor", input: { effectiveFrom: "2026-11-30", meterOn: true, negativeBalanceLimitMinutes: 0 }) { __typename } }`,
        {},
      ],
      [lise, `mutation($m: ID!) { requestTimeOff(input: { member: $m, date: "2026-11-30", minutes: 60 }) { id } }`, { m: liseId }],
    ];
    const before = await Promise.all([account(eva, hansId), account(eva, liseId)]);
    for (const [actor, query, variables] of attempts) {
      const res = await actor.client.request(query, variables);
      expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0].message).toMatch(/closed period \(closed through 2026-11-30\)/);
    }
    expect(await Promise.all([account(eva, hansId), account(eva, liseId)])).toEqual(before);

    // December is open: a new default from 1 December is fine (it leaves the closed month alone).
    const december = await eva.client.ok(
      `mutation { setCapacitySchedule(timebank: "kontor", input: { effectiveFrom: "2026-12-01", mondayMinutes: 450, tuesdayMinutes: 450, wednesdayMinutes: 450, thursdayMinutes: 450, fridayMinutes: 450 }) { __typename } }`,
    );
    expect(december.setCapacitySchedule.__typename).toBe("CapacitySchedule");
  });

  it("a mistake found in the closed month is corrected in the open one, with an audit trail", async () => {
    const CORRECTION = `__typename ... on TimeCorrection { date minutes reason correctsDate member { id } }`;
    expect(
      await hans.client.errorCode(
        `mutation($m: ID!) { recordTimeCorrection(input: { member: $m, minutes: 30, reason: "meeting ran late" }) { __typename } }`,
        { m: hansId },
      ),
    ).toBe("FORBIDDEN");
    expect(
      await eva.client.errorCode(
        `mutation($m: ID!) { recordTimeCorrection(input: { member: $m, minutes: 0, reason: "nothing" }) { __typename } }`,
        { m: hansId },
      ),
    ).toBe("BAD_USER_INPUT");
    const fixed = await eva.client.ok(
      `mutation($m: ID!) { recordTimeCorrection(input: { member: $m, minutes: 30, reason: "the meeting of 18 November ran to 18:30", correctsDate: "2026-11-18" }) { ${CORRECTION} } }`,
      { m: hansId },
    );
    expect(fixed.recordTimeCorrection).toEqual({
      __typename: "TimeCorrection",
      date: "2026-12-03",
      minutes: 30,
      reason: "the meeting of 18 November ran to 18:30",
      correctsDate: "2026-11-18",
      member: { id: hansId },
    });
    expect(await account(hans, hansId)).toMatchObject({ balanceMinutes: 150, correctionMinutes: 30 });
    // A correction that would take the balance below the limit is held like any other change.
    const tooMuch = await eva.client.ok(
      `mutation($m: ID!) { recordTimeCorrection(input: { member: $m, minutes: -400, reason: "wrong" }) { __typename } }`,
      { m: hansId },
    );
    expect(tooMuch.recordTimeCorrection.__typename).toBe("BalanceLimitExceeded");
    const actions = (await eva.client.ok(`{ capacityAudit(timebank: "kontor") { action } }`)).capacityAudit.map(
      (a: { action: string }) => a.action,
    );
    expect(actions).toEqual(["LIMIT_OVERRIDE", "PERIOD_CLOSED", "CORRECTION"]);
  });
});

describe("the payroll export", () => {
  it("per closed period and employee, in GraphQL and CSV", async () => {
    const EXPORT = `period { startsOn endsOn } csv lines { memberName member { id } plannedMinutes workedMinutes sicknessMinutes childSicknessMinutes holidayMinutes timeOffInLieuMinutes depositedMinutes withdrawnMinutes payoutMinutes correctionMinutes openingBalanceMinutes closingBalanceMinutes }`;
    const nov = (await eva.client.ok(`{ payrollExport(timebank: "kontor", startsOn: "2026-11-01") { ${EXPORT} } }`)).payrollExport;
    expect(nov.period).toEqual({ startsOn: "2026-11-01", endsOn: "2026-11-30" });
    // Hans: 17 Mondays-Thursdays x 7.5 h; worked 4 x 7.5 h + 2 h + 2 h + 6 h; deposits 2 + 2 + 6 h; 6 h time off in lieu.
    // Lise: 21 weekdays x 6 h; worked 3 h; sick 6 h, child sick 3 h, holiday 6 h; balance untouched.
    expect(nov.lines).toEqual([
      {
        memberName: "Hans",
        member: { id: hansId },
        plannedMinutes: 17 * 450,
        workedMinutes: 40 * H,
        sicknessMinutes: 0,
        childSicknessMinutes: 0,
        holidayMinutes: 0,
        timeOffInLieuMinutes: 6 * H,
        depositedMinutes: 10 * H,
        withdrawnMinutes: 6 * H,
        payoutMinutes: 0,
        correctionMinutes: 0,
        openingBalanceMinutes: 0,
        closingBalanceMinutes: 4 * H,
      },
      {
        memberName: "Lise",
        member: { id: liseId },
        plannedMinutes: 21 * 360,
        workedMinutes: 3 * H,
        sicknessMinutes: 6 * H,
        childSicknessMinutes: 3 * H,
        holidayMinutes: 6 * H,
        timeOffInLieuMinutes: 0,
        depositedMinutes: 0,
        withdrawnMinutes: 0,
        payoutMinutes: 0,
        correctionMinutes: 0,
        openingBalanceMinutes: 0,
        closingBalanceMinutes: 0,
      },
    ]);
    const rows = nov.csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe(
      "periodStart,periodEnd,membershipId,memberName,plannedMinutes,workedMinutes,sicknessMinutes,childSicknessMinutes,holidayMinutes,timeOffInLieuMinutes,depositedMinutes,withdrawnMinutes,payoutMinutes,correctionMinutes,openingBalanceMinutes,closingBalanceMinutes",
    );
    expect(rows[1]).toBe(`2026-11-01,2026-11-30,${hansId},Hans,7650,2400,0,0,0,360,600,360,0,0,0,240`);
    expect(rows).toHaveLength(3);

    // An open period has no export; members and other banks get none.
    expect(await eva.client.errorCode(`{ payrollExport(timebank: "kontor", startsOn: "2026-12-01") { csv } }`)).toBe("BAD_USER_INPUT");
    expect(await hans.client.errorCode(`{ payrollExport(timebank: "kontor", startsOn: "2026-11-01") { csv } }`)).toBe("FORBIDDEN");
    expect(await outsider.client.errorCode(`{ payrollExport(timebank: "kontor", startsOn: "2026-11-01") { csv } }`)).toBe("NOT_FOUND");
  });

  it("December, closed in January, carries the payout and the correction; November's export is unchanged", async () => {
    clock.set(new Date("2027-01-04T09:00:00Z"));
    const closed = await per.client.ok(`mutation { closeCapacityPeriod(timebank: "kontor", startsOn: "2026-12-01") { __typename } }`);
    expect(closed.closeCapacityPeriod.__typename).toBe("CapacityPeriod");
    const dec = (
      await eva.client.ok(
        `{ payrollExport(timebank: "kontor", startsOn: "2026-12-01") { lines { memberName plannedMinutes payoutMinutes correctionMinutes openingBalanceMinutes closingBalanceMinutes } } }`,
      )
    ).payrollExport;
    // Hans from 1 December: his own Monday-Thursday plan still (set from a later date than his position): 19 days.
    expect(dec.lines[0]).toEqual({
      memberName: "Hans",
      plannedMinutes: 19 * 450,
      payoutMinutes: 120,
      correctionMinutes: 30,
      openingBalanceMinutes: 240,
      closingBalanceMinutes: 150,
    });
    const nov = (await eva.client.ok(`{ payrollExport(timebank: "kontor", startsOn: "2026-11-01") { lines { closingBalanceMinutes } } }`))
      .payrollExport;
    expect(nov.lines.map((l: { closingBalanceMinutes: number }) => l.closingBalanceMinutes)).toEqual([240, 0]);
    const periods = await lise.client.ok(`{ capacityPeriods(timebank: "kontor") { startsOn endsOn kind } }`);
    expect(periods.capacityPeriods).toEqual([
      { startsOn: "2026-11-01", endsOn: "2026-11-30", kind: "MONTH" },
      { startsOn: "2026-12-01", endsOn: "2026-12-31", kind: "MONTH" },
    ]);
    // The closed periods and the audit trail are append-only, even for the database owner.
    await expect(t.db.prisma.capacityPeriod.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(t.db.prisma.capacityAudit.updateMany({ data: { action: "X" } })).rejects.toThrow(/append-only/);
  });
});

describe("weekly periods, the employer's other choice", () => {
  it("a week runs Monday to Sunday; weeks close in order; a week of another bank is its own", async () => {
    // Still 4 January 2027 (a Monday). Another bank runs weekly periods.
    const worker = await signUp(t, "Weekly Worker");
    const workerId = await join(worker, outsider, "andre");
    expect(await eva.client.errorCode(`mutation { setCapacitySettings(timebank: "andre", periodKind: WEEK) { periodKind } }`)).toBe(
      "NOT_FOUND",
    );
    expect(
      (await outsider.client.ok(`mutation { setCapacitySettings(timebank: "andre", periodKind: WEEK) { periodKind closedThrough } }`))
        .setCapacitySettings,
    ).toEqual({
      periodKind: "WEEK",
      closedThrough: null,
    });
    await log(worker, workerId, { date: "2027-01-02", minutes: 60 });
    expect(
      await outsider.client.errorCode(`mutation { closeCapacityPeriod(timebank: "andre", startsOn: "2026-12-29") { __typename } }`),
    ).toBe("BAD_USER_INPUT");
    const week = await outsider.client.ok(
      `mutation { closeCapacityPeriod(timebank: "andre", startsOn: "2026-12-28") { ... on CapacityPeriod { kind startsOn endsOn } } }`,
    );
    expect(week.closeCapacityPeriod).toEqual({ kind: "WEEK", startsOn: "2026-12-28", endsOn: "2027-01-03" });
    // The running week has not ended; monthly periods cannot start on 4 January.
    expect(
      await outsider.client.errorCode(`mutation { closeCapacityPeriod(timebank: "andre", startsOn: "2027-01-04") { __typename } }`),
    ).toBe("BAD_USER_INPUT");
    expect(await outsider.client.errorCode(`mutation { setCapacitySettings(timebank: "andre", periodKind: MONTH) { periodKind } }`)).toBe(
      "BAD_USER_INPUT",
    );
    const late = await worker.client.request(
      `mutation($m: ID!) { logWork(member: $m, input: { date: "2027-01-03", minutes: 60 }) { id } }`,
      { m: workerId },
    );
    expect(late.errors?.[0].message).toMatch(/closed through 2027-01-03/);
    await log(worker, workerId, { date: "2027-01-04", minutes: 60 });
    // Eva's bank is unaffected: still monthly, closed through December.
    expect((await eva.client.ok(`{ capacitySettings(timebank: "kontor") { periodKind closedThrough } }`)).capacitySettings).toEqual({
      periodKind: "MONTH",
      closedThrough: "2026-12-31",
    });
  });
});
