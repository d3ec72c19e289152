-- AlterTable: events written before webhooks existed have nothing to dispatch.
ALTER TABLE "routing"."order_events" ADD COLUMN "dispatched" BOOLEAN NOT NULL DEFAULT false;
UPDATE "routing"."order_events" SET "dispatched" = true;

-- CreateTable
CREATE TABLE "routing"."order_webhooks" (
    "id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "order_webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing"."order_webhook_deliveries" (
    "id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "event_id" BIGINT NOT NULL,
    "event" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "log" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "order_webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "order_events_dispatched_id_idx" ON "routing"."order_events"("dispatched", "id");
CREATE INDEX "order_webhooks_app_id_idx" ON "routing"."order_webhooks"("app_id");
CREATE INDEX "order_webhook_deliveries_status_created_at_idx" ON "routing"."order_webhook_deliveries"("status", "created_at");
CREATE INDEX "order_webhook_deliveries_webhook_id_created_at_idx" ON "routing"."order_webhook_deliveries"("webhook_id", "created_at");
CREATE UNIQUE INDEX "order_webhook_deliveries_webhook_id_event_id_key" ON "routing"."order_webhook_deliveries"("webhook_id", "event_id");

-- AddForeignKey
ALTER TABLE "routing"."order_webhook_deliveries" ADD CONSTRAINT "order_webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "routing"."order_webhooks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
