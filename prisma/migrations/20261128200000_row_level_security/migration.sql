-- Row-level security as a second line of defence (hand-written; Prisma does not model it).
--
-- The server works as the role timebank_app, which does not own the tables: it may read and
-- write rows, but not change or drop tables, policies or triggers, and row-level security
-- applies to it. The migrating connection stays the owner (owners bypass these policies).
-- The server names the banks a connection or transaction may see in the setting
-- timebank.bank_ids: a comma-separated list of bank ids, or '*' for every bank. Without the
-- setting, the protected tables show nothing and accept nothing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'timebank_app') THEN
    BEGIN
      CREATE ROLE timebank_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database of the same cluster created it at the same moment
    END;
  END IF;
  -- The owner switches to the role on its connections (SET ROLE needs membership).
  BEGIN
    EXECUTE format('GRANT timebank_app TO %I', current_user);
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'could not grant timebank_app to %: grant it yourself, or set DATABASE_APP_ROLE to a role you may use', current_user;
  END;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO timebank_app', current_schema());
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO timebank_app', current_schema());
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO timebank_app', current_schema());
  -- Tables and sequences of later migrations (created by this same owner) get the same grants.
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO timebank_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO timebank_app', current_schema());
END $$;

-- The server reads the migration history (/readyz) but never writes it.
REVOKE INSERT, UPDATE, DELETE ON "_prisma_migrations" FROM timebank_app;

-- The most sensitive tables: the hour ledger, members' profiles, and the onboarding record
-- (interview notes, references, safeguarding checks). A row is visible, and may be written,
-- when the setting is '*' or names its bank. Both tests are scalar subqueries so that PostgreSQL
-- evaluates the setting once per statement (an InitPlan), not once per row.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['Account', 'Transfer', 'MemberProfile', 'Interview', 'Reference', 'SafeguardingCheck'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format($p$
      CREATE POLICY bank_scope ON %I TO timebank_app
      USING ((SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*')
             OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[]))
      WITH CHECK ((SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*')
             OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[]))
    $p$, t);
  END LOOP;
END $$;
