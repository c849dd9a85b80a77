import "reflect-metadata";
import { ineligibility } from "../matching/matching.rules";

// The hard rules issue 9 adds to matching: expired safeguarding checks and engagement limits.
const ok = {
  candidateId: "c",
  candidateStatus: "ACTIVE" as const,
  requesterId: "r",
  declinedThisRequest: false,
  requiresVouchedHelper: false,
  candidateVouched: false,
};

describe("participation hard rules in matching", () => {
  it("a vouched helper whose safeguarding check expired is not sent into homes", () => {
    expect(ineligibility({ ...ok, requiresVouchedHelper: true, candidateVouched: true, candidateChecked: false })).toBe(
      "CANDIDATE_CHECK_EXPIRED",
    );
    expect(ineligibility({ ...ok, requiresVouchedHelper: true, candidateVouched: true, candidateChecked: true })).toBeNull();
  });

  it("an expired check does not matter where no vouched helper is needed", () => {
    expect(ineligibility({ ...ok, candidateChecked: false })).toBeNull();
  });

  it("a member at their weekly or monthly limit is not proposed", () => {
    expect(ineligibility({ ...ok, candidateAtLimit: true })).toBe("CANDIDATE_AT_LIMIT");
    expect(ineligibility({ ...ok, candidateAtLimit: false })).toBeNull();
  });
});
