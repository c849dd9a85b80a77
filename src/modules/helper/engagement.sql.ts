// The engagement rule of matching as SQL (mirrors atEngagementLimit in engagement.rules.ts).
import { Prisma } from "../../generated/prisma/client";
import { DEFAULT_REQUEST_MINUTES } from "./engagement.rules";

/** Minutes `member` committed to through accepted matches in the rolling window of `period` ('WEEK' 7 days, else 30). */
export function committedMinutesSql(bankId: string, member: Prisma.Sql, period: Prisma.Sql, now: Date): Prisma.Sql {
  return Prisma.sql`(SELECT coalesce(sum(coalesce(rq."expectedMinutes", ${DEFAULT_REQUEST_MINUTES}::int)), 0)::int
      FROM "Match" x JOIN "Post" rq ON rq."timebankId" = x."timebankId" AND rq."id" = x."requestId"
     WHERE x."timebankId" = ${bankId}::uuid AND x."candidateId" = ${member} AND x."status" = 'ACCEPTED'
       AND x."respondedAt" > ${now}::timestamptz - make_interval(days => CASE WHEN ${period} = 'WEEK' THEN 7 ELSE 30 END))`;
}

/** True when `member` has a WEEK or MONTH limit and has reached it. */
export function atEngagementLimitSql(bankId: string, member: Prisma.Sql, now: Date): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "EngagementPreference" ep
      WHERE ep."timebankId" = ${bankId}::uuid AND ep."membershipId" = ${member} AND ep."period" <> 'FLEXIBLE'
        AND ep."maxMinutes" <= ${committedMinutesSql(bankId, member, Prisma.sql`ep."period"::text`, now)})`;
}
