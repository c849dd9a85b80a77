import { capsFor, clearingLimits, monthOf } from "./federation.rules";

const p = { proposerBankId: "prison", proposerToPartnerCapMinutes: 600, partnerToProposerCapMinutes: 300 };

describe("partnership caps", () => {
  it("each side's outgoing cap is the other side's incoming cap", () => {
    expect(capsFor(p, "prison")).toEqual({ outgoing: 600, incoming: 300 });
    expect(capsFor(p, "families")).toEqual({ outgoing: 300, incoming: 600 });
  });

  it("the two clearing accounts mirror each other: one's ceiling is the other's floor, negated", () => {
    const prison = clearingLimits(p, "prison");
    const families = clearingLimits(p, "families");
    expect(prison).toEqual({ floorMinutes: -300, ceilingMinutes: 600 });
    expect(families).toEqual({ floorMinutes: -600, ceilingMinutes: 300 });
    // Any net position the prison's side may reach, the families' side reaches negated, within its own limits.
    for (const net of [-300, 0, 250, 600]) {
      expect(net).toBeGreaterThanOrEqual(prison.floorMinutes);
      expect(net).toBeLessThanOrEqual(prison.ceilingMinutes);
      expect(-net).toBeGreaterThanOrEqual(families.floorMinutes);
      expect(-net).toBeLessThanOrEqual(families.ceilingMinutes);
    }
  });
});

describe("calendar months in a bank's time zone", () => {
  it("late on the last evening of October is still October in London but November in Copenhagen", () => {
    const instant = new Date("2026-10-31T23:30:00Z");
    expect(monthOf(instant, "Europe/London")).toBe("2026-10");
    expect(monthOf(instant, "Europe/Copenhagen")).toBe("2026-11");
    expect(monthOf(instant, "UTC")).toBe("2026-10");
  });

  it("New Year in Auckland comes before New Year in UTC", () => {
    expect(monthOf(new Date("2026-12-31T12:00:00Z"), "Pacific/Auckland")).toBe("2027-01");
  });
});
