// Protections applied to every GraphQL request: query limits, rate limits, HTTP status rules
// for application/json clients, secure headers and an execution deadline.
import { randomUUID } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { RequestHandler } from "express";
import { GraphQLError, Kind, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { appError, PUBLIC_ERROR_CODES, rateLimited } from "./common/errors";
import { checkDocument, type OperationLimits } from "./common/query-limits";
import { checkInputs } from "./common/input-bounds";
import type { App, RequestContext } from "./context/context";

/** True for errors the client may see as they are (a known code, raised on purpose). */
export function isPublicError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return typeof code === "string" && PUBLIC_ERROR_CODES.has(code) && original instanceof GraphQLError;
}

const LOGIN_FIELDS = new Set(["logIn", "signUp"]);

/** Stand-ins for documents refused by the operation limits, with their refusal (see limitsPlugin). */
const refusedDocuments = new WeakMap<DocumentNode, GraphQLError>();

/** The request's operation limits, refused as QUERY_TOO_COMPLEX (the limits are not told to clients). */
export function operationLimitError(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits,
  variables: Record<string, unknown>,
): GraphQLError | null {
  const exceeded = checkDocument(schema, document, limits, variables);
  return exceeded ? appError("QUERY_TOO_COMPLEX", exceeded.message) : null;
}

/**
 * Text and dates of the request's inputs (src/common/input-bounds.ts), as BAD_USER_INPUT with
 * status 400 (what Apollo answers for variables that do not fit their types).
 */
export function inputError(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  today: Date,
): GraphQLError | null {
  const err = checkInputs(schema, document, variables, today);
  return err ? new GraphQLError(err.message, { extensions: { ...err.extensions, http: { status: 400 } } }) : null;
}

/**
 * Refuses operations that nest too deeply, use too many aliases, spreads, selections or
 * directives, or would resolve too much, and spends the rate-limit budgets of mutations.
 *
 * The limits are checked as soon as the document is parsed, before validation: validating a
 * hostile document (fragments spread within fragments, thousands of fields under one name)
 * costs tens of milliseconds, measuring it well under one (src/common/query-limits.ts).
 * Apollo 5 offers no hook between parsing and validation that may refuse a request (an error
 * thrown in validationDidStart becomes a 500), so a refused document is swapped there for an
 * empty stand-in that validates in microseconds, and the refusal is raised in didResolveOperation,
 * the first hook whose errors Apollo answers as they are (400 QUERY_TOO_COMPLEX, logged by
 * requestLogPlugin). Apollo's document cache then keeps the stand-in under the hostile query's
 * hash, so the same query is refused again without being parsed. Documents that passed stay in
 * that cache and skip validationDidStart: they are measured again in didResolveOperation with
 * this request's variables (`first: $n`).
 */
export function limitsPlugin(app: App): ApolloServerPlugin<RequestContext> {
  const { limits, rateLimits } = app.config;
  return {
    async requestDidStart() {
      let checked = false;
      return {
        async validationDidStart(requestContext) {
          checked = true;
          const refusal = operationLimitError(
            requestContext.schema,
            requestContext.document,
            limits,
            requestContext.request.variables ?? {},
          );
          if (!refusal) return;
          const standIn: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };
          refusedDocuments.set(standIn, refusal);
          (requestContext as { document: DocumentNode }).document = standIn;
        },
        async didResolveOperation({ document, operation, request, contextValue, schema }) {
          const refused = refusedDocuments.get(document);
          if (refused) throw refused;
          if (!operation) return; // Apollo has already refused a document without a usable operation
          if (!checked) {
            const refusal = operationLimitError(schema, document, limits, request.variables ?? {});
            if (refusal) throw refusal;
          }
          const badInput = inputError(schema, document, request.variables ?? {}, app.clock.now());
          if (badInput) throw badInput;
          if (operation.operation !== "mutation") return;

          const topFields = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD);
          const logins = topFields.filter((s) => s.kind === Kind.FIELD && LOGIN_FIELDS.has(s.name.value)).length;
          if (logins) {
            const d = await app.rateLimiter.hit(`login:ip:${contextValue.clientIp}`, rateLimits.loginPerMinute, 60_000, logins);
            if (!d.allowed) throw rateLimited(d.retryAfterSeconds);
          }
          const who = contextValue.viewer ? `person:${contextValue.viewer.personId}` : `ip:${contextValue.clientIp}`;
          const d = await app.rateLimiter.hit(`mutation:${who}`, rateLimits.mutationsPerMinute, 60_000, Math.max(1, topFields.length));
          if (!d.allowed) throw rateLimited(d.retryAfterSeconds);
        },
      };
    },
  };
}

const JSON_200_CODES = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT", "BAD_REQUEST"]);

/**
 * GraphQL over HTTP: a client that accepts only application/json gets 200 for documents that do
 * not parse or validate (the errors are in the body); application/graphql-response+json clients
 * keep Apollo's 400.
 */
export const jsonStatusPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ request }) {
    const accept = request.http?.headers.get("accept") ?? "";
    if (accept.includes("application/graphql-response+json")) return {};
    return {
      async willSendResponse({ response }) {
        if (response.http.status !== 400 || response.body.kind !== "single") return;
        const errors = (response.body.singleResult.errors ?? []) as GraphQLFormattedError[];
        if (errors.length && errors.every((e) => JSON_200_CODES.has(String(e.extensions?.code)))) response.http.status = 200;
      },
    };
  },
};

/** Headers that keep browsers from misusing API responses. */
export function secureHeaders(app: App): RequestHandler {
  const production = app.config.env === "production";
  return (_req, res, next) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    if (!app.config.enableExplorer) res.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (production) res.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    next();
  };
}

/**
 * One log line per operation: which, how long, which error codes. Never variables or tokens.
 * Unexpected errors are logged here, with the request id, under the error id the client gets.
 */
export const requestLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ contextValue }) {
    const started = process.hrtime.bigint();
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          if (isPublicError(error) || typeof error.extensions?.errorId === "string") continue;
          const errorId = randomUUID();
          (error.extensions as Record<string, unknown>).errorId = errorId;
          contextValue.log.error({ errorId, err: unwrapResolverError(error), path: error.path }, "unexpected error");
        }
      },
      async willSendResponse({ operationName, response, errors }) {
        response.http.headers.set("x-request-id", contextValue.requestId);
        contextValue.log.info(
          {
            operation: operationName ?? null,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            status: response.http.status ?? 200,
            errors: errors?.map((e) => e.extensions?.code ?? "INTERNAL_SERVER_ERROR"),
          },
          "graphql request",
        );
      },
    };
  },
};
