-- CreateEnum
CREATE TYPE "PostKind" AS ENUM ('OFFER', 'REQUEST');

-- CreateEnum
CREATE TYPE "PostStatus" AS ENUM ('OPEN', 'MATCHED', 'DONE', 'CANCELLED', 'EXPIRED');

-- CreateEnum
CREATE TYPE "PostVisibility" AS ENUM ('OWN_BANK', 'FEDERATION');

-- CreateEnum
CREATE TYPE "PlaceMode" AS ENUM ('IN_PERSON', 'AT_HOME', 'BY_PHONE', 'ONLINE');

-- CreateEnum
CREATE TYPE "MatchStatus" AS ENUM ('PROPOSED', 'ACCEPTED', 'DECLINED', 'WITHDRAWN');

-- CreateTable
CREATE TABLE "Post" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "authorId" UUID NOT NULL,
    "kind" "PostKind" NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "categoryId" UUID,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "expectedMinutes" INTEGER,
    "placeMode" "PlaceMode" NOT NULL DEFAULT 'IN_PERSON',
    "neighbourhood" TEXT,
    "availability" JSONB NOT NULL DEFAULT '[]',
    "dates" DATE[],
    "flexible" BOOLEAN NOT NULL DEFAULT true,
    "visibility" "PostVisibility" NOT NULL DEFAULT 'OWN_BANK',
    "requiresVouchedHelper" BOOLEAN NOT NULL DEFAULT false,
    "expiresAt" TIMESTAMPTZ(3),
    "status" "PostStatus" NOT NULL DEFAULT 'OPEN',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closedAt" TIMESTAMPTZ(3),
    "searchVector" tsvector,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "Match" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "candidateId" UUID NOT NULL,
    "offerId" UUID,
    "proposedById" UUID NOT NULL,
    "status" "MatchStatus" NOT NULL DEFAULT 'PROPOSED',
    "score" DOUBLE PRECISION NOT NULL,
    "factors" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "respondedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Match_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "MemberVouch" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "vouchedById" UUID NOT NULL,
    "vouchedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "note" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "MemberVouch_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "MatchingSettings" (
    "timebankId" UUID NOT NULL,
    "weights" JSONB NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MatchingSettings_pkey" PRIMARY KEY ("timebankId")
);

-- CreateIndex
CREATE INDEX "Post_timebankId_kind_status_createdAt_id_idx" ON "Post"("timebankId", "kind", "status", "createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Post_timebankId_authorId_idx" ON "Post"("timebankId", "authorId");

-- CreateIndex
CREATE INDEX "Post_timebankId_categoryId_status_idx" ON "Post"("timebankId", "categoryId", "status");

-- CreateIndex
CREATE INDEX "Post_searchVector_idx" ON "Post" USING GIN ("searchVector");

-- CreateIndex
CREATE INDEX "Post_tags_idx" ON "Post" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "Match_timebankId_candidateId_createdAt_idx" ON "Match"("timebankId", "candidateId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Match_timebankId_requestId_candidateId_key" ON "Match"("timebankId", "requestId", "candidateId");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_timebankId_authorId_fkey" FOREIGN KEY ("timebankId", "authorId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_timebankId_categoryId_fkey" FOREIGN KEY ("timebankId", "categoryId") REFERENCES "Category"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Match" ADD CONSTRAINT "Match_timebankId_requestId_fkey" FOREIGN KEY ("timebankId", "requestId") REFERENCES "Post"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Match" ADD CONSTRAINT "Match_timebankId_offerId_fkey" FOREIGN KEY ("timebankId", "offerId") REFERENCES "Post"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Match" ADD CONSTRAINT "Match_timebankId_candidateId_fkey" FOREIGN KEY ("timebankId", "candidateId") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Match" ADD CONSTRAINT "Match_timebankId_proposedById_fkey" FOREIGN KEY ("timebankId", "proposedById") REFERENCES "Membership"("timebankId", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MemberVouch" ADD CONSTRAINT "MemberVouch_timebankId_membershipId_fkey" FOREIGN KEY ("timebankId", "membershipId") REFERENCES "Membership"("timebankId", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MatchingSettings" ADD CONSTRAINT "MatchingSettings_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: full-text search of posts in the language of the bank's locale, and rules the
-- database itself enforces (Prisma models neither triggers nor CHECK constraints).

-- The text search configuration for a locale tag ('da', 'nb-NO', 'en-GB' ...); 'simple' (no
-- stemming) for languages PostgreSQL has no configuration for.
CREATE FUNCTION timebank_text_search_config(locale text) RETURNS regconfig
LANGUAGE sql STABLE AS $$
  SELECT COALESCE(
    (SELECT c.oid::regconfig
       FROM pg_catalog.pg_ts_config c
      WHERE c.cfgnamespace = 'pg_catalog'::regnamespace
        AND c.cfgname = CASE lower(split_part(replace(coalesce(locale, ''), '_', '-'), '-', 1))
          WHEN 'da' THEN 'danish'   WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
          WHEN 'no' THEN 'norwegian' WHEN 'en' THEN 'english'  WHEN 'sv' THEN 'swedish'
          WHEN 'de' THEN 'german'   WHEN 'nl' THEN 'dutch'     WHEN 'fi' THEN 'finnish'
          WHEN 'fr' THEN 'french'   WHEN 'es' THEN 'spanish'   WHEN 'it' THEN 'italian'
          WHEN 'pt' THEN 'portuguese' WHEN 'hu' THEN 'hungarian' WHEN 'ro' THEN 'romanian'
          WHEN 'ru' THEN 'russian'  WHEN 'tr' THEN 'turkish'
          ELSE 'simple' END),
    'simple'::regconfig)
$$;

CREATE FUNCTION post_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE cfg regconfig;
BEGIN
  SELECT timebank_text_search_config(t."locale") INTO cfg FROM "Timebank" t WHERE t."id" = NEW."timebankId";
  cfg := COALESCE(cfg, 'simple'::regconfig);
  NEW."searchVector" :=
       setweight(to_tsvector(cfg, coalesce(NEW."title", '')), 'A')
    || setweight(to_tsvector(cfg, array_to_string(coalesce(NEW."tags", '{}'::text[]), ' ')), 'B')
    || setweight(to_tsvector(cfg, coalesce(NEW."description", '')), 'C');
  RETURN NEW;
END
$$;

CREATE TRIGGER "Post_search_vector" BEFORE INSERT OR UPDATE OF "title", "description", "tags" ON "Post"
  FOR EACH ROW EXECUTE FUNCTION post_search_vector();

-- A bank that changes its locale gets its posts re-indexed in the new language.
CREATE FUNCTION timebank_reindex_posts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Post" SET "title" = "title" WHERE "timebankId" = NEW."id";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Timebank_reindex_posts" AFTER UPDATE OF "locale" ON "Timebank"
  FOR EACH ROW WHEN (OLD."locale" IS DISTINCT FROM NEW."locale") EXECUTE FUNCTION timebank_reindex_posts();

ALTER TABLE "Post" ADD CONSTRAINT "Post_title_present" CHECK (length(btrim("title")) BETWEEN 1 AND 120);
ALTER TABLE "Post" ADD CONSTRAINT "Post_expected_minutes_positive" CHECK ("expectedMinutes" IS NULL OR "expectedMinutes" BETWEEN 1 AND 10080);
ALTER TABLE "Post" ADD CONSTRAINT "Post_availability_is_array" CHECK (jsonb_typeof("availability") = 'array');
ALTER TABLE "Post" ADD CONSTRAINT "Post_vouched_helper_only_on_requests" CHECK (NOT "requiresVouchedHelper" OR "kind" = 'REQUEST');
ALTER TABLE "Post" ADD CONSTRAINT "Post_closed_when_closed" CHECK (("closedAt" IS NULL) = ("status" IN ('OPEN', 'MATCHED', 'EXPIRED')));
ALTER TABLE "Match" ADD CONSTRAINT "Match_offer_is_not_request" CHECK ("offerId" IS NULL OR "offerId" <> "requestId");
ALTER TABLE "Match" ADD CONSTRAINT "Match_factors_is_array" CHECK (jsonb_typeof("factors") = 'array');
ALTER TABLE "Match" ADD CONSTRAINT "Match_responded_when_answered" CHECK (("respondedAt" IS NULL) = ("status" IN ('PROPOSED', 'WITHDRAWN')) OR "status" = 'WITHDRAWN');
ALTER TABLE "MatchingSettings" ADD CONSTRAINT "MatchingSettings_weights_is_object" CHECK (jsonb_typeof("weights") = 'object');
