-- CreateEnum
CREATE TYPE "ExchangeConfirmation" AS ENUM ('COORDINATOR_ONLY', 'COUNTERPARTY_CONFIRMS');

-- CreateEnum
CREATE TYPE "MembershipRole" AS ENUM ('MEMBER', 'COORDINATOR', 'ADMIN');

-- CreateEnum
CREATE TYPE "MembershipStatus" AS ENUM ('APPLIED', 'ACTIVE', 'PAUSED', 'LEFT', 'DECLINED');

-- CreateEnum
CREATE TYPE "SkillKind" AS ENUM ('SKILL', 'NEED');

-- CreateTable
CREATE TABLE "Timebank" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'en',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "region" TEXT,
    "creditFloorMinutes" INTEGER NOT NULL DEFAULT -600,
    "balanceCeilingMinutes" INTEGER NOT NULL DEFAULT 6000,
    "exchangeConfirmation" "ExchangeConfirmation" NOT NULL DEFAULT 'COUNTERPARTY_CONFIRMS',
    "membersMayRecordExchanges" BOOLEAN NOT NULL DEFAULT true,
    "autoConfirmAfterDays" INTEGER,
    "nextMemberNumber" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Timebank_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Person" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "preferredLanguage" TEXT NOT NULL DEFAULT 'en',
    "isPlatformAdmin" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Membership" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "personId" UUID NOT NULL,
    "role" "MembershipRole" NOT NULL DEFAULT 'MEMBER',
    "status" "MembershipStatus" NOT NULL DEFAULT 'APPLIED',
    "memberNumber" INTEGER NOT NULL,
    "appliedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "approvedById" UUID,
    "approvedAt" TIMESTAMPTZ(3),
    "joinedAt" TIMESTAMPTZ(3),
    "pausedAt" TIMESTAMPTZ(3),
    "plannedReturnOn" DATE,
    "leftAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Membership_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "MemberProfile" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "bio" TEXT NOT NULL DEFAULT '',
    "languages" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "neighbourhood" TEXT,
    "availability" JSONB NOT NULL DEFAULT '[]',
    "accessibilityNeeds" TEXT,
    "contactPhone" TEXT,
    "contactEmail" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MemberProfile_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "Category" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Category_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "MemberSkill" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "kind" "SkillKind" NOT NULL,
    "label" TEXT NOT NULL,
    "categoryId" UUID,

    CONSTRAINT "MemberSkill_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Timebank_slug_key" ON "Timebank"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Person_email_key" ON "Person"("email");

-- CreateIndex
CREATE INDEX "Membership_personId_idx" ON "Membership"("personId");

-- CreateIndex
CREATE INDEX "Membership_timebankId_status_memberNumber_idx" ON "Membership"("timebankId", "status", "memberNumber");

-- CreateIndex
CREATE UNIQUE INDEX "Membership_timebankId_personId_key" ON "Membership"("timebankId", "personId");

-- CreateIndex
CREATE UNIQUE INDEX "Membership_timebankId_memberNumber_key" ON "Membership"("timebankId", "memberNumber");

-- CreateIndex
CREATE UNIQUE INDEX "Category_timebankId_slug_key" ON "Category"("timebankId", "slug");

-- CreateIndex
CREATE INDEX "MemberSkill_timebankId_kind_label_idx" ON "MemberSkill"("timebankId", "kind", "label");

-- CreateIndex
CREATE INDEX "MemberSkill_timebankId_categoryId_idx" ON "MemberSkill"("timebankId", "categoryId");

-- CreateIndex
CREATE UNIQUE INDEX "MemberSkill_timebankId_membershipId_kind_label_key" ON "MemberSkill"("timebankId", "membershipId", "kind", "label");

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberProfile" ADD CONSTRAINT "MemberProfile_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Category" ADD CONSTRAINT "Category_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberSkill" ADD CONSTRAINT "MemberSkill_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberSkill" ADD CONSTRAINT "MemberSkill_timebankId_categoryId_fkey" FOREIGN KEY ("timebankId", "categoryId") REFERENCES "Category"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: rules the database itself enforces (Prisma does not model CHECK constraints).
ALTER TABLE "Timebank" ADD CONSTRAINT "Timebank_slug_format" CHECK ("slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length("slug") BETWEEN 2 AND 64);
ALTER TABLE "Timebank" ADD CONSTRAINT "Timebank_limits_order" CHECK ("creditFloorMinutes" <= 0 AND "balanceCeilingMinutes" >= 0);
ALTER TABLE "Timebank" ADD CONSTRAINT "Timebank_auto_confirm_days" CHECK ("autoConfirmAfterDays" IS NULL OR "autoConfirmAfterDays" BETWEEN 1 AND 365);
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_member_number_positive" CHECK ("memberNumber" > 0);
