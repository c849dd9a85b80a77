-- CreateEnum
CREATE TYPE "PartnerKind" AS ENUM ('JOB_CENTRE', 'SOCIAL_PSYCHIATRY', 'SPORTS_CLUB', 'VOLUNTEER_CENTRE', 'OTHER');

-- CreateEnum
CREATE TYPE "EngagementPeriod" AS ENUM ('WEEK', 'MONTH', 'FLEXIBLE');

-- CreateEnum
CREATE TYPE "ActivityKind" AS ENUM ('SHARED_MEAL', 'REPAIR_CAFE', 'LANGUAGE_CAFE', 'WORK_PARTY', 'OTHER');

-- CreateEnum
CREATE TYPE "ActivityStatus" AS ENUM ('PLANNED', 'CANCELLED', 'HELD');

-- CreateEnum
CREATE TYPE "SignupStatus" AS ENUM ('SIGNED_UP', 'WAITING', 'CANCELLED');

-- AlterEnum
ALTER TYPE "SkillKind" ADD VALUE 'LIVED_EXPERIENCE';

-- AlterTable
ALTER TABLE "Person" ADD COLUMN     "erasedAt" TIMESTAMPTZ(3),
ADD COLUMN     "offline" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "OnboardingSettings" (
    "timebankId" UUID NOT NULL,
    "requireInterview" BOOLEAN NOT NULL DEFAULT false,
    "requiredReferences" INTEGER NOT NULL DEFAULT 0,
    "requireSafeguardingCheck" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OnboardingSettings_pkey" PRIMARY KEY ("timebankId")
);

-- CreateTable
CREATE TABLE "Interview" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "scheduledAt" TIMESTAMPTZ(3) NOT NULL,
    "scheduledById" UUID NOT NULL,
    "heldAt" TIMESTAMPTZ(3),
    "heldById" UUID,
    "notes" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Interview_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "Reference" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "relationship" TEXT NOT NULL DEFAULT '',
    "contact" TEXT NOT NULL DEFAULT '',
    "checkedById" UUID,
    "checkedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Reference_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "SafeguardingCheck" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "checkType" TEXT NOT NULL,
    "checkedOn" DATE NOT NULL,
    "expiresOn" DATE,
    "verifiedById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SafeguardingCheck_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "PartnerOrganisation" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "PartnerKind" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PartnerOrganisation_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "Referral" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "partnerId" UUID NOT NULL,
    "recordedById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Referral_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "HelperAuthorisation" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "memberId" UUID NOT NULL,
    "helperId" UUID NOT NULL,
    "memberConsentedAt" TIMESTAMPTZ(3),
    "consentOnPaper" BOOLEAN NOT NULL DEFAULT false,
    "coordinatorApprovedById" UUID,
    "coordinatorApprovedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "revokedById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HelperAuthorisation_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "ActingLog" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "actorId" UUID NOT NULL,
    "memberId" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "targetId" UUID,
    "outcome" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ActingLog_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "MentorPairing" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "mentorId" UUID NOT NULL,
    "newcomerId" UUID NOT NULL,
    "pairedById" UUID NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),

    CONSTRAINT "MentorPairing_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "EngagementPreference" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "period" "EngagementPeriod" NOT NULL DEFAULT 'FLEXIBLE',
    "maxMinutes" INTEGER,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EngagementPreference_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "Activity" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "kind" "ActivityKind" NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "hostId" UUID NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "durationMinutes" INTEGER NOT NULL,
    "places" INTEGER NOT NULL,
    "status" "ActivityStatus" NOT NULL DEFAULT 'PLANNED',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Activity_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "ActivitySignup" (
    "timebankId" UUID NOT NULL,
    "activityId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "status" "SignupStatus" NOT NULL,
    "signedUpAt" TIMESTAMPTZ(3) NOT NULL,
    "attendedAt" TIMESTAMPTZ(3),
    "confirmedById" UUID,

    CONSTRAINT "ActivitySignup_pkey" PRIMARY KEY ("timebankId","activityId","membershipId")
);

-- CreateIndex
CREATE INDEX "Interview_timebankId_membershipId_idx" ON "Interview"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "Reference_timebankId_membershipId_idx" ON "Reference"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "SafeguardingCheck_timebankId_membershipId_expiresOn_idx" ON "SafeguardingCheck"("timebankId", "membershipId", "expiresOn");

-- CreateIndex
CREATE UNIQUE INDEX "PartnerOrganisation_timebankId_name_key" ON "PartnerOrganisation"("timebankId", "name");

-- CreateIndex
CREATE INDEX "Referral_timebankId_partnerId_idx" ON "Referral"("timebankId", "partnerId");

-- CreateIndex
CREATE INDEX "HelperAuthorisation_timebankId_memberId_idx" ON "HelperAuthorisation"("timebankId", "memberId");

-- CreateIndex
CREATE INDEX "HelperAuthorisation_timebankId_helperId_idx" ON "HelperAuthorisation"("timebankId", "helperId");

-- CreateIndex
CREATE INDEX "ActingLog_timebankId_memberId_createdAt_idx" ON "ActingLog"("timebankId", "memberId", "createdAt");

-- CreateIndex
CREATE INDEX "MentorPairing_timebankId_newcomerId_idx" ON "MentorPairing"("timebankId", "newcomerId");

-- CreateIndex
CREATE INDEX "MentorPairing_timebankId_mentorId_idx" ON "MentorPairing"("timebankId", "mentorId");

-- CreateIndex
CREATE INDEX "Activity_timebankId_startsAt_idx" ON "Activity"("timebankId", "startsAt");

-- CreateIndex
CREATE INDEX "ActivitySignup_timebankId_activityId_status_signedUpAt_idx" ON "ActivitySignup"("timebankId", "activityId", "status", "signedUpAt");

-- AddForeignKey
ALTER TABLE "OnboardingSettings" ADD CONSTRAINT "OnboardingSettings_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Interview" ADD CONSTRAINT "Interview_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reference" ADD CONSTRAINT "Reference_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SafeguardingCheck" ADD CONSTRAINT "SafeguardingCheck_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PartnerOrganisation" ADD CONSTRAINT "PartnerOrganisation_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_timebankId_partnerId_fkey" FOREIGN KEY ("timebankId", "partnerId") REFERENCES "PartnerOrganisation"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HelperAuthorisation" ADD CONSTRAINT "HelperAuthorisation_timebankId_memberId_fkey" FOREIGN KEY ("timebankId", "memberId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HelperAuthorisation" ADD CONSTRAINT "HelperAuthorisation_timebankId_helperId_fkey" FOREIGN KEY ("timebankId", "helperId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActingLog" ADD CONSTRAINT "ActingLog_timebankId_actorId_fkey" FOREIGN KEY ("timebankId", "actorId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActingLog" ADD CONSTRAINT "ActingLog_timebankId_memberId_fkey" FOREIGN KEY ("timebankId", "memberId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MentorPairing" ADD CONSTRAINT "MentorPairing_timebankId_mentorId_fkey" FOREIGN KEY ("timebankId", "mentorId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MentorPairing" ADD CONSTRAINT "MentorPairing_timebankId_newcomerId_fkey" FOREIGN KEY ("timebankId", "newcomerId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EngagementPreference" ADD CONSTRAINT "EngagementPreference_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Activity" ADD CONSTRAINT "Activity_timebankId_hostId_fkey" FOREIGN KEY ("timebankId", "hostId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActivitySignup" ADD CONSTRAINT "ActivitySignup_timebankId_activityId_fkey" FOREIGN KEY ("timebankId", "activityId") REFERENCES "Activity"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActivitySignup" ADD CONSTRAINT "ActivitySignup_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written rules the database enforces as well as the services.
ALTER TABLE "OnboardingSettings" ADD CONSTRAINT "OnboardingSettings_requiredReferences_check" CHECK ("requiredReferences" BETWEEN 0 AND 5);
ALTER TABLE "SafeguardingCheck" ADD CONSTRAINT "SafeguardingCheck_expiry_check" CHECK ("expiresOn" IS NULL OR "expiresOn" > "checkedOn");
ALTER TABLE "HelperAuthorisation" ADD CONSTRAINT "HelperAuthorisation_not_self_check" CHECK ("memberId" <> "helperId");
ALTER TABLE "MentorPairing" ADD CONSTRAINT "MentorPairing_not_self_check" CHECK ("mentorId" <> "newcomerId");
ALTER TABLE "EngagementPreference" ADD CONSTRAINT "EngagementPreference_limit_check"
  CHECK (("period" = 'FLEXIBLE' AND "maxMinutes" IS NULL) OR ("period" <> 'FLEXIBLE' AND "maxMinutes" BETWEEN 15 AND 10000));
ALTER TABLE "Activity" ADD CONSTRAINT "Activity_places_check" CHECK ("places" BETWEEN 1 AND 1000);
ALTER TABLE "Activity" ADD CONSTRAINT "Activity_duration_check" CHECK ("durationMinutes" BETWEEN 15 AND 1440);
