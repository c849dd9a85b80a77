import "reflect-metadata";
import fc from "fast-check";
import {
  availableMinutes,
  netDeltas,
  post,
  postingRefusal,
  release,
  requestHash,
  reservationRefusal,
  reserve,
  roomMinutes,
  settle,
  statementLines,
  withinLimits,
  type Limits,
} from "./ledger.rules";

/** An account within its limits, as the CHECK constraints allow it to exist. */
const account: fc.Arbitrary<Limits> = fc
  .record({
    floor: fc.integer({ min: -6000, max: 0 }),
    ceiling: fc.integer({ min: 0, max: 6000 }),
    f1: fc.double({ min: 0, max: 1, noNaN: true }),
    f2: fc.double({ min: 0, max: 1, noNaN: true }),
    f3: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ floor, ceiling, f1, f2, f3 }) => {
    const balanceMinutes = floor + Math.floor((ceiling - floor) * f1);
    const pendingOutMinutes = Math.floor((balanceMinutes - floor) * f2);
    const pendingInMinutes = Math.floor((ceiling - balanceMinutes) * f3);
    return { balanceMinutes, pendingOutMinutes, pendingInMinutes, floorMinutes: floor, ceilingMinutes: ceiling };
  });

const minutes = fc.integer({ min: 1, max: 6000 });

describe("limit arithmetic", () => {
  it("generated accounts are within their limits", () => {
    fc.assert(fc.property(account, (a) => withinLimits(a)));
  });

  it("a posting is allowed exactly when the account stays within its limits (the guarded UPDATE and the CHECK agree)", () => {
    fc.assert(
      fc.property(account, fc.integer({ min: -6000, max: 6000 }), (a, delta) => {
        const refusal = postingRefusal(a, delta);
        expect(refusal === null).toBe(withinLimits(post(a, delta)));
        if (refusal === "FLOOR") expect(delta).toBeLessThan(0);
        if (refusal === "CEILING") expect(delta).toBeGreaterThan(0);
      }),
    );
  });

  it("a reservation is allowed exactly when the account stays within its limits", () => {
    fc.assert(
      fc.property(account, fc.constantFrom("out" as const, "in" as const), minutes, (a, side, m) => {
        expect(reservationRefusal(a, side, m) === null).toBe(withinLimits(reserve(a, side, m)));
      }),
    );
  });

  it("a reservation, once made, always lands or releases within the limits, without any further check", () => {
    fc.assert(
      fc.property(account, fc.constantFrom("out" as const, "in" as const), minutes, (a, side, m) => {
        fc.pre(reservationRefusal(a, side, m) === null);
        const reserved = reserve(a, side, m);
        expect(withinLimits(settle(reserved, side, m))).toBe(true);
        expect(release(reserved, side, m)).toEqual(a);
        expect(settle(reserved, side, m).balanceMinutes).toBe(a.balanceMinutes + (side === "out" ? -m : m));
      }),
    );
  });

  it("available and room are what the floor and ceiling leave", () => {
    fc.assert(
      fc.property(account, (a) => {
        expect(availableMinutes(a)).toBeGreaterThanOrEqual(0);
        expect(roomMinutes(a)).toBeGreaterThanOrEqual(0);
        expect(postingRefusal(a, -availableMinutes(a))).toBeNull();
        expect(postingRefusal(a, -availableMinutes(a) - 1)).toBe("FLOOR");
        expect(postingRefusal(a, roomMinutes(a))).toBeNull();
        expect(postingRefusal(a, roomMinutes(a) + 1)).toBe("CEILING");
      }),
    );
  });
});

const ids = ["a", "b", "c", "d", "e"];
const leg = fc
  .record({ debit: fc.constantFrom(...ids), credit: fc.constantFrom(...ids), minutes })
  .filter((l) => l.debit !== l.credit)
  .map((l) => ({ debitAccountId: l.debit, creditAccountId: l.credit, minutes: l.minutes }));

describe("conservation", () => {
  it("the net changes of any set of legs add up to zero, come in id order, and equal applying the legs one by one", () => {
    fc.assert(
      fc.property(fc.array(leg, { maxLength: 30 }), (legs) => {
        const deltas = netDeltas(legs);
        expect(deltas.reduce((s, d) => s + d.delta, 0)).toBe(0);
        expect(deltas.map((d) => d.accountId)).toEqual([...deltas.map((d) => d.accountId)].sort());
        const oneByOne = new Map<string, number>();
        for (const l of legs) {
          oneByOne.set(l.debitAccountId, (oneByOne.get(l.debitAccountId) ?? 0) - l.minutes);
          oneByOne.set(l.creditAccountId, (oneByOne.get(l.creditAccountId) ?? 0) + l.minutes);
        }
        for (const d of deltas) expect(d.delta).toBe(oneByOne.get(d.accountId));
        for (const [id, delta] of oneByOne) if (delta === 0) expect(deltas.find((d) => d.accountId === id)).toBeUndefined();
      }),
    );
  });

  it("any sequence of allowed postings, reservations, confirmations and rejections keeps the total at zero and every account within its limits", () => {
    type LegValue = { debitAccountId: string; creditAccountId: string; minutes: number };
    type Op = { type: "post"; leg: LegValue } | { type: "pend"; leg: LegValue } | { type: "decide"; index: number; confirm: boolean };
    const op: fc.Arbitrary<Op> = fc.oneof(
      leg.map((l) => ({ type: "post" as const, leg: l })),
      leg.map((l) => ({ type: "pend" as const, leg: l })),
      fc.record({ type: fc.constant("decide" as const), index: fc.nat(), confirm: fc.boolean() }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.integer({ min: -1200, max: 0 }),
        fc.integer({ min: 0, max: 1200 }),
        (ops, floor, ceiling) => {
          const accounts = new Map<string, Limits>(
            ids.map((id) => [
              id,
              { balanceMinutes: 0, pendingOutMinutes: 0, pendingInMinutes: 0, floorMinutes: floor, ceilingMinutes: ceiling },
            ]),
          );
          const pending: { debitAccountId: string; creditAccountId: string; minutes: number }[] = [];
          for (const o of ops) {
            if (o.type === "post") {
              const { debitAccountId: d, creditAccountId: c, minutes: m } = o.leg;
              if (postingRefusal(accounts.get(d)!, -m) || postingRefusal(accounts.get(c)!, m)) continue;
              accounts.set(d, post(accounts.get(d)!, -m));
              accounts.set(c, post(accounts.get(c)!, m));
            } else if (o.type === "pend") {
              const { debitAccountId: d, creditAccountId: c, minutes: m } = o.leg;
              if (reservationRefusal(accounts.get(d)!, "out", m) || reservationRefusal(accounts.get(c)!, "in", m)) continue;
              accounts.set(d, reserve(accounts.get(d)!, "out", m));
              accounts.set(c, reserve(accounts.get(c)!, "in", m));
              pending.push(o.leg);
            } else if (pending.length) {
              const [p] = pending.splice(o.index % pending.length, 1);
              const land = o.confirm ? settle : release;
              accounts.set(p.debitAccountId, land(accounts.get(p.debitAccountId)!, "out", p.minutes));
              accounts.set(p.creditAccountId, land(accounts.get(p.creditAccountId)!, "in", p.minutes));
            }
            const all = [...accounts.values()];
            expect(all.reduce((s, a) => s + a.balanceMinutes, 0)).toBe(0);
            for (const a of all) expect(withinLimits(a)).toBe(true);
            expect(all.reduce((s, a) => s + a.pendingOutMinutes, 0)).toBe(pending.reduce((s, p) => s + p.minutes, 0));
            expect(all.reduce((s, a) => s + a.pendingInMinutes, 0)).toBe(pending.reduce((s, p) => s + p.minutes, 0));
          }
        },
      ),
    );
  });
});

describe("statements", () => {
  it("the running balance ends at opening + in - out, and every line's balance follows from the one before", () => {
    fc.assert(
      fc.property(fc.integer({ min: -6000, max: 6000 }), fc.array(leg, { maxLength: 40 }), (opening, legs) => {
        const transfers = legs.map((l, i) => ({ id: String(i), ...l }));
        const s = statementLines("a", opening, transfers);
        expect(s.closingMinutes).toBe(opening + s.totalInMinutes - s.totalOutMinutes);
        let previous = opening;
        for (const line of s.lines) {
          expect(line.balanceAfterMinutes).toBe(previous + line.inMinutes - line.outMinutes);
          expect(line.inMinutes === 0 || line.outMinutes === 0).toBe(true);
          previous = line.balanceAfterMinutes;
        }
        const mine = legs.filter((l) => l.debitAccountId === "a" || l.creditAccountId === "a");
        expect(s.lines.filter((l) => l.inMinutes + l.outMinutes > 0)).toHaveLength(mine.length);
      }),
    );
  });
});

describe("idempotency hashes", () => {
  it("do not depend on key order but do on every value, the operation and the person", () => {
    const h = requestHash("giveHours", "p1", { to: "x", minutes: 60, memo: "" });
    expect(requestHash("giveHours", "p1", { memo: "", minutes: 60, to: "x" })).toBe(h);
    expect(requestHash("giveHours", "p1", { to: "x", minutes: 61, memo: "" })).not.toBe(h);
    expect(requestHash("donateToPot", "p1", { to: "x", minutes: 60, memo: "" })).not.toBe(h);
    expect(requestHash("giveHours", "p2", { to: "x", minutes: 60, memo: "" })).not.toBe(h);
  });
});
