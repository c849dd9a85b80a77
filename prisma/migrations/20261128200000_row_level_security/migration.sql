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

-- True when the bank is among those the current transaction or connection may see.
CREATE FUNCTION timebank_in_scope(bank uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT CASE coalesce(current_setting('timebank.bank_ids', true), '')
    WHEN '*' THEN true
    WHEN '' THEN false
    ELSE bank = ANY (string_to_array(current_setting('timebank.bank_ids', true), ',')::uuid[])
  END
$$;

-- The most sensitive tables: the hour ledger, members' profiles, and the onboarding record
-- (interview notes, references, safeguarding checks).
ALTER TABLE "Account" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "Account" TO timebank_app USING (timebank_in_scope("timebankId")) WITH CHECK (timebank_in_scope("timebankId"));
ALTER TABLE "Transfer" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "Transfer" TO timebank_app USING (timebank_in_scope("timebankId")) WITH CHECK (timebank_in_scope("timebankId"));
ALTER TABLE "MemberProfile" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "MemberProfile" TO timebank_app USING (timebank_in_scope("timebankId")) WITH CHECK (timebank_in_scope("timebankId"));
ALTER TABLE "Interview" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "Interview" TO timebank_app USING (timebank_in_scope("timebankId")) WITH CHECK (timebank_in_scope("timebankId"));
ALTER TABLE "Reference" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "Reference" TO timebank_app USING (timebank_in_scope("timebankId")) WITH CHECK (timebank_in_scope("timebankId"));
ALTER TABLE "SafeguardingCheck" ENABLE ROW LEVEL SECURITY;
CREATE POLICY bank_scope ON "SafeguardingCheck" TO timebank_app USING (timebank_in_scope("timebankId")) WITH CHECK (timebank_in_scope("timebankId"));
