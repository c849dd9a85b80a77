// Protections applied to every GraphQL request: query limits, rate limits, HTTP status rules
// for application/json clients, secure headers and an execution deadline.
import { randomUUID } from "node:crypto";
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { RequestHandler } from "express";
import { GraphQLError, Kind, type FragmentDefinitionNode, type GraphQLFormattedError } from "graphql";
import { appError, PUBLIC_ERROR_CODES, rateLimited } from "./common/errors";
import { measureOperation } from "./common/query-limits";
import type { App, RequestContext } from "./context/context";

/** True for errors the client may see as they are (a known code, raised on purpose). */
export function isPublicError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
  return typeof code === "string" && PUBLIC_ERROR_CODES.has(code) && original instanceof GraphQLError;
}

const LOGIN_FIELDS = new Set(["logIn", "signUp"]);

/**
 * Refuses operations that nest too deeply, use too many aliases or would resolve too much, and
 * spends the rate-limit budgets of mutations. The limits themselves are not told to clients.
 */
export function limitsPlugin(app: App): ApolloServerPlugin<RequestContext> {
  const { limits, rateLimits } = app.config;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue, schema }) {
          if (!operation) return; // Apollo has already refused a document without a usable operation
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          const m = measureOperation(schema, operation, fragments, request.variables ?? {});
          if (m.depth > limits.maxDepth) throw appError("QUERY_TOO_COMPLEX", "the query nests too deeply: ask for less at once");
          if (m.aliases > limits.maxAliases) throw appError("QUERY_TOO_COMPLEX", "the query uses too many aliases");
          if (m.cost > limits.maxCost) throw appError("QUERY_TOO_COMPLEX", "the query asks for too much at once: use smaller pages");
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
