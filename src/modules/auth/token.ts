// Bearer tokens: compact HS256 JWTs signed with AUTH_SECRET, with an expiry.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  /** Person id. */
  sub: string;
  iat: number;
  exp: number;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "malformed" | "bad-signature" | "expired" };

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

function sign(data: string, secret: string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

export function issueToken(personId: string, secret: string, ttlSeconds: number, now: Date): { token: string; expiresAt: Date } {
  const iat = Math.floor(now.getTime() / 1000);
  const claims: TokenClaims = { sub: personId, iat, exp: iat + ttlSeconds };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return { token: `${body}.${sign(body, secret).toString("base64url")}`, expiresAt: new Date(claims.exp * 1000) };
}

export function verifyToken(token: string, secret: string, now: Date): TokenCheck {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return { ok: false, reason: "malformed" };
  let header: { alg?: unknown };
  let claims: Partial<TokenClaims>;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  // Only HS256: a token that names another algorithm ("none", RS256) is refused outright.
  if (header.alg !== "HS256") return { ok: false, reason: "bad-signature" };
  const expected = sign(`${parts[0]}.${parts[1]}`, secret);
  const given = Buffer.from(parts[2], "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  if (typeof claims.sub !== "string" || typeof claims.exp !== "number" || typeof claims.iat !== "number") {
    return { ok: false, reason: "malformed" };
  }
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, claims: claims as TokenClaims };
}

/**
 * verifyToken, remembering the tokens whose signature it has checked: the same string verifies
 * the same way with the same secret, so only the expiry is checked again. (The HMAC was the
 * largest part of a request that reads nothing: bench/README.md, read path.) Failures are not
 * remembered. Bounded: emptied when full.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, TokenClaims>();

  constructor(
    private readonly secret: string,
    private readonly capacity = 10_000,
  ) {}

  verify(token: string, now: Date): TokenCheck {
    const known = this.verified.get(token);
    if (known) return known.exp * 1000 <= now.getTime() ? { ok: false, reason: "expired" } : { ok: true, claims: known };
    const check = verifyToken(token, this.secret, now);
    if (check.ok) {
      if (this.verified.size >= this.capacity) this.verified.clear();
      this.verified.set(token, check.claims);
    }
    return check;
  }
}
