import "reflect-metadata";
import { monthPeriod } from "./ledger.period";

describe("calendar months in a bank's time zone", () => {
  it("starts October in Copenhagen at local midnight (UTC+2 in summer time) and ends at the November midnight (UTC+1)", () => {
    expect(monthPeriod("2026-10", "Europe/Copenhagen")).toEqual({
      from: new Date("2026-09-30T22:00:00Z"),
      to: new Date("2026-10-31T23:00:00Z"),
    });
  });

  it("wraps December into the next year and handles UTC and zones west of it", () => {
    expect(monthPeriod("2026-12", "UTC")).toEqual({ from: new Date("2026-12-01T00:00:00Z"), to: new Date("2027-01-01T00:00:00Z") });
    expect(monthPeriod("2026-03", "America/New_York")).toEqual({
      from: new Date("2026-03-01T05:00:00Z"),
      to: new Date("2026-04-01T04:00:00Z"),
    });
  });

  it("refuses what is not a month", () => {
    for (const bad of ["2026-13", "2026-1", "october", ""]) expect(() => monthPeriod(bad, "UTC")).toThrow(/month must look like/);
  });
});
