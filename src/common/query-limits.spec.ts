import { buildSchema, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { exceededLimit, measureOperation } from "./query-limits";

const schema = buildSchema(`
  type Query { members(first: Int): MemberConnection!  member(id: ID!): Member  tags: [String!]! }
  type MemberConnection { nodes: [Member!]!  edges: [Edge!]!  totalCount: Int! }
  type Edge { node: Member! }
  type Member { id: ID!  name: String!  skills: [Skill!]!  friend: Member }
  type Skill { label: String! }
`);

function measure(query: string, variables = {}) {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === "OperationDefinition") as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === "FragmentDefinition").map((f) => [f.name.value, f]),
  );
  return measureOperation(schema, op, fragments, variables);
}

describe("measureOperation", () => {
  it("counts depth and fields", () => {
    expect(measure(`{ member(id: 1) { id name } }`)).toEqual({ depth: 2, aliases: 0, spreads: 0, selections: 3, directives: 0, cost: 3 });
    expect(measure(`{ member(id: 1) { friend { friend { friend { id } } } } }`).depth).toBe(5);
  });

  it("multiplies a page by the size asked for, once, through edges or nodes", () => {
    const ten = measure(`{ members(first: 10) { totalCount nodes { id } } }`).cost;
    const hundred = measure(`query($n: Int) { members(first: $n) { totalCount nodes { id } } }`, { n: 100 }).cost;
    expect(ten).toBe(1 + 10 * (1 + 1 + 1));
    expect(hundred).toBe(1 + 100 * (1 + 1 + 1));
    // Lists under each member multiply again by an assumed size.
    expect(measure(`{ members(first: 10) { nodes { skills { label } } } }`).cost).toBe(1 + 10 * (1 + (1 + 10 * 1)));
  });

  it("counts aliases, including inside fragments, and survives cyclic fragments", () => {
    const q = `{ a: member(id: 1) { ...F } b: member(id: 2) { ...F } } fragment F on Member { x: id y: name friend { ...F } }`;
    const m = measure(q);
    // Each spread of F counts F's two aliases; F's spread of itself counts nothing (validation refuses the cycle).
    expect(m.aliases).toBe(2 + 2 * 2);
    expect(m.depth).toBeGreaterThan(1);
  });

  it("uses the default page size when first is not given and caps it at the maximum", () => {
    expect(measure(`{ members { nodes { id } } }`).cost).toBe(1 + 20 * 2);
    expect(measure(`{ members(first: 100000) { nodes { id } } }`).cost).toBe(1 + 100 * 2);
  });

  it("expands nested fragments arithmetically: issue 18's 9 levels of 10 spreads are 10^8 selections", () => {
    // F0 selects one field; F1 spreads F0 ten times; ... F8 spreads F7 ten times.
    const parts = ["{ member(id: 1) { ...F8 } }", "fragment F0 on Member { name }"];
    for (let i = 1; i <= 8; i++)
      parts.push(
        `fragment F${i} on Member { ${Array(10)
          .fill(`...F${i - 1}`)
          .join(" ")} }`,
      );
    const m = measure(parts.join("\n"));
    expect(m.selections).toBe(1 + 1e8); // member itself, then 10^8 copies of name
    expect(m.spreads).toBe(1 + 10 + 100 + 1e3 + 1e4 + 1e5 + 1e6 + 1e7 + 1e8); // the operation spreads F8 once
    expect(m.cost).toBe(1 + 1e8);
    expect(m.depth).toBe(2);
  });

  it("counts directives and aliases at every expansion", () => {
    const q = `{ member(id: 1) { ...A ...A @include(if: true) } } fragment A on Member { n: name @skip(if: false) id }`;
    expect(measure(q)).toMatchObject({ aliases: 2, spreads: 2, directives: 1 + 2, selections: 1 + 4 });
  });
});

describe("exceededLimit", () => {
  const limits = { maxDepth: 5, maxAliases: 5, maxSpreads: 5, maxSelections: 50, maxDirectives: 5, maxCost: 100 };
  it("names the first limit passed", () => {
    const base = { depth: 1, aliases: 0, spreads: 0, selections: 1, directives: 0, cost: 1 };
    expect(exceededLimit(base, limits)).toBeNull();
    expect(exceededLimit({ ...base, depth: 6 }, limits)?.limit).toBe("maxDepth");
    expect(exceededLimit({ ...base, spreads: 6 }, limits)?.limit).toBe("maxSpreads");
    expect(exceededLimit({ ...base, selections: 51 }, limits)?.limit).toBe("maxSelections");
    expect(exceededLimit({ ...base, directives: 6 }, limits)?.limit).toBe("maxDirectives");
    expect(exceededLimit({ ...base, cost: 1e300 }, limits)?.limit).toBe("maxCost");
  });
});
