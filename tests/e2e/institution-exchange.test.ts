// Institutions earn and pay hours inside their own bank: the prison's visitor centre runs school
// visits for a member's children (the prison earns), a prisoner repairs the clinic's bikes (the
// clinic pays). Recorded by a coordinator (posted at once) or by a delegate (posted when the
// institution pays, pending the member's confirmation when it earns), within the institution's
// monthly caps, idempotent by key, and invisible to anyone else.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { ACCOUNT_FIELDS, myAccount, RESULT } from "../helpers/ledger";
import { addDelegate, addInstitutionToBank, createInstitution } from "../helpers/federation";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-10-05T09:00:00Z"));
const BANK = "stroud";
const OTHER = "bristol";
let t: TestServer;
let cora: Actor; // coordinator of Stroud
let otto: Actor; // coordinator of Bristol
let pat: Actor; // prison officer, delegate of HMP Stroud, also a member of Stroud
let nina: Actor; // nurse, delegate of the clinic
let prisonId: string;
let clinicId: string;
let prisonAccountId: string;
let clinicAccountId: string;

interface Person extends Actor {
  memberId: string;
  accountId: string;
}
let mia: Person; // a mother whose children visit the prison
let dan: Person; // a prisoner who repairs bikes
let patMember: Person;

const RESULT_WITH_CAP = `${RESULT} ... on InstitutionCapReached { institutionId cap requestedMinutes remainingThisMonthMinutes }`;

async function record(actor: Actor, input: Record<string, unknown>) {
  const data = await actor.client.ok(
    `mutation($input: RecordInstitutionExchangeInput!) { recordInstitutionExchange(input: $input) { ${RESULT_WITH_CAP} } }`,
    {
      input: { timebank: BANK, idempotencyKey: randomUUID(), ...input },
    },
  );
  return data.recordInstitutionExchange;
}

async function balance(id: string) {
  return (await cora.client.ok(`query($id: ID!) { account(id: $id) { ${ACCOUNT_FIELDS} } }`, { id })).account;
}

async function member(name: string): Promise<Person> {
  const actor = await signUp(t, name);
  const memberId = await join(actor, cora, BANK);
  return { ...actor, memberId, accountId: (await myAccount(actor, BANK)).id };
}

const transferCount = () => t.db.prisma.transfer.count();

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 400 * 86_400 } });
  const admin = await platformAdmin(t);
  cora = await signUp(t, "Cora Coordinator");
  otto = await signUp(t, "Otto Other");
  nina = await signUp(t, "Nina Nurse");
  await createBank(t, admin, BANK, cora, { creditFloorMinutes: -600, balanceCeilingMinutes: 6000 });
  await createBank(t, admin, OTHER, otto);
  mia = await member("Mia Mother");
  dan = await member("Dan Prisoner");
  patMember = await member("Pat Officer");
  pat = patMember;
  prisonId = await createInstitution(cora, "HMP Stroud", "PRISON");
  clinicId = await createInstitution(cora, "Stroud Clinic", "CLINIC");
  prisonAccountId = (await addInstitutionToBank(cora, { timebank: BANK, institutionId: prisonId, monthlyAcceptCapMinutes: 240 })).account
    .id;
  clinicAccountId = (await addInstitutionToBank(cora, { timebank: BANK, institutionId: clinicId, monthlySpendCapMinutes: 180 })).account.id;
  await addDelegate(cora, prisonId, pat, "Visitor centre officer");
  await addDelegate(cora, clinicId, nina, "Practice nurse");
});
afterAll(async () => {
  const report = await verifyLedger(t.db.prisma);
  await t.close();
  expect(report.problems).toEqual([]);
});

describe("exchanges between an institution and a member of its bank", () => {
  it("a coordinator records the prison's school visit for Mia's children: posted at once, the prison earns", async () => {
    const input = {
      institutionId: prisonId,
      memberId: mia.memberId,
      direction: "INSTITUTION_GAVE",
      minutes: 90,
      memo: "School visit",
      idempotencyKey: randomUUID(),
    };
    const first = await record(cora, input);
    expect(first).toMatchObject({ __typename: "Transfer", kind: "EXCHANGE", status: "POSTED", minutes: 90 });
    // A retry with the same key gets the same transfer; the same key for something else is refused.
    expect(await record(cora, input)).toMatchObject({ id: first.id });
    expect(
      await cora.client.errorCode(
        `mutation($input: RecordInstitutionExchangeInput!) { recordInstitutionExchange(input: $input) { __typename } }`,
        { input: { ...input, timebank: BANK, minutes: 91 } },
      ),
    ).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await balance(prisonAccountId)).balanceMinutes).toBe(90);
    expect((await balance(mia.accountId)).balanceMinutes).toBe(-90);
  });

  it("the clinic's nurse records Dan's bike repair: the clinic pays, posted at once", async () => {
    const done = await record(nina, {
      institutionId: clinicId,
      memberId: dan.memberId,
      direction: "INSTITUTION_RECEIVED",
      minutes: 120,
      memo: "Bikes repaired",
    });
    expect(done).toMatchObject({ __typename: "Transfer", status: "POSTED", minutes: 120 });
    expect((await balance(clinicAccountId)).balanceMinutes).toBe(-120);
    expect((await balance(dan.accountId)).balanceMinutes).toBe(120);
  });

  it("a delegate's record of what the institution gave waits for the member, who confirms it", async () => {
    const pending = await record(pat, {
      institutionId: prisonId,
      memberId: mia.memberId,
      direction: "INSTITUTION_GAVE",
      minutes: 60,
      memo: "Second visit",
    });
    expect(pending).toMatchObject({ __typename: "Transfer", status: "PENDING" });
    expect(await balance(mia.accountId)).toMatchObject({ balanceMinutes: -90, pendingOutMinutes: 60 });
    // The delegate who recorded it cannot confirm it; Mia can.
    expect(await pat.client.errorCode(`mutation($id: ID!) { confirmExchange(transferId: $id) { __typename } }`, { id: pending.id })).toBe(
      "FORBIDDEN",
    );
    const confirmed = await mia.client.ok(
      `mutation($id: ID!) { confirmExchange(transferId: $id) { __typename ... on Transfer { status } } }`,
      { id: pending.id },
    );
    expect(confirmed.confirmExchange).toMatchObject({ status: "POSTED" });
    expect(await balance(mia.accountId)).toMatchObject({ balanceMinutes: -150, pendingOutMinutes: 0 });
    expect((await balance(prisonAccountId)).balanceMinutes).toBe(150);
  });

  it("the institution's monthly caps hold: beyond them is refused with the minutes that remain, and nothing moves", async () => {
    const before = await transferCount();
    // The prison may accept 240 minutes a month and has accepted 150.
    const over = await record(cora, { institutionId: prisonId, memberId: mia.memberId, direction: "INSTITUTION_GAVE", minutes: 100 });
    expect(over).toMatchObject({
      __typename: "InstitutionCapReached",
      code: "INSTITUTION_CAP_REACHED",
      cap: "MONTHLY_ACCEPT",
      requestedMinutes: 100,
      remainingThisMonthMinutes: 90,
    });
    // The clinic may spend 180 and has spent 120.
    const overSpend = await record(nina, {
      institutionId: clinicId,
      memberId: dan.memberId,
      direction: "INSTITUTION_RECEIVED",
      minutes: 61,
    });
    expect(overSpend).toMatchObject({ cap: "MONTHLY_SPEND", remainingThisMonthMinutes: 60 });
    expect(await transferCount()).toBe(before);
    expect((await balance(prisonAccountId)).balanceMinutes).toBe(150);
    // Next month the caps start again.
    clock.set(new Date("2026-11-02T09:00:00Z"));
    expect(
      await record(nina, { institutionId: clinicId, memberId: dan.memberId, direction: "INSTITUTION_RECEIVED", minutes: 61 }),
    ).toMatchObject({ status: "POSTED" });
  });

  it("the member's limits hold as for any exchange: refused with what is available, nothing moves", async () => {
    await cora.client.ok(`mutation($input: SetAccountLimitsInput!) { setAccountLimits(input: $input) { __typename } }`, {
      input: { accountId: mia.accountId, floorMinutes: -200, ceilingMinutes: 6000, reason: "agreed with Mia" },
    });
    const before = await transferCount();
    const beyond = await record(cora, { institutionId: prisonId, memberId: mia.memberId, direction: "INSTITUTION_GAVE", minutes: 60 });
    expect(beyond).toMatchObject({
      __typename: "InsufficientBalance",
      code: "INSUFFICIENT_BALANCE",
      accountId: mia.accountId,
      availableMinutes: 50,
      requestedMinutes: 60,
    });
    expect(await transferCount()).toBe(before);
    expect((await balance(mia.accountId)).balanceMinutes).toBe(-150);
  });

  it("who may record: not a plain member, not a delegate for themselves, not another bank", async () => {
    const before = await transferCount();
    const m = `mutation($input: RecordInstitutionExchangeInput!) { recordInstitutionExchange(input: $input) { __typename } }`;
    const input = (over: Record<string, unknown>) => ({
      input: {
        timebank: BANK,
        institutionId: prisonId,
        memberId: dan.memberId,
        direction: "INSTITUTION_RECEIVED",
        minutes: 30,
        idempotencyKey: randomUUID(),
        ...over,
      },
    });
    // Dan is a member but no delegate: the institution is not his to see.
    expect(await dan.client.errorCode(m, input({}))).toBe("NOT_FOUND");
    // Pat is a delegate and a member: he cannot pay himself from the prison's account.
    expect(await pat.client.errorCode(m, input({ memberId: patMember.memberId }))).toBe("FORBIDDEN");
    // Nina is the clinic's delegate, not the prison's.
    expect(await nina.client.errorCode(m, input({}))).toBe("NOT_FOUND");
    // Bristol's coordinator, with Stroud's ids, gets nothing.
    expect(await otto.client.errorCode(m, input({ timebank: OTHER }))).toBe("NOT_FOUND");
    expect(await otto.client.errorCode(m, input({}))).toMatch(/NOT_FOUND|FORBIDDEN/);
    // Bad input: zero minutes, a malformed id, an unknown direction.
    expect(await cora.client.errorCode(m, input({ minutes: 0 }))).toBe("BAD_USER_INPUT");
    expect(await cora.client.errorCode(m, input({ memberId: "not-an-id" }))).toBe("BAD_USER_INPUT");
    expect(await cora.client.errorCode(m, input({ direction: "SIDEWAYS" }))).toBe("BAD_USER_INPUT");
    expect(await transferCount()).toBe(before);
  });
});
