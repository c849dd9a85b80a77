-- Record keys of the cell key method (docs/statistics.md). random() is volatile, so every existing
-- membership gets its own key (the table is rewritten once), and every new one draws its own.
-- AlterTable
ALTER TABLE "Membership" ADD COLUMN     "statsKey" DOUBLE PRECISION NOT NULL DEFAULT random();
