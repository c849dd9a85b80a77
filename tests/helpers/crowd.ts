// Many banks, many coordinators and applicants, written straight into the database with tokens
// minted for them: the setup of load tests and the real-time benchmark (signing a thousand
// people up through the API would spend the time on password hashing).
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../src/generated/prisma/client";
import { issueToken } from "../../src/modules/auth/token";

export interface CrowdPerson {
  personId: string;
  token: string;
  bank: number;
}

export interface Crowd {
  banks: { id: string; slug: string }[];
  coordinators: CrowdPerson[];
  applicants: CrowdPerson[];
}

export async function seedCrowd(
  prisma: PrismaClient,
  opts: { banks: number; coordinatorsPerBank: number; applicantsPerBank: number; authSecret: string; tag?: string },
): Promise<Crowd> {
  const tag = opts.tag ?? randomUUID().slice(0, 8);
  const now = new Date();
  const token = (personId: string) => issueToken(personId, opts.authSecret, 24 * 3600, now).token;
  const banks = Array.from({ length: opts.banks }, (_, i) => ({ id: randomUUID(), slug: `crowd-${tag}-${i}` }));
  await prisma.timebank.createMany({
    data: banks.map((b) => ({ id: b.id, slug: b.slug, name: `Crowd bank ${b.slug}`, nextMemberNumber: opts.coordinatorsPerBank + 1 })),
  });
  const people = (perBank: number): CrowdPerson[] =>
    banks
      .flatMap((_, bank) => Array.from({ length: perBank }, () => ({ personId: randomUUID(), token: "", bank })))
      .map((p) => ({ ...p, token: token(p.personId) }));
  const coordinators = people(opts.coordinatorsPerBank);
  const applicants = people(opts.applicantsPerBank);
  await prisma.person.createMany({
    data: [...coordinators, ...applicants].map((p, i) => ({
      id: p.personId,
      email: `crowd-${tag}-${i}@example.org`,
      displayName: `Crowd ${i}`,
      passwordHash: "not-a-login",
    })),
  });
  await prisma.membership.createMany({
    data: coordinators.map((c, i) => ({
      timebankId: banks[c.bank].id,
      personId: c.personId,
      role: "COORDINATOR" as const,
      status: "ACTIVE" as const,
      memberNumber: (i % opts.coordinatorsPerBank) + 1,
      joinedAt: now,
    })),
  });
  return { banks, coordinators, applicants };
}

/** Runs fn over items with at most `concurrency` in flight. */
export async function inBatches<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}
