-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "compliance";

-- CreateTable
CREATE TABLE "compliance"."list_versions" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "entry_count" INTEGER NOT NULL,
    "entries" JSONB,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "list_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compliance"."screenings" (
    "transfer_id" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "payer" TEXT NOT NULL,
    "payee" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "corridor" TEXT NOT NULL,
    "originator_key" TEXT NOT NULL,
    "beneficiary_key" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "commitment" TEXT NOT NULL,
    "sealed" JSONB NOT NULL,
    "clearance" JSONB,
    "rule_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "screenings_pkey" PRIMARY KEY ("transfer_id")
);

-- CreateTable
CREATE TABLE "compliance"."findings" (
    "id" SERIAL NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "score" DOUBLE PRECISION,
    "outcome" TEXT NOT NULL,
    "explanation" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "findings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compliance"."cases" (
    "id" TEXT NOT NULL,
    "transfer_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "sanctions" BOOLEAN NOT NULL,
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "escalated_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compliance"."decisions" (
    "id" SERIAL NOT NULL,
    "case_id" TEXT NOT NULL,
    "officer_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compliance"."rule_versions" (
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "author" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rule_versions_pkey" PRIMARY KEY ("version")
);

-- CreateIndex
CREATE INDEX "list_versions_source_status_id_idx" ON "compliance"."list_versions"("source", "status", "id");

-- CreateIndex
CREATE INDEX "screenings_originator_key_created_at_idx" ON "compliance"."screenings"("originator_key", "created_at");

-- CreateIndex
CREATE INDEX "screenings_beneficiary_key_created_at_idx" ON "compliance"."screenings"("beneficiary_key", "created_at");

-- CreateIndex
CREATE INDEX "screenings_created_at_idx" ON "compliance"."screenings"("created_at");

-- CreateIndex
CREATE INDEX "findings_transfer_id_idx" ON "compliance"."findings"("transfer_id");

-- CreateIndex
CREATE UNIQUE INDEX "cases_transfer_id_key" ON "compliance"."cases"("transfer_id");

-- CreateIndex
CREATE INDEX "cases_status_deadline_idx" ON "compliance"."cases"("status", "deadline");

-- CreateIndex
CREATE INDEX "decisions_case_id_id_idx" ON "compliance"."decisions"("case_id", "id");
