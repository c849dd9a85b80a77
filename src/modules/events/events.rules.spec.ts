import { fromWire, mayReceive, parseCursor, RecentKeys } from "./events.rules";

const audience = (a: Partial<{ allMembers: boolean; coordinators: boolean; membershipIds: string[]; personIds: string[] }>) => ({
  audience: { allMembers: false, coordinators: false, membershipIds: [], personIds: [], ...a },
});
const member = (
  role: "MEMBER" | "COORDINATOR" | "ADMIN",
  status: "APPLIED" | "ACTIVE" | "PAUSED" | "LEFT" | "DECLINED" = "ACTIVE",
  id = "m1",
) => ({ id, role, status });

describe("who receives an event", () => {
  it("coordinators' events reach active coordinators and admins, not members", () => {
    const e = audience({ coordinators: true });
    expect(mayReceive(e, "p", member("COORDINATOR"))).toBe(true);
    expect(mayReceive(e, "p", member("ADMIN"))).toBe(true);
    expect(mayReceive(e, "p", member("MEMBER"))).toBe(false);
  });

  it("nobody outside the bank, paused, left or still applying receives anything, whatever the audience", () => {
    const e = audience({ allMembers: true, coordinators: true, membershipIds: ["m1"], personIds: ["p"] });
    expect(mayReceive(e, "p", null)).toBe(false);
    for (const status of ["APPLIED", "PAUSED", "LEFT", "DECLINED"] as const)
      expect(mayReceive(e, "p", member("ADMIN", status))).toBe(false);
  });

  it("named memberships and people receive their own events only", () => {
    expect(mayReceive(audience({ membershipIds: ["m1"] }), "p", member("MEMBER", "ACTIVE", "m1"))).toBe(true);
    expect(mayReceive(audience({ membershipIds: ["m2"] }), "p", member("MEMBER", "ACTIVE", "m1"))).toBe(false);
    expect(mayReceive(audience({ personIds: ["p"] }), "p", member("MEMBER"))).toBe(true);
    expect(mayReceive(audience({ personIds: ["q"] }), "p", member("COORDINATOR"))).toBe(false);
    expect(mayReceive(audience({ allMembers: true }), "p", member("MEMBER"))).toBe(true);
  });
});

describe("cursors and deduplication", () => {
  it("accepts event ids and refuses anything else as bad input", () => {
    expect(parseCursor(undefined)).toBeNull();
    expect(parseCursor(null)).toBeNull();
    expect(parseCursor("0")).toBe(0n);
    expect(parseCursor("123456789012")).toBe(123456789012n);
    for (const bad of ["", "-1", "1.5", "abc", "1".repeat(19)]) expect(() => parseCursor(bad)).toThrow(/since/);
  });

  it("revives dates that crossed Redis as strings", () => {
    const e = fromWire({
      id: "1",
      position: "1",
      timebankId: "b",
      type: "membershipApplied",
      audience: audience({}).audience,
      payload: { memberId: "m" },
      occurredAt: "2026-11-22T04:00:00.000Z",
    });
    expect(e.occurredAt).toEqual(new Date("2026-11-22T04:00:00.000Z"));
  });

  it("remembers the most recent keys only", () => {
    const keys = new RecentKeys(3);
    for (const k of ["a", "b", "c", "d"]) keys.add(k);
    expect(["a", "b", "c", "d"].map((k) => keys.has(k))).toEqual([false, true, true, true]);
  });
});
