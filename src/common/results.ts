import { ClassType, createUnionType, getMetadataStorage } from "type-graphql";
import { isUnionType, type GraphQLSchema } from "graphql";
import type { ErrorResult } from "./errors";

/** Every result union declared, by GraphQL name: see synchronousResultUnions. */
const resultUnions = new Map<string, { success: ClassType; failures: ClassType<ErrorResult>[] }>();

/**
 * A result union: the success type and the expected failures (ErrorResult classes).
 * Failures are recognised by their class (see errorResult), everything else is the success.
 */
export function resultUnion<S extends object>(
  name: string,
  success: ClassType<S>,
  failures: ClassType<ErrorResult>[],
  description?: string,
) {
  resultUnions.set(name, { success, failures });
  return createUnionType({
    name,
    description,
    types: () => [success, ...failures] as const,
    resolveType: (value) => failures.find((F) => value instanceof F) ?? success,
  });
}

/**
 * Gives the result unions of a built schema the same rule as a synchronous resolveType that
 * answers type names. type-graphql wraps every custom resolveType in an async function, which
 * graphql-jit cannot run (it reads the type from the return value; src/jit-executor.ts) and which
 * costs graphql-js a promise per union value.
 */
export function synchronousResultUnions(schema: GraphQLSchema): void {
  const objectTypes = getMetadataStorage().objectTypes;
  const typeName = (target: ClassType): string => {
    const name = objectTypes.find((o) => o.target === target)?.name;
    if (!name) throw new Error(`result union member ${target.name} is not an @ObjectType`);
    return name;
  };
  for (const [name, { success, failures }] of resultUnions) {
    const union = schema.getType(name);
    if (!isUnionType(union)) continue;
    const successName = typeName(success);
    const failureNames = failures.map((F) => [F, typeName(F)] as const);
    union.resolveType = (value) => failureNames.find(([F]) => value instanceof F)?.[1] ?? successName;
  }
}
