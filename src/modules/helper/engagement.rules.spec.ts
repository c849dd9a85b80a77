import "reflect-metadata";
import { atEngagementLimit, validateEngagement } from "./engagement.rules";

describe("engagement limits", () => {
  it("stops proposing a member once they have given what they wanted", () => {
    expect(atEngagementLimit({ period: "WEEK", maxMinutes: 120 }, 119)).toBe(false);
    expect(atEngagementLimit({ period: "WEEK", maxMinutes: 120 }, 120)).toBe(true);
    expect(atEngagementLimit({ period: "MONTH", maxMinutes: 60 }, 90)).toBe(true);
  });

  it("never limits a flexible member or one who set nothing", () => {
    expect(atEngagementLimit({ period: "FLEXIBLE", maxMinutes: null }, 10_000)).toBe(false);
    expect(atEngagementLimit(null, 10_000)).toBe(false);
  });

  it("validates the limit", () => {
    expect(validateEngagement("WEEK", 180)).toEqual({ period: "WEEK", maxMinutes: 180 });
    expect(validateEngagement("FLEXIBLE", null)).toEqual({ period: "FLEXIBLE", maxMinutes: null });
    expect(() => validateEngagement("WEEK", null)).toThrow(/maxMinutes/);
    expect(() => validateEngagement("MONTH", 5)).toThrow(/15 to 10000/);
    expect(() => validateEngagement("FLEXIBLE", 60)).toThrow(/no maximum/);
  });
});
