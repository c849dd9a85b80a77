// Measures an operation before it runs: how deep it nests, how many aliases, fragment spreads,
// field selections and directives it expands to, and what it would cost (every field resolved
// counts 1, and lists multiply what is under them by the page size asked for, or by an assumed
// size). Pure: unit-tested in query-limits.spec.ts.
//
// The measure costs O(size of the document), whatever the document expands to: each fragment is
// measured once (per page context) and its measure reused at every spread, so
// `fragment F1 { ...F0 ...F0 ... }` multiplies numbers instead of walking F0 again. The numbers
// themselves may be astronomically large (10^80 selections): they are plain doubles, compared
// with the limits, never iterated over. It runs before validation (src/security.ts), because
// validation of a hostile document can itself cost tens of milliseconds.
import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
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
  /** Deepest chain of fields (fragments and inline fragments add no level). */
  depth: number;
  /** Aliased fields, counted at every place a fragment is spread. */
  aliases: number;
  /** Fragment spreads once every fragment is expanded where it is spread. */
  spreads: number;
  /** Field selections once every fragment is expanded (what execution would collect). */
  selections: number;
  /** Directives once every fragment is expanded. */
  directives: number;
  /** Estimated fields resolved, with list sizes multiplied in. */
  cost: number;
}

/** Limits an operation is measured against (a subset of config.limits). */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxSpreads: number;
  maxSelections: number;
  maxDirectives: number;
  maxCost: number;
}

const ZERO: OperationMeasure = { depth: 0, aliases: 0, spreads: 0, selections: 0, directives: 0, cost: 0 };

function argInt(value: ValueNode | undefined, variables: Record<string, unknown>): number | null {
  if (!value) return null;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === "number" ? v : null;
  }
  return null;
}

/** Fragment definitions of a document by name (the first of a name wins; duplicates fail validation). */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION && !(d.name.value in fragments)) fragments[d.name.value] = d;
  return fragments;
}

export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> = {},
): OperationMeasure {
  const root =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "mutation"
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  // A fragment's measure depends on its own type condition and on whether a page size was
  // already counted above it: two entries per fragment at most.
  const memo = new Map<string, OperationMeasure>();
  const inProgress = new Set<string>();

  function fragmentMeasure(name: string, pageSized: boolean): OperationMeasure {
    const frag = fragments[name];
    const key = `${pageSized ? 1 : 0}${name}`;
    const known = memo.get(key);
    if (known) return known;
    // Unknown or cyclic fragments fail validation anyway; they count for nothing here.
    if (!frag || inProgress.has(key)) return ZERO;
    inProgress.add(key);
    const m = walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value), pageSized);
    inProgress.delete(key);
    memo.set(key, m);
    return m;
  }

  /** The measure of a selection set on a type; `pageSized` when the parent already counted a page size. */
  function walk(set: SelectionSetNode, type: GraphQLNamedType | null | undefined, pageSized: boolean): OperationMeasure {
    const m = { ...ZERO };
    for (const sel of set.selections) {
      m.directives += sel.directives?.length ?? 0;
      if (sel.kind === Kind.FIELD) {
        m.selections += 1;
        if (sel.alias) m.aliases += 1;
        if (sel.name.value.startsWith("__")) {
          m.cost += 1;
          m.depth = Math.max(m.depth, 1);
          if (sel.selectionSet) {
            const child = walk(sel.selectionSet, null, true);
            addCounts(m, child, 1);
            m.depth = Math.max(m.depth, 1 + child.depth);
            m.cost += child.cost;
          }
          continue;
        }
        const field: GraphQLField<unknown, unknown> | undefined =
          type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[sel.name.value] : undefined;
        const firstArgDefined = !!field?.args.some((a) => a.name === "first");
        const first = firstArgDefined
          ? Math.min(argInt(sel.arguments?.find((a) => a.name.value === "first")?.value, variables) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
          : null;
        const isList = field ? isListType(getNullableType(field.type)) : false;
        const multiplier = Math.max(0, first ?? (isList && !pageSized ? ASSUMED_LIST_SIZE : 1));
        let child = ZERO;
        if (sel.selectionSet) child = walk(sel.selectionSet, field ? getNamedType(field.type) : null, first !== null);
        addCounts(m, child, 1);
        m.depth = Math.max(m.depth, 1 + child.depth);
        m.cost += 1 + multiplier * child.cost;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        const child = walk(sel.selectionSet, t, pageSized);
        addCounts(m, child, 1);
        m.depth = Math.max(m.depth, child.depth);
        m.cost += child.cost;
      } else {
        m.spreads += 1;
        const child = fragmentMeasure(sel.name.value, pageSized);
        addCounts(m, child, 1);
        m.depth = Math.max(m.depth, child.depth);
        m.cost += child.cost;
      }
    }
    return m;
  }

  return walk(operation.selectionSet, root, false);
}

function addCounts(into: OperationMeasure, child: OperationMeasure, times: number): void {
  into.aliases += times * child.aliases;
  into.spreads += times * child.spreads;
  into.selections += times * child.selections;
  into.directives += times * child.directives;
}

/** Which limit an operation passes first, in the order they are checked; null when within all. */
export function exceededLimit(m: OperationMeasure, limits: OperationLimits): { limit: keyof OperationLimits; message: string } | null {
  if (m.depth > limits.maxDepth) return { limit: "maxDepth", message: "the query nests too deeply: ask for less at once" };
  if (m.aliases > limits.maxAliases) return { limit: "maxAliases", message: "the query uses too many aliases" };
  if (m.spreads > limits.maxSpreads) return { limit: "maxSpreads", message: "the query spreads fragments too many times" };
  if (m.directives > limits.maxDirectives) return { limit: "maxDirectives", message: "the query uses too many directives" };
  if (m.selections > limits.maxSelections) return { limit: "maxSelections", message: "the query selects too many fields" };
  if (m.cost > limits.maxCost) return { limit: "maxCost", message: "the query asks for too much at once: use smaller pages" };
  return null;
}

/**
 * Checks every operation of a document (validation looks at all of them, so a heavy operation
 * that is not the one run still costs) and answers the first limit passed, or null. Variables
 * size the pages asked for with `first: $n`.
 */
export function checkDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  limits: OperationLimits,
  variables: Record<string, unknown> = {},
): { limit: keyof OperationLimits; message: string } | null {
  const fragments = fragmentsOf(document);
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const exceeded = exceededLimit(measureOperation(schema, d, fragments, variables), limits);
    if (exceeded) return exceeded;
  }
  return null;
}
