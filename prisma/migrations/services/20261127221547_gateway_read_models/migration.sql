-- CreateTable
CREATE TABLE "gateway"."accounts" (
    "id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "balance_minor" BIGINT NOT NULL,
    "reserved_minor" BIGINT NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway"."blocks" (
    "height" INTEGER NOT NULL,
    "header_hash" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "applied" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("height")
);

-- CreateTable
CREATE TABLE "gateway"."signer_sets" (
    "height" INTEGER NOT NULL,
    "signers" TEXT NOT NULL,
    "quorum" INTEGER NOT NULL,

    CONSTRAINT "signer_sets_pkey" PRIMARY KEY ("height")
);

-- CreateIndex
CREATE INDEX "accounts_participant_id_idx" ON "gateway"."accounts"("participant_id");
