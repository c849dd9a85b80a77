// Executes HTTP GraphQL operations with graphql-jit (GRAPHQL_JIT): each validated document is
// compiled once into a JavaScript function, which then runs without graphql-js's per-field
// interpretation (completeValue, executeFields, a resolve info and a path object per field).
// Apollo Server 5 has no `executor` option; its `gateway` option still takes one, and in that
// mode Apollo keeps parsing, validation, the document cache, plugins and error formatting as in
// schema mode (ApolloServer.ts, requestPipeline.ts): only execute() is replaced. The Apollo
// options only schema mode's execute() reads (rootValue, fieldResolver, executionOptions,
// incremental delivery) are not used by this server.
//
// What stays graphql-js, so that clients see no difference:
// - variable coercion: its errors name the variable definition, which Apollo turns into
//   BAD_USER_INPUT with status 400 (graphql-jit's own errors do not);
// - documents graphql-jit cannot compile (then graphql-js reports what is wrong, or runs them);
// - the error class: graphql-jit's errors are rebuilt as graphql-js GraphQLErrors (always an
//   extensions object, which requestLogPlugin writes the error id into).
import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import {
  execute,
  getVariableValues,
  GraphQLError,
  isAbstractType,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type SourceLocation,
} from "graphql";

type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

/** Compiled operations kept per document; past this many the cache starts afresh. */
const MAX_COMPILED = 1_000;

/** Compiled operations by document (Apollo hands the same DocumentNode for a cached query) and operation name. */
export class CompiledQueries {
  private byDocument = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  private count = 0;

  constructor(private readonly schema: GraphQLSchema) {}

  /** The compiled operation, or null when graphql-jit cannot compile it (graphql-js runs it then). */
  get(document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
    let byName = this.byDocument.get(document);
    const key = operationName ?? "";
    const hit = byName?.get(key);
    if (hit !== undefined) return hit;
    if (this.count >= MAX_COMPILED) {
      this.byDocument = new WeakMap();
      this.count = 0;
      byName = undefined;
    }
    const compiled = compileQuery(this.schema, document, operationName ?? undefined);
    const entry = isCompiledQuery(compiled) ? compiled : null;
    if (!byName) this.byDocument.set(document, (byName = new Map()));
    byName.set(key, entry);
    this.count++;
    return entry;
  }
}

/** A graphql-jit error as the graphql-js GraphQLError graphql-js would have produced. */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  if (Object.getPrototypeOf(error) === GraphQLError.prototype) return error;
  // graphql-js wraps every field error, its own (null in a non-null field, a value a scalar
  // refuses) included, around an original error; graphql-jit keeps one for resolver errors only.
  const originalError = error.originalError ?? new Error(error.message);
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError, extensions: error.extensions });
  if (error.locations) (rebuilt as { locations?: readonly SourceLocation[] }).locations = error.locations;
  return rebuilt;
}

/**
 * graphql-jit reads the type of a union or interface value from what resolveType returns, and
 * reports a promise as an unknown type: refuse to start rather than answer such fields wrongly.
 */
function assertSynchronousTypeResolvers(schema: GraphQLSchema): void {
  const asynchronous = Object.values(schema.getTypeMap())
    .filter((type) => isAbstractType(type) && type.resolveType?.constructor.name === "AsyncFunction")
    .map((type) => type.name);
  if (asynchronous.length)
    throw new Error(`GRAPHQL_JIT needs synchronous resolveType functions; asynchronous in: ${asynchronous.join(", ")}`);
}

/** Runs an operation: compiled by graphql-jit when it can be, by graphql-js otherwise. */
export function jitExecutor(schema: GraphQLSchema): GatewayExecutor {
  assertSynchronousTypeResolvers(schema);
  const compiledQueries = new CompiledQueries(schema);
  const byGraphQLJs = (
    document: DocumentNode,
    contextValue: unknown,
    variableValues: Record<string, unknown> | undefined,
    operationName: string | undefined,
  ) => execute({ schema, document, contextValue, variableValues, operationName }) as Promise<ExecutionResult> | ExecutionResult;

  return async ({ document, operation, request, context }) => {
    const { variables, operationName } = request;
    const compiled = operation ? compiledQueries.get(document, operationName) : null;
    if (!compiled || !operation) return byGraphQLJs(document, context, variables, operationName);
    const result = await compiled.query(undefined, context, variables);
    if (!("data" in result)) {
      // No data at all: graphql-jit refused the variables (before running anything). graphql-js's
      // coercion errors are given instead, or, when graphql-js accepts them, graphql-js runs it.
      // Coercing twice only here keeps it off the path of every request.
      const coerced = operation.variableDefinitions?.length
        ? getVariableValues(schema, operation.variableDefinitions, variables ?? {}, { maxErrors: 50 })
        : null;
      if (coerced?.errors) return { errors: coerced.errors };
      return byGraphQLJs(document, context, variables, operationName);
    }
    return result.errors?.length ? { data: result.data, errors: result.errors.map(asGraphQLJsError) } : { data: result.data };
  };
}

/**
 * The "gateway" Apollo Server takes to use our executor: a fixed schema, announced before load()
 * resolves (Apollo reads it right after), and nothing to stop.
 */
export function jitGateway(schema: GraphQLSchema): Gateway {
  const listeners = new Set<Parameters<Gateway["onSchemaLoadOrUpdate"]>[0]>();
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      // What schema mode reports too (plugin/schemaReporting: coreSupergraphSdl ?? printSchema(apiSchema)).
      const coreSupergraphSdl = printSchema(schema);
      for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl });
      return { executor: jitExecutor(schema) };
    },
    async stop() {
      listeners.clear();
    },
  };
}
