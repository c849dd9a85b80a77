-- Hand-written: two reads that need every bank, as functions that set it for themselves.
--
-- Row-level security (migrations 20261128200000, 20261129010000) shows the application role the
-- rows of the banks named in timebank.bank_ids, a session setting the server's pool sets on a
-- connection whenever the statement it runs next is for other banks than the last one
-- (src/db/bank-scope.ts). Two statements that every mutation causes needed '*' (every bank):
--   * the viewer's lookup (who is asking, their memberships in every bank, the banks they may
--     read), before the request is narrowed to those banks;
--   * the outbox relay's claim of unpublished events, after every commit that recorded events.
-- Between them and the requests' own statements (one bank's), pooled connections flipped from
-- '*' to a bank and back: under bench:ledger, one set_config round trip for every four requests,
-- a fifth of all statements. Here each reads with '*' through its function's own SET clause,
-- which PostgreSQL restores when the function returns, so the server runs them on any connection
-- as it is set (selfScoped) and sends no setting for them. What they return is what the server
-- read before with '*'; nothing else becomes visible.

-- The people with these ids and their memberships; see src/context/coalesce.ts (viewerRows).
CREATE FUNCTION timebank_viewer_rows(p_ids uuid[])
RETURNS TABLE ("id" text, "isPlatformAdmin" boolean, "isUmbrella" boolean, "erasedAt" timestamptz, "memberships" json, "readable" text[])
LANGUAGE sql STABLE
SET timebank.bank_ids = '*'
AS $$
  SELECT p."id"::text, p."isPlatformAdmin", p."isUmbrella", p."erasedAt",
         coalesce((SELECT json_agg(json_build_object('timebankId', m."timebankId", 'id', m."id", 'role', m."role", 'status', m."status"))
                     FROM "Membership" m WHERE m."personId" = p."id"), '[]'::json),
         (WITH own AS (
              SELECT m."timebankId" AS b FROM "Membership" m WHERE m."personId" = p."id"
              UNION SELECT im."timebankId" FROM "InstitutionDelegate" d JOIN "InstitutionMembership" im ON im."institutionId" = d."institutionId" WHERE d."personId" = p."id")
          SELECT array_agg(DISTINCT b::text) FROM (
              SELECT b FROM own
              UNION SELECT pa."partnerBankId" FROM "Partnership" pa JOIN own ON own.b = pa."proposerBankId"
              UNION SELECT pa."proposerBankId" FROM "Partnership" pa JOIN own ON own.b = pa."partnerBankId") readable)
    FROM "Person" p WHERE p."id" = ANY(p_ids)
$$;

-- Within the caller's transaction: takes the publication lock (the same key as
-- PUBLICATION_LOCK in src/modules/events/outbox.ts), claims up to p_limit unpublished events
-- (SKIP LOCKED), numbers them after the highest position so far and marks them published.
-- One statement instead of the lock and the claim as two; see outbox.ts (claimBatch).
CREATE FUNCTION outbox_claim(p_limit int)
RETURNS SETOF "OutboxEvent"
LANGUAGE plpgsql VOLATILE
SET timebank.bank_ids = '*'
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(72707370);
  RETURN QUERY
    WITH claimed AS (
      SELECT e."timebankId", e."id" FROM "OutboxEvent" e WHERE e."publishedAt" IS NULL ORDER BY e."id" LIMIT p_limit FOR UPDATE SKIP LOCKED
    ), numbered AS (
      SELECT c."timebankId", c."id",
        (SELECT coalesce(max(x."position"), 0) FROM "OutboxEvent" x) + row_number() OVER (ORDER BY c."id") AS "position"
      FROM claimed c
    )
    UPDATE "OutboxEvent" o SET "publishedAt" = now(), "position" = n."position"
    FROM numbered n WHERE o."timebankId" = n."timebankId" AND o."id" = n."id"
    RETURNING o.*;
END
$$;
