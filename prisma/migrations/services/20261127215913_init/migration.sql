-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "clearing";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "fx";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "gateway";

-- CreateTable
CREATE TABLE "gateway"."transfers" (
    "id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "payer" TEXT NOT NULL,
    "payee" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "two_phase" BOOLEAN NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "block_height" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "finalized_at" TIMESTAMP(3),

    CONSTRAINT "transfers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway"."cursors" (
    "name" TEXT NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "cursors_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "gateway"."participants" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "keys" TEXT NOT NULL,
    "currencies" TEXT NOT NULL,
    "status" TEXT NOT NULL,

    CONSTRAINT "participants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."positions" (
    "window_id" INTEGER NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "sent_minor" BIGINT NOT NULL DEFAULT 0,
    "received_minor" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "positions_pkey" PRIMARY KEY ("window_id","participant_id","currency")
);

-- CreateTable
CREATE TABLE "clearing"."windows" (
    "id" SERIAL NOT NULL,
    "status" TEXT NOT NULL,
    "opened_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMP(3),
    "last_height" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "windows_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."blocks" (
    "height" INTEGER NOT NULL,
    "window_id" INTEGER NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("height")
);

-- CreateTable
CREATE TABLE "fx"."rates" (
    "id" SERIAL NOT NULL,
    "base" TEXT NOT NULL,
    "quote" TEXT NOT NULL,
    "rate_num" BIGINT NOT NULL,
    "rate_den" BIGINT NOT NULL,
    "source" TEXT NOT NULL,
    "as_of" TIMESTAMP(3) NOT NULL,
    "loaded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rates_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "transfers_participant_id_created_at_idx" ON "gateway"."transfers"("participant_id", "created_at");

-- CreateIndex
CREATE INDEX "transfers_payee_created_at_idx" ON "gateway"."transfers"("payee", "created_at");

-- CreateIndex
CREATE INDEX "rates_base_quote_as_of_idx" ON "fx"."rates"("base", "quote", "as_of");
