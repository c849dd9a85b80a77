-- Row-level security for the two statistics tables added after 20261129010000 (hand-written).
--
-- StatsAccountCategory holds one row per account and category with the account's last exchange
-- in it: per-account data, so it gets the bank_scope policy of every bank-owned table (the
-- statistics refresher, its only reader and writer, works with every bank).
--
-- StatsSuppressionBasis stays WITHOUT a policy, like the rollups: per bank only its region and
-- cell-size threshold (no person, no account), read across banks by the refresher and by the
-- statistics service when it decides whether a bank's published row is still valid.
ALTER TABLE "StatsAccountCategory" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "StatsAccountCategory" TO timebank_app
  USING ((SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*')
         OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[]))
  WITH CHECK ((SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*')
         OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[]));
