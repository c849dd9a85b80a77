-- CreateEnum
CREATE TYPE "AgeBand" AS ENUM ('UNDER_25', 'AGE_25_44', 'AGE_45_64', 'AGE_65_74', 'AGE_75_PLUS');

-- CreateEnum
CREATE TYPE "LifeSituation" AS ENUM ('EMPLOYED', 'OUTSIDE_LABOUR_MARKET', 'RETIRED', 'STUDENT', 'OTHER');

-- CreateEnum
CREATE TYPE "JoinReason" AS ENUM ('MEET_PEOPLE', 'GET_HELP', 'GIVE_HELP');

-- CreateEnum
CREATE TYPE "StatsPeriodKind" AS ENUM ('WEEK', 'MONTH');

-- AlterTable
ALTER TABLE "Person" ADD COLUMN     "isUmbrella" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Timebank" ADD COLUMN     "statsMinCellSize" INTEGER NOT NULL DEFAULT 5;

-- CreateTable
CREATE TABLE "ParticipationProfile" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "ageBand" "AgeBand",
    "situation" "LifeSituation",
    "joinReasons" "JoinReason"[] DEFAULT ARRAY[]::"JoinReason"[],
    "consentedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ParticipationProfile_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "StatsRefreshState" (
    "id" TEXT NOT NULL,
    "horizon" TIMESTAMPTZ(3) NOT NULL,
    "refreshedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StatsRefreshState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatsMemberFirstExchange" (
    "timebankId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "firstAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "StatsMemberFirstExchange_pkey" PRIMARY KEY ("timebankId","accountId")
);

-- CreateTable
CREATE TABLE "StatsBankPeriod" (
    "timebankId" UUID NOT NULL,
    "periodKind" "StatsPeriodKind" NOT NULL,
    "periodStart" DATE NOT NULL,
    "membersTotal" INTEGER NOT NULL,
    "membersActive" INTEGER NOT NULL,
    "membersNew" INTEGER NOT NULL,
    "membersPaused" INTEGER NOT NULL,
    "membersLeft" INTEGER NOT NULL,
    "institutions" INTEGER NOT NULL,
    "exchanges" INTEGER NOT NULL,
    "exchangeMinutes" INTEGER NOT NULL,
    "exchangingMembers" INTEGER NOT NULL,
    "reciprocalMembers" INTEGER NOT NULL,
    "neverExchanged" INTEGER NOT NULL,
    "consentedMembers" INTEGER NOT NULL,

    CONSTRAINT "StatsBankPeriod_pkey" PRIMARY KEY ("timebankId","periodKind","periodStart")
);

-- CreateTable
CREATE TABLE "StatsBankPeriodCategory" (
    "timebankId" UUID NOT NULL,
    "periodKind" "StatsPeriodKind" NOT NULL,
    "periodStart" DATE NOT NULL,
    "categorySlug" TEXT NOT NULL,
    "exchanges" INTEGER NOT NULL,
    "minutes" INTEGER NOT NULL,
    "participants" INTEGER NOT NULL,

    CONSTRAINT "StatsBankPeriodCategory_pkey" PRIMARY KEY ("timebankId","periodKind","periodStart","categorySlug")
);

-- CreateTable
CREATE TABLE "StatsInterBankFlow" (
    "timebankId" UUID NOT NULL,
    "periodKind" "StatsPeriodKind" NOT NULL,
    "periodStart" DATE NOT NULL,
    "targetTimebankId" UUID NOT NULL,
    "purpose" "TransferPurpose" NOT NULL,
    "transfers" INTEGER NOT NULL,
    "minutes" INTEGER NOT NULL,
    "senders" INTEGER NOT NULL,

    CONSTRAINT "StatsInterBankFlow_pkey" PRIMARY KEY ("timebankId","periodKind","periodStart","targetTimebankId","purpose")
);

-- CreateTable
CREATE TABLE "StatsInstitutionHours" (
    "timebankId" UUID NOT NULL,
    "periodKind" "StatsPeriodKind" NOT NULL,
    "periodStart" DATE NOT NULL,
    "institutionKind" "InstitutionKind" NOT NULL,
    "minutesEarned" INTEGER NOT NULL,
    "minutesGiven" INTEGER NOT NULL,
    "counterparts" INTEGER NOT NULL,

    CONSTRAINT "StatsInstitutionHours_pkey" PRIMARY KEY ("timebankId","periodKind","periodStart","institutionKind")
);

-- CreateTable
CREATE TABLE "StatsParticipation" (
    "timebankId" UUID NOT NULL,
    "periodKind" "StatsPeriodKind" NOT NULL,
    "periodStart" DATE NOT NULL,
    "dimension" TEXT NOT NULL,
    "answer" TEXT NOT NULL,
    "members" INTEGER NOT NULL,
    "active" INTEGER NOT NULL,

    CONSTRAINT "StatsParticipation_pkey" PRIMARY KEY ("timebankId","periodKind","periodStart","dimension","answer")
);

-- CreateIndex
CREATE INDEX "StatsBankPeriod_periodKind_periodStart_idx" ON "StatsBankPeriod"("periodKind", "periodStart");

-- CreateIndex
CREATE INDEX "StatsBankPeriodCategory_periodKind_periodStart_idx" ON "StatsBankPeriodCategory"("periodKind", "periodStart");

-- CreateIndex
CREATE INDEX "StatsInterBankFlow_periodKind_periodStart_idx" ON "StatsInterBankFlow"("periodKind", "periodStart");

-- CreateIndex
CREATE INDEX "StatsInstitutionHours_periodKind_periodStart_idx" ON "StatsInstitutionHours"("periodKind", "periodStart");

-- CreateIndex
CREATE INDEX "StatsParticipation_periodKind_periodStart_idx" ON "StatsParticipation"("periodKind", "periodStart");

-- CreateIndex
CREATE INDEX "Transfer_timebankId_postedAt_idx" ON "Transfer"("timebankId", "postedAt");

-- AddForeignKey
ALTER TABLE "ParticipationProfile" ADD CONSTRAINT "ParticipationProfile_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A bank may raise the threshold of small-cell suppression, never lower it below 5.
ALTER TABLE "Timebank" ADD CONSTRAINT "Timebank_statsMinCellSize_check" CHECK ("statsMinCellSize" >= 5);
