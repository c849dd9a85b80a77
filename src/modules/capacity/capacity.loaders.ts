// The capacity module reads members through the request's membershipById loader
// (member.loaders.ts: one statement with the person's name); it needs no loader of its own.
export function createCapacityLoaders() {
  return {};
}
