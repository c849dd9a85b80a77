-- CreateIndex
CREATE INDEX "MemberProfile_timebankId_neighbourhood_idx" ON "MemberProfile"("timebankId", "neighbourhood");
