-- CreateTable
CREATE TABLE "clearing"."statements" (
    "id" SERIAL NOT NULL,
    "format" TEXT NOT NULL,
    "statement_id" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "line_count" INTEGER NOT NULL,
    "matched_count" INTEGER NOT NULL DEFAULT 0,
    "break_count" INTEGER NOT NULL DEFAULT 0,
    "rules_version" INTEGER NOT NULL,
    "uploaded_by" TEXT NOT NULL,
    "uploaded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "statements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."statement_lines" (
    "statement_id" INTEGER NOT NULL,
    "line_no" INTEGER NOT NULL,
    "account" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "booking_date" TEXT NOT NULL,
    "value_date" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "direction" TEXT NOT NULL,
    "end_to_end_id" TEXT,
    "remittance_info" TEXT,
    "bank_reference" TEXT,

    CONSTRAINT "statement_lines_pkey" PRIMARY KEY ("statement_id","line_no")
);

-- CreateTable
CREATE TABLE "clearing"."line_matches" (
    "id" SERIAL NOT NULL,
    "statement_id" INTEGER NOT NULL,
    "line_no" INTEGER NOT NULL,
    "instruction_id" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "difference_minor" BIGINT NOT NULL DEFAULT 0,
    "rule" TEXT NOT NULL,
    "rules_version" INTEGER NOT NULL,
    "bank_reference" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "line_matches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clearing"."breaks" (
    "id" SERIAL NOT NULL,
    "statement_id" INTEGER NOT NULL,
    "line_no" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "instruction_ids" TEXT[],
    "detail" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "rules_version" INTEGER NOT NULL,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMP(3),
    "resolution" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "breaks_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "statements_content_hash_key" ON "clearing"."statements"("content_hash");

-- CreateIndex
CREATE UNIQUE INDEX "statements_format_account_statement_id_key" ON "clearing"."statements"("format", "account", "statement_id");

-- CreateIndex
CREATE INDEX "line_matches_instruction_id_idx" ON "clearing"."line_matches"("instruction_id");

-- CreateIndex
CREATE INDEX "line_matches_statement_id_line_no_idx" ON "clearing"."line_matches"("statement_id", "line_no");

-- CreateIndex
CREATE INDEX "breaks_status_id_idx" ON "clearing"."breaks"("status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "breaks_statement_id_line_no_key" ON "clearing"."breaks"("statement_id", "line_no");
