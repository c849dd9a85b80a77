// Documents an attacker would send to make the server spend far more than the request's size:
// fragments that spread each other (exponential when expanded), spreads times aliases, piles of
// directives, and inputs that are huge or deep. Used by tests/e2e/query-limits.test.ts and
// bench/query-limits.ts. Every document here is small (a few kB at most) and parses within the
// token limit; what makes it dangerous is what it expands to.

export interface HostileRequest {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
}

/**
 * Fragments F0..F{levels-1} on `type`, each spreading the previous `fan` times, and an operation
 * `{ <root> { ...F{levels-1} } }`. Issue 18's request is levels 9, fan 10 on timebanks (801 bytes):
 * 10^8 leaf selections once expanded.
 */
export function nestedFragments(levels: number, fan: number, root = "timebanks", type = "Timebank", leaf = "name"): string {
  const parts = [`{ ${root} { ...F${levels - 1} } }`, `fragment F0 on ${type} { ${leaf} }`];
  for (let i = 1; i < levels; i++)
    parts.push(
      `fragment F${i} on ${type} { ${Array(fan)
        .fill(`...F${i - 1}`)
        .join(" ")} }`,
    );
  return parts.join("\n");
}

/** Fragments whose spreads carry aliases: every level multiplies the aliased fields. */
function aliasedFragments(levels: number, fan: number): string {
  const parts = [
    `{ timebanks { ...A${levels - 1} } }`,
    `fragment A0 on Timebank { ${Array.from({ length: fan }, (_, i) => `a${i}: name`).join(" ")} }`,
  ];
  for (let i = 1; i < levels; i++)
    parts.push(`fragment A${i} on Timebank { ${Array.from({ length: fan }, (_, j) => `...A${i - 1}`).join(" ")} }`);
  return parts.join("\n");
}

/** One response name used by many fields (the field-merging check compares them pairwise). */
function sameAliasMany(n: number): string {
  return `{ timebanks { ${Array(n).fill("x: name").join(" ")} } }`;
}

/** Many aliases of a list field, each asking for a full page. */
function aliasedPages(n: number): string {
  return `{ ${Array.from({ length: n }, (_, i) => `p${i}: timebanks { name slug categories { name } }`).join(" ")} }`;
}

/** A field carrying many directives (each one valid on its own). */
function manyDirectives(n: number): string {
  const directives = Array.from({ length: n }, (_, i) => (i % 2 ? "@include(if: true)" : "@skip(if: false)")).join(" ");
  return `{ timebanks { name ${directives} } }`;
}

/** Many fields with one directive each, spread through nested fragments. */
function directivesInFragments(levels: number, fan: number): string {
  const parts = [`{ timebanks { ...D${levels - 1} } }`, `fragment D0 on Timebank { name @include(if: true) slug @skip(if: false) }`];
  for (let i = 1; i < levels; i++)
    parts.push(
      `fragment D${i} on Timebank { ${Array(fan)
        .fill(`...D${i - 1} @include(if: true)`)
        .join(" ")} }`,
    );
  return parts.join("\n");
}

/** A JSON value nested `depth` levels: [[[...]]]. */
export function deepArray(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** A JSON object nested `depth` levels: {a:{a:{...}}}. */
export function deepObject(depth: number): unknown {
  let v: unknown = "x";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Refused by the operation limits (QUERY_TOO_COMPLEX) before anything is resolved. */
export const TOO_COMPLEX: HostileRequest[] = [
  { name: "issue 18: 9 levels of 10 spreads (801 bytes)", query: nestedFragments(9, 10) },
  { name: "10 levels of 10 spreads", query: nestedFragments(10, 10) },
  { name: "30 levels of 2 spreads", query: nestedFragments(30, 2) },
  { name: "4 levels of 60 spreads", query: nestedFragments(4, 60) },
  { name: "80 levels of 3 spreads", query: nestedFragments(80, 3) },
  { name: "spreads x aliases: 6 levels of 12", query: aliasedFragments(6, 12) },
  { name: "directives in nested fragments", query: directivesInFragments(8, 8) },
  { name: "300 aliased pages", query: aliasedPages(300) },
  { name: "1600 fields under one response name", query: sameAliasMany(1600) },
  { name: "200 directives on one field", query: manyDirectives(200) },
];

/** Refused as bad input (variables that do not fit their types), before anything runs. */
export const BAD_INPUT: HostileRequest[] = [
  {
    name: "an array 2,000 deep for a string",
    query: `mutation($e: String!) { logIn(input: { email: $e, password: "x" }) { __typename } }`,
    variables: { e: deepArray(2000) },
  },
  {
    name: "an object 2,000 deep inside an input",
    query: `mutation($i: LogInInput!) { logIn(input: $i) { __typename } }`,
    variables: { i: { email: deepObject(2000), password: "x" } },
  },
];
