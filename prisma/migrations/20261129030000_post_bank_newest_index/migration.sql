-- CreateIndex
CREATE INDEX "Post_timebankId_createdAt_id_idx" ON "Post"("timebankId", "createdAt" DESC, "id");
