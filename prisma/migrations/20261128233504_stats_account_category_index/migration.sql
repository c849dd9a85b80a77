-- CreateIndex
CREATE INDEX "StatsAccountCategory_timebankId_lastAt_idx" ON "StatsAccountCategory"("timebankId", "lastAt");
