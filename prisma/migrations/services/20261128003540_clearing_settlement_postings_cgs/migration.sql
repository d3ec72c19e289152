-- Clearing: settlement postings for the ledger through the outbox (outbox.topic, blocks.chain_id), net
-- debit caps from the ledger's account limits (accounts.cap_minor replaces the operator-set caps table),
-- and continuous gross settlements.

-- AlterTable
ALTER TABLE "clearing"."blocks" ADD COLUMN     "chain_id" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "clearing"."accounts" ADD COLUMN     "cap_minor" BIGINT;

-- AlterTable
ALTER TABLE "clearing"."outbox" ADD COLUMN     "topic" TEXT NOT NULL DEFAULT 'clearingEvents';

-- DropTable
DROP TABLE "clearing"."caps";

-- CreateTable
CREATE TABLE "clearing"."gross_settlements" (
    "id" SERIAL NOT NULL,
    "height" INTEGER NOT NULL,
    "participant_id" TEXT NOT NULL,
    "counterparty_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "posting_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gross_settlements_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "gross_settlements_posting_id_key" ON "clearing"."gross_settlements"("posting_id");

-- CreateIndex
CREATE INDEX "gross_settlements_participant_id_currency_id_idx" ON "clearing"."gross_settlements"("participant_id", "currency", "id");

-- CreateIndex
CREATE UNIQUE INDEX "gross_settlements_height_participant_id_counterparty_id_cur_key" ON "clearing"."gross_settlements"("height", "participant_id", "counterparty_id", "currency", "direction");
