// Sign-up and log-in. Tokens are stateless HS256 JWTs; see token.ts.
import { Prisma } from "../../generated/prisma/client";
import type { Person } from "../../generated/prisma/client";
import { badInput, errorResult, rateLimited } from "../../common/errors";
import * as v from "../../common/validation";
import { requireViewer, type RequestContext } from "../../context/context";
import type { LogInInput, SignUpInput } from "./auth.input";
import { AuthPayload, EmailTaken, InvalidCredentials } from "./auth.type";
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, UNKNOWN_PERSON_HASH, verifyPassword } from "./password";
import { issueToken } from "./token";

function payload(ctx: RequestContext, person: Person): AuthPayload {
  const { token, expiresAt } = issueToken(person.id, ctx.app.authSecret, ctx.app.config.tokenTtlSeconds, ctx.clock.now());
  return Object.assign(new AuthPayload(), { token, expiresAt, person });
}

export async function signUp(ctx: RequestContext, input: SignUpInput): Promise<AuthPayload | EmailTaken> {
  const email = v.normaliseEmail(input.email);
  if (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH) {
    throw badInput(`a password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`, "password");
  }
  const displayName = v.text(input.displayName, "displayName", { min: 1, max: 80 });
  const preferredLanguage = v.locale(input.preferredLanguage ?? "en", "preferredLanguage");
  const taken = () => errorResult(EmailTaken, "EMAIL_TAKEN", "someone has already signed up with this email: log in instead");
  if (await ctx.db.person.findUnique({ where: { email }, select: { id: true } })) return taken();
  const passwordHash = await hashPassword(input.password);
  try {
    const person = await ctx.db.person.create({ data: { email, displayName, preferredLanguage, passwordHash } });
    ctx.log.info({ personId: person.id }, "person signed up");
    return payload(ctx, person);
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return taken();
    throw err;
  }
}

export async function logIn(ctx: RequestContext, input: LogInInput): Promise<AuthPayload | InvalidCredentials> {
  const refused = () => errorResult(InvalidCredentials, "INVALID_CREDENTIALS", "the email or the password is wrong");
  let email: string;
  try {
    email = v.normaliseEmail(input.email);
  } catch {
    return refused();
  }
  // Per-email budget, on top of the per-address one in the server: guessing one person's
  // password from many addresses is slowed down too.
  const budget = await ctx.app.rateLimiter.hit(`login:email:${email}`, ctx.app.config.rateLimits.loginPerMinute, 60_000);
  if (!budget.allowed) throw rateLimited(budget.retryAfterSeconds);
  const person = await ctx.db.person.findUnique({ where: { email } });
  // Always run scrypt, so the time taken does not tell whether the email has an account.
  const ok = await verifyPassword(input.password.slice(0, MAX_PASSWORD_LENGTH), person?.passwordHash ?? UNKNOWN_PERSON_HASH);
  if (!person || !ok) return refused();
  return payload(ctx, person);
}

export async function me(ctx: RequestContext): Promise<Person> {
  const viewer = requireViewer(ctx);
  return ctx.db.person.findUniqueOrThrow({ where: { id: viewer.personId } });
}
