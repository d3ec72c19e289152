-- CreateTable
CREATE TABLE "fx"."rate_refreshes" (
    "id" SERIAL NOT NULL,
    "provider" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "finished_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ok" BOOLEAN NOT NULL,
    "loaded" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "rate_refreshes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fx"."spreads" (
    "id" SERIAL NOT NULL,
    "source_currency" TEXT NOT NULL,
    "target_currency" TEXT NOT NULL,
    "spread_bps" INTEGER NOT NULL,
    "valid_from" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "request_id" TEXT,

    CONSTRAINT "spreads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fx"."markups" (
    "id" SERIAL NOT NULL,
    "participant_id" TEXT NOT NULL,
    "markup_bps" INTEGER NOT NULL,
    "valid_from" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "request_id" TEXT,

    CONSTRAINT "markups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fx"."fee_schedules" (
    "id" SERIAL NOT NULL,
    "source_currency" TEXT NOT NULL,
    "target_currency" TEXT NOT NULL,
    "fixed_minor" BIGINT NOT NULL,
    "percent_bps" INTEGER NOT NULL,
    "min_minor" BIGINT NOT NULL,
    "max_minor" BIGINT,
    "valid_from" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT NOT NULL,
    "request_id" TEXT,

    CONSTRAINT "fee_schedules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rate_refreshes_provider_ok_id_idx" ON "fx"."rate_refreshes"("provider", "ok", "id");

-- CreateIndex
CREATE UNIQUE INDEX "spreads_request_id_key" ON "fx"."spreads"("request_id");

-- CreateIndex
CREATE INDEX "spreads_source_currency_target_currency_valid_from_idx" ON "fx"."spreads"("source_currency", "target_currency", "valid_from");

-- CreateIndex
CREATE UNIQUE INDEX "markups_request_id_key" ON "fx"."markups"("request_id");

-- CreateIndex
CREATE INDEX "markups_participant_id_valid_from_idx" ON "fx"."markups"("participant_id", "valid_from");

-- CreateIndex
CREATE UNIQUE INDEX "fee_schedules_request_id_key" ON "fx"."fee_schedules"("request_id");

-- CreateIndex
CREATE INDEX "fee_schedules_source_currency_target_currency_valid_from_idx" ON "fx"."fee_schedules"("source_currency", "target_currency", "valid_from");
