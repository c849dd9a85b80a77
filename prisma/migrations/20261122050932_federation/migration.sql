-- CreateEnum
CREATE TYPE "InstitutionKind" AS ENUM ('CLINIC', 'PRISON', 'HOUSING_ASSOCIATION', 'INSURER', 'CHARITY', 'SCHOOL', 'MUNICIPALITY');

-- CreateEnum
CREATE TYPE "PartnershipStatus" AS ENUM ('PROPOSED', 'ACTIVE', 'SUSPENDED', 'ENDED');

-- CreateEnum
CREATE TYPE "TransferPurpose" AS ENUM ('FAMILY_SUPPORT', 'CHARITY', 'INSTITUTIONAL_SERVICE', 'GENERAL');

-- CreateEnum
CREATE TYPE "InterBankTransferStatus" AS ENUM ('PENDING_APPROVAL', 'PENDING_ACCEPTANCE', 'POSTED', 'VOIDED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "InterBankRecipientKind" AS ENUM ('MEMBER', 'INSTITUTION', 'POT');

-- AlterEnum
ALTER TYPE "TransferKind" ADD VALUE 'INTER_BANK';

-- CreateTable
CREATE TABLE "Institution" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "InstitutionKind" NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Institution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InstitutionDelegate" (
    "institutionId" UUID NOT NULL,
    "personId" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InstitutionDelegate_pkey" PRIMARY KEY ("institutionId","personId")
);

-- CreateTable
CREATE TABLE "InstitutionMembership" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "institutionId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "monthlySpendCapMinutes" INTEGER,
    "monthlyAcceptCapMinutes" INTEGER,
    "requiresApprovalOfMembersOutgoing" BOOLEAN NOT NULL DEFAULT false,
    "acceptsHoursAsPayment" BOOLEAN NOT NULL DEFAULT false,
    "paymentCapPerMemberMinutes" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InstitutionMembership_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "InstitutionSupervision" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "institutionMembershipId" UUID NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InstitutionSupervision_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "Partnership" (
    "id" UUID NOT NULL,
    "proposerBankId" UUID NOT NULL,
    "partnerBankId" UUID NOT NULL,
    "status" "PartnershipStatus" NOT NULL DEFAULT 'PROPOSED',
    "purposes" "TransferPurpose"[],
    "proposerToPartnerCapMinutes" INTEGER NOT NULL,
    "partnerToProposerCapMinutes" INTEGER NOT NULL,
    "incomingNeedsAcceptance" BOOLEAN NOT NULL DEFAULT true,
    "pendingExpiryHours" INTEGER NOT NULL DEFAULT 168,
    "proposedById" UUID NOT NULL,
    "acceptedById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMPTZ(3),
    "suspendedAt" TIMESTAMPTZ(3),
    "endedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Partnership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PartnerClearing" (
    "timebankId" UUID NOT NULL,
    "partnershipId" UUID NOT NULL,
    "partnerTimebankId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PartnerClearing_pkey" PRIMARY KEY ("timebankId","partnershipId")
);

-- CreateTable
CREATE TABLE "InterBankTransfer" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "targetTimebankId" UUID NOT NULL,
    "partnershipId" UUID NOT NULL,
    "status" "InterBankTransferStatus" NOT NULL,
    "purpose" "TransferPurpose" NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "anonymous" BOOLEAN NOT NULL DEFAULT false,
    "minutes" INTEGER NOT NULL,
    "senderAccountId" UUID NOT NULL,
    "recipientKind" "InterBankRecipientKind" NOT NULL,
    "recipientAccountId" UUID NOT NULL,
    "recipientInstitutionId" UUID,
    "approverInstitutionMembershipId" UUID,
    "sourceTransferId" UUID NOT NULL,
    "targetTransferId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "createdById" UUID NOT NULL,
    "approvedById" UUID,
    "approvedAt" TIMESTAMPTZ(3),
    "decidedById" UUID,
    "decidedAt" TIMESTAMPTZ(3),
    "voidReason" TEXT,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postedAt" TIMESTAMPTZ(3),

    CONSTRAINT "InterBankTransfer_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateIndex
CREATE INDEX "InstitutionDelegate_personId_idx" ON "InstitutionDelegate"("personId");

-- CreateIndex
CREATE UNIQUE INDEX "InstitutionMembership_timebankId_institutionId_key" ON "InstitutionMembership"("timebankId", "institutionId");

-- CreateIndex
CREATE UNIQUE INDEX "InstitutionMembership_timebankId_accountId_key" ON "InstitutionMembership"("timebankId", "accountId");

-- CreateIndex
CREATE INDEX "InstitutionSupervision_timebankId_institutionMembershipId_idx" ON "InstitutionSupervision"("timebankId", "institutionMembershipId");

-- CreateIndex
CREATE INDEX "Partnership_proposerBankId_idx" ON "Partnership"("proposerBankId");

-- CreateIndex
CREATE INDEX "Partnership_partnerBankId_idx" ON "Partnership"("partnerBankId");

-- CreateIndex
CREATE UNIQUE INDEX "PartnerClearing_timebankId_accountId_key" ON "PartnerClearing"("timebankId", "accountId");

-- CreateIndex
CREATE UNIQUE INDEX "PartnerClearing_timebankId_partnerTimebankId_partnershipId_key" ON "PartnerClearing"("timebankId", "partnerTimebankId", "partnershipId");

-- CreateIndex
CREATE INDEX "InterBankTransfer_timebankId_status_expiresAt_idx" ON "InterBankTransfer"("timebankId", "status", "expiresAt");

-- CreateIndex
CREATE INDEX "InterBankTransfer_targetTimebankId_status_idx" ON "InterBankTransfer"("targetTimebankId", "status");

-- CreateIndex
CREATE INDEX "InterBankTransfer_timebankId_senderAccountId_recipientInsti_idx" ON "InterBankTransfer"("timebankId", "senderAccountId", "recipientInstitutionId", "createdAt");

-- CreateIndex
CREATE INDEX "InterBankTransfer_timebankId_approverInstitutionMembershipI_idx" ON "InterBankTransfer"("timebankId", "approverInstitutionMembershipId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "InterBankTransfer_timebankId_idempotencyKey_key" ON "InterBankTransfer"("timebankId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "InterBankTransfer_timebankId_sourceTransferId_key" ON "InterBankTransfer"("timebankId", "sourceTransferId");

-- AddForeignKey
ALTER TABLE "InstitutionDelegate" ADD CONSTRAINT "InstitutionDelegate_institutionId_fkey" FOREIGN KEY ("institutionId") REFERENCES "Institution"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstitutionDelegate" ADD CONSTRAINT "InstitutionDelegate_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstitutionMembership" ADD CONSTRAINT "InstitutionMembership_institutionId_fkey" FOREIGN KEY ("institutionId") REFERENCES "Institution"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstitutionMembership" ADD CONSTRAINT "InstitutionMembership_timebankId_accountId_fkey" FOREIGN KEY ("timebankId", "accountId") REFERENCES "Account"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstitutionSupervision" ADD CONSTRAINT "InstitutionSupervision_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InstitutionSupervision" ADD CONSTRAINT "InstitutionSupervision_timebankId_institutionMembershipId_fkey" FOREIGN KEY ("timebankId", "institutionMembershipId") REFERENCES "InstitutionMembership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PartnerClearing" ADD CONSTRAINT "PartnerClearing_timebankId_accountId_fkey" FOREIGN KEY ("timebankId", "accountId") REFERENCES "Account"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InterBankTransfer" ADD CONSTRAINT "InterBankTransfer_timebankId_sourceTransferId_fkey" FOREIGN KEY ("timebankId", "sourceTransferId") REFERENCES "Transfer"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: the federation's promises, kept by the database itself.

-- An INSTITUTION account belongs to an InstitutionMembership (which points at it), not to a
-- person's membership: only MEMBER accounts name a membership now.
ALTER TABLE "Account" DROP CONSTRAINT "Account_owner_matches_kind";
ALTER TABLE "Account" ADD CONSTRAINT "Account_owner_matches_kind" CHECK (("membershipId" IS NOT NULL) = ("kind" = 'MEMBER'));

-- An inter-bank leg always names its InterBankTransfer (text comparison: the enum value was
-- added in this same transaction and cannot be used as an enum literal yet).
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_inter_bank_names_its_transfer" CHECK ("kind"::text <> 'INTER_BANK' OR "groupId" IS NOT NULL);

ALTER TABLE "InterBankTransfer" ADD CONSTRAINT "InterBankTransfer_minutes_positive" CHECK ("minutes" > 0);
ALTER TABLE "InterBankTransfer" ADD CONSTRAINT "InterBankTransfer_two_banks" CHECK ("timebankId" <> "targetTimebankId");
ALTER TABLE "InterBankTransfer" ADD CONSTRAINT "InterBankTransfer_posted_has_time" CHECK (("status" = 'POSTED') = ("postedAt" IS NOT NULL));

ALTER TABLE "Partnership" ADD CONSTRAINT "Partnership_two_banks" CHECK ("proposerBankId" <> "partnerBankId");
ALTER TABLE "Partnership" ADD CONSTRAINT "Partnership_caps_not_negative" CHECK ("proposerToPartnerCapMinutes" >= 0 AND "partnerToProposerCapMinutes" >= 0);
ALTER TABLE "Partnership" ADD CONSTRAINT "Partnership_has_purpose" CHECK (cardinality("purposes") > 0);
ALTER TABLE "Partnership" ADD CONSTRAINT "Partnership_expiry_positive" CHECK ("pendingExpiryHours" > 0);
-- At most one partnership that is not ENDED per pair of banks, whichever proposed it.
CREATE UNIQUE INDEX "Partnership_one_live_per_pair" ON "Partnership"(LEAST("proposerBankId", "partnerBankId"), GREATEST("proposerBankId", "partnerBankId")) WHERE "status" <> 'ENDED';

ALTER TABLE "InstitutionMembership" ADD CONSTRAINT "InstitutionMembership_caps_not_negative" CHECK (
  COALESCE("monthlySpendCapMinutes", 0) >= 0 AND COALESCE("monthlyAcceptCapMinutes", 0) >= 0 AND COALESCE("paymentCapPerMemberMinutes", 0) >= 0);
