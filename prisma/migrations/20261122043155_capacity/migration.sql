-- CreateEnum
CREATE TYPE "CapacityRequestStatus" AS ENUM ('PENDING', 'APPROVED', 'REFUSED');

-- CreateEnum
CREATE TYPE "TimeAccountEntryKind" AS ENUM ('DEPOSIT', 'WITHDRAWAL');

-- CreateEnum
CREATE TYPE "ServiceCommitmentStatus" AS ENUM ('OPEN', 'COMPLETED');

-- CreateTable
CREATE TABLE "CapacityPolicy" (
    "timebankId" UUID NOT NULL,
    "effectiveFrom" DATE NOT NULL,
    "meterOn" BOOLEAN NOT NULL,
    "negativeBalanceLimitMinutes" INTEGER NOT NULL DEFAULT 0,
    "setById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CapacityPolicy_pkey" PRIMARY KEY ("timebankId","effectiveFrom")
);

-- CreateTable
CREATE TABLE "CapacitySchedule" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID,
    "effectiveFrom" DATE NOT NULL,
    "mondayMinutes" INTEGER NOT NULL,
    "tuesdayMinutes" INTEGER NOT NULL,
    "wednesdayMinutes" INTEGER NOT NULL,
    "thursdayMinutes" INTEGER NOT NULL,
    "fridayMinutes" INTEGER NOT NULL,
    "saturdayMinutes" INTEGER NOT NULL,
    "sundayMinutes" INTEGER NOT NULL,
    "setById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CapacitySchedule_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "WorkLog" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "workDate" DATE NOT NULL,
    "minutes" INTEGER NOT NULL,
    "startMinute" INTEGER,
    "endMinute" INTEGER,
    "breakMinutes" INTEGER NOT NULL DEFAULT 0,
    "serviceCommitmentId" UUID,
    "note" TEXT,
    "loggedById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkLog_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "DepositRequest" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "workDate" DATE NOT NULL,
    "minutes" INTEGER NOT NULL,
    "note" TEXT,
    "status" "CapacityRequestStatus" NOT NULL DEFAULT 'PENDING',
    "submittedById" UUID NOT NULL,
    "submittedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedById" UUID,
    "decidedAt" TIMESTAMPTZ(3),
    "refusalReason" TEXT,

    CONSTRAINT "DepositRequest_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "TimeOffRequest" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "takenOn" DATE NOT NULL,
    "minutes" INTEGER NOT NULL,
    "note" TEXT,
    "status" "CapacityRequestStatus" NOT NULL DEFAULT 'PENDING',
    "submittedById" UUID NOT NULL,
    "submittedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedById" UUID,
    "decidedAt" TIMESTAMPTZ(3),
    "refusalReason" TEXT,

    CONSTRAINT "TimeOffRequest_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "TimeAccountEntry" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "kind" "TimeAccountEntryKind" NOT NULL,
    "entryDate" DATE NOT NULL,
    "minutes" INTEGER NOT NULL,
    "depositRequestId" UUID,
    "timeOffRequestId" UUID,
    "approvedById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TimeAccountEntry_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "ServiceCommitment" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "requiredMinutes" INTEGER NOT NULL,
    "dueOn" DATE NOT NULL,
    "status" "ServiceCommitmentStatus" NOT NULL DEFAULT 'OPEN',
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),
    "completionApprovedById" UUID,

    CONSTRAINT "ServiceCommitment_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateIndex
CREATE INDEX "CapacitySchedule_timebankId_membershipId_effectiveFrom_idx" ON "CapacitySchedule"("timebankId", "membershipId", "effectiveFrom");

-- CreateIndex
CREATE INDEX "WorkLog_timebankId_membershipId_workDate_idx" ON "WorkLog"("timebankId", "membershipId", "workDate");

-- CreateIndex
CREATE INDEX "WorkLog_timebankId_serviceCommitmentId_idx" ON "WorkLog"("timebankId", "serviceCommitmentId");

-- CreateIndex
CREATE INDEX "DepositRequest_timebankId_status_submittedAt_idx" ON "DepositRequest"("timebankId", "status", "submittedAt");

-- CreateIndex
CREATE INDEX "DepositRequest_timebankId_membershipId_idx" ON "DepositRequest"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "TimeOffRequest_timebankId_status_submittedAt_idx" ON "TimeOffRequest"("timebankId", "status", "submittedAt");

-- CreateIndex
CREATE INDEX "TimeOffRequest_timebankId_membershipId_idx" ON "TimeOffRequest"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "TimeAccountEntry_timebankId_membershipId_entryDate_idx" ON "TimeAccountEntry"("timebankId", "membershipId", "entryDate");

-- CreateIndex
CREATE UNIQUE INDEX "TimeAccountEntry_timebankId_depositRequestId_key" ON "TimeAccountEntry"("timebankId", "depositRequestId");

-- CreateIndex
CREATE UNIQUE INDEX "TimeAccountEntry_timebankId_timeOffRequestId_key" ON "TimeAccountEntry"("timebankId", "timeOffRequestId");

-- CreateIndex
CREATE INDEX "ServiceCommitment_timebankId_membershipId_idx" ON "ServiceCommitment"("timebankId", "membershipId");

-- AddForeignKey
ALTER TABLE "CapacityPolicy" ADD CONSTRAINT "CapacityPolicy_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapacitySchedule" ADD CONSTRAINT "CapacitySchedule_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CapacitySchedule" ADD CONSTRAINT "CapacitySchedule_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkLog" ADD CONSTRAINT "WorkLog_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkLog" ADD CONSTRAINT "WorkLog_timebankId_serviceCommitmentId_fkey" FOREIGN KEY ("timebankId", "serviceCommitmentId") REFERENCES "ServiceCommitment"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DepositRequest" ADD CONSTRAINT "DepositRequest_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimeOffRequest" ADD CONSTRAINT "TimeOffRequest_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_timebankId_depositRequestId_fkey" FOREIGN KEY ("timebankId", "depositRequestId") REFERENCES "DepositRequest"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_timebankId_timeOffRequestId_fkey" FOREIGN KEY ("timebankId", "timeOffRequestId") REFERENCES "TimeOffRequest"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceCommitment" ADD CONSTRAINT "ServiceCommitment_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: rules the database itself enforces (Prisma does not model CHECK constraints or triggers).
ALTER TABLE "CapacityPolicy" ADD CONSTRAINT "CapacityPolicy_negative_limit_range" CHECK ("negativeBalanceLimitMinutes" BETWEEN 0 AND 100000);
ALTER TABLE "CapacitySchedule" ADD CONSTRAINT "CapacitySchedule_minutes_per_day" CHECK (
  "mondayMinutes" BETWEEN 0 AND 1440 AND "tuesdayMinutes" BETWEEN 0 AND 1440 AND "wednesdayMinutes" BETWEEN 0 AND 1440 AND
  "thursdayMinutes" BETWEEN 0 AND 1440 AND "fridayMinutes" BETWEEN 0 AND 1440 AND "saturdayMinutes" BETWEEN 0 AND 1440 AND
  "sundayMinutes" BETWEEN 0 AND 1440);
ALTER TABLE "WorkLog" ADD CONSTRAINT "WorkLog_minutes_in_a_day" CHECK ("minutes" BETWEEN 0 AND 1440 AND "breakMinutes" >= 0);
ALTER TABLE "WorkLog" ADD CONSTRAINT "WorkLog_clock_times" CHECK (
  ("startMinute" IS NULL AND "endMinute" IS NULL AND "breakMinutes" = 0)
  OR ("startMinute" BETWEEN 0 AND 1439 AND "endMinute" > "startMinute" AND "endMinute" <= 1440
      AND "minutes" = "endMinute" - "startMinute" - "breakMinutes"));
ALTER TABLE "DepositRequest" ADD CONSTRAINT "DepositRequest_minutes_positive" CHECK ("minutes" BETWEEN 1 AND 1440);
ALTER TABLE "DepositRequest" ADD CONSTRAINT "DepositRequest_decision" CHECK (("status" = 'PENDING') = ("decidedAt" IS NULL) AND ("status" = 'PENDING') = ("decidedById" IS NULL));
ALTER TABLE "TimeOffRequest" ADD CONSTRAINT "TimeOffRequest_minutes_positive" CHECK ("minutes" BETWEEN 1 AND 1440);
ALTER TABLE "TimeOffRequest" ADD CONSTRAINT "TimeOffRequest_decision" CHECK (("status" = 'PENDING') = ("decidedAt" IS NULL) AND ("status" = 'PENDING') = ("decidedById" IS NULL));
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_minutes_positive" CHECK ("minutes" > 0);
ALTER TABLE "TimeAccountEntry" ADD CONSTRAINT "TimeAccountEntry_one_source" CHECK (
  ("kind" = 'DEPOSIT' AND "depositRequestId" IS NOT NULL AND "timeOffRequestId" IS NULL)
  OR ("kind" = 'WITHDRAWAL' AND "timeOffRequestId" IS NOT NULL AND "depositRequestId" IS NULL));
ALTER TABLE "ServiceCommitment" ADD CONSTRAINT "ServiceCommitment_required_minutes" CHECK ("requiredMinutes" BETWEEN 1 AND 100000);
ALTER TABLE "ServiceCommitment" ADD CONSTRAINT "ServiceCommitment_completion" CHECK (("status" = 'COMPLETED') = ("completedAt" IS NOT NULL) AND ("status" = 'COMPLETED') = ("completionApprovedById" IS NOT NULL));

-- Approved deposits and withdrawals are immutable: a correction is a new request, never an edit.
CREATE FUNCTION "TimeAccountEntry_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'TimeAccountEntry rows are immutable' USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER "TimeAccountEntry_no_update_or_delete" BEFORE UPDATE OR DELETE ON "TimeAccountEntry"
  FOR EACH ROW EXECUTE FUNCTION "TimeAccountEntry_immutable"();
