// Input rules shared by several modules. Each throws BAD_USER_INPUT naming the field.
import { badInput } from "./errors";

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;

/** Trims and lower-cases an email, or throws when it is not one. */
export function normaliseEmail(raw: string, field = "email"): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw badInput("that is not a valid email address", field);
  return email;
}

export function text(raw: string, field: string, opts: { min?: number; max: number }): string {
  const value = raw.trim();
  if (value.length < (opts.min ?? 0)) throw badInput(`${field} must have at least ${opts.min} characters`, field);
  if (value.length > opts.max) throw badInput(`${field} must have at most ${opts.max} characters`, field);
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(value)) throw badInput(`${field} contains control characters`, field);
  return value;
}

export function optionalText(raw: string | null | undefined, field: string, max: number): string | null {
  if (raw === null || raw === undefined) return null;
  const value = text(raw, field, { max });
  return value === "" ? null : value;
}

export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function slug(raw: string, field = "slug"): string {
  const value = raw.trim();
  if (value.length < 2 || value.length > 64 || !SLUG.test(value)) {
    throw badInput("a slug is 2 to 64 lower-case letters, digits and single hyphens, like 'aarhus-timebank'", field);
  }
  return value;
}

export function locale(raw: string, field = "locale"): string {
  try {
    const [canonical] = Intl.getCanonicalLocales(raw.trim());
    if (canonical) return canonical;
  } catch {
    // fall through
  }
  throw badInput(`'${raw}' is not a language tag such as 'da', 'en-GB' or 'nb'`, field);
}

export function timezone(raw: string, field = "timezone"): string {
  const value = raw.trim();
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    if (value) return value;
  } catch {
    // fall through
  }
  throw badInput(`'${raw}' is not an IANA time zone such as 'Europe/Copenhagen'`, field);
}

export function intInRange(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw badInput(`${field} must be an integer between ${min} and ${max}`, field);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a uuid (the form of every id). */
export const isUuid = (raw: string): boolean => UUID.test(raw);

/** Ids are uuids; anything else cannot name a record, so it is bad input rather than a database error. */
export function id(raw: string, field = "id"): string {
  if (!UUID.test(raw)) throw badInput(`${field} is not a valid id`, field);
  return raw.toLowerCase();
}
