// Mutation answers are fresh (issue 22). A request's DataLoaders remember what they read for the
// rest of the request; a mutation's service often reads the objects it then changes through them
// (acceptMatch loads the request post to check access, then marks it MATCHED), and the answer's
// fields resolve afterwards through the same loaders: `acceptMatch { request { status } }`
// answered OPEN. The cause is not one service but the request-long memo, so the cure sits at
// the schema: once a root mutation field has resolved, everything the request's loaders
// remember is forgotten, and the answer's fields (and the next mutation of the same document)
// read the state after the change. Queries keep their memo: nothing changes during a query.
import DataLoader from "dataloader";
import type { GraphQLSchema } from "graphql";

/** Per-request memos kept outside ctx.loaders (keyed by the request's loaders object) register here to be forgotten too. */
const otherMemos: ((requestLoaders: object) => void)[] = [];

export function forgetWithRequestReads(forget: (requestLoaders: object) => void): void {
  otherMemos.push(forget);
}

/** Forgets everything the request's loaders have read. */
export function forgetRequestReads(ctx: { loaders?: object } | null | undefined): void {
  const loaders = ctx?.loaders;
  if (!loaders) return;
  for (const loader of Object.values(loaders)) if (loader instanceof DataLoader) loader.clearAll();
  for (const forget of otherMemos) forget(loaders);
}

/** Wraps every root mutation field so that its answer's fields read the state after it. */
export function freshMutationAnswers(schema: GraphQLSchema): void {
  const mutation = schema.getMutationType();
  if (!mutation) return;
  for (const field of Object.values(mutation.getFields())) {
    const resolve = field.resolve;
    if (!resolve) continue;
    field.resolve = async (source, args, ctx, info) => {
      const answer = await resolve(source, args, ctx, info);
      forgetRequestReads(ctx as { loaders?: object });
      return answer;
    };
  }
}
