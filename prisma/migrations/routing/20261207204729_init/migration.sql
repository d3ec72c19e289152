-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "routing";

-- CreateTable
CREATE TABLE "routing"."offer_versions" (
    "partner_id" TEXT NOT NULL,
    "offer_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "body" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "offer_versions_pkey" PRIMARY KEY ("partner_id","offer_id","version")
);

-- CreateTable
CREATE TABLE "routing"."participants" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "currencies" TEXT[],
    "keys" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "participants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing"."ledger_cursor" (
    "id" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "ledger_cursor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing"."partner_outcomes" (
    "transfer_id" TEXT NOT NULL,
    "partner_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reserved_at_ms" BIGINT,
    "final_at_ms" BIGINT,

    CONSTRAINT "partner_outcomes_pkey" PRIMARY KEY ("transfer_id")
);

-- CreateTable
CREATE TABLE "routing"."route_options" (
    "id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "option" JSONB NOT NULL,
    "request" JSONB NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "route_options_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing"."orders" (
    "id" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "request" JSONB NOT NULL,
    "sender" JSONB NOT NULL,
    "recipient" JSONB NOT NULL,
    "policy" JSONB NOT NULL,
    "send_currency" TEXT NOT NULL,
    "dest_currency" TEXT NOT NULL,
    "recipient_minor" BIGINT NOT NULL,
    "shown_cost_minor" BIGINT NOT NULL,
    "value_minor" BIGINT NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "routing"."order_attempts" (
    "order_id" TEXT NOT NULL,
    "n" INTEGER NOT NULL,
    "partner_id" TEXT NOT NULL,
    "offer_id" TEXT NOT NULL,
    "offer_version" INTEGER NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "transfer_body" TEXT NOT NULL,
    "quote_id" TEXT,
    "state" TEXT NOT NULL,
    "reason" TEXT,
    "payout_minor" BIGINT NOT NULL,
    "recipient_minor" BIGINT NOT NULL,
    "cost_minor" BIGINT NOT NULL,
    "abort_sent_at" TIMESTAMPTZ(3),
    "deadline_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_attempts_pkey" PRIMARY KEY ("order_id","n")
);

-- CreateTable
CREATE TABLE "routing"."order_events" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "detail" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "partner_outcomes_partner_id_currency_final_at_ms_idx" ON "routing"."partner_outcomes"("partner_id", "currency", "final_at_ms");

-- CreateIndex
CREATE INDEX "route_options_expires_at_idx" ON "routing"."route_options"("expires_at");

-- CreateIndex
CREATE INDEX "orders_app_id_created_at_idx" ON "routing"."orders"("app_id", "created_at");

-- CreateIndex
CREATE INDEX "orders_state_idx" ON "routing"."orders"("state");

-- CreateIndex
CREATE UNIQUE INDEX "orders_app_id_idempotency_key_key" ON "routing"."orders"("app_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "order_attempts_transfer_id_key" ON "routing"."order_attempts"("transfer_id");

-- CreateIndex
CREATE UNIQUE INDEX "order_attempts_quote_id_key" ON "routing"."order_attempts"("quote_id");

-- CreateIndex
CREATE INDEX "order_attempts_state_idx" ON "routing"."order_attempts"("state");

-- CreateIndex
CREATE INDEX "order_events_order_id_id_idx" ON "routing"."order_events"("order_id", "id");

-- AddForeignKey
ALTER TABLE "routing"."order_attempts" ADD CONSTRAINT "order_attempts_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "routing"."orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routing"."order_events" ADD CONSTRAINT "order_events_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "routing"."orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
