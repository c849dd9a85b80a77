-- CreateEnum
CREATE TYPE "InstitutionMembershipStatus" AS ENUM ('PROPOSED', 'ACTIVE', 'REVOKED');

-- AlterTable
ALTER TABLE "InstitutionMembership" ADD COLUMN     "acceptedAt" TIMESTAMPTZ(3),
ADD COLUMN     "acceptedById" UUID,
ADD COLUMN     "proposedById" UUID,
ADD COLUMN     "revokedAt" TIMESTAMPTZ(3),
ADD COLUMN     "revokedById" UUID,
ADD COLUMN     "status" "InstitutionMembershipStatus" NOT NULL DEFAULT 'PROPOSED',
ADD COLUMN     "supervisedMayUseCredit" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "InstitutionSupervision" ADD COLUMN     "endedAt" TIMESTAMPTZ(3),
ADD COLUMN     "endedById" UUID,
ADD COLUMN     "monthlySendLimitMinutes" INTEGER;

-- AlterTable
ALTER TABLE "InterBankTransfer" ADD COLUMN     "showSourceBank" BOOLEAN NOT NULL DEFAULT false;

-- Hand-written. Attachments made before consent existed were accepted by whoever attached them:
-- they stay active, accepted when they were made.
UPDATE "InstitutionMembership" SET "status" = 'ACTIVE', "acceptedAt" = "createdAt";

-- A proposed or revoked attachment gives the institution's delegates no row-level security scope
-- in that bank (issue 18): the viewer's readable banks take only ACTIVE attachments. Otherwise
-- the function is the one of migration 20261129050000.
CREATE OR REPLACE FUNCTION timebank_viewer_rows(p_ids uuid[])
RETURNS TABLE ("id" text, "isPlatformAdmin" boolean, "isUmbrella" boolean, "erasedAt" timestamptz, "memberships" json, "readable" text[])
LANGUAGE plpgsql STABLE
SET timebank.bank_ids = '*'
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
  SELECT p."id"::text, p."isPlatformAdmin", p."isUmbrella", p."erasedAt"::timestamptz,
         coalesce((SELECT json_agg(json_build_object('timebankId', m."timebankId", 'id', m."id", 'role', m."role", 'status', m."status"))
                     FROM "Membership" m WHERE m."personId" = p."id"), '[]'::json),
         (WITH own AS (
              SELECT m."timebankId" AS b FROM "Membership" m WHERE m."personId" = p."id"
              UNION SELECT im."timebankId" FROM "InstitutionDelegate" d JOIN "InstitutionMembership" im ON im."institutionId" = d."institutionId"
                     WHERE d."personId" = p."id" AND im."status" = 'ACTIVE')
          SELECT array_agg(DISTINCT b::text) FROM (
              SELECT b FROM own
              UNION SELECT pa."partnerBankId" FROM "Partnership" pa JOIN own ON own.b = pa."proposerBankId"
              UNION SELECT pa."proposerBankId" FROM "Partnership" pa JOIN own ON own.b = pa."partnerBankId") readable)
    FROM "Person" p WHERE p."id" = ANY(p_ids);
END
$$;
