
-- CreateTable
CREATE TABLE "blocks" (
    "height" INTEGER NOT NULL,
    "header_hash" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "entries_root" TEXT NOT NULL,
    "state_root" TEXT NOT NULL,
    "block_time_ms" BIGINT NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "first_offset" BIGINT NOT NULL,
    "last_offset" BIGINT NOT NULL,
    "header" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("height")
);

-- CreateTable
CREATE TABLE "entries" (
    "height" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "timestamp_ms" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "rejection" TEXT,
    "outcomes" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "entries_pkey" PRIMARY KEY ("height","seq")
);

-- CreateTable
CREATE TABLE "postings" (
    "height" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "leg" INTEGER NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "debit_account" TEXT NOT NULL,
    "credit_account" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,

    CONSTRAINT "postings_pkey" PRIMARY KEY ("height","seq","leg")
);

-- CreateTable
CREATE TABLE "balances" (
    "account_id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "balance_minor" BIGINT NOT NULL,
    "reserved_minor" BIGINT NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "balances_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "transfers" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "payer" TEXT NOT NULL,
    "payee" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "transfers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "votes" (
    "height" INTEGER NOT NULL,
    "signer_id" TEXT NOT NULL,
    "header_hash" TEXT NOT NULL,
    "signature" TEXT NOT NULL,

    CONSTRAINT "votes_pkey" PRIMARY KEY ("height","signer_id")
);

-- CreateTable
CREATE TABLE "certificates" (
    "height" INTEGER NOT NULL,
    "header_hash" TEXT NOT NULL,
    "signatures" TEXT NOT NULL,

    CONSTRAINT "certificates_pkey" PRIMARY KEY ("height")
);

-- CreateIndex
CREATE INDEX "postings_debit_account_height_idx" ON "postings"("debit_account", "height");

-- CreateIndex
CREATE INDEX "postings_credit_account_height_idx" ON "postings"("credit_account", "height");


