import { ineligibility, phrases, type EligibilityFacts } from "./matching.rules";

const ok: EligibilityFacts = {
  candidateId: "c",
  candidateStatus: "ACTIVE",
  requesterId: "r",
  declinedThisRequest: false,
  requiresVouchedHelper: false,
  candidateVouched: false,
};

describe("hard rules", () => {
  it("lets an active, non-declining member help someone else", () => {
    expect(ineligibility(ok)).toBeNull();
  });
  it("never proposes the requester", () => {
    expect(ineligibility({ ...ok, candidateId: "r" })).toBe("CANDIDATE_IS_REQUESTER");
  });
  it("leaves paused and other non-active members out", () => {
    for (const s of ["PAUSED", "APPLIED", "LEFT", "DECLINED"] as const)
      expect(ineligibility({ ...ok, candidateStatus: s })).toBe("CANDIDATE_NOT_ACTIVE");
  });
  it("leaves out a member who declined this request", () => {
    expect(ineligibility({ ...ok, declinedThisRequest: true })).toBe("CANDIDATE_DECLINED");
  });
  it("sends only vouched helpers where the request requires one", () => {
    expect(ineligibility({ ...ok, requiresVouchedHelper: true })).toBe("CANDIDATE_NOT_VOUCHED");
    expect(ineligibility({ ...ok, requiresVouchedHelper: true, candidateVouched: true })).toBeNull();
  });
});

describe("phrases", () => {
  it("lists the one- to three-word phrases of a text in lower case", () => {
    expect(phrases("Weekly Shopping, please!")).toEqual([
      "weekly",
      "weekly shopping",
      "weekly shopping please",
      "shopping",
      "shopping please",
      "please",
    ]);
    expect(phrases("")).toEqual([]);
  });
});
