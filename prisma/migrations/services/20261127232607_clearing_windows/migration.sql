-- AlterTable
ALTER TABLE "clearing"."windows" ADD COLUMN     "aborted_at" TIMESTAMP(3),
ADD COLUMN     "carried_to_id" INTEGER,
ADD COLUMN     "close_reason" TEXT,
ADD COLUMN     "currency" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "from_height" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "gross_minor" BIGINT,
ADD COLUMN     "net_moved_minor" BIGINT,
ADD COLUMN     "settled_at" TIMESTAMP(3),
ADD COLUMN     "to_height" INTEGER,
ADD COLUMN     "value_date" TEXT;

-- AlterTable
ALTER TABLE "clearing"."blocks" ALTER COLUMN "window_id" DROP NOT NULL;

-- CreateTable
CREATE TABLE "clearing"."bilateral" (
    "window_id" INTEGER NOT NULL,
    "payer" TEXT NOT NULL,
    "payee" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL DEFAULT 0,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "bilateral_pkey" PRIMARY KEY ("window_id","payer","payee")
);

-- CreateTable
CREATE TABLE "clearing"."instructions" (
    "id" TEXT NOT NULL,
    "window_id" INTEGER NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "confirmed_minor" BIGINT NOT NULL DEFAULT 0,
    "value_date" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "instructions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."confirmations" (
    "id" SERIAL NOT NULL,
    "instruction_id" TEXT NOT NULL,
    "bank_reference" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reversed_at" TIMESTAMP(3),

    CONSTRAINT "confirmations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."caps" (
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "cap_minor" BIGINT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "caps_pkey" PRIMARY KEY ("participant_id","currency")
);

-- CreateTable
CREATE TABLE "clearing"."accounts" (
    "id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "balance_minor" BIGINT NOT NULL,
    "reserved_minor" BIGINT NOT NULL,
    "height" INTEGER NOT NULL,
    "alarmed" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."commands" (
    "request_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "applied_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "commands_pkey" PRIMARY KEY ("request_id")
);

-- CreateTable
CREATE TABLE "clearing"."outbox" (
    "seq" BIGSERIAL NOT NULL,
    "event_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMP(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "instructions_window_id_participant_id_currency_key" ON "clearing"."instructions"("window_id", "participant_id", "currency");

-- CreateIndex
CREATE UNIQUE INDEX "confirmations_instruction_id_bank_reference_key" ON "clearing"."confirmations"("instruction_id", "bank_reference");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_event_id_key" ON "clearing"."outbox"("event_id");

-- CreateIndex
CREATE INDEX "outbox_published_at_seq_idx" ON "clearing"."outbox"("published_at", "seq");

-- CreateIndex
CREATE INDEX "windows_currency_status_idx" ON "clearing"."windows"("currency", "status");

-- Windows from before per-currency windows (no currency) are kept for the record, never used again.
UPDATE "clearing"."windows" SET "status" = 'legacy' WHERE "currency" = '';

-- At most one open window per currency (not expressible in the Prisma schema).
CREATE UNIQUE INDEX "windows_one_open_per_currency" ON "clearing"."windows"("currency") WHERE "status" = 'open';
