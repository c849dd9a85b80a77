-- CreateTable
CREATE TABLE "OutboxEvent" (
    "timebankId" UUID NOT NULL,
    "id" BIGSERIAL NOT NULL,
    "position" BIGINT,
    "type" TEXT NOT NULL,
    "toAllMembers" BOOLEAN NOT NULL DEFAULT false,
    "toCoordinators" BOOLEAN NOT NULL DEFAULT false,
    "recipientMembershipIds" UUID[] DEFAULT ARRAY[]::UUID[],
    "recipientPersonIds" UUID[] DEFAULT ARRAY[]::UUID[],
    "payload" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OutboxEvent_pkey" PRIMARY KEY ("timebankId","id")
);

-- CreateIndex
CREATE INDEX "OutboxEvent_publishedAt_id_idx" ON "OutboxEvent"("publishedAt", "id");

-- CreateIndex
CREATE INDEX "OutboxEvent_timebankId_position_idx" ON "OutboxEvent"("timebankId", "position");

-- CreateIndex
CREATE INDEX "OutboxEvent_position_idx" ON "OutboxEvent"("position");
