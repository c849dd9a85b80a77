// Fresh reads shared by concurrent requests (context/coalesce.ts): the viewers, banks and member
// accounts asked for in the same turn of the event loop are read in one statement per kind, and
// nothing is kept afterwards, so a change is seen by the very next read.
import { randomUUID } from "node:crypto";
import { Coalescer, loadAll } from "../../src/context/coalesce";
import { viewerOf } from "../../src/context/context";
import type { Db } from "../../src/db/database";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let coordinator: Actor;
let bankId: string;
const people: Actor[] = [];
const memberIds: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  const admin = await platformAdmin(t);
  coordinator = await signUp(t, "Coalesce Coordinator");
  bankId = (await createBank(t, admin, "coalesce-bank", coordinator)).id;
  for (const name of ["Ada", "Bo", "Cai"]) {
    const p = await signUp(t, name);
    people.push(p);
    memberIds.push(await join(p, coordinator, "coalesce-bank"));
  }
});
afterAll(() => t.close());

/** A Coalescer over a client that counts the statements it sends. */
function counted(): { coalescer: Coalescer; statements: () => number } {
  let n = 0;
  const db = new Proxy(t.db.prisma, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === "$queryRaw") return (...args: unknown[]) => (n++, (value as (...a: unknown[]) => unknown).apply(target, args));
      if (prop === "timebank")
        return new Proxy(value as object, {
          get: (m, p) =>
            p === "findMany"
              ? (...a: unknown[]) => (n++, (Reflect.get(m, p) as (...x: unknown[]) => unknown).apply(m, a))
              : Reflect.get(m, p),
        });
      return value;
    },
  }) as Db;
  return { coalescer: new Coalescer(db), statements: () => n };
}

describe("coalesced fresh reads", () => {
  it("viewers, banks and accounts asked for in one turn cost one statement per kind, each key answered", async () => {
    const { coalescer, statements } = counted();
    const unknown = randomUUID();
    const [viewers, banks, accounts] = await Promise.all([
      loadAll(coalescer.viewers, [...people.map((p) => p.personId), unknown, people[0].personId]),
      loadAll(coalescer.banksBySlug, ["coalesce-bank", "no-such-bank", "coalesce-bank"]),
      coalescer.memberAccountsInScope([...memberIds.map((m) => `${bankId}:${m}`), `${bankId}:${randomUUID()}`, "not:ids"]),
    ]);
    expect(statements()).toBe(3);
    expect(viewers.map((v) => v?.id ?? null)).toEqual([...people.map((p) => p.personId), null, people[0].personId]);
    expect(banks.map((b) => b?.id ?? null)).toEqual([bankId, null, bankId]);
    expect(accounts.map((a) => a?.membership?.id ?? null)).toEqual([...memberIds, null, null]);
    expect(accounts[0]).toMatchObject({
      timebankId: bankId,
      kind: "MEMBER",
      membership: { personId: people[0].personId, status: "ACTIVE" },
    });
  });

  it("member accounts by bank slug (read beside the bank itself) cost one statement for the turn", async () => {
    const { coalescer, statements } = counted();
    const [bank, accounts] = await Promise.all([
      loadAll(coalescer.banksBySlug, ["coalesce-bank"]),
      coalescer.memberAccountsBySlugInScope([
        ...memberIds.map((m) => `coalesce-bank:${m.toUpperCase()}`),
        `no-such-bank:${memberIds[0]}`,
        `coalesce-bank:${randomUUID()}`,
        "coalesce-bank:not-an-id",
      ]),
    ]);
    expect(statements()).toBe(2);
    expect(bank[0]?.id).toBe(bankId);
    expect(accounts.map((a) => a?.membership?.id ?? null)).toEqual([...memberIds, null, null, null]);
    expect(accounts[1]).toMatchObject({ timebankId: bankId, kind: "MEMBER", membership: { personId: people[1].personId } });
  });

  it("keeps nothing: a change is seen by the next read", async () => {
    const { coalescer, statements } = counted();
    const before = viewerOf(await coalescer.viewers.load(people[1].personId));
    expect(before?.memberships).toEqual([expect.objectContaining({ timebankId: bankId, role: "MEMBER" })]);
    await t.db.prisma.membership.update({
      where: { timebankId_id: { timebankId: bankId, id: memberIds[1] } },
      data: { role: "COORDINATOR" },
    });
    const after = viewerOf(await coalescer.viewers.load(people[1].personId));
    expect(after?.memberships).toEqual([expect.objectContaining({ timebankId: bankId, role: "COORDINATOR" })]);
    expect(statements()).toBe(2);
  });

  it("a failed statement fails every request that rode on it", async () => {
    const broken = new Coalescer(
      new Proxy(t.db.prisma, {
        get: (target, prop) => (prop === "$queryRaw" ? () => Promise.reject(new Error("connection lost")) : Reflect.get(target, prop)),
      }) as Db,
    );
    const results = await Promise.allSettled([
      loadAll(broken.viewers, [people[0].personId]),
      loadAll(broken.viewers, [people[1].personId]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
