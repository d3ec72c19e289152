-- CreateTable
CREATE TABLE "console"."break_note" (
    "id" BIGSERIAL NOT NULL,
    "break_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "by" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "break_note_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "break_note_break_id_id_idx" ON "console"."break_note"("break_id", "id");
