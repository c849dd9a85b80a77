import { buildSchema, execute, getOperationAST, GraphQLError, Kind, parse, type ExecutionResult, type GraphQLSchema } from "graphql";
import { jitExecutor } from "./jit-executor";

const sdl = `
  scalar Odd
  enum Colour { RED GREEN }
  union Result = Ok | Failure
  type Ok { value: Int! }
  type Failure { code: String! }
  type Inner { required: String! optional: String odd: Odd }
  type Query {
    inner: Inner
    inners: [Inner!]
    boom: String
    coded: String
    colour(c: Colour!): Colour!
    result(fail: Boolean!): Result!
    echo(n: Int!): Int!
  }
`;

function makeSchema(resolveTypeAsync = false): GraphQLSchema {
  const schema = buildSchema(sdl);
  const odd = schema.getType("Odd") as { serialize: (v: unknown) => unknown };
  odd.serialize = (v) => {
    if (typeof v !== "number" || v % 2 === 0) throw new Error(`not odd: ${String(v)}`);
    return v;
  };
  const result = schema.getType("Result") as { resolveType: unknown };
  const resolveType = (v: { code?: string }) => (v.code ? "Failure" : "Ok");
  result.resolveType = resolveTypeAsync ? async (v: { code?: string }) => resolveType(v) : resolveType;
  const query = schema.getQueryType()!.getFields();
  query.inner.resolve = () => ({ required: null, optional: "here", odd: 3 });
  query.inners.resolve = () => [{ required: "a", odd: 1 }, { required: "b", odd: 2 }, { required: null }];
  query.boom.resolve = () => {
    throw new Error("database on fire");
  };
  query.coded.resolve = () => {
    throw new GraphQLError("no such thing", { extensions: { code: "NOT_FOUND" } });
  };
  query.colour.resolve = (_s, { c }) => c;
  query.result.resolve = (_s, { fail }) => (fail ? { code: "NOPE" } : { value: 1 });
  query.echo.resolve = (_s, { n }) => n;
  return schema;
}

const schema = makeSchema();
const executor = jitExecutor(schema);

async function both(
  source: string,
  variables?: Record<string, unknown>,
  operationName?: string,
): Promise<[ExecutionResult, ExecutionResult]> {
  const document = parse(source);
  const operation = getOperationAST(document, operationName) ?? undefined;
  const request = { query: source, variables, operationName };
  const jit = await executor({ document, operation, request, context: {} } as unknown as Parameters<typeof executor>[0]);
  const js = await execute({ schema, document, variableValues: variables, operationName, contextValue: {} });
  return [jit, js];
}

/** What a client would see of a result, and what formatError reads. */
const shown = (r: ExecutionResult) => ({
  data: r.data,
  errors: r.errors?.map((e) => ({ ...e.toJSON(), original: e.originalError?.message })),
});

it("answers like graphql-js: data, null propagation, errors with paths, locations and extensions", async () => {
  const [jit, js] = await both(
    `{ inner { optional required } inners { required } boom coded colour(c: GREEN) ok: result(fail: false) { __typename ... on Ok { value } } no: result(fail: true) { __typename ... on Failure { code } } }`,
  );
  expect(shown(jit).data).toEqual(shown(js).data);
  const byPath = (r: ExecutionResult) => shown(r).errors!.sort((a, b) => JSON.stringify(a.path).localeCompare(JSON.stringify(b.path)));
  expect(byPath(jit)).toEqual(byPath(js));
});

it("gives graphql-js GraphQLErrors, with an extensions object the request log can write into", async () => {
  const [jit] = await both(`{ boom coded }`);
  for (const error of jit.errors!) {
    expect(Object.getPrototypeOf(error)).toBe(GraphQLError.prototype);
    (error.extensions as Record<string, unknown>).errorId = "x";
    expect(error.extensions.errorId).toBe("x");
  }
  expect(jit.errors!.map((e) => e.originalError?.message).sort()).toEqual(["database on fire", "no such thing"]);
});

it("leaves variable coercion to graphql-js: errors name the variable definition (Apollo's BAD_USER_INPUT)", async () => {
  for (const variables of [{ n: "ten" }, {}, { n: null }]) {
    const [jit, js] = await both(`query($n: Int!) { echo(n: $n) }`, variables);
    expect(shown(jit)).toEqual(shown(js));
    expect(jit.errors![0].nodes?.[0].kind).toBe(Kind.VARIABLE_DEFINITION);
  }
  const [jit, js] = await both(`query($n: Int!) { echo(n: $n) }`, { n: 7 });
  expect(jit).toEqual(js);
});

it("reports leaf serialisation failures at the same path", async () => {
  const [jit, js] = await both(`{ inners { odd } }`);
  expect(jit.data).toEqual(js.data);
  expect(jit.errors!.map((e) => e.path)).toEqual(js.errors!.map((e) => e.path));
});

it("hands documents it cannot compile to graphql-js", async () => {
  const [jit, js] = await both(`query A { colour(c: RED) } query B { echo(n: 1) }`, undefined, "C");
  expect(shown(jit)).toEqual(shown(js));
  const [jitB, jsB] = await both(`query A { colour(c: RED) } query B { echo(n: 1) }`, undefined, "B");
  expect(jitB).toEqual(jsB);
});

it("refuses a schema with an asynchronous resolveType", () => {
  expect(() => jitExecutor(makeSchema(true))).toThrow(/Result/);
});
