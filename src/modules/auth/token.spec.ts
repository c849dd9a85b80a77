import { issueToken, TokenVerifier, verifyToken } from "./token";

const secret = "s".repeat(40);
const now = new Date("2026-11-01T10:00:00Z");

describe("bearer tokens", () => {
  it("verifies a token it issued and returns the person", () => {
    const { token, expiresAt } = issueToken("person-1", secret, 3600, now);
    expect(expiresAt.toISOString()).toBe("2026-11-01T11:00:00.000Z");
    const check = verifyToken(token, secret, now);
    expect(check).toEqual({ ok: true, claims: expect.objectContaining({ sub: "person-1" }) });
  });

  it("refuses an expired token", () => {
    const { token } = issueToken("p", secret, 60, now);
    expect(verifyToken(token, secret, new Date(now.getTime() + 61_000))).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a token signed with another secret or with its payload changed", () => {
    const { token } = issueToken("p", secret, 60, now);
    expect(verifyToken(token, "x".repeat(40), now)).toEqual({ ok: false, reason: "bad-signature" });
    const [h, , s] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "admin", iat: 0, exp: 9e9 })).toString("base64url");
    expect(verifyToken(`${h}.${forged}.${s}`, secret, now)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("refuses alg none and garbage", () => {
    const none = Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ sub: "p", iat: 0, exp: 9e9 })).toString("base64url");
    expect(verifyToken(`${none}.${body}.AAAA`, secret, now).ok).toBe(false);
    expect(verifyToken("not-a-token", secret, now)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyToken("a.b.c", secret, now)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("TokenVerifier", () => {
  it("answers like verifyToken, and still expires a token it has seen", () => {
    const verifier = new TokenVerifier(secret);
    const { token } = issueToken("person-2", secret, 60, now);
    expect(verifier.verify(token, now)).toEqual(verifyToken(token, secret, now));
    expect(verifier.verify(token, now)).toEqual({ ok: true, claims: expect.objectContaining({ sub: "person-2" }) });
    expect(verifier.verify(token, new Date(now.getTime() + 61_000))).toEqual({ ok: false, reason: "expired" });
  });

  it("never accepts what verifyToken refuses, however often it is asked", () => {
    const verifier = new TokenVerifier(secret);
    const { token } = issueToken("p", "x".repeat(40), 60, now);
    for (let i = 0; i < 3; i++) expect(verifier.verify(token, now)).toEqual({ ok: false, reason: "bad-signature" });
    const [h, , s] = issueToken("p", secret, 60, now).token.split(".");
    const forged = Buffer.from(JSON.stringify({ sub: "admin", iat: 0, exp: 9e9 })).toString("base64url");
    expect(verifier.verify(`${h}.${forged}.${s}`, now)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("stays within its capacity", () => {
    const verifier = new TokenVerifier(secret, 2);
    const tokens = ["a", "b", "c"].map((p) => issueToken(p, secret, 60, now).token);
    for (const t of tokens) expect(verifier.verify(t, now).ok).toBe(true);
    expect((verifier as unknown as { verified: Map<string, unknown> }).verified.size).toBeLessThanOrEqual(2);
  });
});
