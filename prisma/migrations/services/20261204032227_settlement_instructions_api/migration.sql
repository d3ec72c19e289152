-- AlterTable
ALTER TABLE "clearing"."confirmations" ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'operator';

-- AlterTable
ALTER TABLE "clearing"."commands" ADD COLUMN     "currency" TEXT,
ADD COLUMN     "window_id" INTEGER;

-- CreateTable
CREATE TABLE "gateway"."settlement_instructions" (
    "id" TEXT NOT NULL,
    "window_id" INTEGER NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "confirmed_minor" BIGINT NOT NULL DEFAULT 0,
    "value_date" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "carried_to_window_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settlement_instructions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway"."settlement_confirmations" (
    "instruction_id" TEXT NOT NULL,
    "bank_reference" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "refusal_code" TEXT,
    "refusal_detail" TEXT,
    "requested_at" TIMESTAMP(3),
    "confirmed_at" TIMESTAMP(3),
    "reversed_at" TIMESTAMP(3),

    CONSTRAINT "settlement_confirmations_pkey" PRIMARY KEY ("instruction_id","bank_reference")
);

-- CreateTable
CREATE TABLE "gateway"."clearing_events" (
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "applied_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clearing_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "settlement_instructions_participant_id_created_at_id_idx" ON "gateway"."settlement_instructions"("participant_id", "created_at" DESC, "id" DESC);
