// Measures an operation before it runs: how deep it nests, how many aliases it uses, and what it
// would cost (every field resolved counts 1, and lists multiply what is under them by the page
// size asked for, or by an assumed size). Pure: unit-tested in query-limits.spec.ts.
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./pagination";

/** Assumed size of a list whose size the client does not choose (skills, categories...). */
export const ASSUMED_LIST_SIZE = 10;

export interface OperationMeasure {
  depth: number;
  aliases: number;
  cost: number;
}

function argInt(value: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!value) return null;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === "number" ? v : null;
  }
  return null;
}

export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): OperationMeasure {
  let aliases = 0;
  const root =
    operation.operation === "query" ? schema.getQueryType() : operation.operation === "mutation" ? schema.getMutationType() : schema.getSubscriptionType();

  /** Returns [depth, cost] of a selection set on a type; `pageSized` when the parent already counted a page size. */
  function walk(set: SelectionSetNode, type: GraphQLNamedType | null | undefined, seen: Set<string>, pageSized: boolean): [number, number] {
    let depth = 0;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) aliases++;
        if (sel.name.value.startsWith("__")) {
          cost += 1;
          continue;
        }
        const field: GraphQLField<unknown, unknown> | undefined =
          type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[sel.name.value] : undefined;
        const firstArgDefined = !!field?.args.some((a) => a.name === "first");
        const first = firstArgDefined ? Math.min(argInt(sel.arguments?.find((a) => a.name.value === "first")?.value, variables) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE) : null;
        const isList = field ? isListType(getNullableType(field.type)) : false;
        const multiplier = first ?? (isList && !pageSized ? ASSUMED_LIST_SIZE : 1);
        let childDepth = 0;
        let childCost = 0;
        if (sel.selectionSet) {
          [childDepth, childCost] = walk(sel.selectionSet, field ? getNamedType(field.type) : null, seen, first !== null);
        }
        depth = Math.max(depth, 1 + childDepth);
        cost += 1 + multiplier * childCost;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        const [d, c] = walk(sel.selectionSet, t, seen, pageSized);
        depth = Math.max(depth, d);
        cost += c;
      } else {
        const name = sel.name.value;
        const frag = fragments[name];
        if (!frag || seen.has(name)) continue; // unknown or cyclic fragments fail validation anyway
        const [d, c] = walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value), new Set([...seen, name]), pageSized);
        depth = Math.max(depth, d);
        cost += c;
      }
    }
    return [depth, cost];
  }

  const [depth, cost] = walk(operation.selectionSet, root, new Set(), false);
  return { depth, aliases, cost };
}
