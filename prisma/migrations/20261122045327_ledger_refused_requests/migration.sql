-- CreateTable
CREATE TABLE "RefusedRequest" (
    "timebankId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RefusedRequest_pkey" PRIMARY KEY ("timebankId","idempotencyKey")
);

-- AddForeignKey
ALTER TABLE "RefusedRequest" ADD CONSTRAINT "RefusedRequest_timebankId_fkey" FOREIGN KEY ("timebankId") REFERENCES "Timebank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
