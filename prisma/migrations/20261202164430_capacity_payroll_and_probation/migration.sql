-- CreateEnum
CREATE TYPE "CapacityPeriodKind" AS ENUM ('WEEK', 'MONTH');

-- CreateEnum
CREATE TYPE "AbsenceType" AS ENUM ('TIME_OFF_IN_LIEU', 'SICKNESS', 'CHILD_SICKNESS', 'HOLIDAY');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "InstitutionKind" ADD VALUE 'PROBATION';
ALTER TYPE "InstitutionKind" ADD VALUE 'COURT';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "TimeAccountEntryKind" ADD VALUE 'PAYOUT';
ALTER TYPE "TimeAccountEntryKind" ADD VALUE 'CORRECTION_DEPOSIT';
ALTER TYPE "TimeAccountEntryKind" ADD VALUE 'CORRECTION_WITHDRAWAL';

-- AlterTable
ALTER TABLE "ServiceCommitment" ADD COLUMN     "acknowledgedAt" TIMESTAMPTZ(3),
ADD COLUMN     "acknowledgedById" UUID,
ADD COLUMN     "supervisingInstitutionId" UUID;

-- AlterTable
ALTER TABLE "TimeAccountEntry" ADD COLUMN     "correctsDate" DATE,
ADD COLUMN     "payoutRequestId" UUID,
ADD COLUMN     "reason" TEXT;

-- AlterTable
ALTER TABLE "TimeOffRequest" ADD COLUMN     "absenceType" "AbsenceType" NOT NULL DEFAULT 'TIME_OFF_IN_LIEU';

-- AlterTable
ALTER TABLE "WorkLog" ADD COLUMN     "confirmedAt" TIMESTAMPTZ(3),
ADD COLUMN     "confirmedById" UUID;

-- CreateTable
CREATE TABLE "CapacitySettings" (
    "timebankId" UUID NOT NULL,
    "periodKind" "CapacityPeriodKind" NOT NULL DEFAULT 'MONTH',
    "setById" UUID NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CapacitySettings_pkey" PRIMARY KEY ("timebankId")
);

-- CreateTable
CREATE TABLE "CapacityPosition" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "effectiveFrom" DATE NOT NULL,
    "percent" INTEGER NOT NULL,
    "setById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CapacityPosition_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "CapacityPeriod" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "kind" "CapacityPeriodKind" NOT NULL,
    "startsOn" DATE NOT NULL,
    "endsOn" DATE NOT NULL,
    "closedById" UUID NOT NULL,
    "closedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CapacityPeriod_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "PayoutRequest" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "minutes" INTEGER NOT NULL,
    "note" TEXT,
    "status" "CapacityRequestStatus" NOT NULL DEFAULT 'PENDING',
    "submittedById" UUID NOT NULL,
    "submittedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedById" UUID,
    "decidedAt" TIMESTAMPTZ(3),
    "refusalReason" TEXT,

    CONSTRAINT "PayoutRequest_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "CapacityAudit" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID,
    "action" TEXT NOT NULL,
    "detail" JSONB NOT NULL,
    "actorId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "seq" SERIAL NOT NULL,

    CONSTRAINT "CapacityAudit_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "CapacityPosition_timebankId_membershipId_effectiveFrom_key" ON "CapacityPosition"("timebankId", "membershipId", "effectiveFrom");

-- CreateIndex
CREATE UNIQUE INDEX "CapacityPeriod_timebankId_startsOn_key" ON "CapacityPeriod"("timebankId", "startsOn");

-- CreateIndex
CREATE UNIQUE INDEX "CapacityPeriod_timebankId_endsOn_key" ON "CapacityPeriod"("timebankId", "endsOn");

-- CreateIndex
CREATE INDEX "PayoutRequest_timebankId_membershipId_idx" ON "PayoutRequest"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "CapacityAudit_timebankId_seq_idx" ON "CapacityAudit"("timebankId", "seq");

-- CreateIndex
CREATE INDEX "ServiceCommitment_supervisingInstitutionId_idx" ON "ServiceCommitment"("supervisingInstitutionId");

-- CreateIndex
CREATE UNIQUE INDEX "TimeAccountEntry_timebankId_payoutRequestId_key" ON "TimeAccountEntry"("timebankId", "payoutRequestId");

-- AddForeignKey
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_timebankId_payoutRequestId_fkey" FOREIGN KEY ("timebankId", "payoutRequestId") REFERENCES "PayoutRequest"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceCommitment" ADD CONSTRAINT "ServiceCommitment_supervisingInstitutionId_fkey" FOREIGN KEY ("supervisingInstitutionId") REFERENCES "Institution"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapacitySettings" ADD CONSTRAINT "CapacitySettings_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapacityPosition" ADD CONSTRAINT "CapacityPosition_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapacityPeriod" ADD CONSTRAINT "CapacityPeriod_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PayoutRequest" ADD CONSTRAINT "PayoutRequest_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapacityAudit" ADD CONSTRAINT "CapacityAudit_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: rules the database itself enforces. The new enum values cannot be used in this
-- transaction (PostgreSQL refuses an enum value added in the same transaction), so the checks
-- compare the kind as text.
ALTER TABLE "TimeAccountEntry" DROP CONSTRAINT "TimeAccountEntry_one_source";
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_one_source" CHECK (
  ("kind"::text = 'DEPOSIT' AND "depositRequestId" IS NOT NULL AND "timeOffRequestId" IS NULL AND "payoutRequestId" IS NULL)
  OR ("kind"::text = 'WITHDRAWAL' AND "timeOffRequestId" IS NOT NULL AND "depositRequestId" IS NULL AND "payoutRequestId" IS NULL)
  OR ("kind"::text = 'PAYOUT' AND "payoutRequestId" IS NOT NULL AND "depositRequestId" IS NULL AND "timeOffRequestId" IS NULL)
  OR ("kind"::text IN ('CORRECTION_DEPOSIT', 'CORRECTION_WITHDRAWAL') AND "reason" IS NOT NULL
      AND "depositRequestId" IS NULL AND "timeOffRequestId" IS NULL AND "payoutRequestId" IS NULL));
ALTER TABLE "CapacityPosition" ADD CONSTRAINT "CapacityPosition_percent" CHECK ("percent" BETWEEN 1 AND 100);
ALTER TABLE "CapacityPeriod" ADD CONSTRAINT "CapacityPeriod_dates" CHECK ("endsOn" >= "startsOn");
ALTER TABLE "PayoutRequest" ADD CONSTRAINT "PayoutRequest_minutes_positive" CHECK ("minutes" BETWEEN 1 AND 100000);
ALTER TABLE "PayoutRequest" ADD CONSTRAINT "PayoutRequest_decision" CHECK (("status" = 'PENDING') = ("decidedAt" IS NULL) AND ("status" = 'PENDING') = ("decidedById" IS NULL));
ALTER TABLE "ServiceCommitment" ADD CONSTRAINT "ServiceCommitment_acknowledged_after_completion" CHECK (
  ("acknowledgedAt" IS NULL) = ("acknowledgedById" IS NULL) AND ("acknowledgedAt" IS NULL OR "status" = 'COMPLETED'));
ALTER TABLE "WorkLog" ADD CONSTRAINT "WorkLog_confirmation" CHECK (("confirmedAt" IS NULL) = ("confirmedById" IS NULL));

-- Community-service hours logged before confirmation existed counted as soon as they were logged:
-- they stay counted, as confirmed by whoever logged them.
UPDATE "WorkLog" SET "confirmedAt" = "updatedAt", "confirmedById" = "loggedById" WHERE "serviceCommitmentId" IS NOT NULL;

-- The audit trail and closed periods are append-only.
CREATE FUNCTION "Capacity_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER "CapacityAudit_append_only" BEFORE UPDATE OR DELETE ON "CapacityAudit"
  FOR EACH ROW EXECUTE FUNCTION "Capacity_append_only"();
CREATE TRIGGER "CapacityPeriod_append_only" BEFORE UPDATE OR DELETE ON "CapacityPeriod"
  FOR EACH ROW EXECUTE FUNCTION "Capacity_append_only"();

-- Row-level security on the new bank tables, with the policy of 20261129010000.
DO $$
DECLARE
  t text;
  cond text := $c$(SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*') OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[])$c$;
BEGIN
  FOREACH t IN ARRAY ARRAY['CapacitySettings', 'CapacityPosition', 'CapacityPeriod', 'PayoutRequest', 'CapacityAudit'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY bank_scope ON %I TO timebank_app USING (%s) WITH CHECK (%s)', t, cond, cond);
  END LOOP;
END $$;
