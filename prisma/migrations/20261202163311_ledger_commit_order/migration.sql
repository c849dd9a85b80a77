-- AlterTable
ALTER TABLE "Transfer" ADD COLUMN     "postedSeq" INTEGER,
ADD COLUMN     "seq" SERIAL NOT NULL;

-- Hand-written: the ledger under contention (issue 21). docs/ledger.md describes the result.
--
-- 1. Commit order. "seq" (above) numbers every transfer as it is inserted; "postedSeq" numbers
--    the moment its minutes landed: at insertion for a POSTED transfer, at its confirmation for
--    a PENDING one. Both are drawn from one sequence while the transaction holds the locks of
--    the transfer's accounts (every path inserts and confirms after locking them), so on any
--    one account they grow in the order the account's balance changed, which is the order of
--    the commits. Statements and running balances follow postedSeq, `transfers` pages seq.
--    Existing rows are numbered by their times (createdAt / postedAt, then id): the best order
--    known for them.
-- 2. One idempotency space per bank: ledger_post_transfers also refuses a key an inter-bank
--    transfer of the bank used (IDEMPOTENCY_KEY_REUSED), and every request under a key takes the
--    one advisory lock ledger_key_lock_id(bank, key), the inter-bank send included.
-- 3. One lock order: ledger_post_batch locks accounts by (bank, id) like every other path.

-- 1. Number the existing rows. The immutability trigger allows no update but a decision; this
-- one-off numbering runs without it, inside the migration's transaction.
ALTER TABLE "Transfer" DISABLE TRIGGER "Transfer_immutable";
WITH o AS (SELECT "timebankId", "id", row_number() OVER (ORDER BY "createdAt", "id") AS n FROM "Transfer")
UPDATE "Transfer" t SET "seq" = o.n FROM o WHERE t."timebankId" = o."timebankId" AND t."id" = o."id";
WITH o AS (SELECT "timebankId", "id", (SELECT count(*) FROM "Transfer") + row_number() OVER (ORDER BY "postedAt", "createdAt", "id") AS n
           FROM "Transfer" WHERE "status" = 'POSTED')
UPDATE "Transfer" t SET "postedSeq" = o.n FROM o WHERE t."timebankId" = o."timebankId" AND t."id" = o."id";
ALTER TABLE "Transfer" ENABLE TRIGGER "Transfer_immutable";
SELECT setval('"Transfer_seq_seq"', greatest(coalesce((SELECT max("postedSeq") FROM "Transfer"), 0), coalesce((SELECT max("seq") FROM "Transfer"), 0), 1));

ALTER TABLE "Transfer" ADD CONSTRAINT "Transfer_posted_has_seq" CHECK (("status" = 'POSTED') = ("postedSeq" IS NOT NULL));

-- A row inserted POSTED landed when it was numbered.
CREATE FUNCTION "transfer_posted_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."postedSeq" := CASE WHEN NEW."status" = 'POSTED' THEN NEW."seq" END;
  RETURN NEW;
END;
$$;
CREATE TRIGGER "Transfer_posted_seq" BEFORE INSERT ON "Transfer"
  FOR EACH ROW EXECUTE FUNCTION "transfer_posted_seq"();

-- Immutability as before, and the numbers with it: seq never changes; postedSeq is drawn when
-- a PENDING transfer is confirmed (the caller holds its accounts' locks: decideTransfer).
CREATE OR REPLACE FUNCTION "transfer_is_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'transfer % cannot be deleted: transfers are immutable, record a reversal instead', OLD."id"
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
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
  RAISE EXCEPTION 'transfer % (%) cannot be changed: transfers are immutable, record a reversal instead', OLD."id", OLD."status"
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

-- 2. The idempotency key's lock: one name for every kind of request under a key.
CREATE OR REPLACE FUNCTION ledger_key_lock_id(p_timebank uuid, p_key text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT hashtextextended(p_timebank::text || ':' || 'key:' || p_key, 0) $$;

CREATE OR REPLACE FUNCTION ledger_post_transfers(
  p_timebank uuid,
  p_key text,
  p_hash text,
  p_created_by uuid,
  p_now timestamptz,
  p_group uuid,
  p_require_active boolean,
  p_legs jsonb,      -- [{ id, kind, status, debitAccountId, creditAccountId, minutes, memo, relatedPostId, reversesTransferId }]
  p_events jsonb,    -- [{ type, toAllMembers, toCoordinators, recipientMembershipIds, recipientPersonIds, payload }]
  p_refusal jsonb    -- a refusal decided by the caller, { type, fields }, or null
) RETURNS TABLE (outcome text, result jsonb)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_existing jsonb;
  v_hash text;
  v_stored jsonb;
  v_refusal jsonb := p_refusal;
  v_reversed uuid;
  v_earlier uuid;
  v_accounts int;
  v_count int;
  v_named uuid[];
  v_ids uuid[] := '{}';
  v_balance int[] := '{}';
  v_out int[] := '{}';
  v_in int[] := '{}';
  v_written jsonb;
  n record;
  r record;
  v_n int;
BEGIN
  -- Row-level security (migration 20261128200000): the rest of this transaction sees and writes
  -- the ledger of this one bank only, whatever the connection was allowed before. Callers end
  -- their transaction with this function, so nothing after it needs a wider scope.
  PERFORM set_config('timebank.bank_ids', p_timebank::text, true);
  -- 1, 2: the key (the lock every request under a key takes first: ledger_key_lock_id)
  PERFORM pg_advisory_xact_lock(ledger_key_lock_id(p_timebank, p_key));
  -- Ordered as the unique key's index: a generic plan made while "Transfer" was empty (a new
  -- database) otherwise read the key through any index starting with the bank, and kept
  -- scanning the bank's every transfer until the next ANALYZE (seen with auto_explain).
  SELECT jsonb_agg(to_jsonb(t) ORDER BY t."legIndex") INTO v_existing
    FROM (SELECT * FROM "Transfer" x WHERE x."timebankId" = p_timebank AND x."idempotencyKey" = p_key
          ORDER BY x."timebankId", x."idempotencyKey", x."legIndex") t;
  IF v_existing IS NOT NULL THEN
    IF v_existing -> 0 ->> 'requestHash' IS DISTINCT FROM p_hash THEN
      RETURN QUERY SELECT 'reused'::text, NULL::jsonb;
    ELSE
      RETURN QUERY SELECT 'existing'::text, v_existing;
    END IF;
    RETURN;
  END IF;
  SELECT rr."requestHash", rr."result" INTO v_hash, v_stored
    FROM "RefusedRequest" rr WHERE rr."timebankId" = p_timebank AND rr."idempotencyKey" = p_key;
  IF FOUND THEN
    IF v_hash IS DISTINCT FROM p_hash THEN
      RETURN QUERY SELECT 'reused'::text, NULL::jsonb;
    ELSE
      RETURN QUERY SELECT 'refused'::text, v_stored;
    END IF;
    RETURN;
  END IF;
  -- An inter-bank transfer sent from this bank under the key (its legs carry keys of their own):
  -- one idempotency space per bank, whatever kind of request used the key first.
  SELECT ib."requestHash" INTO v_hash
    FROM "InterBankTransfer" ib WHERE ib."timebankId" = p_timebank AND ib."idempotencyKey" = p_key;
  IF FOUND THEN
    RETURN QUERY SELECT 'reused'::text, NULL::jsonb;
    RETURN;
  END IF;

  -- 4: a transfer is reversed at most once; racing reversals queue on its lock
  IF v_refusal IS NULL THEN
    FOR v_reversed IN
      SELECT DISTINCT (l ->> 'reversesTransferId')::uuid FROM jsonb_array_elements(p_legs) l
      WHERE l ->> 'reversesTransferId' IS NOT NULL ORDER BY 1
    LOOP
      PERFORM pg_advisory_xact_lock(hashtextextended(p_timebank::text || ':' || 'reverse:' || v_reversed::text, 0));
      SELECT t."id" INTO v_earlier FROM "Transfer" t WHERE t."timebankId" = p_timebank AND t."reversesTransferId" = v_reversed;
      IF FOUND THEN
        v_refusal := jsonb_build_object('type', 'AlreadyReversed', 'fields',
          jsonb_build_object('code', 'ALREADY_REVERSED', 'message', 'this transfer was already reversed', 'reversalId', v_earlier));
        EXIT;
      END IF;
    END LOOP;
  END IF;

  -- 5: lock the accounts in id order and check the net change of each. The accounts are found
  -- by id (v_named), so the statement reads two rows whatever the size of the bank.
  SELECT array_agg(DISTINCT x ORDER BY x) INTO v_named FROM (
    SELECT (l ->> 'debitAccountId')::uuid AS x FROM jsonb_array_elements(p_legs) l
    UNION ALL SELECT (l ->> 'creditAccountId')::uuid FROM jsonb_array_elements(p_legs) l
  ) s;
  IF v_refusal IS NULL THEN
    FOR n IN
      WITH legs AS (
        SELECT (l ->> 'debitAccountId')::uuid AS debit, (l ->> 'creditAccountId')::uuid AS credit,
               (l ->> 'minutes')::int AS minutes, l ->> 'status' AS status
        FROM jsonb_array_elements(p_legs) l
      ), changes AS (
        SELECT debit AS account, CASE WHEN status = 'POSTED' THEN -minutes ELSE 0 END AS d_balance,
               CASE WHEN status = 'PENDING' THEN minutes ELSE 0 END AS d_out, 0 AS d_in FROM legs
        UNION ALL
        SELECT credit, CASE WHEN status = 'POSTED' THEN minutes ELSE 0 END,
               0, CASE WHEN status = 'PENDING' THEN minutes ELSE 0 END FROM legs
      )
      SELECT account, sum(d_balance)::int AS d_balance, sum(d_out)::int AS d_out, sum(d_in)::int AS d_in
      FROM changes GROUP BY account ORDER BY account
    LOOP
      -- One account by its primary key: the only plan there is, whatever the statistics.
      SELECT a."id", a."status"::text AS status, a."balanceMinutes" AS balance, a."pendingOutMinutes" AS pending_out,
             a."pendingInMinutes" AS pending_in, a."floorMinutes" AS floor, a."ceilingMinutes" AS ceiling,
             n.d_balance AS d_balance, n.d_out AS d_out, n.d_in AS d_in
        INTO r
        FROM "Account" a WHERE a."timebankId" = p_timebank AND a."id" = n.account
        FOR UPDATE;
      CONTINUE WHEN NOT FOUND; -- not in this bank: counted below
      IF p_require_active AND r.status <> 'ACTIVE' THEN
        v_refusal := jsonb_build_object('type', 'AccountNotActive', 'fields', jsonb_build_object(
          'code', 'ACCOUNT_NOT_ACTIVE', 'message', 'this account is closed and takes part in no new transfer',
          'accountId', r.id, 'accountStatus', r.status));
        EXIT;
      END IF;
      IF r.balance + r.d_balance - (r.pending_out + r.d_out) < r.floor THEN
        v_refusal := jsonb_build_object('type', 'InsufficientBalance', 'fields', jsonb_build_object(
          'code', 'INSUFFICIENT_BALANCE',
          'message', format('this would take the account below its limit: %s of the %s minutes are available',
                            r.balance - r.pending_out - r.floor, r.d_out - r.d_balance),
          'accountId', r.id, 'availableMinutes', r.balance - r.pending_out - r.floor, 'requestedMinutes', r.d_out - r.d_balance));
        EXIT;
      END IF;
      IF r.balance + r.d_balance + r.pending_in + r.d_in > r.ceiling THEN
        v_refusal := jsonb_build_object('type', 'CeilingExceeded', 'fields', jsonb_build_object(
          'code', 'CEILING_EXCEEDED',
          'message', format('this would take the account above its ceiling: it can receive %s more minutes, not %s',
                            r.ceiling - r.balance - r.pending_in, r.d_balance + r.d_in),
          'accountId', r.id, 'roomMinutes', r.ceiling - r.balance - r.pending_in, 'requestedMinutes', r.d_balance + r.d_in));
        EXIT;
      END IF;
      v_ids := v_ids || r.id;
      v_balance := v_balance || r.d_balance;
      v_out := v_out || r.d_out;
      v_in := v_in || r.d_in;
    END LOOP;
  END IF;

  IF v_refusal IS NOT NULL THEN
    INSERT INTO "RefusedRequest" ("timebankId", "idempotencyKey", "requestHash", "result", "createdAt")
      VALUES (p_timebank, p_key, p_hash, v_refusal, p_now);
    RETURN QUERY SELECT 'refused'::text, v_refusal;
    RETURN;
  END IF;

  v_accounts := coalesce(array_length(v_named, 1), 0);
  IF v_accounts <> coalesce(array_length(v_ids, 1), 0) THEN
    -- Nothing of this posting is written yet. An answer, not an error: ledger_post_batch runs its
    -- postings without subtransactions, and an error would undo the whole batch.
    RETURN QUERY SELECT 'failed'::text, jsonb_build_object('state', '23503', 'message',
      format('ledger_post_transfers: %s accounts named, %s found in bank %s', v_accounts, coalesce(array_length(v_ids, 1), 0), p_timebank));
    RETURN;
  END IF;

  -- 6: move, write the legs and their events
  FOR v_n IN 1 .. v_accounts LOOP
    UPDATE "Account" a SET
      "balanceMinutes" = a."balanceMinutes" + v_balance[v_n],
      "pendingOutMinutes" = a."pendingOutMinutes" + v_out[v_n],
      "pendingInMinutes" = a."pendingInMinutes" + v_in[v_n],
      "updatedAt" = p_now
    WHERE a."timebankId" = p_timebank AND a."id" = v_ids[v_n]
      AND (NOT p_require_active OR a."status" = 'ACTIVE')
      AND a."balanceMinutes" + v_balance[v_n] - (a."pendingOutMinutes" + v_out[v_n]) >= a."floorMinutes"
      AND a."balanceMinutes" + v_balance[v_n] + a."pendingInMinutes" + v_in[v_n] <= a."ceilingMinutes";
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> 1 THEN
      RAISE EXCEPTION 'ledger_post_transfers: the guarded update of account % did not match', v_ids[v_n];
    END IF;
  END LOOP;

  WITH written AS (
    INSERT INTO "Transfer" ("timebankId", "id", "kind", "status", "debitAccountId", "creditAccountId", "minutes", "memo",
                            "relatedPostId", "groupId", "legIndex", "idempotencyKey", "requestHash", "createdById",
                            "reversesTransferId", "createdAt", "postedAt")
    SELECT p_timebank, (l ->> 'id')::uuid, (l ->> 'kind')::"TransferKind", (l ->> 'status')::"TransferStatus",
           (l ->> 'debitAccountId')::uuid, (l ->> 'creditAccountId')::uuid, (l ->> 'minutes')::int, coalesce(l ->> 'memo', ''),
           (l ->> 'relatedPostId')::uuid, p_group, (i - 1)::int, p_key, p_hash, p_created_by,
           (l ->> 'reversesTransferId')::uuid, p_now, CASE WHEN l ->> 'status' = 'POSTED' THEN p_now END
    FROM jsonb_array_elements(p_legs) WITH ORDINALITY AS x(l, i)
    RETURNING *
  )
  SELECT jsonb_agg(to_jsonb(w) ORDER BY w."legIndex") INTO v_written FROM written w;

  INSERT INTO "OutboxEvent" ("timebankId", "type", "toAllMembers", "toCoordinators", "recipientMembershipIds", "recipientPersonIds", "payload")
  SELECT p_timebank, e ->> 'type', coalesce((e ->> 'toAllMembers')::boolean, false), coalesce((e ->> 'toCoordinators')::boolean, false),
         ARRAY(SELECT jsonb_array_elements_text(coalesce(e -> 'recipientMembershipIds', '[]'::jsonb)))::uuid[],
         ARRAY(SELECT jsonb_array_elements_text(coalesce(e -> 'recipientPersonIds', '[]'::jsonb)))::uuid[],
         e -> 'payload'
  FROM jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) e;

  RETURN QUERY SELECT 'created'::text, v_written;
END;
$$;

CREATE OR REPLACE FUNCTION ledger_post_batch(
  p_postings jsonb -- [{ timebankId, key, hash, createdBy, now, groupId, requireActive, legs, events, refusal }]
) RETURNS TABLE (idx int, outcome text, result jsonb, error_state text, error_message text)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_lock bigint;
  v_banks text;
  v_accounts uuid[];
  p jsonb;
  i int;
  v_outcome text;
  v_result jsonb;
BEGIN
  IF jsonb_typeof(p_postings) IS DISTINCT FROM 'array' OR jsonb_array_length(p_postings) = 0 THEN
    RAISE EXCEPTION 'ledger_post_batch: a non-empty array of postings is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Row-level security: the batch sees the banks it posts in, and nothing else.
  SELECT string_agg(DISTINCT x ->> 'timebankId', ',') INTO v_banks FROM jsonb_array_elements(p_postings) x;
  PERFORM set_config('timebank.bank_ids', v_banks, true);

  FOR v_lock IN
    SELECT DISTINCT ledger_key_lock_id((x ->> 'timebankId')::uuid, x ->> 'key')
    FROM jsonb_array_elements(p_postings) x ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(v_lock);
  END LOOP;

  SELECT array_agg(DISTINCT y ORDER BY y) INTO v_accounts FROM (
    SELECT (l ->> 'debitAccountId')::uuid AS y FROM jsonb_array_elements(p_postings) x, jsonb_array_elements(x -> 'legs') l
    UNION ALL SELECT (l ->> 'creditAccountId')::uuid FROM jsonb_array_elements(p_postings) x, jsonb_array_elements(x -> 'legs') l
  ) s;
  -- Lock order (docs/ledger.md): accounts by (bank, id), as every other path takes them. By id
  -- alone, a batch with postings of two banks met an inter-bank send in the opposite order.
  PERFORM 1 FROM "Account" a WHERE a."id" = ANY (v_accounts) ORDER BY a."timebankId", a."id" FOR UPDATE OF a;

  FOR p, i IN SELECT x.value, (x.ordinality - 1)::int FROM jsonb_array_elements(p_postings) WITH ORDINALITY AS x LOOP
    SELECT f.outcome, f.result INTO v_outcome, v_result
    FROM ledger_post_transfers(
      (p ->> 'timebankId')::uuid, p ->> 'key', p ->> 'hash', (p ->> 'createdBy')::uuid, (p ->> 'now')::timestamptz,
      (p ->> 'groupId')::uuid, (p ->> 'requireActive')::boolean, p -> 'legs', p -> 'events',
      CASE WHEN jsonb_typeof(p -> 'refusal') = 'object' THEN p -> 'refusal' END) f;
    idx := i;
    IF v_outcome = 'failed' THEN
      outcome := NULL; result := NULL; error_state := v_result ->> 'state'; error_message := v_result ->> 'message';
    ELSE
      outcome := v_outcome; result := v_result; error_state := NULL; error_message := NULL;
    END IF;
    RETURN NEXT;
  END LOOP;
END;
$$;
