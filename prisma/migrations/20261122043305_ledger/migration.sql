-- CreateEnum
CREATE TYPE "AccountKind" AS ENUM ('MEMBER', 'INSTITUTION', 'POT', 'CLEARING');

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('ACTIVE', 'CLOSED');

-- CreateEnum
CREATE TYPE "TransferKind" AS ENUM ('EXCHANGE', 'GIFT', 'POT_DONATION', 'POT_PAYMENT', 'REVERSAL', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "TransferStatus" AS ENUM ('PENDING', 'POSTED', 'VOIDED');

-- CreateTable
CREATE TABLE "Account" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "kind" "AccountKind" NOT NULL,
    "membershipId" UUID,
    "status" "AccountStatus" NOT NULL DEFAULT 'ACTIVE',
    "balanceMinutes" INTEGER NOT NULL DEFAULT 0,
    "pendingOutMinutes" INTEGER NOT NULL DEFAULT 0,
    "pendingInMinutes" INTEGER NOT NULL DEFAULT 0,
    "floorMinutes" INTEGER NOT NULL,
    "ceilingMinutes" INTEGER NOT NULL,
    "openedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "Transfer" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "kind" "TransferKind" NOT NULL,
    "status" "TransferStatus" NOT NULL,
    "debitAccountId" UUID NOT NULL,
    "creditAccountId" UUID NOT NULL,
    "minutes" INTEGER NOT NULL,
    "memo" TEXT NOT NULL DEFAULT '',
    "relatedPostId" UUID,
    "groupId" UUID,
    "legIndex" INTEGER NOT NULL DEFAULT 0,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "createdById" UUID NOT NULL,
    "reversesTransferId" UUID,
    "decidedById" UUID,
    "decidedAt" TIMESTAMPTZ(3),
    "voidReason" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Transfer_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "AccountLimitChange" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "changedById" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "oldFloorMinutes" INTEGER NOT NULL,
    "newFloorMinutes" INTEGER NOT NULL,
    "oldCeilingMinutes" INTEGER NOT NULL,
    "newCeilingMinutes" INTEGER NOT NULL,
    "changedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountLimitChange_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateIndex
CREATE INDEX "Account_timebankId_kind_idx" ON "Account"("timebankId", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "Account_timebankId_membershipId_key" ON "Account"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "Transfer_timebankId_debitAccountId_createdAt_idx" ON "Transfer"("timebankId", "debitAccountId", "createdAt");

-- CreateIndex
CREATE INDEX "Transfer_timebankId_creditAccountId_createdAt_idx" ON "Transfer"("timebankId", "creditAccountId", "createdAt");

-- CreateIndex
CREATE INDEX "Transfer_timebankId_status_createdAt_idx" ON "Transfer"("timebankId", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Transfer_timebankId_idempotencyKey_legIndex_key" ON "Transfer"("timebankId", "idempotencyKey", "legIndex");

-- CreateIndex
CREATE UNIQUE INDEX "Transfer_timebankId_reversesTransferId_key" ON "Transfer"("timebankId", "reversesTransferId");

-- CreateIndex
CREATE INDEX "AccountLimitChange_timebankId_accountId_changedAt_idx" ON "AccountLimitChange"("timebankId", "accountId", "changedAt");

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_timebankId_debitAccountId_fkey" FOREIGN KEY ("timebankId", "debitAccountId") REFERENCES "Account"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_timebankId_creditAccountId_fkey" FOREIGN KEY ("timebankId", "creditAccountId") REFERENCES "Account"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_timebankId_reversesTransferId_fkey" FOREIGN KEY ("timebankId", "reversesTransferId") REFERENCES "Transfer"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountLimitChange" ADD CONSTRAINT "AccountLimitChange_timebankId_accountId_fkey" FOREIGN KEY ("timebankId", "accountId") REFERENCES "Account"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountLimitChange" ADD CONSTRAINT "AccountLimitChange_changedById_fkey" FOREIGN KEY ("changedById") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: the ledger's promises, kept by the database itself (ARCHITECTURE.md ledger
-- rules 1, 2, 4 and 5). The application also checks them with guarded UPDATEs; these are the
-- second line that no code path can get around.

-- Limits: an account stays within floor and ceiling even when every reservation lands.
ALTER TABLE "Account" ADD CONSTRAINT "Account_pending_not_negative" CHECK ("pendingOutMinutes" >= 0 AND "pendingInMinutes" >= 0);
ALTER TABLE "Account" ADD CONSTRAINT "Account_floor_not_above_ceiling" CHECK ("floorMinutes" <= "ceilingMinutes");
ALTER TABLE "Account" ADD CONSTRAINT "Account_within_floor" CHECK ("balanceMinutes" - "pendingOutMinutes" >= "floorMinutes");
ALTER TABLE "Account" ADD CONSTRAINT "Account_within_ceiling" CHECK ("balanceMinutes" + "pendingInMinutes" <= "ceilingMinutes");
-- Only member and institution accounts belong to a membership.
ALTER TABLE "Account" ADD CONSTRAINT "Account_owner_matches_kind" CHECK (("membershipId" IS NOT NULL) = ("kind" IN ('MEMBER', 'INSTITUTION')));
-- One community pot per bank.
CREATE UNIQUE INDEX "Account_one_pot_per_bank" ON "Account"("timebankId") WHERE "kind" = 'POT';

-- Double entry: a positive number of minutes between two different accounts.
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_minutes_positive" CHECK ("minutes" > 0);
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_two_accounts" CHECK ("debitAccountId" <> "creditAccountId");
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_posted_has_time" CHECK (("status" = 'POSTED') = ("postedAt" IS NOT NULL));
ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_reversal_names_original" CHECK (("kind" = 'REVERSAL') = ("reversesTransferId" IS NOT NULL));

-- Immutability: a transfer is never deleted; the only change ever allowed is the one decision
-- of a PENDING transfer (to POSTED or VOIDED), which may set the decision's own columns.
CREATE FUNCTION "transfer_is_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transfer % cannot be deleted: transfers are immutable, record a reversal instead', OLD."id"
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF OLD."status" = 'PENDING' AND NEW."status" IN ('POSTED', 'VOIDED')
     AND ROW(NEW."timebankId", NEW."id", NEW."kind", NEW."debitAccountId", NEW."creditAccountId", NEW."minutes", NEW."memo",
             NEW."relatedPostId", NEW."groupId", NEW."legIndex", NEW."idempotencyKey", NEW."requestHash", NEW."createdById",
             NEW."reversesTransferId", NEW."createdAt")
         IS NOT DISTINCT FROM
         ROW(OLD."timebankId", OLD."id", OLD."kind", OLD."debitAccountId", OLD."creditAccountId", OLD."minutes", OLD."memo",
             OLD."relatedPostId", OLD."groupId", OLD."legIndex", OLD."idempotencyKey", OLD."requestHash", OLD."createdById",
             OLD."reversesTransferId", OLD."createdAt")
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'transfer % (%) cannot be changed: transfers are immutable, record a reversal instead', OLD."id", OLD."status"
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER "Transfer_immutable" BEFORE UPDATE OR DELETE ON "Transfer"
  FOR EACH ROW EXECUTE FUNCTION "transfer_is_immutable"();
