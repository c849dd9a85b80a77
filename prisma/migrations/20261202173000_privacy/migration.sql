-- CreateEnum
CREATE TYPE "PrivacyAction" AS ENUM ('EXPORT', 'ERASURE');

-- CreateEnum
CREATE TYPE "PrivacyRequester" AS ENUM ('MEMBER', 'HELPER', 'COORDINATOR', 'RETENTION');

-- CreateTable
CREATE TABLE "PrivacyRequest" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "action" "PrivacyAction" NOT NULL,
    "requestedBy" "PrivacyRequester" NOT NULL,
    "actorId" UUID,
    "note" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PrivacyRequest_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "PrivacyPolicy" (
    "timebankId" UUID NOT NULL,
    "eraseLeftMembersAfterMonths" INTEGER,
    "updatedById" UUID,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PrivacyPolicy_pkey" PRIMARY KEY ("timebankId")
);

-- CreateIndex
CREATE INDEX "PrivacyRequest_timebankId_membershipId_idx" ON "PrivacyRequest"("timebankId", "membershipId");

-- CreateIndex
CREATE INDEX "PrivacyRequest_timebankId_createdAt_idx" ON "PrivacyRequest"("timebankId", "createdAt");

-- ---------------------------------------------------------------------------------------------
-- Hand-written.
--
-- Row-level security: the two tables belong to one bank each, like every other bank table
-- (migration 20261129010000).
DO $$
DECLARE
  t text;
  cond text := $s$(SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*') OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[])$s$;
BEGIN
  FOREACH t IN ARRAY ARRAY['PrivacyRequest', 'PrivacyPolicy'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY bank_scope ON %I TO timebank_app USING (%s) WITH CHECK (%s)', t, cond, cond);
  END LOOP;
END $$;

-- Erasure redacts the texts of transfers (a memo naming an erased person): with the
-- transaction-local setting timebank.redaction = 'on' (src/modules/privacy/privacy.erase.ts), an
-- UPDATE may change a transfer's memo and voidReason and nothing else. Everything the books are
-- made of (accounts, minutes, status, times, keys, who recorded it) stays immutable; outside an
-- erasure the rules of migration 20261122043305 are unchanged.
CREATE OR REPLACE FUNCTION "transfer_is_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF coalesce(current_setting('timebank.redaction', true), '') = 'on'
     AND ROW(NEW."timebankId", NEW."id", NEW."kind", NEW."status", NEW."debitAccountId", NEW."creditAccountId", NEW."minutes",
             NEW."relatedPostId", NEW."groupId", NEW."legIndex", NEW."idempotencyKey", NEW."requestHash", NEW."createdById",
             NEW."reversesTransferId", NEW."decidedById", NEW."decidedAt", NEW."createdAt", NEW."postedAt")
         IS NOT DISTINCT FROM
         ROW(OLD."timebankId", OLD."id", OLD."kind", OLD."status", OLD."debitAccountId", OLD."creditAccountId", OLD."minutes",
             OLD."relatedPostId", OLD."groupId", OLD."legIndex", OLD."idempotencyKey", OLD."requestHash", OLD."createdById",
             OLD."reversesTransferId", OLD."decidedById", OLD."decidedAt", OLD."createdAt", OLD."postedAt")
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'transfer % (%) cannot be changed: transfers are immutable, record a reversal instead', OLD."id", OLD."status"
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
