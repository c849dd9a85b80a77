-- AlterTable
ALTER TABLE "MatchingSettings" ADD COLUMN     "radiusKm" DOUBLE PRECISION NOT NULL DEFAULT 10,
ADD COLUMN     "vocabulary" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "MatchingActivity" (
    "id" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "group" TEXT NOT NULL,
    "terms" JSONB NOT NULL,
    "version" INTEGER NOT NULL,

    CONSTRAINT "MatchingActivity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MatchingSynonym" (
    "timebankId" UUID NOT NULL,
    "id" UUID NOT NULL,
    "activityId" TEXT NOT NULL,
    "phrase" TEXT NOT NULL,
    "folded" TEXT NOT NULL,
    "createdById" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MatchingSynonym_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateTable
CREATE TABLE "MatchingMemberIndex" (
    "timebankId" UUID NOT NULL,
    "membershipId" UUID NOT NULL,
    "activities" TEXT[],
    "strengths" JSONB NOT NULL DEFAULT '{}',
    "words" TEXT[],
    "lat" DOUBLE PRECISION,
    "lon" DOUBLE PRECISION,
    "indexedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MatchingMemberIndex_pkey" PRIMARY KEY ("timebankId","membershipId")
);

-- CreateTable
CREATE TABLE "MatchingPostIndex" (
    "timebankId" UUID NOT NULL,
    "postId" UUID NOT NULL,
    "activities" TEXT[],
    "strengths" JSONB NOT NULL DEFAULT '{}',
    "words" TEXT[],
    "languages" TEXT[],
    "lat" DOUBLE PRECISION,
    "lon" DOUBLE PRECISION,
    "indexedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MatchingPostIndex_pkey" PRIMARY KEY ("timebankId","postId")
);

-- CreateTable
CREATE TABLE "MatchingStale" (
    "timebankId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "id" UUID NOT NULL,

    CONSTRAINT "MatchingStale_pkey" PRIMARY KEY ("timebankId","kind","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "MatchingSynonym_timebankId_folded_key" ON "MatchingSynonym"("timebankId", "folded");

-- CreateIndex
CREATE INDEX "MatchingMemberIndex_activities_idx" ON "MatchingMemberIndex" USING GIN ("activities");

-- CreateIndex
CREATE INDEX "MatchingMemberIndex_words_idx" ON "MatchingMemberIndex" USING GIN ("words");

-- CreateIndex
CREATE INDEX "MatchingPostIndex_activities_idx" ON "MatchingPostIndex" USING GIN ("activities");

-- CreateIndex
CREATE INDEX "MatchingPostIndex_words_idx" ON "MatchingPostIndex" USING GIN ("words");

-- Hand-written: what changed is queued for the matching index (src/modules/matching/matching.index.ts),
-- whoever wrote it (the API, the seed, a script): skills and needs, a profile's bio or
-- neighbourhood, a post's words, category or place. The service indexes a bank's queue before
-- it reads the index, so the index is never older than the texts it was made from.
CREATE FUNCTION matching_member_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO "MatchingStale" ("timebankId", "kind", "id") VALUES (OLD."timebankId", 'member', OLD."membershipId") ON CONFLICT DO NOTHING;
    RETURN OLD;
  END IF;
  INSERT INTO "MatchingStale" ("timebankId", "kind", "id") VALUES (NEW."timebankId", 'member', NEW."membershipId") ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;

CREATE FUNCTION matching_post_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "MatchingStale" ("timebankId", "kind", "id") VALUES (NEW."timebankId", 'post', NEW."id") ON CONFLICT DO NOTHING;
  RETURN NEW;
END
$$;

CREATE TRIGGER "MemberSkill_matching_stale" AFTER INSERT OR UPDATE OR DELETE ON "MemberSkill"
  FOR EACH ROW EXECUTE FUNCTION matching_member_changed();
CREATE TRIGGER "MemberProfile_matching_stale" AFTER INSERT OR UPDATE OF "bio", "neighbourhood" ON "MemberProfile"
  FOR EACH ROW EXECUTE FUNCTION matching_member_changed();
CREATE TRIGGER "Post_matching_stale" AFTER INSERT OR UPDATE OF "title", "description", "tags", "categoryId", "neighbourhood" ON "Post"
  FOR EACH ROW EXECUTE FUNCTION matching_post_changed();

-- Members and posts written before this migration are indexed on first use.
INSERT INTO "MatchingStale" ("timebankId", "kind", "id") SELECT "timebankId", 'member', "id" FROM "Membership" ON CONFLICT DO NOTHING;
INSERT INTO "MatchingStale" ("timebankId", "kind", "id") SELECT "timebankId", 'post', "id" FROM "Post" ON CONFLICT DO NOTHING;

ALTER TABLE "MatchingSettings" ADD CONSTRAINT "MatchingSettings_radius_positive" CHECK ("radiusKm" > 0 AND "radiusKm" <= 500);
ALTER TABLE "MatchingSynonym" ADD CONSTRAINT "MatchingSynonym_phrase_present" CHECK (length(btrim("phrase")) BETWEEN 2 AND 80);
ALTER TABLE "MatchingStale" ADD CONSTRAINT "MatchingStale_kind" CHECK ("kind" IN ('member', 'post'));

-- Row-level security, as every bank table (20261129010000_row_level_security_every_bank_table).
DO $$
DECLARE
  t text;
  cond text := $s$(SELECT coalesce(current_setting('timebank.bank_ids', true), '') = '*') OR "timebankId" = ANY ((SELECT string_to_array(nullif(nullif(current_setting('timebank.bank_ids', true), '*'), ''), ',')::uuid[])::uuid[])$s$;
BEGIN
  FOREACH t IN ARRAY ARRAY['MatchingSynonym', 'MatchingMemberIndex', 'MatchingPostIndex', 'MatchingStale'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY bank_scope ON %I TO timebank_app USING (%s) WITH CHECK (%s)', t, cond, cond);
  END LOOP;
END $$;
