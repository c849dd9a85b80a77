// Input fuzzing of every mutation in the schema, generated from the schema itself, so a new
// mutation is fuzzed the day it is added: no 500, no masked internal error, a code on every
// error, and nothing changed in the database by a rejected call.
import fc from "fast-check";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isCompositeType,
  type GraphQLInputType,
} from "graphql";
import { getSchema } from "../../src/schema";
import { startTestServer, type TestServer } from "../helpers/server";
import { databaseFingerprint } from "../helpers/snapshot";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let actors: Actor[];
/** Real ids and slugs of both banks, mixed into the inputs so calls reach real rows. */
let knownIds: string[];

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  const coordA = await signUp(t, "Coordinator A");
  const coordB = await signUp(t, "Coordinator B");
  await createBank(t, admin, "bank-a", coordA);
  await createBank(t, admin, "bank-b", coordB);
  const memberA = await signUp(t, "Member A");
  await join(memberA, coordA, "bank-a");
  const applicant = await signUp(t, "Applicant B");
  await applicant.client.ok(`mutation { applyToTimebank(timebank: "bank-b") { __typename } }`);
  actors = [memberA, coordA];
  const rows = await t.db.prisma.membership.findMany({ select: { id: true } });
  const cats = await t.db.prisma.category.findMany({ select: { id: true }, take: 4 });
  knownIds = [...rows.map((r) => r.id), ...cats.map((c) => c.id)];
});
afterAll(() => t.close());

const nasty = [
  "",
  " ",
  "bank-a",
  "bank-b",
  "aarhus",
  "x".repeat(5000),
  "<script>alert(1)</script>",
  '\'; DROP TABLE "Person";--',
  "\u0000",
  "💥",
  "2026-13-45",
  "-1",
];

function arbitraryFor(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return arbitraryFor(type.ofType as GraphQLInputType, depth);
  const inner = ((): fc.Arbitrary<unknown> => {
    if (isListType(type)) return fc.array(arbitraryFor(type.ofType as GraphQLInputType, depth + 1), { maxLength: depth > 1 ? 1 : 4 });
    if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
    if (isInputObjectType(type)) {
      const fields = type.getFields();
      return fc.record(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, arbitraryFor(f.type, depth + 1)])), {
        requiredKeys: [],
      });
    }
    if (isScalarType(type)) {
      switch (type.name) {
        case "Int":
          return fc.oneof(
            fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
            fc.constantFrom(0, -1, 1, 100, 101, 1440, 2_147_483_647),
          );
        case "Float":
          return fc.double({ noNaN: true, noDefaultInfinity: true });
        case "Boolean":
          return fc.boolean();
        case "ID":
          return fc.oneof(fc.constantFrom(...knownIds), fc.uuid(), fc.constantFrom(...nasty));
        case "DateTimeISO":
          return fc.oneof(
            fc.date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
            fc.constantFrom("yesterday", "2026-02-30T00:00:00Z"),
          );
        default:
          return fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...nasty), fc.emailAddress(), fc.constantFrom(...knownIds));
      }
    }
    return fc.constant(null);
  })();
  return isNonNullType(type) ? inner : fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: inner });
}

describe("fuzzing every mutation", () => {
  it("never answers 500 or an internal error, always gives a code, and rejected calls change nothing", async () => {
    const schema = await getSchema();
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThan(5);
    for (const field of mutations) {
      const varDefs = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(", ");
      const args = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
      const selection = isCompositeType(getNamedType(field.type)) ? "{ __typename ... on ErrorResult { code } }" : "";
      const query = `mutation${varDefs ? `(${varDefs})` : ""} { ${field.name}${args ? `(${args})` : ""} ${selection} }`;
      const variables = fc.record(Object.fromEntries(field.args.map((a) => [a.name, arbitraryFor(a.type)])), { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(variables, fc.constantFrom(0, 1), async (vars, who) => {
          const before = await databaseFingerprint(t.db);
          const res = await actors[who].client.request(query, vars as Record<string, unknown>);
          const context = `${field.name} ${JSON.stringify(vars).slice(0, 300)} → ${JSON.stringify(res).slice(0, 300)}`;
          if (res.status >= 500) throw new Error(`HTTP ${res.status}: ${context}`);
          for (const e of res.errors ?? []) {
            if (!e.extensions?.code) throw new Error(`error without code: ${context}`);
            if (e.extensions.code === "INTERNAL_SERVER_ERROR") throw new Error(`internal error: ${context}`);
          }
          const payload = res.data?.[field.name];
          const rejected = !!res.errors?.length || (payload && typeof payload === "object" && "code" in payload);
          if (rejected && (await databaseFingerprint(t.db)) !== before) throw new Error(`a rejected call changed the database: ${context}`);
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 15), seed: Number(process.env.FUZZ_SEED ?? 20261122) },
      );
    }
  }, 600_000);
});
