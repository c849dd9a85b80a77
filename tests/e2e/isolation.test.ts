// Tenant isolation by walking the schema: every query and mutation, called by an admin of bank A
// with the ids and slug of bank B, exposes nothing of B and changes nothing of B. Fields are
// found from the schema, so a new field is walked the day it is added; and a new field must be
// listed in PUBLIC_FIELDS or WALKED_FIELDS below, which makes its author decide which it is.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from "graphql";
import { getSchema } from "../../src/schema";
import { startTestServer, type TestServer } from "../helpers/server";
import { bankFingerprint, databaseFingerprint } from "../helpers/snapshot";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

/** Fields anyone may call about any bank: the public directory and authentication. */
const PUBLIC_FIELDS = new Set([
  "Query.timebanks",
  "Query.timebank",
  "Mutation.signUp",
  "Mutation.logIn",
  "Mutation.applyToTimebank",
  // Acts on the caller alone (and is walked last, so that the walker is still there before it).
  "Mutation.forgetMe",
]);

let t: TestServer;
let adminA: Actor;
let adminB: Actor;
let bankB: { id: string };
let schema: GraphQLSchema;
/** Things of bank B that must never appear in an answer to A. */
let secrets: string[];
/** Ids of bank B's rows, used as arguments. */
let idsOfB: string[];

async function bankRows(timebankId: string): Promise<Record<string, unknown>[]> {
  return t.db.withSession(async (s) => {
    const tables = await s.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'timebankId' ORDER BY 1`,
    );
    const rows: Record<string, unknown>[] = [];
    for (const { table_name } of tables)
      rows.push(...(await s.query(`SELECT * FROM "${table_name}" WHERE "timebankId" = $1`, [timebankId])));
    return rows;
  });
}

beforeAll(async () => {
  t = await startTestServer();
  schema = await getSchema();
  const platform = await platformAdmin(t);
  adminA = await signUp(t, "Admin Alpha");
  adminB = await signUp(t, "Bertha Secretkeeper");
  await createBank(t, platform, "bank-a", adminA);
  bankB = await createBank(t, platform, "bank-b", adminB);
  const memberB = await signUp(t, "Boris Hiddenname");
  await join(memberB, adminB, "bank-b");
  await memberB.client.ok(
    `mutation { updateMyProfile(timebank: "bank-b", input: { bio: "Bio-of-boris-xyzzy", contactPhone: "+44 777 123456", skills: [{ label: "secret-skill-plugh", category: "gardening" }] }) { id } }`,
  );
  // Records of every module in bank B, so that the walk has real ids of each kind to try.
  const helperB = await signUp(t, "Bruno Helpername");
  const helperBId = await join(helperB, adminB, "bank-b");
  const request = await memberB.client.ok(
    `mutation { createPost(timebank: "bank-b", input: { kind: REQUEST, title: "Request-of-boris-frobozz", description: "garden help", category: "gardening", tags: ["garden"] }) { id } }`,
  );
  await helperB.client.ok(
    `mutation { createPost(timebank: "bank-b", input: { kind: OFFER, title: "Offer-of-bruno-zork", category: "gardening" }) { id } }`,
  );
  await adminB.client.ok(`mutation($m: ID!) { vouchForMember(memberId: $m, note: "Vouch-note-quux") { id } }`, { m: helperBId });
  await adminB.client.ok(`mutation($r: ID!, $c: ID!) { proposeMatch(request: $r, candidate: $c) { __typename } }`, {
    r: request.createPost.id,
    c: helperBId,
  });
  const ledger = await adminB.client.ok(
    `mutation($g: ID!, $r: ID!) { recordExchange(input: { timebank: "bank-b", giverMemberId: $g, receiverMemberId: $r, minutes: 90, memo: "Memo-secret-grue", idempotencyKey: "iso-1" }) { __typename } }`,
    { g: helperBId, r: (await t.db.prisma.membership.findFirstOrThrow({ where: { personId: memberB.personId } })).id },
  );
  expect(ledger.recordExchange.__typename).toBe("Transfer");
  const applicantB = await signUp(t, "Belinda Applicantname");
  await applicantB.client.ok(`mutation { applyToTimebank(timebank: "bank-b") { __typename } }`);
  await join(await signUp(t, "Member Alpha"), adminA, "bank-a");

  const rows = await bankRows(bankB.id);
  const tablesOfRows = await t.db.withSession((s) =>
    s.query<{ table_name: string }>(
      `SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'timebankId'`,
    ),
  );
  expect(tablesOfRows.length).toBeGreaterThan(3);
  const categoryIds = new Set((await t.db.prisma.category.findMany({ where: { timebankId: bankB.id } })).map((c) => c.id));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  // One id of each kind (column) of B's rows is enough to reach every kind of record.
  const byColumn = new Map<string, string>();
  for (const r of rows)
    for (const [k, v] of Object.entries(r))
      if (typeof v === "string" && uuid.test(v) && v !== bankB.id && !byColumn.has(k)) byColumn.set(k, v);
  idsOfB = [...new Set(byColumn.values())];
  const allIdsOfB = [
    ...new Set(rows.flatMap((r) => Object.values(r)).filter((v): v is string => typeof v === "string" && uuid.test(v) && v !== bankB.id)),
  ];
  const people = await t.db.prisma.person.findMany({ where: { memberships: { some: { timebankId: bankB.id } } } });
  secrets = [
    ...people.flatMap((p) => [p.displayName, p.email, p.id]),
    ...allIdsOfB.filter((id) => !categoryIds.has(id)), // categories are public in the directory
    "Bio-of-boris-xyzzy",
    "777 123456",
    "secret-skill-plugh",
    "Request-of-boris-frobozz",
    "Offer-of-bruno-zork",
    "Vouch-note-quux",
    "Memo-secret-grue",
  ];
  expect(idsOfB.length).toBeGreaterThan(3);
});
afterAll(() => t.close());

/** A selection of every scalar reachable in a few steps, fragments on every union member. */
function selectionFor(type: GraphQLNamedType, depth: number): string {
  if (isScalarType(type) || isEnumType(type)) return "";
  if (isUnionType(type)) {
    return `{ __typename ${type
      .getTypes()
      .map((m) => `... on ${m.name} ${selectionFor(m, depth)}`)
      .join(" ")} }`;
  }
  if (!isObjectType(type) && !isInterfaceType(type)) return "";
  const parts: string[] = ["__typename"];
  for (const f of Object.values(type.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(f.type);
    if (isScalarType(named) || isEnumType(named)) parts.push(f.name);
    else if (depth > 0) parts.push(`${f.name} ${selectionFor(named, depth - 1)}`);
  }
  return `{ ${parts.join(" ")} }`;
}

function literalFor(type: GraphQLInputType, name: string, id: string): string | undefined {
  if (isNonNullType(type)) return literalFor(type.ofType as GraphQLInputType, name, id);
  if (isListType(type)) {
    const inner = literalFor(type.ofType as GraphQLInputType, name, id);
    return inner === undefined ? "[]" : `[${inner}]`;
  }
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    // Only what is required: optional filters would narrow the answer and hide a leak.
    const fields = Object.values(type.getFields())
      .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
      .map((f) => [f.name, literalFor(f.type, f.name, id)] as const)
      .filter(([, v]) => v !== undefined);
    return `{ ${fields.map(([k, v]) => `${k}: ${v}`).join(", ")} }`;
  }
  switch (getNamedType(type).name) {
    case "ID":
      return JSON.stringify(id);
    case "Int":
      return "60";
    case "Float":
      return "1.5";
    case "Boolean":
      return "true";
    case "DateTimeISO":
      return JSON.stringify("2026-10-01T00:00:00.000Z");
    default:
      if (/timebank|slug|bank/i.test(name)) return JSON.stringify("bank-b");
      if (/date|from|to|on$|day|until|since|month/i.test(name)) return JSON.stringify("2026-10-01");
      if (/email/i.test(name)) return JSON.stringify("someone@example.org");
      if (/key/i.test(name)) return JSON.stringify(`isolation-${id}`);
      return JSON.stringify("walk");
  }
}

function operationFor(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>, id: string): string {
  const args = field.args
    .filter((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined)
    .map((a: GraphQLArgument) => [a.name, literalFor(a.type, a.name, id)] as const)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return `${kind} { ${field.name}${args ? `(${args})` : ""} ${selectionFor(getNamedType(field.type), 2)} }`;
}

/** Every query and mutation; the public ones last, since applying to B makes the walker an applicant there. */
function allFields(): { kind: "query" | "mutation"; key: string; field: GraphQLField<unknown, unknown> }[] {
  const fields = [
    ...Object.values(schema.getQueryType()!.getFields()).map((field) => ({ kind: "query" as const, key: `Query.${field.name}`, field })),
    ...Object.values(schema.getMutationType()!.getFields()).map((field) => ({
      kind: "mutation" as const,
      key: `Mutation.${field.name}`,
      field,
    })),
  ];
  return [...fields.filter((f) => !PUBLIC_FIELDS.has(f.key)), ...fields.filter((f) => PUBLIC_FIELDS.has(f.key))];
}

describe("tenant isolation, walking the schema", () => {
  it("every query and mutation has been placed: public, or walked as an outsider", async () => {
    const unplaced = allFields().filter((f) => !PUBLIC_FIELDS.has(f.key) && !walked(f.key));
    expect(unplaced.map((f) => f.key)).toEqual([]);
  });

  it("an admin of bank A, given bank B's slug and ids, gets nothing of B and changes nothing of B", async () => {
    const leaks: string[] = [];
    for (const { kind, key, field } of allFields()) {
      const ids = field.args.length ? idsOfB : [idsOfB[0]];
      for (const id of ids) {
        const before = kind === "mutation" ? await bankFingerprint(t.db, bankB.id) : "";
        const query = operationFor(kind, field, id);
        const res = await adminA.client.request(query);
        const text = JSON.stringify(res);
        for (const s of secrets) if (text.includes(s)) leaks.push(`${key} with ${id} exposed "${s}": ${text.slice(0, 400)}`);
        for (const e of res.errors ?? []) {
          if (!e.extensions?.code || e.extensions.code === "INTERNAL_SERVER_ERROR") leaks.push(`${key}: ${e.message} (${query})`);
        }
        if (kind === "mutation" && !PUBLIC_FIELDS.has(key) && (await bankFingerprint(t.db, bankB.id)) !== before) {
          leaks.push(`${key} with ${id} changed bank B: ${text.slice(0, 300)}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  }, 600_000);

  it("an umbrella user, given bank B's slug and ids, reaches no personal field and no single exchange through any query", async () => {
    const platform = await platformAdmin(t);
    const umbrella = await signUp(t, "Umbrella Walker");
    await platform.client.ok(`mutation($e: String!) { setUmbrellaAccess(email: $e, granted: true) { isUmbrella } }`, { e: umbrella.email });
    const leaks: string[] = [];
    let statisticsAnswered = false;
    for (const { kind, key, field } of allFields()) {
      if (kind !== "query") continue;
      for (const id of field.args.length ? idsOfB : [idsOfB[0]]) {
        const res = await umbrella.client.request(operationFor(kind, field, id));
        const text = JSON.stringify(res);
        if (key === "Query.statistics" && !res.errors) statisticsAnswered = true;
        for (const s of secrets) if (text.includes(s)) leaks.push(`${key} with ${id} exposed "${s}": ${text.slice(0, 400)}`);
      }
    }
    expect(leaks).toEqual([]);
    expect(statisticsAnswered).toBe(true);
  }, 600_000);

  it("the detector works: the same walk by bank B's own admin does see B's secrets", async () => {
    const members = schema.getQueryType()!.getFields().members;
    const res = await adminB.client.request(operationFor("query", members, idsOfB[0]));
    const text = JSON.stringify(res);
    expect(secrets.filter((s) => text.includes(s)).length).toBeGreaterThan(3);
    expect(text).toContain("777 123456");
    expect(await databaseFingerprint(t.db)).toMatch(/^[0-9a-f]{32}$/);
  });
});

/** Every field that is not public is walked; this list is where a reviewer records that. */
function walked(key: string): boolean {
  return WALKED_FIELDS.has(key);
}

const WALKED_FIELDS = new Set<string>([
  "Query.me",
  "Query.members",
  "Query.member",
  "Mutation.createTimebank",
  "Mutation.updateTimebankSettings",
  "Mutation.approveMembership",
  "Mutation.declineMembership",
  "Mutation.pauseMembership",
  "Mutation.resumeMembership",
  "Mutation.leaveTimebank",
  "Mutation.changeMemberRole",
  "Mutation.updateMyProfile",
  "Query.capacityPolicies",
  "Query.capacitySchedules",
  "Query.workLogs",
  "Query.timeAccount",
  "Query.timeAccountStatement",
  "Query.depositRequests",
  "Query.timeOffRequests",
  "Query.serviceCommitments",
  "Mutation.setCapacityPolicy",
  "Mutation.setCapacitySchedule",
  "Mutation.logWork",
  "Mutation.updateWorkLog",
  "Mutation.deleteWorkLog",
  "Mutation.submitDeposit",
  "Mutation.approveDeposit",
  "Mutation.refuseDeposit",
  "Mutation.requestTimeOff",
  "Mutation.approveTimeOff",
  "Mutation.refuseTimeOff",
  "Mutation.createServiceCommitment",
  "Mutation.completeServiceCommitment",
  "Query.capacitySettings",
  "Query.capacityPeriods",
  "Query.capacityPositions",
  "Query.payrollExport",
  "Query.capacityAudit",
  "Query.payoutRequests",
  "Query.bankServiceCommitments",
  "Query.supervisedServiceCommitments",
  "Mutation.setCapacitySettings",
  "Mutation.closeCapacityPeriod",
  "Mutation.setPosition",
  "Mutation.requestPayout",
  "Mutation.approvePayout",
  "Mutation.refusePayout",
  "Mutation.recordTimeCorrection",
  "Mutation.confirmServiceLog",
  "Mutation.acknowledgeServiceCompletion",
  "Query.matchesForRequest",
  "Query.suggestedRequests",
  "Query.reciprocalPairs",
  "Query.myMatches",
  "Query.matchingWeights",
  "Query.requestMatches",
  "Query.matchingActivities",
  "Query.matchingSynonyms",
  "Query.matchingRadiusKm",
  "Mutation.addMatchingSynonym",
  "Mutation.removeMatchingSynonym",
  "Mutation.setMatchingRadius",
  "Query.posts",
  "Query.post",
  "Mutation.updateMatchingWeights",
  "Mutation.proposeMatch",
  "Mutation.acceptMatch",
  "Mutation.declineMatch",
  "Mutation.withdrawMatch",
  "Mutation.markRequestDone",
  "Mutation.vouchForMember",
  "Mutation.withdrawVouch",
  "Mutation.createPost",
  "Mutation.updatePost",
  "Mutation.closePost",
  "Query.account",
  "Query.myAccounts",
  "Query.communityPot",
  "Query.transfers",
  "Query.statement",
  "Query.bankStatements",
  "Mutation.recordExchange",
  "Mutation.recordGroupExchange",
  "Mutation.confirmExchange",
  "Mutation.rejectExchange",
  "Mutation.giveHours",
  "Mutation.donateToPot",
  "Mutation.payFromPot",
  "Mutation.reverseTransfer",
  "Mutation.setAccountLimits",
  "Query.institutions",
  "Query.myInstitutions",
  "Query.partnerships",
  "Query.partnershipPosition",
  "Query.settlementStatement",
  "Query.interBankTransfer",
  "Query.interBankTransfers",
  "Query.myInterBankTransfers",
  "Query.interBankTransfersAwaitingApproval",
  "Query.exportMyData",
  "Mutation.exportMemberData",
  "Mutation.eraseMember",
  "Query.privacyRequests",
  "Query.privacyPolicy",
  "Mutation.setPrivacyPolicy",
  "Query.activities",
  "Query.activity",
  "Query.helperAuthorisations",
  "Query.actingLog",
  "Query.onboarding",
  "Query.onboardingSettings",
  "Query.overdueApplications",
  "Query.partnerOrganisations",
  "Query.referralStatistics",
  "Mutation.createInstitution",
  "Mutation.addInstitutionToBank",
  "Mutation.acceptInstitutionMembership",
  "Mutation.revokeInstitutionMembership",
  "Mutation.addInstitutionDelegate",
  "Mutation.superviseMember",
  "Mutation.endSupervision",
  "Mutation.setSupervisionLimit",
  "Query.supervisedMembers",
  "Mutation.proposePartnership",
  "Mutation.acceptPartnership",
  "Mutation.suspendPartnership",
  "Mutation.resumePartnership",
  "Mutation.endPartnership",
  "Mutation.sendHoursToOtherBank",
  "Mutation.recordInstitutionExchange",
  "Mutation.approveInterBankTransfer",
  "Mutation.refuseInterBankTransfer",
  "Mutation.acceptInterBankTransfer",
  "Mutation.declineInterBankTransfer",
  "Mutation.createActivity",
  "Mutation.signUpForActivity",
  "Mutation.cancelActivitySignup",
  "Mutation.confirmAttendance",
  "Mutation.authoriseHelper",
  "Mutation.revokeHelper",
  "Mutation.pairMentor",
  "Mutation.endMentorPairing",
  "Mutation.setLivedExperience",
  "Mutation.setEngagement",
  "Mutation.updateOnboardingSettings",
  "Mutation.scheduleInterview",
  "Mutation.recordInterview",
  "Mutation.addReference",
  "Mutation.checkReference",
  "Mutation.recordSafeguardingCheck",
  "Mutation.createPartnerOrganisation",
  "Mutation.recordReferral",
  "Mutation.createOfflineMember",
  "Query.statistics",
  "Query.myParticipation",
  "Mutation.setMyParticipation",
  "Mutation.setUmbrellaAccess",
  "Mutation.setStatisticsCellSize",
]);
