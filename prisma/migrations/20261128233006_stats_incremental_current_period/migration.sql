-- AlterTable
ALTER TABLE "StatsBankPeriod" ADD COLUMN     "settledExchanges" INTEGER,
ADD COLUMN     "settledMinutes" INTEGER;

-- AlterTable
ALTER TABLE "StatsBankPeriodCategory" ADD COLUMN     "settledExchanges" INTEGER,
ADD COLUMN     "settledMinutes" INTEGER;

-- AlterTable
ALTER TABLE "StatsMemberFirstExchange" ADD COLUMN     "lastGaveAt" TIMESTAMPTZ(3),
ADD COLUMN     "lastReceivedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "StatsAccountCategory" (
    "timebankId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "categorySlug" TEXT NOT NULL,
    "lastAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StatsAccountCategory_pkey" PRIMARY KEY ("timebankId","accountId","categorySlug")
);

-- Hand-written: fill the new per-account dates from the ledger (the refresher keeps them from its watermark on).
UPDATE "StatsMemberFirstExchange" f SET "lastGaveAt" = s.gave, "lastReceivedAt" = s.received
FROM (
  SELECT "timebankId", acct, max("postedAt") FILTER (WHERE gave) AS gave, max("postedAt") FILTER (WHERE NOT gave) AS received FROM (
    SELECT "timebankId", "creditAccountId" AS acct, true AS gave, "postedAt" FROM "Transfer" WHERE kind = 'EXCHANGE' AND status = 'POSTED'
    UNION ALL
    SELECT "timebankId", "debitAccountId", false, "postedAt" FROM "Transfer" WHERE kind = 'EXCHANGE' AND status = 'POSTED'
  ) sides GROUP BY 1, 2
) s
WHERE s."timebankId" = f."timebankId" AND s.acct = f."accountId";

INSERT INTO "StatsAccountCategory" ("timebankId", "accountId", "categorySlug", "lastAt")
SELECT t."timebankId", side.acct, COALESCE(c.slug, ''), max(t."postedAt")
FROM "Transfer" t
CROSS JOIN LATERAL (VALUES (t."creditAccountId"), (t."debitAccountId")) AS side(acct)
LEFT JOIN "Post" p ON p."timebankId" = t."timebankId" AND p.id = t."relatedPostId"
LEFT JOIN "Category" c ON c."timebankId" = p."timebankId" AND c.id = p."categoryId"
WHERE t.kind = 'EXCHANGE' AND t.status = 'POSTED'
GROUP BY 1, 2, 3;
