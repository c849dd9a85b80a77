import "reflect-metadata";
import { canTransition, normaliseTag, refusalMessage, validateAvailability, validateLanguages, validatePhone } from "./member.rules";

describe("membership transitions", () => {
  it("lets coordinators approve or decline applications only", () => {
    expect(canTransition("approve", "APPLIED")).toBe(true);
    expect(canTransition("approve", "ACTIVE")).toBe(false);
    expect(canTransition("decline", "ACTIVE")).toBe(false);
  });

  it("lets a member pause and come back without losing anything", () => {
    expect(canTransition("pause", "ACTIVE")).toBe(true);
    expect(canTransition("pause", "PAUSED")).toBe(false);
    expect(canTransition("resume", "PAUSED")).toBe(true);
    expect(canTransition("resume", "ACTIVE")).toBe(false);
  });

  it("allows leaving from any current membership and re-applying after leaving or a decline", () => {
    for (const s of ["APPLIED", "ACTIVE", "PAUSED"] as const) expect(canTransition("leave", s)).toBe(true);
    expect(canTransition("leave", "LEFT")).toBe(false);
    expect(canTransition("reapply", "LEFT")).toBe(true);
    expect(canTransition("reapply", "DECLINED")).toBe(true);
    expect(canTransition("reapply", "ACTIVE")).toBe(false);
  });

  it("explains a refusal", () => {
    expect(refusalMessage("approve", "ACTIVE")).toBe("cannot approve a membership that is active; it must be applied");
  });
});

describe("profile rules", () => {
  it("sorts windows and refuses one that ends before it starts", () => {
    expect(
      validateAvailability([
        { weekday: 3, startMinute: 600, endMinute: 660 },
        { weekday: 1, startMinute: 0, endMinute: 1440 },
      ]),
    ).toEqual([
      { weekday: 1, startMinute: 0, endMinute: 1440 },
      { weekday: 3, startMinute: 600, endMinute: 660 },
    ]);
    expect(() => validateAvailability([{ weekday: 1, startMinute: 600, endMinute: 540 }])).toThrow(/ends before it starts/);
    expect(() => validateAvailability([{ weekday: 8, startMinute: 0, endMinute: 10 }])).toThrow(/weekday/);
  });

  it("normalises tags and languages", () => {
    expect(normaliseTag("  Bike   Repair ")).toBe("bike repair");
    expect(() => normaliseTag("   ")).toThrow();
    expect(validateLanguages(["DA", "en", "da"])).toEqual(["da", "en"]);
    expect(() => validateLanguages(["danish"])).toThrow(/language code/);
  });

  it("accepts phone numbers and refuses letters", () => {
    expect(validatePhone("+45 12 34 56 78")).toBe("+45 12 34 56 78");
    expect(validatePhone("")).toBeNull();
    expect(validatePhone(undefined)).toBeUndefined();
    expect(() => validatePhone("call me")).toThrow();
  });
});
