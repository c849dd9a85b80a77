// Look-ahead into what the client asked for, so a list query can read in the same statement what
// the page will need (and skip what it will not), instead of one more round trip per relation.
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

function selects(info: GraphQLResolveInfo, name: string, deep: boolean): boolean {
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set &&
    set.selections.some((sel) => {
      if (sel.kind === Kind.FIELD) return sel.name.value === name || (deep && visit(sel.selectionSet));
      if (sel.kind === Kind.INLINE_FRAGMENT) return visit(sel.selectionSet);
      if (seen.has(sel.name.value)) return false;
      seen.add(sel.name.value);
      return visit(info.fragments[sel.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}

/** Whether the client selected `name` directly under the field being resolved (through fragments too). */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return selects(info, name, false);
}

/** Whether a field called `name` appears anywhere under the field being resolved. */
export function selectsAnywhere(info: GraphQLResolveInfo, name: string): boolean {
  return selects(info, name, true);
}
