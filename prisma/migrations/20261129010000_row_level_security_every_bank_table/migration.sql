-- Row-level security on every table that belongs to a bank (hand-written; Prisma does not model
-- it). Migration 20261128200000_row_level_security created the role timebank_app and the policies
-- of the ledger, the profiles and the onboarding record; this one gives the same policy to every
-- other bank-owned table, so that a statement of the server that forgets its bank filter finds
-- and changes nothing outside the banks named in the setting timebank.bank_ids ('*' = every bank,
-- unset or empty = none).
--
-- Tables that span two banks are visible, and writable, when EITHER side is in scope:
--   Partnership        proposerBankId / partnerBankId
--   InterBankTransfer  timebankId (the source bank, which keeps the coordination row) /
--                      targetTimebankId
-- (the two legs of an inter-bank transfer are ordinary Transfer rows, each in its own bank,
-- already protected by its bank; PartnerClearing is one bank's clearing account for a
-- partnership and belongs to that bank alone.)
--
-- Deliberately WITHOUT a policy (cross-bank by design; also said in the README):
--   Timebank          the directory of banks: every request resolves its bank (by slug or id) here
--                     before it knows which banks it may see; names and settings, nothing personal.
--   Person            one login for several banks: logIn and signUp find a person by email before
--                     any bank is known, and a policy would need a membership lookup per row.
--                     Personal details are served only through the member services' rules.
--   Institution, InstitutionDelegate
--                     one institution across the banks it belongs to, and the people acting for it
--                     (the delegates' rules are checked by the federation service).
--   StatsRefreshState the statistics refresher's watermark (no bank).
--   StatsBankPeriod, StatsBankPeriodCategory, StatsInterBankFlow, StatsInstitutionHours,
--   StatsParticipation
--                     the statistics rollups: counts only (no person, no account, no row id of a
--                     bank's table), written only by the refresher, and read across every bank on
--                     purpose: the umbrella body reads the national tables, and a coordinator's
--                     figures are computed over every bank so that small cells are suppressed
--                     exactly as in the national table (src/modules/stats/stats.service.ts). The
--                     figures a reader gets are narrowed and suppressed by the statistics service.
--   OutboxEvent is protected (below): its payloads hold ids only, but it says who did what when;
--                     the relay and the catch-up replay read it as background work with '*'.
DO $$
DECLARE
  spec text[];
  one_side text := $s$(SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*')$s$;
  in_scope text := $s$ = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[])$s$;
  cond text;
BEGIN
  -- {table, bank column[, second bank column]}
  FOREACH spec SLICE 1 IN ARRAY ARRAY[
    ['Membership', 'timebankId', ''],
    ['Category', 'timebankId', ''],
    ['MemberSkill', 'timebankId', ''],
    ['CapacityPolicy', 'timebankId', ''],
    ['CapacitySchedule', 'timebankId', ''],
    ['WorkLog', 'timebankId', ''],
    ['DepositRequest', 'timebankId', ''],
    ['TimeOffRequest', 'timebankId', ''],
    ['TimeAccountEntry', 'timebankId', ''],
    ['ServiceCommitment', 'timebankId', ''],
    ['Post', 'timebankId', ''],
    ['Match', 'timebankId', ''],
    ['MemberVouch', 'timebankId', ''],
    ['MatchingSettings', 'timebankId', ''],
    ['AccountLimitChange', 'timebankId', ''],
    ['RefusedRequest', 'timebankId', ''],
    ['OutboxEvent', 'timebankId', ''],
    ['OnboardingSettings', 'timebankId', ''],
    ['PartnerOrganisation', 'timebankId', ''],
    ['Referral', 'timebankId', ''],
    ['HelperAuthorisation', 'timebankId', ''],
    ['ActingLog', 'timebankId', ''],
    ['MentorPairing', 'timebankId', ''],
    ['EngagementPreference', 'timebankId', ''],
    ['Activity', 'timebankId', ''],
    ['ActivitySignup', 'timebankId', ''],
    ['InstitutionMembership', 'timebankId', ''],
    ['InstitutionSupervision', 'timebankId', ''],
    ['PartnerClearing', 'timebankId', ''],
    ['ParticipationProfile', 'timebankId', ''],
    ['StatsMemberFirstExchange', 'timebankId', ''],
    ['InterBankTransfer', 'timebankId', 'targetTimebankId'],
    ['Partnership', 'proposerBankId', 'partnerBankId']
  ] LOOP
    -- Scalar subqueries, as in 20261128200000: the setting is read once per statement (an
    -- InitPlan), not once per row.
    cond := format('%s OR %I%s', one_side, spec[2], in_scope);
    IF spec[3] <> '' THEN
      cond := cond || format(' OR %I%s', spec[3], in_scope);
    END IF;
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', spec[1]);
    EXECUTE format('CREATE POLICY bank_scope ON %I TO timebank_app USING (%s) WITH CHECK (%s)', spec[1], cond, cond);
  END LOOP;
END $$;
