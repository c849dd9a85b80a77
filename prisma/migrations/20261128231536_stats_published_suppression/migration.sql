-- AlterTable
ALTER TABLE "StatsBankPeriod" ADD COLUMN     "suppressedFigures" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "StatsBankPeriodCategory" ADD COLUMN     "suppressed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "StatsInstitutionHours" ADD COLUMN     "suppressed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "StatsInterBankFlow" ADD COLUMN     "suppressed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable (hand-edited: rows exist; the last exchange of each is filled from the ledger before NOT NULL)
ALTER TABLE "StatsMemberFirstExchange" ADD COLUMN     "lastAt" TIMESTAMPTZ(3);
UPDATE "StatsMemberFirstExchange" f SET "lastAt" = s.last
FROM (
  SELECT "timebankId", acct, max("postedAt") AS last FROM (
    SELECT "timebankId", "debitAccountId" AS acct, "postedAt" FROM "Transfer" WHERE kind = 'EXCHANGE' AND status = 'POSTED'
    UNION ALL
    SELECT "timebankId", "creditAccountId", "postedAt" FROM "Transfer" WHERE kind = 'EXCHANGE' AND status = 'POSTED'
  ) sides GROUP BY 1, 2
) s
WHERE s."timebankId" = f."timebankId" AND s.acct = f."accountId";
UPDATE "StatsMemberFirstExchange" SET "lastAt" = "firstAt" WHERE "lastAt" IS NULL;
ALTER TABLE "StatsMemberFirstExchange" ALTER COLUMN "lastAt" SET NOT NULL;

-- AlterTable
ALTER TABLE "StatsParticipation" ADD COLUMN     "activeSuppressed" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "membersSuppressed" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "StatsSuppressionBasis" (
    "timebankId" UUID NOT NULL,
    "region" TEXT NOT NULL,
    "minCellSize" INTEGER NOT NULL,

    CONSTRAINT "StatsSuppressionBasis_pkey" PRIMARY KEY ("timebankId")
);
