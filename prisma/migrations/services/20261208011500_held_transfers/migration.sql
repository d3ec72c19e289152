-- CreateTable
CREATE TABLE "gateway"."held_transfers" (
    "payer" TEXT NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "command" JSONB NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "held_transfers_pkey" PRIMARY KEY ("payer","transfer_id")
);
