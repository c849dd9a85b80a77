-- Hand-written. Two migrations of the same day each redefined "transfer_is_immutable" from the
-- version before them: 20261202163311_ledger_commit_order (a PENDING transfer's confirmation
-- draws its postedSeq; seq never changes) and 20261202173000_privacy (an erasure may redact a
-- memo or a void reason). The later one dropped the first one's postedSeq, so a confirmed
-- transfer broke "Transfer_posted_has_seq". This version keeps both rules.
CREATE OR REPLACE FUNCTION "transfer_is_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transfer % cannot be deleted: transfers are immutable, record a reversal instead', OLD."id"
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  -- A pending transfer is decided once: posted (drawing its commit position under its
  -- accounts' locks, see decideTransfer) or voided; nothing else of it changes.
  IF OLD."status" = 'PENDING' AND NEW."status" IN ('POSTED', 'VOIDED')
     AND ROW(NEW."timebankId", NEW."id", NEW."kind", NEW."debitAccountId", NEW."creditAccountId", NEW."minutes", NEW."memo",
             NEW."relatedPostId", NEW."groupId", NEW."legIndex", NEW."idempotencyKey", NEW."requestHash", NEW."createdById",
             NEW."reversesTransferId", NEW."createdAt", NEW."seq")
         IS NOT DISTINCT FROM
         ROW(OLD."timebankId", OLD."id", OLD."kind", OLD."debitAccountId", OLD."creditAccountId", OLD."minutes", OLD."memo",
             OLD."relatedPostId", OLD."groupId", OLD."legIndex", OLD."idempotencyKey", OLD."requestHash", OLD."createdById",
             OLD."reversesTransferId", OLD."createdAt", OLD."seq")
  THEN
    NEW."postedSeq" := CASE WHEN NEW."status" = 'POSTED' THEN nextval('"Transfer_seq_seq"') END;
    RETURN NEW;
  END IF;
  -- An erasure (timebank.redaction = on, set by the privacy module inside its transaction) may
  -- replace a memo or a void reason; amounts, accounts, status and order stay as they were.
  IF coalesce(current_setting('timebank.redaction', true), '') = 'on'
     AND ROW(NEW."timebankId", NEW."id", NEW."kind", NEW."status", NEW."debitAccountId", NEW."creditAccountId", NEW."minutes",
             NEW."relatedPostId", NEW."groupId", NEW."legIndex", NEW."idempotencyKey", NEW."requestHash", NEW."createdById",
             NEW."reversesTransferId", NEW."decidedById", NEW."decidedAt", NEW."createdAt", NEW."postedAt", NEW."seq", NEW."postedSeq")
         IS NOT DISTINCT FROM
         ROW(OLD."timebankId", OLD."id", OLD."kind", OLD."status", OLD."debitAccountId", OLD."creditAccountId", OLD."minutes",
             OLD."relatedPostId", OLD."groupId", OLD."legIndex", OLD."idempotencyKey", OLD."requestHash", OLD."createdById",
             OLD."reversesTransferId", OLD."decidedById", OLD."decidedAt", OLD."createdAt", OLD."postedAt", OLD."seq", OLD."postedSeq")
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'transfer % (%) cannot be changed: transfers are immutable, record a reversal instead', OLD."id", OLD."status"
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
