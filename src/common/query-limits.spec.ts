import { buildSchema, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { measureOperation } from "./query-limits";

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
  const fragments = Object.fromEntries(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === "FragmentDefinition").map((f) => [f.name.value, f]));
  return measureOperation(schema, op, fragments, variables);
}

describe("measureOperation", () => {
  it("counts depth and fields", () => {
    expect(measure(`{ member(id: 1) { id name } }`)).toEqual({ depth: 2, aliases: 0, cost: 3 });
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
    expect(m.aliases).toBe(2 + 2 * 2); // the fragment does not re-enter itself
    expect(m.depth).toBeGreaterThan(1);
  });

  it("uses the default page size when first is not given and caps it at the maximum", () => {
    expect(measure(`{ members { nodes { id } } }`).cost).toBe(1 + 20 * 2);
    expect(measure(`{ members(first: 100000) { nodes { id } } }`).cost).toBe(1 + 100 * 2);
  });
});
