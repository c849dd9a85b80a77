-- CreateIndex
CREATE INDEX "Account_id_idx" ON "Account"("id");

-- CreateIndex
CREATE INDEX "Account_membershipId_idx" ON "Account"("membershipId");

-- CreateIndex
CREATE INDEX "MemberProfile_membershipId_idx" ON "MemberProfile"("membershipId");

-- CreateIndex
CREATE INDEX "MemberSkill_membershipId_idx" ON "MemberSkill"("membershipId");

-- CreateIndex
CREATE INDEX "Membership_id_idx" ON "Membership"("id");

-- CreateIndex
CREATE INDEX "Post_id_idx" ON "Post"("id");
