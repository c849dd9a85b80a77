// Federation told as stories through GraphQL: the Gloucester prison's bank and the families'
// bank in partnership, a prisoner's hours reaching his daughter after prison staff approve,
// an anonymous donation to a victims' charity, an insurer taking hours for part of a premium
// within its cap, and every refusal, expiry, retry and suspension with the balances, clearing
// positions and statements checked after each step.
import "reflect-metadata";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../src/common/clock";
import { expireDueInterBankTransfers } from "../../src/modules/federation/federation.transfers";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { ACCOUNT_FIELDS, key, myAccount, recordExchange } from "../helpers/ledger";
import {
  addDelegate,
  addInstitutionToBank,
  createInstitution,
  decide,
  IBT_FIELDS,
  partnershipMutation,
  position,
  propose,
  send,
  SEND_RESULT,
} from "../helpers/federation";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

const clock = new ManualClock(new Date("2026-10-05T09:00:00Z"));
let t: TestServer;
let gwen: Actor; // admin and coordinator of the prison's bank
let fay: Actor; // admin and coordinator of the families' bank
let chris: Actor; // admin of the Cheltenham bank (no partnership with the prison)
let pat: Actor; // prison officer, delegate of HMP Gloucester
let vera: Actor; // volunteer coordinator, delegate of the victims' charity
let ian: Actor; // delegate of the insurer

interface Person extends Actor {
  memberId: string;
  accountId: string;
}

const PRISON = "gloucester-prison";
const FAMILIES = "gloucester-families";
const CHELTENHAM = "cheltenham";

let prisonId: string;
let charityId: string;
let insurerId: string;
let clinicId: string;
let partnershipId: string;
let dave: Person; // prisoner
let lee: Person; // prisoner
let sam: Person; // volunteer at the prison's visitor centre
let amy: Person; // Dave's daughter
let tom: Person; // tutor in the families' bank

async function member(name: string, slug: string, coordinator: Actor): Promise<Person> {
  const actor = await signUp(t, name);
  const memberId = await join(actor, coordinator, slug);
  const account = await myAccount(actor, slug);
  return { ...actor, memberId, accountId: account.id };
}

async function account(id: string, viewer: Actor) {
  return (await viewer.client.ok(`query($id: ID!) { account(id: $id) { ${ACCOUNT_FIELDS} } }`, { id })).account;
}

async function balances(...people: Person[]) {
  return Promise.all(people.map(async (p) => (await account(p.accountId, p)).balanceMinutes));
}

async function institutionAccount(delegate: Actor, institutionId: string, slug: string) {
  const data = await delegate.client.ok(`{ myInstitutions { id memberships { timebank { slug } account { ${ACCOUNT_FIELDS} } } } }`);
  const inst = data.myInstitutions.find((i: { id: string }) => i.id === institutionId);
  return inst.memberships.find((m: { timebank: { slug: string } }) => m.timebank.slug === slug).account;
}

async function expectBooksBalanced() {
  const report = await verifyLedger(t.db.prisma);
  expect(report.problems).toEqual([]);
}

const counts = async () => ({ transfers: await t.db.prisma.transfer.count(), ibts: await t.db.prisma.interBankTransfer.count() });

beforeAll(async () => {
  t = await startTestServer({ clock, config: { tokenTtlSeconds: 400 * 86_400 } });
  const admin = await platformAdmin(t);
  gwen = await signUp(t, "Gwen Warden");
  fay = await signUp(t, "Fay Families");
  chris = await signUp(t, "Chris Cheltenham");
  pat = await signUp(t, "Pat Officer");
  vera = await signUp(t, "Vera Volunteer");
  ian = await signUp(t, "Ian Insurer");
  await createBank(t, admin, PRISON, gwen, { creditFloorMinutes: -600, balanceCeilingMinutes: 6000 });
  await createBank(t, admin, FAMILIES, fay, { creditFloorMinutes: -600, balanceCeilingMinutes: 6000 });
  await createBank(t, admin, CHELTENHAM, chris);
});
afterAll(async () => {
  const report = await verifyLedger(t.db.prisma);
  await t.close();
  expect(report.problems).toEqual([]);
});

describe("institutions and partnerships", () => {
  it("the prison joins its bank with an approval rule, the charity, the insurer and the clinic join the families' bank, each with delegates", async () => {
    prisonId = await createInstitution(gwen, "HMP Gloucester", "PRISON");
    const joined = await addInstitutionToBank(gwen, { timebank: PRISON, institutionId: prisonId, requiresApprovalOfMembersOutgoing: true });
    expect(joined).toMatchObject({ __typename: "InstitutionMembership", account: { kind: "INSTITUTION", balanceMinutes: 0 } });
    // Joining twice is refused with its code and changes nothing.
    expect(await addInstitutionToBank(gwen, { timebank: PRISON, institutionId: prisonId })).toMatchObject({
      code: "INSTITUTION_ALREADY_MEMBER",
    });
    await addDelegate(gwen, prisonId, pat, "Wing officer");

    charityId = await createInstitution(fay, "Victim Support Gloucestershire", "CHARITY");
    insurerId = await createInstitution(fay, "Severn Mutual Insurance", "INSURER");
    clinicId = await createInstitution(fay, "Kingsholm Clinic", "CLINIC");
    await addInstitutionToBank(fay, { timebank: FAMILIES, institutionId: charityId });
    await addInstitutionToBank(fay, {
      timebank: FAMILIES,
      institutionId: insurerId,
      acceptsHoursAsPayment: true,
      paymentCapPerMemberMinutes: 120,
      monthlySpendCapMinutes: 100,
    });
    await addInstitutionToBank(fay, { timebank: FAMILIES, institutionId: clinicId, acceptsHoursAsPayment: false });
    await addDelegate(fay, charityId, vera, "Volunteer coordinator");
    await addDelegate(fay, insurerId, ian, "Premiums officer");

    // Only bank admins and platform admins create institutions; only a bank's admin admits one.
    expect(await pat.client.errorCode(`mutation { createInstitution(input: { name: "Fake", kind: SCHOOL }) { id } }`)).toBe("FORBIDDEN");
    expect(
      await gwen.client.errorCode(
        `mutation($i: ID!) { addInstitutionToBank(input: { timebank: "${FAMILIES}", institutionId: $i }) { __typename } }`,
        { i: prisonId },
      ),
    ).toBe("NOT_FOUND");
    const mine = await pat.client.ok(`{ myInstitutions { name kind delegates { displayName role } } }`);
    expect(mine.myInstitutions).toEqual([
      { name: "HMP Gloucester", kind: "PRISON", delegates: [{ displayName: "Pat Officer", role: "Wing officer" }] },
    ]);
    expect((await institutionAccount(pat, prisonId, PRISON)).kind).toBe("INSTITUTION");
  });

  it("the prison's bank proposes, the families' bank accepts: both clearing accounts open with the caps as limits", async () => {
    const proposed = await propose(gwen, {
      timebank: PRISON,
      partnerBank: FAMILIES,
      purposes: ["FAMILY_SUPPORT", "CHARITY"],
      outgoingCapMinutes: 600,
      incomingCapMinutes: 300,
      incomingNeedsAcceptance: true,
      pendingExpiryHours: 48,
    });
    expect(proposed).toMatchObject({
      __typename: "Partnership",
      status: "PROPOSED",
      proposerBank: { slug: PRISON },
      partnerBank: { slug: FAMILIES },
    });
    partnershipId = proposed.id;
    // The proposer cannot accept its own proposal; a second proposal between the same banks is refused.
    expect(await gwen.client.errorCode(`mutation($id: ID!) { acceptPartnership(id: $id) { __typename } }`, { id: partnershipId })).toBe(
      "FORBIDDEN",
    );
    const again = await propose(fay, {
      timebank: FAMILIES,
      partnerBank: PRISON,
      purposes: ["GENERAL"],
      outgoingCapMinutes: 1,
      incomingCapMinutes: 1,
    });
    expect(again).toMatchObject({ code: "PARTNERSHIP_EXISTS", partnershipId });
    // Outsiders do not see it.
    expect(await chris.client.errorCode(`mutation($id: ID!) { acceptPartnership(id: $id) { __typename } }`, { id: partnershipId })).toBe(
      "NOT_FOUND",
    );

    const accepted = await partnershipMutation(fay, "acceptPartnership", partnershipId);
    expect(accepted).toMatchObject({ status: "ACTIVE" });
    expect(await partnershipMutation(fay, "acceptPartnership", partnershipId)).toMatchObject({ id: partnershipId, status: "ACTIVE" }); // a retry
    expect(await position(gwen, partnershipId, PRISON)).toMatchObject({
      netSentMinutes: 0,
      outgoingCapMinutes: 600,
      incomingCapMinutes: 300,
      clearingAccount: { kind: "CLEARING", floorMinutes: -300, ceilingMinutes: 600 },
      partnerBank: { slug: FAMILIES },
    });
    expect(await position(fay, partnershipId, FAMILIES)).toMatchObject({
      netSentMinutes: 0,
      clearingAccount: { floorMinutes: -600, ceilingMinutes: 300 },
    });
    // A coordinator of one bank does not read the other's position.
    expect(
      await fay.client.errorCode(`query($id: ID!) { partnershipPosition(partnershipId: $id, timebank: "${PRISON}") { netSentMinutes } }`, {
        id: partnershipId,
      }),
    ).toBe("NOT_FOUND");
  });
});

describe("Gloucester: a prisoner's hours reach his daughter", () => {
  let transferId: string;
  const sendKey = randomUUID();

  it("Dave earns four hours repairing bikes; prison staff supervise him", async () => {
    dave = await member("Dave Prisoner", PRISON, gwen);
    lee = await member("Lee Prisoner", PRISON, gwen);
    sam = await member("Sam Visitor-Centre", PRISON, gwen);
    amy = await member("Amy Daughter", FAMILIES, fay);
    tom = await member("Tom Tutor", FAMILIES, fay);
    for (const p of [dave, lee]) {
      await gwen.client.ok(
        `mutation($m: ID!, $i: ID!) { superviseMember(timebank: "${PRISON}", memberId: $m, institutionId: $i) { id } }`,
        { m: p.memberId, i: prisonId },
      );
    }
    const earned = await recordExchange(gwen, {
      timebank: PRISON,
      giverMemberId: dave.memberId,
      receiverMemberId: sam.memberId,
      minutes: 240,
      memo: "Refurbished four bikes for the visitor centre",
    });
    expect(earned).toMatchObject({ __typename: "Transfer", status: "POSTED" });
    await recordExchange(gwen, {
      timebank: PRISON,
      giverMemberId: lee.memberId,
      receiverMemberId: sam.memberId,
      minutes: 120,
      memo: "Painted the visitor centre",
    });
    expect(await balances(dave, lee, sam)).toEqual([240, 120, -360]);
  });

  it("Dave sends two hours to Amy: it waits for prison staff, with the minutes reserved on both sides", async () => {
    const input = {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 120,
      purpose: "FAMILY_SUPPORT",
      message: "For your homework help. Love, Dad",
      idempotencyKey: sendKey,
    };
    const sent = await send(dave, input);
    expect(sent).toMatchObject({
      __typename: "InterBankTransfer",
      status: "PENDING_APPROVAL",
      minutes: 120,
      donorName: "Dave Prisoner",
      recipientName: "Amy Daughter",
      sourceBank: { slug: PRISON },
      targetBank: { slug: FAMILIES },
      expiresAt: "2026-10-07T09:00:00.000Z",
    });
    transferId = sent.id;
    // Supervised by the prison, Dave may give only what he earned: 240 held, 120 of them reserved (issue 22).
    expect(await account(dave.accountId, dave)).toMatchObject({ balanceMinutes: 240, pendingOutMinutes: 120, availableMinutes: 120 });
    expect(await account(amy.accountId, amy)).toMatchObject({ balanceMinutes: 0, pendingInMinutes: 120 });
    // Issue 22: until the prison approved, Amy reads nothing of the gift: not in her transfers, not by id, not in her account's history.
    expect((await amy.client.ok(`{ myInterBankTransfers { id } }`)).myInterBankTransfers).toEqual([]);
    expect(await amy.client.errorCode(`query($id: ID!) { interBankTransfer(id: $id) { id } }`, { id: sent.id })).toBe("NOT_FOUND");
    expect(
      (await amy.client.ok(`query($a: ID!) { transfers(account: $a) { nodes { id } totalCount } }`, { a: amy.accountId })).transfers,
    ).toEqual({ nodes: [], totalCount: 0 });
    expect(await position(gwen, partnershipId, PRISON)).toMatchObject({ netSentMinutes: 0, pendingOutgoingMinutes: 120 });
    expect(await position(fay, partnershipId, FAMILIES)).toMatchObject({ netSentMinutes: 0, pendingIncomingMinutes: 120 });

    // The app retries: same transfer, nothing more reserved. The same key for another amount is a client bug.
    const before = await counts();
    expect((await send(dave, input)).id).toBe(transferId);
    expect(await counts()).toEqual(before);
    const reused = await dave.client.request(
      `mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { __typename } }`,
      { input: { ...input, minutes: 60 } },
    );
    expect(reused.errors?.[0].extensions?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await account(dave.accountId, dave)).toMatchObject({ pendingOutMinutes: 120 });
  });

  it("nobody can decide it out of turn or leg by leg", async () => {
    // The receiving bank cannot accept before the prison approves.
    expect(await decide(fay, "acceptInterBankTransfer", transferId)).toMatchObject({
      code: "INTER_BANK_TRANSFER_NOT_PENDING",
      currentStatus: "PENDING_APPROVAL",
    });
    // Another prisoner cannot see it, let alone approve it; the receiving coordinator cannot approve for the prison.
    expect(await lee.client.errorCode(`mutation($id: ID!) { approveInterBankTransfer(id: $id) { __typename } }`, { id: transferId })).toBe(
      "NOT_FOUND",
    );
    expect(await fay.client.errorCode(`mutation($id: ID!) { approveInterBankTransfer(id: $id) { __typename } }`, { id: transferId })).toBe(
      "FORBIDDEN",
    );
    // Amy cannot confirm her leg through the ledger: the two legs move together or not at all.
    const incoming = await fay.client.ok(
      `{ interBankTransfers(timebank: "${FAMILIES}", direction: INCOMING) { id legTransferId status } }`,
    );
    const leg = incoming.interBankTransfers.find((x: { id: string }) => x.id === transferId).legTransferId;
    const confirmed = await amy.client.ok(
      `mutation($id: ID!) { confirmExchange(transferId: $id) { __typename ... on ErrorResult { code } } }`,
      { id: leg },
    );
    expect(confirmed.confirmExchange).toEqual({ __typename: "NotAllowed", code: "NOT_ALLOWED" });
    expect(await account(amy.accountId, amy)).toMatchObject({ balanceMinutes: 0, pendingInMinutes: 120 });
  });

  it("prison staff approve, the families' bank accepts: both legs post at once, exactly once", async () => {
    const awaiting = await pat.client.ok(
      `query($i: ID!) { interBankTransfersAwaitingApproval(institutionId: $i) { id donorName recipientName } }`,
      { i: prisonId },
    );
    expect(awaiting.interBankTransfersAwaitingApproval).toEqual([
      { id: transferId, donorName: "Dave Prisoner", recipientName: "Amy Daughter" },
    ]);
    const approved = await decide(pat, "approveInterBankTransfer", transferId);
    expect(approved).toMatchObject({ status: "PENDING_ACCEPTANCE" });
    expect((await decide(pat, "approveInterBankTransfer", transferId)).status).toBe("PENDING_ACCEPTANCE"); // a retry
    const accepted = await decide(fay, "acceptInterBankTransfer", transferId);
    expect(accepted).toMatchObject({ status: "POSTED", postedAt: "2026-10-05T09:00:00.000Z" });
    expect((await decide(fay, "acceptInterBankTransfer", transferId)).status).toBe("POSTED"); // a retry
    expect(await decide(pat, "refuseInterBankTransfer", transferId, "too late")).toMatchObject({
      code: "INTER_BANK_TRANSFER_NOT_PENDING",
      currentStatus: "POSTED",
    });

    expect(await balances(dave, amy)).toEqual([120, 120]);
    expect(await account(dave.accountId, dave)).toMatchObject({ pendingOutMinutes: 0 });
    expect(await account(amy.accountId, amy)).toMatchObject({ pendingInMinutes: 0 });
    expect(await position(gwen, partnershipId, PRISON)).toMatchObject({ netSentMinutes: 120, pendingOutgoingMinutes: 0 });
    expect(await position(fay, partnershipId, FAMILIES)).toMatchObject({ netSentMinutes: -120, pendingIncomingMinutes: 0 });
    const amySees = await amy.client.ok(`{ myInterBankTransfers { ${IBT_FIELDS} } }`);
    expect(amySees.myInterBankTransfers).toMatchObject([
      {
        id: transferId,
        donorName: "Dave Prisoner",
        purpose: "FAMILY_SUPPORT",
        message: "For your homework help. Love, Dad",
        sourceBank: { slug: PRISON },
      },
    ]);
    await expectBooksBalanced();
  });

  it("Amy spends it on homework help from Tom", async () => {
    clock.advance(60_000);
    const paid = await recordExchange(fay, {
      timebank: FAMILIES,
      giverMemberId: tom.memberId,
      receiverMemberId: amy.memberId,
      minutes: 90,
      memo: "Maths homework, three sessions",
    });
    expect(paid).toMatchObject({ status: "POSTED" });
    expect(await balances(amy, tom)).toEqual([30, 90]);
    const statement = await amy.client.ok(
      `query($a: ID!) { statement(account: $a, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z") { openingBalanceMinutes closingBalanceMinutes totalInMinutes totalOutMinutes lines { inMinutes outMinutes balanceAfterMinutes transfer { kind recordedBy } } } }`,
      { a: amy.accountId },
    );
    expect(statement.statement).toMatchObject({
      openingBalanceMinutes: 0,
      totalInMinutes: 120,
      totalOutMinutes: 90,
      closingBalanceMinutes: 30,
      lines: [
        { inMinutes: 120, outMinutes: 0, balanceAfterMinutes: 120, transfer: { kind: "INTER_BANK", recordedBy: "Dave Prisoner" } },
        { inMinutes: 0, outMinutes: 90, balanceAfterMinutes: 30, transfer: { kind: "EXCHANGE" } },
      ],
    });
    // The leg cannot be reversed on its own in one bank.
    const leg = (await fay.client.ok(`{ interBankTransfers(timebank: "${FAMILIES}", direction: INCOMING) { id legTransferId } }`))
      .interBankTransfers[0].legTransferId;
    const reversed = await fay.client.ok(
      `mutation($id: ID!, $k: String!) { reverseTransfer(input: { transferId: $id, reason: "try", idempotencyKey: $k }) { __typename ... on ErrorResult { code } } }`,
      { id: leg, k: key() },
    );
    expect(reversed.reverseTransfer).toEqual({ __typename: "NotAllowed", code: "NOT_ALLOWED" });
  });

  it("Lee donates an hour to the victims' charity anonymously: the charity sees the purpose, neither the donor nor the donor's bank", async () => {
    clock.advance(60_000);
    const sent = await send(lee, {
      from: lee.accountId,
      toBank: FAMILIES,
      toInstitution: charityId,
      minutes: 60,
      purpose: "CHARITY",
      message: "Sorry.",
      anonymous: true,
    });
    expect(sent).toMatchObject({
      status: "PENDING_APPROVAL",
      donorName: "Lee Prisoner",
      recipientKind: "INSTITUTION",
      recipientName: "Victim Support Gloucestershire",
    });
    expect(await decide(pat, "approveInterBankTransfer", sent.id)).toMatchObject({ status: "PENDING_ACCEPTANCE" });
    const accepted = await decide(fay, "acceptInterBankTransfer", sent.id);
    expect(accepted).toMatchObject({
      status: "POSTED",
      donorName: null,
      anonymous: true,
      purpose: "CHARITY",
      sourceBank: { slug: PRISON },
    });
    const veraSees = await vera.client.ok(
      `query($id: ID!) { interBankTransfer(id: $id) { donorName purpose message sourceBank { name } } }`,
      { id: sent.id },
    );
    // Issue 22: the bank's name would tell the charity its donor is in prison.
    expect(veraSees.interBankTransfer).toEqual({ donorName: null, purpose: "CHARITY", message: "Sorry.", sourceBank: null });
    const charity = await institutionAccount(vera, charityId, FAMILIES);
    expect(charity.balanceMinutes).toBe(60);
    const legs = await fay.client.ok(
      `query($a: ID!) { transfers(account: $a) { nodes { kind minutes recordedBy credit { displayName } debit { kind displayName } } } }`,
      { a: charity.id },
    );
    expect(legs.transfers.nodes).toEqual([
      {
        kind: "INTER_BANK",
        minutes: 60,
        recordedBy: "Anonymous donor",
        credit: { displayName: "Victim Support Gloucestershire" },
        debit: { kind: "CLEARING", displayName: "Partner bank clearing" },
      },
    ]);
    // The sending side still knows who gave.
    const gwenSees = await gwen.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { donorName } }`, { id: sent.id });
    expect(gwenSees.interBankTransfer.donorName).toBe("Lee Prisoner");
    expect(await balances(lee)).toEqual([60]);
    expect(await position(gwen, partnershipId, PRISON)).toMatchObject({ netSentMinutes: 180 });
    expect(await position(fay, partnershipId, FAMILIES)).toMatchObject({ netSentMinutes: -180 });
    // Outsiders see nothing of it; members see no bank's lists.
    expect(await chris.client.errorCode(`query($id: ID!) { interBankTransfer(id: $id) { id } }`, { id: sent.id })).toBe("NOT_FOUND");
    expect(await chris.client.errorCode(`{ interBankTransfers(timebank: "${PRISON}", direction: OUTGOING) { id } }`)).toBe("NOT_FOUND");
    expect(await lee.client.errorCode(`{ interBankTransfers(timebank: "${PRISON}", direction: OUTGOING) { id } }`)).toBe("FORBIDDEN");
    expect(await amy.client.errorCode(`query($id: ID!) { interBankTransfer(id: $id) { id } }`, { id: sent.id })).toBe("NOT_FOUND");
  });

  it("both banks' settlement statements for October show the same two transfers from each side", async () => {
    const q = `query($id: ID!, $b: String!) { settlementStatement(partnershipId: $id, timebank: $b, from: "2026-10-01T00:00:00Z", to: "2026-11-01T00:00:00Z") {
      openingNetSentMinutes sentMinutes receivedMinutes closingNetSentMinutes lines { direction minutes netSentAfterMinutes } } }`;
    const prison = (await gwen.client.ok(q, { id: partnershipId, b: PRISON })).settlementStatement;
    const families = (await fay.client.ok(q, { id: partnershipId, b: FAMILIES })).settlementStatement;
    expect(prison).toEqual({
      openingNetSentMinutes: 0,
      sentMinutes: 180,
      receivedMinutes: 0,
      closingNetSentMinutes: 180,
      lines: [
        { direction: "OUTGOING", minutes: 120, netSentAfterMinutes: 120 },
        { direction: "OUTGOING", minutes: 60, netSentAfterMinutes: 180 },
      ],
    });
    expect(families).toMatchObject({ sentMinutes: 0, receivedMinutes: 180, closingNetSentMinutes: -180 });
    expect(families.lines.map((l: { direction: string }) => l.direction)).toEqual(["INCOMING", "INCOMING"]);
    await expectBooksBalanced();
  });
});

describe("refusals return the hours and change nothing", () => {
  it("every check has its code, and a retry gets the same refusal", async () => {
    const before = await counts();
    const purposeKey = randomUUID();
    const wrongPurpose = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 30,
      purpose: "GENERAL",
      idempotencyKey: purposeKey,
    });
    expect(wrongPurpose).toMatchObject({
      __typename: "PurposeNotAllowed",
      code: "PURPOSE_NOT_ALLOWED",
      allowedPurposes: ["FAMILY_SUPPORT", "CHARITY"],
    });
    expect(
      await send(dave, {
        from: dave.accountId,
        toBank: FAMILIES,
        toMember: amy.memberId,
        minutes: 30,
        purpose: "GENERAL",
        idempotencyKey: purposeKey,
      }),
    ).toMatchObject({ code: "PURPOSE_NOT_ALLOWED" });
    expect(
      await send(dave, { from: dave.accountId, toBank: CHELTENHAM, toPot: true, minutes: 30, purpose: "FAMILY_SUPPORT" }),
    ).toMatchObject({
      code: "NO_ACTIVE_PARTNERSHIP",
      partnershipStatus: null,
    });
    // 180 sent so far, cap 600: 500 more would pass it.
    expect(
      await send(dave, { from: dave.accountId, toBank: FAMILIES, toMember: amy.memberId, minutes: 500, purpose: "FAMILY_SUPPORT" }),
    ).toMatchObject({
      __typename: "ExposureCapReached",
      code: "EXPOSURE_CAP_REACHED",
      partnershipId,
      remainingMinutes: 420,
      requestedMinutes: 500,
    });
    // Sam is at -360 with a floor of -600.
    expect(
      await send(sam, { from: sam.accountId, toBank: FAMILIES, toMember: amy.memberId, minutes: 300, purpose: "FAMILY_SUPPORT" }),
    ).toMatchObject({
      __typename: "InsufficientBalance",
      accountId: sam.accountId,
      availableMinutes: 240,
    });
    // Amy's ceiling lowered to 100: she has 30; 90 more is refused without showing her balance to the prison.
    await fay.client.ok(
      `mutation($a: ID!) { setAccountLimits(input: { accountId: $a, floorMinutes: -600, ceilingMinutes: 100, reason: "Asked for a low ceiling" }) { __typename } }`,
      { a: amy.accountId },
    );
    const ceiling = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 90,
      purpose: "FAMILY_SUPPORT",
    });
    expect(ceiling).toEqual(
      expect.objectContaining({ __typename: "RecipientCeilingExceeded", code: "CEILING_EXCEEDED", requestedMinutes: 90 }),
    );
    await fay.client.ok(
      `mutation($a: ID!) { setAccountLimits(input: { accountId: $a, floorMinutes: -600, ceilingMinutes: 6000, reason: "Back to normal" }) { __typename } }`,
      { a: amy.accountId },
    );
    // Bad input is an error with a code.
    const bad = `mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { __typename } }`;
    const base = {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 30,
      purpose: "FAMILY_SUPPORT",
      idempotencyKey: key(),
    };
    expect(await dave.client.errorCode(bad, { input: { ...base, minutes: 0 } })).toBe("BAD_USER_INPUT");
    expect(await dave.client.errorCode(bad, { input: { ...base, toPot: true } })).toBe("BAD_USER_INPUT");
    expect(await dave.client.errorCode(bad, { input: { ...base, toBank: PRISON } })).toBe("BAD_USER_INPUT");
    expect(await dave.client.errorCode(bad, { input: { ...base, from: lee.accountId } })).toBe("NOT_FOUND");
    expect(await dave.client.errorCode(bad, { input: { ...base, toMember: randomUUID() } })).toBe("NOT_FOUND");
    expect(await dave.client.errorCode(bad, { input: { ...base, toBank: "nowhere" } })).toBe("NOT_FOUND");
    expect(await t.client.errorCode(bad, { input: base })).toBe("UNAUTHENTICATED");
    expect((await counts()).transfers).toBe(before.transfers);
    expect((await counts()).ibts).toBe(before.ibts);
    expect(await balances(dave, amy)).toEqual([120, 30]);
    await expectBooksBalanced();
  });

  it("prison staff refuse: the reservation is released, and the receiving bank then learns approval was refused", async () => {
    const sent = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 60,
      purpose: "FAMILY_SUPPORT",
    });
    expect(await account(dave.accountId, dave)).toMatchObject({ pendingOutMinutes: 60 });
    const refused = await decide(pat, "refuseInterBankTransfer", sent.id, "Contact order in place");
    expect(refused).toMatchObject({ status: "VOIDED", voidReason: "approval refused: Contact order in place" });
    expect(await decide(pat, "refuseInterBankTransfer", sent.id, "Contact order in place")).toMatchObject({ status: "VOIDED" }); // a retry
    expect(await decide(fay, "acceptInterBankTransfer", sent.id)).toMatchObject({
      __typename: "ApprovalRefused",
      code: "APPROVAL_REFUSED",
    });
    expect(await account(dave.accountId, dave)).toMatchObject({ balanceMinutes: 120, pendingOutMinutes: 0 });
    expect(await account(amy.accountId, amy)).toMatchObject({ balanceMinutes: 30, pendingInMinutes: 0 });
    expect(await position(gwen, partnershipId, PRISON)).toMatchObject({ netSentMinutes: 180, pendingOutgoingMinutes: 0 });
  });

  it("the receiving bank declines after approval: nothing moves", async () => {
    const sent = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 30,
      purpose: "FAMILY_SUPPORT",
    });
    await decide(pat, "approveInterBankTransfer", sent.id);
    expect(await decide(fay, "declineInterBankTransfer", sent.id, "Please send through the family liaison")).toMatchObject({
      status: "VOIDED",
    });
    expect(await decide(fay, "declineInterBankTransfer", sent.id)).toMatchObject({ status: "VOIDED" }); // a retry
    expect(await balances(dave, amy)).toEqual([120, 30]);
    expect(await account(dave.accountId, dave)).toMatchObject({ pendingOutMinutes: 0 });
    await expectBooksBalanced();
  });

  it("nobody decides in time: after 48 hours the transfer expires on read and by the job, and the minutes return", async () => {
    const first = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 45,
      purpose: "FAMILY_SUPPORT",
    });
    const second = await send(lee, { from: lee.accountId, toBank: FAMILIES, toPot: true, minutes: 15, purpose: "CHARITY" });
    expect(await account(dave.accountId, dave)).toMatchObject({ pendingOutMinutes: 45 });
    clock.advance(47 * 3_600_000);
    expect(
      (await dave.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { status } }`, { id: first.id })).interBankTransfer.status,
    ).toBe("PENDING_APPROVAL");
    clock.advance(2 * 3_600_000);
    expect(
      (await dave.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { status } }`, { id: first.id })).interBankTransfer.status,
    ).toBe("EXPIRED");
    expect(await decide(pat, "approveInterBankTransfer", first.id)).toMatchObject({
      code: "INTER_BANK_TRANSFER_NOT_PENDING",
      currentStatus: "EXPIRED",
    });
    expect(await account(dave.accountId, dave)).toMatchObject({ balanceMinutes: 120, pendingOutMinutes: 0 });
    // The job (npm run federation:expire) finds the other one; running it again finds nothing.
    expect(await expireDueInterBankTransfers(t.db.prisma, clock.now())).toBe(1);
    expect(await expireDueInterBankTransfers(t.db.prisma, clock.now())).toBe(0);
    expect(
      (await lee.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { status } }`, { id: second.id })).interBankTransfer.status,
    ).toBe("EXPIRED");
    expect(await account(lee.accountId, lee)).toMatchObject({ balanceMinutes: 60, pendingOutMinutes: 0 });
    expect(await position(fay, partnershipId, FAMILIES)).toMatchObject({ netSentMinutes: -180, pendingIncomingMinutes: 0 });
    await expectBooksBalanced();
  });

  it("suspending the partnership stops new transfers and approvals, but pending ones can still be declined", async () => {
    const pending = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 30,
      purpose: "FAMILY_SUPPORT",
    });
    expect(await partnershipMutation(fay, "suspendPartnership", partnershipId)).toMatchObject({ status: "SUSPENDED" });
    expect(await partnershipMutation(gwen, "suspendPartnership", partnershipId)).toMatchObject({ status: "SUSPENDED" }); // a retry from the other side
    expect(
      await send(dave, { from: dave.accountId, toBank: FAMILIES, toMember: amy.memberId, minutes: 10, purpose: "FAMILY_SUPPORT" }),
    ).toMatchObject({
      code: "NO_ACTIVE_PARTNERSHIP",
      partnershipStatus: "SUSPENDED",
    });
    expect(await decide(pat, "approveInterBankTransfer", pending.id)).toMatchObject({
      code: "NO_ACTIVE_PARTNERSHIP",
      partnershipStatus: "SUSPENDED",
    });
    expect(await decide(fay, "declineInterBankTransfer", pending.id, "Partnership under review")).toMatchObject({ status: "VOIDED" });
    expect(await account(dave.accountId, dave)).toMatchObject({ balanceMinutes: 120, pendingOutMinutes: 0 });
    expect(await dave.client.errorCode(`mutation($id: ID!) { suspendPartnership(id: $id) { __typename } }`, { id: partnershipId })).toBe(
      "FORBIDDEN",
    );
    expect(await partnershipMutation(gwen, "resumePartnership", partnershipId)).toMatchObject({ status: "ACTIVE" });
    await expectBooksBalanced();
  });
});

describe("an insurer takes hours for part of a premium", () => {
  let mo: Person; // member of the Cheltenham bank
  let cheltenhamPartnership: string;

  it("a Cheltenham member pays the insurer in the families' bank within its cap per member; over the cap is refused", async () => {
    const proposed = await propose(chris, {
      timebank: CHELTENHAM,
      partnerBank: FAMILIES,
      purposes: ["INSTITUTIONAL_SERVICE", "GENERAL"],
      outgoingCapMinutes: 1000,
      incomingCapMinutes: 1000,
      incomingNeedsAcceptance: false,
    });
    cheltenhamPartnership = proposed.id;
    expect(await partnershipMutation(fay, "acceptPartnership", cheltenhamPartnership)).toMatchObject({ status: "ACTIVE" });
    mo = await member("Mo Member", CHELTENHAM, chris);
    const helped = await member("Helped Neighbour", CHELTENHAM, chris);
    await recordExchange(chris, {
      timebank: CHELTENHAM,
      giverMemberId: mo.memberId,
      receiverMemberId: helped.memberId,
      minutes: 300,
      memo: "Garden clearing",
    });

    // Auto-posting partnership: the hours arrive at once.
    const first = await send(mo, {
      from: mo.accountId,
      toBank: FAMILIES,
      toInstitution: insurerId,
      minutes: 90,
      purpose: "INSTITUTIONAL_SERVICE",
      message: "Policy 4471, October",
    });
    expect(first).toMatchObject({ status: "POSTED", recipientName: "Severn Mutual Insurance" });
    expect((await institutionAccount(ian, insurerId, FAMILIES)).balanceMinutes).toBe(90);
    const over = await send(mo, {
      from: mo.accountId,
      toBank: FAMILIES,
      toInstitution: insurerId,
      minutes: 60,
      purpose: "INSTITUTIONAL_SERVICE",
    });
    expect(over).toMatchObject({
      __typename: "InstitutionCapReached",
      code: "INSTITUTION_CAP_REACHED",
      institutionId: insurerId,
      cap: "PAYMENT_PER_MEMBER",
      requestedMinutes: 60,
      remainingThisMonthMinutes: 30,
    });
    expect(
      await send(mo, { from: mo.accountId, toBank: FAMILIES, toInstitution: insurerId, minutes: 30, purpose: "INSTITUTIONAL_SERVICE" }),
    ).toMatchObject({ status: "POSTED" });
    expect(await balances(mo)).toEqual([180]);
    // A gift to the insurer is not a premium payment: the cap does not apply to it.
    expect(
      await send(mo, { from: mo.accountId, toBank: FAMILIES, toInstitution: insurerId, minutes: 10, purpose: "GENERAL" }),
    ).toMatchObject({ status: "POSTED" });
    // The clinic takes no hours as payment.
    expect(
      await send(mo, { from: mo.accountId, toBank: FAMILIES, toInstitution: clinicId, minutes: 30, purpose: "INSTITUTIONAL_SERVICE" }),
    ).toMatchObject({ code: "PURPOSE_NOT_ALLOWED" });
    // Next month the cap starts again.
    clock.set(new Date("2026-11-02T10:00:00Z"));
    expect(
      await send(mo, { from: mo.accountId, toBank: FAMILIES, toInstitution: insurerId, minutes: 120, purpose: "INSTITUTIONAL_SERVICE" }),
    ).toMatchObject({ status: "POSTED" });
    expect(await position(chris, cheltenhamPartnership, CHELTENHAM)).toMatchObject({ netSentMinutes: 250 });
    expect(await position(fay, cheltenhamPartnership, FAMILIES)).toMatchObject({ netSentMinutes: -250 });
  });

  it("the insurer's delegate gives hours to the Cheltenham pot within the insurer's monthly spending cap", async () => {
    const insurer = await institutionAccount(ian, insurerId, FAMILIES);
    expect(insurer.balanceMinutes).toBe(250);
    expect(await send(ian, { from: insurer.id, toBank: CHELTENHAM, toPot: true, minutes: 60, purpose: "GENERAL" })).toMatchObject({
      status: "POSTED",
      recipientKind: "POT",
      donorName: "Severn Mutual Insurance",
    });
    expect(await send(ian, { from: insurer.id, toBank: CHELTENHAM, toPot: true, minutes: 60, purpose: "GENERAL" })).toMatchObject({
      code: "INSTITUTION_CAP_REACHED",
      cap: "MONTHLY_SPEND",
      remainingThisMonthMinutes: 40,
    });
    // Only its delegates act for it.
    const q = `mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { __typename } }`;
    expect(
      await vera.client.errorCode(q, {
        input: { from: insurer.id, toBank: CHELTENHAM, toPot: true, minutes: 10, purpose: "GENERAL", idempotencyKey: key() },
      }),
    ).toBe("NOT_FOUND");
    expect((await chris.client.ok(`{ communityPot(timebank: "${CHELTENHAM}") { balanceMinutes } }`)).communityPot.balanceMinutes).toBe(60);
    await expectBooksBalanced();
  });

  it("ending a partnership voids its pending transfers and keeps the final position", async () => {
    const pending = await send(dave, {
      from: dave.accountId,
      toBank: FAMILIES,
      toMember: amy.memberId,
      minutes: 20,
      purpose: "FAMILY_SUPPORT",
    });
    expect(pending.status).toBe("PENDING_APPROVAL");
    expect(await partnershipMutation(gwen, "endPartnership", partnershipId)).toMatchObject({ status: "ENDED" });
    expect(
      (await dave.client.ok(`query($id: ID!) { interBankTransfer(id: $id) { status voidReason } }`, { id: pending.id })).interBankTransfer,
    ).toEqual({
      status: "VOIDED",
      voidReason: "the partnership ended",
    });
    expect(await account(dave.accountId, dave)).toMatchObject({ balanceMinutes: 120, pendingOutMinutes: 0 });
    expect(await position(gwen, partnershipId, PRISON)).toMatchObject({ netSentMinutes: 180 });
    expect(await partnershipMutation(gwen, "resumePartnership", partnershipId)).toMatchObject({
      code: "PARTNERSHIP_STATE_CONFLICT",
      currentStatus: "ENDED",
    });
    await expectBooksBalanced();
  });
});
