import { ClassType, createUnionType } from "type-graphql";
import type { ErrorResult } from "./errors";

/**
 * A result union: the success type and the expected failures (ErrorResult classes).
 * Failures are recognised by their class (see errorResult), everything else is the success.
 */
export function resultUnion<S extends object>(name: string, success: ClassType<S>, failures: ClassType<ErrorResult>[], description?: string) {
  return createUnionType({
    name,
    description,
    types: () => [success, ...failures] as const,
    resolveType: (value) => failures.find((F) => value instanceof F) ?? success,
  });
}
