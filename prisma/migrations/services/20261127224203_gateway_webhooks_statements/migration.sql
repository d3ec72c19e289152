-- CreateTable
CREATE TABLE "gateway"."webhooks" (
    "id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway"."webhook_deliveries" (
    "id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "block_height" INTEGER NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway"."webhook_attempts" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway"."postings" (
    "account_id" TEXT NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "counterparty" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "height" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "block_time" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "postings_pkey" PRIMARY KEY ("account_id","transfer_id")
);

-- CreateIndex
CREATE INDEX "webhooks_participant_id_idx" ON "gateway"."webhooks"("participant_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "gateway"."webhook_deliveries"("webhook_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_block_height_idx" ON "gateway"."webhook_deliveries"("status", "block_height");

-- CreateIndex
CREATE INDEX "webhook_attempts_delivery_id_attempt_idx" ON "gateway"."webhook_attempts"("delivery_id", "attempt");

-- CreateIndex
CREATE INDEX "webhook_attempts_webhook_id_at_idx" ON "gateway"."webhook_attempts"("webhook_id", "at");

-- CreateIndex
CREATE INDEX "postings_account_id_block_time_height_idx" ON "gateway"."postings"("account_id", "block_time", "height");
