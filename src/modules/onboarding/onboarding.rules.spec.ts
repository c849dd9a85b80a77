import "reflect-metadata";
import { checkIsValid, missingSteps, parseDay } from "./onboarding.rules";

const today = new Date("2027-03-10T15:00:00Z");

describe("missing onboarding steps", () => {
  const all = { requireInterview: true, requiredReferences: 2, requireSafeguardingCheck: true };

  it("lists every required step not done, in order", () => {
    expect(missingSteps(all, { interviewsHeld: 0, referencesChecked: 1, checkExpiries: [] }, today)).toEqual([
      "INTERVIEW",
      "REFERENCES",
      "SAFEGUARDING_CHECK",
    ]);
  });

  it("asks nothing of a bank that requires nothing", () => {
    expect(
      missingSteps(
        { requireInterview: false, requiredReferences: 0, requireSafeguardingCheck: false },
        { interviewsHeld: 0, referencesChecked: 0, checkExpiries: [] },
        today,
      ),
    ).toEqual([]);
  });

  it("does not count an expired check, but counts one without expiry", () => {
    const facts = { interviewsHeld: 1, referencesChecked: 2, checkExpiries: [new Date("2027-03-10T00:00:00Z")] };
    expect(missingSteps(all, facts, today)).toEqual(["SAFEGUARDING_CHECK"]);
    expect(missingSteps(all, { ...facts, checkExpiries: [null] }, today)).toEqual([]);
    expect(checkIsValid(new Date("2027-03-11T00:00:00Z"), today)).toBe(true);
  });

  it("rejects dates that do not exist", () => {
    expect(() => parseDay("2027-02-30", "expiresOn")).toThrow(/real date/);
    expect(() => parseDay("10/03/2027", "expiresOn")).toThrow(/like/);
    expect(parseDay("2027-02-28", "x").toISOString()).toBe("2027-02-28T00:00:00.000Z");
  });
});
