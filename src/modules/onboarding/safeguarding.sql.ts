// The safeguarding rule of matching, as SQL the candidate queries compose: in a bank that
// requires safeguarding checks, a helper counts as checked only while a check has not expired.
import { Prisma } from "../../generated/prisma/client";
import { startOfDay } from "./onboarding.rules";

/** True when `member` (an SQL expression of a membership id) has a valid check, or the bank requires none. */
export function safeguardingCheckedSql(bankId: string, member: Prisma.Sql, now: Date): Prisma.Sql {
  const today = startOfDay(now).toISOString().slice(0, 10);
  return Prisma.sql`(NOT EXISTS (SELECT 1 FROM "OnboardingSettings" os WHERE os."timebankId" = ${bankId}::uuid AND os."requireSafeguardingCheck")
      OR EXISTS (SELECT 1 FROM "SafeguardingCheck" sc WHERE sc."timebankId" = ${bankId}::uuid AND sc."membershipId" = ${member}
                    AND (sc."expiresOn" IS NULL OR sc."expiresOn" > ${today}::date)))`;
}
