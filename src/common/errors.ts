// One way to report failures (docs/architecture.md "Errors"):
// - expected business outcomes are typed results implementing ErrorResult (see ErrorResult below);
// - authentication, authorization, bad input and unknown ids are GraphQLErrors with a code;
// - anything else is masked by formatError in server.ts with an error id.
import { GraphQLError } from "graphql";
import { Field, InterfaceType } from "type-graphql";

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "IDEMPOTENCY_KEY_REUSED"
  | "QUERY_TOO_COMPLEX"
  | "RATE_LIMITED"
  | "TIMEOUT";

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = { UNAUTHENTICATED: 401, QUERY_TOO_COMPLEX: 400, RATE_LIMITED: 429 };

export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, { extensions: { code, ...extra, ...(status ? { http: { status } } : {}) } });
}

/** Too many attempts: HTTP 429 with a Retry-After header, and the same number in the error. */
export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`too many attempts: try again in ${retryAfterSeconds} seconds`, {
    extensions: {
      code: "RATE_LIMITED",
      retryAfterSeconds,
      http: { status: 429, headers: new Map([["retry-after", String(retryAfterSeconds)]]) },
    },
  });
}

export const unauthenticated = (message = "you must log in first") => appError("UNAUTHENTICATED", message);
export const forbidden = (message = "you are not allowed to do this") => appError("FORBIDDEN", message);
/** Invalid input; `field` names the argument or input field at fault. */
export const badInput = (message: string, field?: string) => appError("BAD_USER_INPUT", message, field ? { field } : {});
export const notFound = (what: string) => appError("NOT_FOUND", `${what} not found`);

/** Codes the client may see as-is; everything else is masked. */
export const PUBLIC_ERROR_CODES = new Set<string>([
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "IDEMPOTENCY_KEY_REUSED",
  "QUERY_TOO_COMPLEX",
  "RATE_LIMITED",
  "TIMEOUT",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/** An expected business outcome that is not a success, returned as data in a result union. */
@InterfaceType({ description: "An expected business outcome that is not a success: a machine-readable code and a sentence for people." })
export abstract class ErrorResult {
  @Field({ description: "Stable machine-readable code, e.g. EMAIL_TAKEN." })
  code: string;

  @Field({ description: "What happened, in words a member or coordinator understands." })
  message: string;
}

/** Builds an instance of an ErrorResult class with its code and message. */
export function errorResult<T extends ErrorResult>(Type: new () => T, code: string, message: string, extra: Partial<T> = {}): T {
  return Object.assign(new Type(), { code, message }, extra);
}
