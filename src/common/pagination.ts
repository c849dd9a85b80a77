// Relay-style cursor pagination: one type factory, one cursor codec, one page-size rule.
import { ClassType, Field, Int, ObjectType } from "type-graphql";
import { badInput } from "./errors";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType({ description: "Where a page sits in the whole list." })
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor: string | null;
}

/** A count, or how to count: a list query runs its count only when a client selects totalCount. */
export type Count = number | (() => Promise<number>);

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: Count;
}

/** Creates the `<Name>Connection` and `<Name>Edge` types for a node type. */
export function Connection<T extends object>(NodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor: string;

    @Field(() => NodeType)
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class ConnectionType {
    @Field(() => [Edge])
    edges: Edge[];

    @Field(() => [NodeType], { description: "The nodes of `edges`, for clients that need no cursors." })
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, { description: "How many items match, over all pages." })
    totalCount: number;
  }
  return ConnectionType;
}

export function toConnection<T>(page: Page<T>) {
  let counted: Promise<number> | number | undefined;
  return {
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i] })),
    nodes: page.nodes,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.cursors.at(-1) ?? null },
    // A getter: the count query runs when (and once if) the field is resolved, not for every page.
    get totalCount(): Promise<number> | number {
      counted ??= typeof page.totalCount === "function" ? page.totalCount() : page.totalCount;
      return counted;
    },
  };
}

/** Validates `first`: 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
export function pageSize(first: number | null | undefined, max = MAX_PAGE_SIZE): number {
  if (first === null || first === undefined) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badInput(`first must be between 1 and ${max}`, "first");
  }
  return first;
}

/** Cursors are opaque to clients: base64url of a JSON array of the sort key. */
export function encodeCursor(key: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** Decodes a cursor whose key has the given element types; throws BAD_USER_INPUT otherwise. */
export function decodeCursor<K extends ReadonlyArray<"string" | "number">>(
  cursor: string | null | undefined,
  shape: K,
): { [I in keyof K]: K[I] extends "string" ? string : number } | null {
  if (cursor === null || cursor === undefined) return null;
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new Error("alphabet");
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badInput("invalid cursor: pass a cursor this API returned", "after");
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === shape.length &&
    parsed.every((v, i) => (shape[i] === "number" ? Number.isSafeInteger(v) : typeof v === "string"));
  if (!ok) throw badInput("invalid cursor: pass a cursor this API returned", "after");
  return parsed as never;
}

/** Splits `take + 1` rows into a page: the extra row only tells whether there is a next page. */
export function sliceRows<T>(rows: T[], size: number, cursorOf: (row: T) => string, totalCount: Count): Page<T> {
  const nodes = rows.slice(0, size);
  return { nodes, cursors: nodes.map(cursorOf), hasNextPage: rows.length > size, totalCount };
}
