-- Clearing learns each participant's settlement model from the finalized ledger blocks instead of the
-- CLEARING_CGS_PARTICIPANTS list; continuous gross settlement no longer sends a settlement posting per
-- block: the ledger settles a gross participant's transfers at once, against the liquidity it prefunded.

-- DropTable
DROP TABLE "clearing"."gross_settlements";

-- CreateTable
CREATE TABLE "clearing"."participants" (
    "id" TEXT NOT NULL,
    "settlement" TEXT NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "participants_pkey" PRIMARY KEY ("id")
);
