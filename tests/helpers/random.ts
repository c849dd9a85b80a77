// Seeded randomness for the concurrency and fault tests: a run is replayable from its printed seed.

/** mulberry32: small and fast; the same seed gives the same sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `envName`, or a new one; printed so that a failing run can be replayed. */
export function seedFrom(envName: string, what: string): number {
  const seed = Number(process.env[envName] ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${what} seed: ${seed} (replay with ${envName}=${seed})`);
  return seed;
}
