// A probation officer follows community-service orders served in two banks: the bank confirms
// the hours and records completion, the officer sees progress and acknowledges it, and sees
// nothing else of the people serving them. Community-service work never enters flexitime.
import { ManualClock } from "../../src/common/clock";
import { createInstitution, addDelegate } from "../helpers/federation";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-11-30T10:00:00Z"));

let t: TestServer;
let glosCoordinator: Actor;
let bristolCoordinator: Actor;
let tom: Actor;
let tomId: string;
let sam: Actor;
let samId: string;
let officer: Actor;
let charityWorker: Actor;
let probationId: string;
let charityId: string;
let tomOrder: string;
let samOrder: string;

const COMMITMENT = `id status requiredMinutes loggedMinutes confirmedMinutes supervisingInstitutionId`;
const SUPERVISED = `id title personName bankName requiredMinutes dueOn status confirmedMinutes loggedMinutes remainingMinutes overdue confirmedLogs { date minutes } completedAt acknowledgedAt institutionId`;

beforeAll(async () => {
  t = await startTestServer({ clock });
  const admin = await platformAdmin(t);
  glosCoordinator = await signUp(t, "Gloucester Coordinator");
  await createBank(t, admin, "gloucester", glosCoordinator);
  bristolCoordinator = await signUp(t, "Bristol Coordinator");
  await createBank(t, admin, "bristol", bristolCoordinator);
  tom = await signUp(t, "Tom");
  tomId = await join(tom, glosCoordinator, "gloucester");
  sam = await signUp(t, "Sam");
  samId = await join(sam, bristolCoordinator, "bristol");

  probationId = await createInstitution(admin, "Gloucestershire Probation Service", "PROBATION");
  charityId = await createInstitution(admin, "Victims of Crime", "CHARITY");
  officer = await signUp(t, "Officer Olu");
  await addDelegate(admin, probationId, officer, "probation officer");
  charityWorker = await signUp(t, "Charity Worker");
  await addDelegate(admin, charityId, charityWorker, "volunteer coordinator");
  // The orders' bank schedules: the default applies to everyone, offenders included.
  await glosCoordinator.client.ok(
    `mutation { setCapacitySchedule(timebank: "gloucester", input: { effectiveFrom: "2026-01-01", mondayMinutes: 450 }) { __typename } }`,
  );
});
afterAll(() => t.close());

function log(actor: Actor, member: string, input: Record<string, unknown>) {
  return actor.client.ok(`mutation($m: ID!, $input: WorkLogInput!) { logWork(member: $m, input: $input) { id confirmed } }`, {
    m: member,
    input,
  });
}

describe("orders linked to a probation service", () => {
  it("a coordinator links an order to a PROBATION or COURT institution, nothing else", async () => {
    const bad = await glosCoordinator.client.request(
      `mutation($m: ID!, $i: ID!) { createServiceCommitment(input: { member: $m, title: "Community payback", requiredMinutes: 600, dueOn: "2026-12-31", supervisingInstitution: $i }) { id } }`,
      { m: tomId, i: charityId },
    );
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await t.db.prisma.serviceCommitment.count()).toBe(0);

    const created = await glosCoordinator.client.ok(
      `mutation($m: ID!, $i: ID!) { createServiceCommitment(input: { member: $m, title: "Community payback: bike workshop", requiredMinutes: 600, dueOn: "2026-12-31", supervisingInstitution: $i }) { ${COMMITMENT} } }`,
      { m: tomId, i: probationId },
    );
    expect(created.createServiceCommitment).toMatchObject({
      status: "OPEN",
      requiredMinutes: 600,
      loggedMinutes: 0,
      confirmedMinutes: 0,
      supervisingInstitutionId: probationId,
    });
    tomOrder = created.createServiceCommitment.id;
    const other = await bristolCoordinator.client.ok(
      `mutation($m: ID!, $i: ID!) { createServiceCommitment(input: { member: $m, title: "Unpaid work: food bank", requiredMinutes: 120, dueOn: "2026-11-20", supervisingInstitution: $i }) { id } }`,
      { m: samId, i: probationId },
    );
    samOrder = other.createServiceCommitment.id;
  });

  it("community-service hours never enter the flexitime account; hours the person logs wait for the bank's confirmation", async () => {
    // Monday: 450 planned. Tom serves 4 h of community service and works nothing else.
    const own = await log(tom, tomId, { date: "2026-11-23", minutes: 240, serviceCommitment: tomOrder });
    expect(own.logWork.confirmed).toBe(false);
    // Saturday: nothing planned. Were it working time, all 6 h would be deposited.
    const byBank = await log(glosCoordinator, tomId, { date: "2026-11-28", minutes: 360, serviceCommitment: tomOrder });
    expect(byBank.logWork.confirmed).toBe(true);
    const account = await tom.client.ok(`query($m: ID!) { timeAccount(member: $m) { balanceMinutes depositedMinutes } }`, { m: tomId });
    expect(account.timeAccount).toEqual({ balanceMinutes: 0, depositedMinutes: 0 });
    const day = await tom.client.ok(
      `query($m: ID!) { timeAccountStatement(member: $m, from: "2026-11-28", to: "2026-11-28") { days { loggedMinutes depositedMinutes } } }`,
      { m: tomId },
    );
    expect(day.timeAccountStatement.days).toEqual([{ loggedMinutes: 0, depositedMinutes: 0 }]);
    // So time off in lieu cannot be taken against a sentence.
    const toil = await tom.client.ok(
      `mutation($m: ID!) { requestTimeOff(input: { member: $m, date: "2026-11-30", minutes: 240 }) { id } }`,
      { m: tomId },
    );
    const decided = await glosCoordinator.client.ok(`mutation($id: ID!) { approveTimeOff(id: $id) { __typename } }`, {
      id: toil.requestTimeOff.id,
    });
    expect(decided.approveTimeOff.__typename).toBe("InsufficientTimeBalance");
  });
});

describe("what the officer sees", () => {
  it("every order the service supervises, across banks: progress, confirmed logs, and nothing else", async () => {
    const seen = (await officer.client.ok(`{ supervisedServiceCommitments { ${SUPERVISED} } }`)).supervisedServiceCommitments;
    expect(seen).toEqual([
      {
        id: samOrder,
        title: "Unpaid work: food bank",
        personName: "Sam",
        bankName: "Timebank bristol",
        requiredMinutes: 120,
        dueOn: "2026-11-20",
        status: "OPEN",
        confirmedMinutes: 0,
        loggedMinutes: 0,
        remainingMinutes: 120,
        overdue: true,
        confirmedLogs: [],
        completedAt: null,
        acknowledgedAt: null,
        institutionId: probationId,
      },
      {
        id: tomOrder,
        title: "Community payback: bike workshop",
        personName: "Tom",
        bankName: "Timebank gloucester",
        requiredMinutes: 600,
        dueOn: "2026-12-31",
        status: "OPEN",
        confirmedMinutes: 360,
        loggedMinutes: 600,
        remainingMinutes: 240,
        overdue: false,
        confirmedLogs: [{ date: "2026-11-28", minutes: 360 }],
        completedAt: null,
        acknowledgedAt: null,
        institutionId: probationId,
      },
    ]);
    // Nothing of the person beyond the order: not their account, logs, orders list or profile.
    for (const query of [
      `query($m: ID!) { timeAccount(member: $m) { balanceMinutes } }`,
      `query($m: ID!) { workLogs(member: $m, from: "2026-11-01", to: "2026-11-30") { id } }`,
      `query($m: ID!) { serviceCommitments(member: $m) { id } }`,
      `query($m: ID!) { member(id: $m) { id } }`,
    ]) {
      const res = await officer.client.request(query, { m: tomId });
      expect(res.errors?.[0].extensions?.code).toMatch(/NOT_FOUND|FORBIDDEN/);
    }
    expect(await officer.client.errorCode(`{ bankServiceCommitments(timebank: "gloucester") { id } }`)).toBe("NOT_FOUND");
  });

  it("people who are not officers of a probation service or court see no order", async () => {
    expect(await charityWorker.client.errorCode(`{ supervisedServiceCommitments { id } }`)).toBe("FORBIDDEN");
    expect(await glosCoordinator.client.errorCode(`{ supervisedServiceCommitments { id } }`)).toBe("FORBIDDEN");
    expect(await tom.client.errorCode(`{ supervisedServiceCommitments { id } }`)).toBe("FORBIDDEN");
    expect(await t.client.errorCode(`{ supervisedServiceCommitments { id } }`)).toBe("UNAUTHENTICATED");
  });

  it("each bank's coordinators list their own bank's orders only", async () => {
    const glos = await glosCoordinator.client.ok(`{ bankServiceCommitments(timebank: "gloucester") { id member { id } } }`);
    expect(glos.bankServiceCommitments).toEqual([{ id: tomOrder, member: { id: tomId } }]);
    const bristol = await bristolCoordinator.client.ok(`{ bankServiceCommitments(timebank: "bristol", status: OPEN) { id } }`);
    expect(bristol.bankServiceCommitments).toEqual([{ id: samOrder }]);
    expect(await tom.client.errorCode(`{ bankServiceCommitments(timebank: "gloucester") { id } }`)).toBe("FORBIDDEN");
    expect(await bristolCoordinator.client.errorCode(`{ bankServiceCommitments(timebank: "gloucester") { id } }`)).toBe("NOT_FOUND");
  });
});

describe("completion: recorded by the bank, acknowledged by the officer", () => {
  const ACK = `__typename ... on SupervisedCommitment { status acknowledgedAt } ... on ErrorResult { code message }`;

  it("the officer cannot acknowledge before the bank records completion; the bank cannot complete unconfirmed hours", async () => {
    const early = await officer.client.ok(`mutation($id: ID!) { acknowledgeServiceCompletion(id: $id) { ${ACK} } }`, { id: tomOrder });
    expect(early.acknowledgeServiceCompletion).toMatchObject({ __typename: "CompletionNotAcknowledgeable", code: "NOT_COMPLETED" });
    const unconfirmed = await glosCoordinator.client.ok(
      `mutation($id: ID!) { completeServiceCommitment(id: $id) { __typename ... on ErrorResult { code } } }`,
      { id: tomOrder },
    );
    expect(unconfirmed.completeServiceCommitment).toEqual({ __typename: "CommitmentNotFulfilled", code: "NOT_CONFIRMED" });
  });

  it("the bank confirms and completes; the officer acknowledges once; others cannot", async () => {
    const [own] = (
      await glosCoordinator.client.ok(`query($m: ID!) { workLogs(member: $m, from: "2026-11-23", to: "2026-11-23") { id } }`, { m: tomId })
    ).workLogs;
    expect(await officer.client.errorCode(`mutation($id: ID!) { confirmServiceLog(id: $id) { id } }`, { id: own.id })).toBe("NOT_FOUND");
    await glosCoordinator.client.ok(`mutation($id: ID!) { confirmServiceLog(id: $id) { confirmed } }`, { id: own.id });
    const done = await glosCoordinator.client.ok(
      `mutation($id: ID!) { completeServiceCommitment(id: $id) { __typename ... on ServiceCommitment { status confirmedMinutes acknowledgedAt } } }`,
      { id: tomOrder },
    );
    expect(done.completeServiceCommitment).toEqual({
      __typename: "ServiceCommitment",
      status: "COMPLETED",
      confirmedMinutes: 600,
      acknowledgedAt: null,
    });

    expect(
      await glosCoordinator.client.errorCode(`mutation($id: ID!) { acknowledgeServiceCompletion(id: $id) { __typename } }`, {
        id: tomOrder,
      }),
    ).toBe("FORBIDDEN");
    expect(
      await charityWorker.client.errorCode(`mutation($id: ID!) { acknowledgeServiceCompletion(id: $id) { __typename } }`, { id: tomOrder }),
    ).toBe("FORBIDDEN");

    const ack = await officer.client.ok(`mutation($id: ID!) { acknowledgeServiceCompletion(id: $id) { ${ACK} } }`, { id: tomOrder });
    expect(ack.acknowledgeServiceCompletion).toEqual({
      __typename: "SupervisedCommitment",
      status: "COMPLETED",
      acknowledgedAt: "2026-11-30T10:00:00.000Z",
    });
    const twice = await officer.client.ok(`mutation($id: ID!) { acknowledgeServiceCompletion(id: $id) { ${ACK} } }`, { id: tomOrder });
    expect(twice.acknowledgeServiceCompletion).toMatchObject({ __typename: "CompletionNotAcknowledgeable", code: "ALREADY_ACKNOWLEDGED" });

    const row = await t.db.prisma.serviceCommitment.findFirstOrThrow({ where: { id: tomOrder } });
    expect(row).toMatchObject({ status: "COMPLETED", acknowledgedById: officer.personId });
    const seen = await glosCoordinator.client.ok(
      `{ bankServiceCommitments(timebank: "gloucester", status: COMPLETED) { id acknowledgedAt } }`,
    );
    expect(seen.bankServiceCommitments).toEqual([{ id: tomOrder, acknowledgedAt: "2026-11-30T10:00:00.000Z" }]);
  });
});
