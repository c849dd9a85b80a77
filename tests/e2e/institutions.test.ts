// Institutions as first-class users (issue 22) and consent across banks (issue 18): a bank may
// propose that another bank's institution join it, but nothing is recorded against the
// institution, and its delegates gain no reach into the bank, until one of them accepts.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { loadViewer } from "../../src/context/context";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import {
  addDelegate,
  createInstitution,
  decide,
  IBT_FIELDS,
  partnershipMutation,
  propose as proposePartnership,
  send,
  SEND_RESULT,
} from "../helpers/federation";
import { myAccount, RESULT } from "../helpers/ledger";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, myMemberId, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-10-05T09:00:00Z"));
const PRISON = "gloucester-prison";
const CLINIC = "riverside-clinic";
let t: TestServer;
let gwen: Actor; // admin of the prison's bank, creator of HMP Gloucester
let grace: Actor; // admin of the clinic's bank
let paul: Actor; // prison officer, delegate of HMP Gloucester (no membership of any bank)
let rob: Actor; // a member of the clinic's bank
let robMemberId: string;
let prisonId: string;
let prisonBankId: string;
let clinicBankId: string;

const MEMBERSHIP = `id status acceptedAt revokedAt supervisedMayUseCredit timebank { slug } institution { id name }`;
const MEMBERSHIP_RESULT = `__typename ... on InstitutionMembership { ${MEMBERSHIP} account { id status balanceMinutes } }
  ... on ErrorResult { code message } ... on InstitutionMembershipNotActive { institutionMembershipId currentStatus }`;
const EXCHANGE_RESULT = `${RESULT} ... on InstitutionMembershipNotActive { institutionMembershipId currentStatus }`;

async function propose(actor: Actor, slug: string, institutionId: string, extra: Record<string, unknown> = {}) {
  const data = await actor.client.ok(
    `mutation($input: AddInstitutionToBankInput!) { addInstitutionToBank(input: $input) { __typename ... on InstitutionMembership { ${MEMBERSHIP} account { id status } } ... on ErrorResult { code message } } }`,
    {
      input: { timebank: slug, institutionId, ...extra },
    },
  );
  return data.addInstitutionToBank;
}

async function consent(actor: Actor, name: "acceptInstitutionMembership" | "revokeInstitutionMembership", id: string) {
  return (await actor.client.ok(`mutation($id: ID!) { ${name}(id: $id) { ${MEMBERSHIP_RESULT} } }`, { id }))[name];
}

async function recordExchange(actor: Actor, slug: string, institutionId: string, memberId: string, minutes = 60) {
  const data = await actor.client.ok(
    `mutation($input: RecordInstitutionExchangeInput!) { recordInstitutionExchange(input: $input) { ${EXCHANGE_RESULT} } }`,
    {
      input: { timebank: slug, institutionId, memberId, direction: "INSTITUTION_GAVE", minutes, idempotencyKey: randomUUID() },
    },
  );
  return data.recordInstitutionExchange;
}

const supervise = (actor: Actor, slug: string, memberId: string, institutionId: string) =>
  actor.client.request(
    `mutation($b: String!, $m: ID!, $i: ID!) { superviseMember(timebank: $b, memberId: $m, institutionId: $i) { id } }`,
    { b: slug, m: memberId, i: institutionId },
  );

async function readableBanks(actor: Actor): Promise<string[]> {
  return (await loadViewer(t.db.prisma, actor.personId))!.readableBankIds;
}

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 400 * 86_400 } });
  const admin = await platformAdmin(t);
  gwen = await signUp(t, "Gwen Governor");
  grace = await signUp(t, "Grace Clinic");
  paul = await signUp(t, "Paul Officer");
  rob = await signUp(t, "Rob Rider");
  prisonBankId = (await createBank(t, admin, PRISON, gwen, { creditFloorMinutes: -600 })).id;
  clinicBankId = (await createBank(t, admin, CLINIC, grace, { creditFloorMinutes: -600 })).id;
  robMemberId = await join(rob, grace, CLINIC);
  prisonId = await createInstitution(gwen, "HMP Gloucester", "PRISON");
  await addDelegate(gwen, prisonId, paul, "Prison officer");
});
afterAll(async () => {
  const report = await verifyLedger(t.db.prisma);
  await t.close();
  expect(report.problems).toEqual([]);
});

describe("consent across banks: an institution joins a bank only when it accepts", () => {
  let proposalId: string;

  it("the prison's own bank attaches it at once: Gwen acts for the institution she created", async () => {
    const joined = await propose(gwen, PRISON, prisonId, { requiresApprovalOfMembersOutgoing: true });
    expect(joined).toMatchObject({
      __typename: "InstitutionMembership",
      status: "ACTIVE",
      acceptedAt: clock.now().toISOString(),
      account: { status: "ACTIVE" },
    });
    expect(await readableBanks(paul)).toEqual([prisonBankId]);
  });

  it("another bank's admin only proposes: the membership waits, its account closed", async () => {
    const proposed = await propose(grace, CLINIC, prisonId, { monthlySpendCapMinutes: 300 });
    expect(proposed).toMatchObject({
      __typename: "InstitutionMembership",
      status: "PROPOSED",
      acceptedAt: null,
      account: { status: "CLOSED" },
    });
    proposalId = proposed.id;
    // Proposing again while it waits is refused, and says so.
    expect(await propose(grace, CLINIC, prisonId)).toMatchObject({
      code: "INSTITUTION_ALREADY_MEMBER",
      message: expect.stringContaining("invited"),
    });
  });

  it("until accepted nothing is recorded against it: no supervision, no exchange, no minutes move", async () => {
    const transfersBefore = await t.db.prisma.transfer.count();
    const supervised = await supervise(grace, CLINIC, robMemberId, prisonId);
    expect(supervised.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(supervised.errors?.[0]?.message).toContain("proposed");
    expect(await recordExchange(grace, CLINIC, prisonId, robMemberId)).toMatchObject({
      __typename: "InstitutionMembershipNotActive",
      code: "INSTITUTION_MEMBERSHIP_NOT_ACTIVE",
      institutionMembershipId: proposalId,
      currentStatus: "PROPOSED",
    });
    expect(await t.db.prisma.transfer.count()).toBe(transfersBefore);
    expect(await t.db.prisma.institutionSupervision.count()).toBe(0);
  });

  it("its delegates gain no reach into the proposing bank, but see the proposal to decide on it", async () => {
    expect(await readableBanks(paul)).toEqual([prisonBankId]);
    const mine = await paul.client.ok(`{ myInstitutions { id memberships { id status timebank { slug } } } }`);
    expect(mine.myInstitutions[0].memberships).toEqual([
      { id: expect.any(String), status: "ACTIVE", timebank: { slug: PRISON } },
      { id: proposalId, status: "PROPOSED", timebank: { slug: CLINIC } },
    ]);
  });

  it("only the institution's side accepts: the proposing admin is refused, a stranger learns nothing", async () => {
    expect(
      await grace.client.errorCode(`mutation($id: ID!) { acceptInstitutionMembership(id: $id) { __typename } }`, { id: proposalId }),
    ).toBe("FORBIDDEN");
    expect(
      await rob.client.errorCode(`mutation($id: ID!) { acceptInstitutionMembership(id: $id) { __typename } }`, { id: proposalId }),
    ).toBe("NOT_FOUND");
    expect(
      await rob.client.errorCode(`mutation($id: ID!) { acceptInstitutionMembership(id: $id) { __typename } }`, { id: randomUUID() }),
    ).toBe("NOT_FOUND");
    expect(await paul.client.errorCode(`mutation { acceptInstitutionMembership(id: "not-a-uuid") { __typename } }`)).toBe("BAD_USER_INPUT");
  });

  it("a delegate accepts: the account opens, supervision and exchanges are recorded, and the delegates' scope grows", async () => {
    const accepted = await consent(paul, "acceptInstitutionMembership", proposalId);
    expect(accepted).toMatchObject({
      __typename: "InstitutionMembership",
      status: "ACTIVE",
      acceptedAt: clock.now().toISOString(),
      account: { status: "ACTIVE", balanceMinutes: 0 },
    });
    // Accepting again (a retry) answers the same.
    expect(await consent(paul, "acceptInstitutionMembership", proposalId)).toMatchObject({ status: "ACTIVE" });
    expect((await readableBanks(paul)).sort()).toEqual([prisonBankId, clinicBankId].sort());
    expect((await supervise(grace, CLINIC, robMemberId, prisonId)).errors).toBeUndefined();
    expect(await recordExchange(grace, CLINIC, prisonId, robMemberId, 60)).toMatchObject({
      __typename: "Transfer",
      status: "POSTED",
      minutes: 60,
    });
  });

  it("a delegate withdraws: the account closes with its balance, supervision ends, nothing more is recorded", async () => {
    const revoked = await consent(paul, "revokeInstitutionMembership", proposalId);
    expect(revoked).toMatchObject({ status: "REVOKED", revokedAt: clock.now().toISOString(), account: null });
    expect(await readableBanks(paul)).toEqual([prisonBankId]);
    const graceView = await grace.client.ok(`{ institutions { id memberships { id status account { status balanceMinutes } } } }`);
    expect(graceView.institutions.find((i: { id: string }) => i.id === prisonId).memberships).toEqual([
      { id: proposalId, status: "REVOKED", account: { status: "CLOSED", balanceMinutes: 60 } },
    ]);
    expect(await recordExchange(grace, CLINIC, prisonId, robMemberId)).toMatchObject({
      code: "INSTITUTION_MEMBERSHIP_NOT_ACTIVE",
      currentStatus: "REVOKED",
    });
    const supervision = await t.db.prisma.institutionSupervision.findFirstOrThrow({ where: { membershipId: robMemberId } });
    expect(supervision.endedAt).toEqual(clock.now());
    // The member's own account is untouched by the revocation.
    expect((await myAccount(rob, CLINIC)).balanceMinutes).toBe(-60);
  });

  it("the bank may propose again; the institution declines by revoking the proposal", async () => {
    const again = await propose(grace, CLINIC, prisonId);
    expect(again).toMatchObject({ id: proposalId, status: "PROPOSED", account: { status: "CLOSED" } });
    expect(await consent(paul, "revokeInstitutionMembership", proposalId)).toMatchObject({ status: "REVOKED" });
    // A bank admin may end it too (already ended: the same answer).
    expect(await consent(grace, "revokeInstitutionMembership", proposalId)).toMatchObject({ status: "REVOKED" });
    expect(await consent(paul, "acceptInstitutionMembership", proposalId)).toMatchObject({
      code: "INSTITUTION_MEMBERSHIP_NOT_ACTIVE",
      currentStatus: "REVOKED",
    });
  });
});

describe("anonymity that holds, and earned hours only", () => {
  const FAMILIES = "gloucester-families";
  let fay: Actor; // coordinator (admin) of the families' bank
  let vera: Actor; // the charity's volunteer coordinator, its delegate
  let amy: Actor; // Dave's daughter, a member of the families' bank
  let amyMemberId: string;
  let dave: Actor; // a prisoner, a member of the prison's bank
  let daveMemberId: string;
  let daveAccountId: string;
  let charityId: string;

  const daveAccount = async () =>
    (
      await dave.client.ok(
        `query($b: String) { myAccounts(timebank: $b) { balanceMinutes pendingOutMinutes availableMinutes earnedHoursOnly } }`,
        { b: PRISON },
      )
    ).myAccounts[0];

  beforeAll(async () => {
    const admin = await platformAdmin(t);
    fay = await signUp(t, "Fay Families");
    vera = await signUp(t, "Vera Victim-Support");
    amy = await signUp(t, "Amy Daughter");
    dave = await signUp(t, "Dave Prisoner");
    await createBank(t, admin, FAMILIES, fay, { creditFloorMinutes: -600 });
    amyMemberId = await join(amy, fay, FAMILIES);
    daveMemberId = await join(dave, gwen, PRISON);
    daveAccountId = (await myAccount(dave, PRISON)).id;
    charityId = await createInstitution(fay, "Victim Support Gloucestershire", "CHARITY");
    expect(await propose(fay, FAMILIES, charityId)).toMatchObject({ status: "ACTIVE" });
    await addDelegate(fay, charityId, vera, "Volunteer coordinator");
    const p = await proposePartnership(gwen, {
      timebank: PRISON,
      partnerBank: FAMILIES,
      purposes: ["FAMILY_SUPPORT", "CHARITY"],
      outgoingCapMinutes: 600,
      incomingCapMinutes: 0,
      incomingNeedsAcceptance: false,
    });
    expect(await partnershipMutation(fay, "acceptPartnership", p.id)).toMatchObject({ status: "ACTIVE" });
    // Dave restores bikes for the prison: it pays him two hours.
    const earned = await gwen.client.ok(
      `mutation($input: RecordInstitutionExchangeInput!) { recordInstitutionExchange(input: $input) { __typename } }`,
      {
        input: {
          timebank: PRISON,
          institutionId: prisonId,
          memberId: daveMemberId,
          direction: "INSTITUTION_RECEIVED",
          minutes: 120,
          idempotencyKey: randomUUID(),
        },
      },
    );
    expect(earned.recordInstitutionExchange.__typename).toBe("Transfer");
    expect((await supervise(gwen, PRISON, daveMemberId, prisonId)).errors).toBeUndefined();
  });

  it("a supervised prisoner is told he can give the 120 minutes he earned, not the bank's credit", async () => {
    // Without supervision 120 - (-600) = 720 would be available.
    expect(await daveAccount()).toEqual({ balanceMinutes: 120, pendingOutMinutes: 0, availableMinutes: 120, earnedHoursOnly: true });
    const gwenMemberId = await myMemberId(gwen, PRISON);
    const gift = await dave.client.ok(`mutation($input: GiveHoursInput!) { giveHours(input: $input) { ${RESULT} } }`, {
      input: { timebank: PRISON, toMemberId: gwenMemberId, minutes: 150, idempotencyKey: randomUUID() },
    });
    expect(gift.giveHours).toMatchObject({
      __typename: "InsufficientBalance",
      code: "INSUFFICIENT_BALANCE",
      accountId: daveAccountId,
      availableMinutes: 120,
      requestedMinutes: 150,
    });
    const tooMuch = await send(dave, {
      from: daveAccountId,
      toBank: FAMILIES,
      toMember: amyMemberId,
      minutes: 150,
      purpose: "FAMILY_SUPPORT",
    });
    expect(tooMuch).toMatchObject({ __typename: "InsufficientBalance", availableMinutes: 120, requestedMinutes: 150 });
    expect(await daveAccount()).toMatchObject({ balanceMinutes: 120, pendingOutMinutes: 0 });
  });

  it("Amy reads nothing of her father's gift until the prison approved it; then his name", async () => {
    const sent = await send(dave, {
      from: daveAccountId,
      toBank: FAMILIES,
      toMember: amyMemberId,
      minutes: 60,
      purpose: "FAMILY_SUPPORT",
      message: "Love, Dad",
    });
    expect(sent).toMatchObject({ status: "PENDING_APPROVAL", donorName: "Dave Prisoner" });
    expect((await amy.client.ok(`{ myInterBankTransfers { id } }`)).myInterBankTransfers).toEqual([]);
    expect(await amy.client.errorCode(`query($id: ID!) { interBankTransfer(id: $id) { id } }`, { id: sent.id })).toBe("NOT_FOUND");
    // The receiving bank's coordinator sees it coming, without the donor's name.
    const incoming = await fay.client.ok(`{ interBankTransfers(timebank: "${FAMILIES}", direction: INCOMING) { id donorName status } }`);
    expect(incoming.interBankTransfers).toEqual([{ id: sent.id, donorName: null, status: "PENDING_APPROVAL" }]);
    expect(await decide(paul, "approveInterBankTransfer", sent.id)).toMatchObject({ status: "POSTED" });
    const amySees = await amy.client.ok(`{ myInterBankTransfers { ${IBT_FIELDS} } }`);
    expect(amySees.myInterBankTransfers).toMatchObject([
      { id: sent.id, donorName: "Dave Prisoner", message: "Love, Dad", sourceBank: { slug: PRISON } },
    ]);
    expect(
      (await fay.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { donorName } }`, { id: sent.id })).interBankTransfer.donorName,
    ).toBe("Dave Prisoner");
  });

  it("an anonymous gift shows neither name nor bank, unless the donor chose to show the bank", async () => {
    expect(
      await dave.client.errorCode(`mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { __typename } }`, {
        input: {
          from: daveAccountId,
          toBank: FAMILIES,
          toInstitution: charityId,
          minutes: 10,
          purpose: "CHARITY",
          showSourceBank: true,
          idempotencyKey: randomUUID(),
        },
      }),
    ).toBe("BAD_USER_INPUT");
    clock.advance(60_000);
    const hidden = await send(dave, {
      from: daveAccountId,
      toBank: FAMILIES,
      toInstitution: charityId,
      minutes: 10,
      purpose: "CHARITY",
      anonymous: true,
    });
    clock.advance(60_000);
    const shown = await send(dave, {
      from: daveAccountId,
      toBank: FAMILIES,
      toInstitution: charityId,
      minutes: 20,
      purpose: "CHARITY",
      anonymous: true,
      showSourceBank: true,
    });
    for (const id of [hidden.id, shown.id]) expect(await decide(paul, "approveInterBankTransfer", id)).toMatchObject({ status: "POSTED" });
    const read = async (id: string) =>
      (
        await vera.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { donorName anonymous showSourceBank sourceBank { slug } } }`, {
          id,
        })
      ).interBankTransfer;
    expect(await read(hidden.id)).toEqual({ donorName: null, anonymous: true, showSourceBank: false, sourceBank: null });
    expect(await read(shown.id)).toEqual({ donorName: null, anonymous: true, showSourceBank: true, sourceBank: { slug: PRISON } });
    const charityAccount = (await vera.client.ok(`{ myInstitutions { memberships { timebank { slug } account { id } } } }`))
      .myInstitutions[0].memberships[0].account.id;
    const legs = await vera.client.ok(`query($a: ID!) { transfers(account: $a) { nodes { minutes recordedBy } } }`, { a: charityAccount });
    expect(legs.transfers.nodes).toEqual([
      { minutes: 20, recordedBy: `Anonymous donor (Timebank ${PRISON})` },
      { minutes: 10, recordedBy: "Anonymous donor" },
    ]);
  });

  it("the charity reads its own books in the families' bank: account, transfers, statement, inter-bank history; nothing of members' accounts", async () => {
    const mine = (await vera.client.ok(`{ myInstitutions { memberships { timebank { slug } account { id } } } }`)).myInstitutions[0]
      .memberships[0];
    const id = mine.account.id;
    expect((await vera.client.ok(`query($id: ID!) { account(id: $id) { kind balanceMinutes } }`, { id })).account).toEqual({
      kind: "INSTITUTION",
      balanceMinutes: 30,
    });
    const statement = await vera.client.ok(
      `query($a: ID!) { statement(account: $a, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z") { openingBalanceMinutes totalInMinutes closingBalanceMinutes } }`,
      { a: id },
    );
    expect(statement.statement).toEqual({ openingBalanceMinutes: 0, totalInMinutes: 30, closingBalanceMinutes: 30 });
    const history = await vera.client.ok(`{ myInterBankTransfers { minutes recipientName donorName } }`);
    expect(history.myInterBankTransfers).toEqual([
      { minutes: 20, recipientName: "Victim Support Gloucestershire", donorName: null },
      { minutes: 10, recipientName: "Victim Support Gloucestershire", donorName: null },
    ]);
    // A member's account stays the member's.
    const amyAccount = (await myAccount(amy, FAMILIES)).id;
    expect(await vera.client.errorCode(`query($id: ID!) { account(id: $id) { id } }`, { id: amyAccount })).toBe("NOT_FOUND");
    expect(await vera.client.errorCode(`query($a: ID!) { transfers(account: $a) { totalCount } }`, { a: amyAccount })).toBe("NOT_FOUND");
    // The prison's officer reads the prison's account at home, not the one its revoked clinic membership left behind.
    const prisonAccounts = await gwen.client.ok(`{ institutions { id memberships { status account { id } } } }`);
    const [home, revoked] = prisonAccounts.institutions.find((i: { id: string }) => i.id === prisonId).memberships;
    expect(
      (await paul.client.ok(`query($id: ID!) { account(id: $id) { balanceMinutes } }`, { id: home.account.id })).account.balanceMinutes,
    ).toBe(-120);
    expect(revoked.status).toBe("REVOKED");
    const closed = (await grace.client.ok(`{ institutions { id memberships { account { id } } } }`)).institutions.find(
      (i: { id: string }) => i.id === prisonId,
    ).memberships[0].account.id;
    expect(await paul.client.errorCode(`query($id: ID!) { account(id: $id) { id } }`, { id: closed })).toBe("NOT_FOUND");
  });

  it("the prison manages its supervision: a monthly sending limit per person, the list, the end", async () => {
    // Dave sent 60 + 10 + 20 = 90 this month; his limit becomes 100.
    const limited = await paul.client.ok(
      `mutation($m: ID!) { setSupervisionLimit(timebank: "${PRISON}", memberId: $m, monthlySendLimitMinutes: 100) { memberId displayName monthlySendLimitMinutes endedAt timebank { slug } } }`,
      { m: daveMemberId },
    );
    expect(limited.setSupervisionLimit).toEqual({
      memberId: daveMemberId,
      displayName: "Dave Prisoner",
      monthlySendLimitMinutes: 100,
      endedAt: null,
      timebank: { slug: PRISON },
    });
    expect(
      await send(dave, { from: daveAccountId, toBank: FAMILIES, toMember: amyMemberId, minutes: 15, purpose: "FAMILY_SUPPORT" }),
    ).toMatchObject({
      __typename: "InstitutionCapReached",
      cap: "SUPERVISED_MEMBER_SEND",
      remainingThisMonthMinutes: 10,
      requestedMinutes: 15,
    });
    // Nobody else learns who is supervised; a bad limit is refused.
    expect(
      await amy.client.errorCode(
        `mutation($m: ID!) { setSupervisionLimit(timebank: "${PRISON}", memberId: $m, monthlySendLimitMinutes: 5) { memberId } }`,
        { m: daveMemberId },
      ),
    ).toBe("NOT_FOUND");
    expect(await vera.client.errorCode(`query($i: ID!) { supervisedMembers(institutionId: $i) { memberId } }`, { i: prisonId })).toBe(
      "NOT_FOUND",
    );
    expect(
      await paul.client.errorCode(
        `mutation($m: ID!) { setSupervisionLimit(timebank: "${PRISON}", memberId: $m, monthlySendLimitMinutes: -1) { memberId } }`,
        { m: daveMemberId },
      ),
    ).toBe("BAD_USER_INPUT");
    const list = await paul.client.ok(
      `query($i: ID!) { supervisedMembers(institutionId: $i) { memberId displayName monthlySendLimitMinutes } }`,
      { i: prisonId },
    );
    expect(list.supervisedMembers).toEqual([{ memberId: daveMemberId, displayName: "Dave Prisoner", monthlySendLimitMinutes: 100 }]);
    const ended = await paul.client.ok(`mutation($m: ID!) { endSupervision(timebank: "${PRISON}", memberId: $m) { endedAt } }`, {
      m: daveMemberId,
    });
    expect(ended.endSupervision.endedAt).toBe(clock.now().toISOString());
    expect(
      (await paul.client.ok(`query($i: ID!) { supervisedMembers(institutionId: $i) { memberId } }`, { i: prisonId })).supervisedMembers,
    ).toEqual([]);
    expect(
      (await paul.client.ok(`query($i: ID!) { supervisedMembers(institutionId: $i, includeEnded: true) { memberId } }`, { i: prisonId }))
        .supervisedMembers,
    ).toHaveLength(1);
    // No longer supervised: his own floor applies again, 30 held - (-600).
    expect(await daveAccount()).toEqual({ balanceMinutes: 30, pendingOutMinutes: 0, availableMinutes: 630, earnedHoursOnly: false });
    expect(
      await send(dave, { from: daveAccountId, toBank: FAMILIES, toMember: amyMemberId, minutes: 15, purpose: "FAMILY_SUPPORT" }),
    ).toMatchObject({ __typename: "InterBankTransfer", status: "POSTED" });
  });
});
