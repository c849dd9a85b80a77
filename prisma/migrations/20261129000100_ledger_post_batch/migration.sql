-- Hand-written: group commit for postings (ledger_post_batch).
--
-- Concurrent requests that each post one set of transfers (an exchange, a gift, a pot payment)
-- are sent by the server as one call of this function: one round trip, one statement, one
-- commit (one WAL flush) for all of them, instead of one of each per request. Each posting is
-- still all-or-nothing on its own and gets its own answer:
--   * every posting runs ledger_post_transfers (migration 20261128203000) unchanged, inside its
--     own subtransaction (BEGIN ... EXCEPTION): a posting that raises an error (accounts not
--     in the bank, a guarded update that did not match) is rolled back alone and answered with
--     its SQLSTATE and message; the others go on and commit;
--   * a refusal (limits, closed account, reused key) is an answer like any other;
--   * lock order (ledger rule 7) across the whole batch: first every idempotency key's advisory
--     lock, in the order of the lock ids, then every account of every posting, in id order, all
--     before the first posting runs. ledger_post_transfers then takes the same locks again
--     (already held: no wait). A lone posting through ledger_post_transfers takes its key and
--     then its accounts in id order too, so batches and lone postings cannot deadlock each other.
--     Postings that reverse a transfer take a per-transfer lock inside; the server never puts
--     them in a batch.
-- Returns one row per posting, idx = its 0-based position in p_postings: outcome and result as
-- ledger_post_transfers returns them, or error_state (its SQLSTATE) and error_message when it raised.
CREATE FUNCTION ledger_post_batch(
  p_postings jsonb -- [{ timebankId, key, hash, createdBy, now, groupId, requireActive, legs, events, refusal }]
) RETURNS TABLE (idx int, outcome text, result jsonb, error_state text, error_message text)
LANGUAGE plpgsql VOLATILE AS $$
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
    SELECT DISTINCT hashtextextended((x ->> 'timebankId') || ':' || 'key:' || (x ->> 'key'), 0)
    FROM jsonb_array_elements(p_postings) x ORDER BY 1
  LOOP
    PERFORM pg_advisory_xact_lock(v_lock);
  END LOOP;

  SELECT array_agg(DISTINCT y ORDER BY y) INTO v_accounts FROM (
    SELECT (l ->> 'debitAccountId')::uuid AS y FROM jsonb_array_elements(p_postings) x, jsonb_array_elements(x -> 'legs') l
    UNION ALL SELECT (l ->> 'creditAccountId')::uuid FROM jsonb_array_elements(p_postings) x, jsonb_array_elements(x -> 'legs') l
  ) s;
  PERFORM 1 FROM "Account" a WHERE a."id" = ANY (v_accounts) ORDER BY a."id" FOR UPDATE OF a;

  FOR p, i IN SELECT x.value, (x.ordinality - 1)::int FROM jsonb_array_elements(p_postings) WITH ORDINALITY AS x LOOP
    BEGIN
      SELECT f.outcome, f.result INTO v_outcome, v_result
      FROM ledger_post_transfers(
        (p ->> 'timebankId')::uuid, p ->> 'key', p ->> 'hash', (p ->> 'createdBy')::uuid, (p ->> 'now')::timestamptz,
        (p ->> 'groupId')::uuid, (p ->> 'requireActive')::boolean, p -> 'legs', p -> 'events',
        CASE WHEN jsonb_typeof(p -> 'refusal') = 'object' THEN p -> 'refusal' END) f;
      idx := i; outcome := v_outcome; result := v_result; error_state := NULL; error_message := NULL;
      RETURN NEXT;
    EXCEPTION WHEN OTHERS THEN
      idx := i; outcome := NULL; result := NULL; error_state := SQLSTATE; error_message := SQLERRM;
      RETURN NEXT;
    END;
  END LOOP;
END;
$$;
