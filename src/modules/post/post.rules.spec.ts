import "reflect-metadata";
import {
  effectiveStatus,
  localDate,
  localMoment,
  requiresVouchedHelper,
  validateDates,
  validateExpiry,
  validateTags,
  validateTitle,
  validateExpectedMinutes,
} from "./post.rules";

const NOW = new Date("2026-11-22T10:00:00Z");

describe("post rules", () => {
  it("refuses an empty title and trims a good one", () => {
    expect(validateTitle("  Weekly shopping ")).toBe("Weekly shopping");
    expect(() => validateTitle("   ")).toThrow(/at least 1/);
  });

  it("normalises tags and refuses too many", () => {
    expect(validateTags([" Bike  Repair", "bike repair", "Tools"])).toEqual(["bike repair", "tools"]);
    expect(() => validateTags(Array.from({ length: 21 }, (_, i) => `t${i}`))).toThrow(/at most 20/);
  });

  it("expects a positive number of minutes up to a week", () => {
    expect(validateExpectedMinutes(90)).toBe(90);
    expect(validateExpectedMinutes(null)).toBeNull();
    expect(() => validateExpectedMinutes(0)).toThrow();
    expect(() => validateExpectedMinutes(-30)).toThrow();
    expect(() => validateExpectedMinutes(10081)).toThrow();
  });

  it("accepts days from today on in the bank's time zone, sorted without repeats", () => {
    expect(validateDates(["2026-12-24", "2026-11-22", "2026-12-24"], NOW, "Europe/Copenhagen")).toEqual(["2026-11-22", "2026-12-24"]);
    expect(() => validateDates(["2026-11-21"], NOW, "Europe/Copenhagen")).toThrow(/in the past/);
    expect(() => validateDates(["2026-02-30"], NOW, "UTC")).toThrow(/a day like/);
    expect(() => validateDates(["tomorrow"], NOW, "UTC")).toThrow(/a day like/);
  });

  it("refuses an expiry in the past or more than a year ahead", () => {
    expect(validateExpiry(new Date("2026-12-01T00:00:00Z"), NOW)).toEqual(new Date("2026-12-01T00:00:00Z"));
    expect(validateExpiry(null, NOW)).toBeNull();
    expect(() => validateExpiry(new Date("2026-11-22T09:59:59Z"), NOW)).toThrow(/in the past/);
    expect(() => validateExpiry(new Date("2028-01-01T00:00:00Z"), NOW)).toThrow(/days ahead/);
  });

  it("makes home visits require a vouched helper unless the requester says otherwise", () => {
    expect(requiresVouchedHelper("REQUEST", "AT_HOME", undefined)).toBe(true);
    expect(requiresVouchedHelper("REQUEST", "AT_HOME", false)).toBe(false);
    expect(requiresVouchedHelper("REQUEST", "BY_PHONE", undefined)).toBe(false);
    expect(requiresVouchedHelper("REQUEST", "IN_PERSON", true)).toBe(true);
    expect(() => requiresVouchedHelper("OFFER", "AT_HOME", true)).toThrow(/only requests/);
  });

  it("shows an open post past its expiry as EXPIRED, and leaves other statuses alone", () => {
    expect(effectiveStatus({ status: "OPEN", expiresAt: new Date("2026-11-22T10:00:00Z") }, NOW)).toBe("EXPIRED");
    expect(effectiveStatus({ status: "OPEN", expiresAt: new Date("2026-11-22T10:00:01Z") }, NOW)).toBe("OPEN");
    expect(effectiveStatus({ status: "OPEN", expiresAt: null }, NOW)).toBe("OPEN");
    expect(effectiveStatus({ status: "MATCHED", expiresAt: new Date("2020-01-01T00:00:00Z") }, NOW)).toBe("MATCHED");
  });

  it("places a moment in the bank's week", () => {
    // Sunday 22 Nov 2026, 10:00 UTC = 11:00 in Copenhagen.
    expect(localMoment(NOW, "Europe/Copenhagen")).toEqual({ weekday: 7, minute: 660, date: "2026-11-22" });
    // 23:30 UTC on Sunday is already Monday in Copenhagen.
    expect(localMoment(new Date("2026-11-22T23:30:00Z"), "Europe/Copenhagen")).toEqual({ weekday: 1, minute: 30, date: "2026-11-23" });
    expect(localDate(new Date("2026-11-22T23:30:00Z"), "America/New_York")).toBe("2026-11-22");
  });
});
