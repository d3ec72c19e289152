-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "console";

-- CreateTable
CREATE TABLE "console"."user" (
    "username" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "operator_key_id" TEXT,
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login_at" TIMESTAMPTZ(3),

    CONSTRAINT "user_pkey" PRIMARY KEY ("username")
);

-- CreateTable
CREATE TABLE "console"."session" (
    "token_hash" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "absolute_expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "session_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "console"."audit_log" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "request" JSONB NOT NULL,
    "outcome" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "result" JSONB NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "console"."proposal" (
    "id" TEXT NOT NULL,
    "action" JSONB NOT NULL,
    "chain_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "threshold" INTEGER NOT NULL,
    "submitted_at" TIMESTAMPTZ(3),
    "command_offset" BIGINT,
    "enacted_height" INTEGER,

    CONSTRAINT "proposal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console"."proposal_approval" (
    "proposal_id" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "approved_by" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "proposal_approval_pkey" PRIMARY KEY ("proposal_id","key_id")
);

-- CreateTable
CREATE TABLE "console"."chain_state" (
    "id" INTEGER NOT NULL,
    "chain_id" TEXT NOT NULL,
    "genesis" JSONB NOT NULL,
    "height" INTEGER NOT NULL DEFAULT -1,
    "header_hash" TEXT,
    "block_time" TIMESTAMPTZ(3),
    "signer_sets" JSONB NOT NULL DEFAULT '[]',

    CONSTRAINT "chain_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console"."block" (
    "height" INTEGER NOT NULL,
    "header_hash" TEXT NOT NULL,
    "block_time" TIMESTAMPTZ(3) NOT NULL,
    "entry_count" INTEGER NOT NULL,
    "transfer_count" INTEGER NOT NULL,
    "signer_ids" TEXT[],
    "first_offset" BIGINT NOT NULL,
    "last_offset" BIGINT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "body" TEXT NOT NULL,

    CONSTRAINT "block_pkey" PRIMARY KEY ("height")
);

-- CreateTable
CREATE TABLE "console"."transfer" (
    "transfer_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "payer" TEXT NOT NULL,
    "payee" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL,
    "height" INTEGER NOT NULL,
    "block_time" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "transfer_pkey" PRIMARY KEY ("transfer_id")
);

-- CreateTable
CREATE TABLE "console"."transfer_event" (
    "transfer_id" TEXT NOT NULL,
    "height" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,

    CONSTRAINT "transfer_event_pkey" PRIMARY KEY ("transfer_id","height","seq")
);

-- CreateTable
CREATE TABLE "console"."participant" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "settlement" TEXT NOT NULL,
    "keys" JSONB NOT NULL,
    "currencies" TEXT[],
    "height" INTEGER NOT NULL,

    CONSTRAINT "participant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console"."account" (
    "id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "balance_minor" BIGINT NOT NULL,
    "reserved_minor" BIGINT NOT NULL,
    "limit" JSONB,
    "height" INTEGER NOT NULL,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console"."signer" (
    "id" TEXT NOT NULL,
    "last_vote_height" INTEGER,
    "last_vote_at" TIMESTAMPTZ(3),

    CONSTRAINT "signer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console"."alarm" (
    "id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "height" INTEGER,
    "signer_id" TEXT,
    "participant_id" TEXT,
    "detail" TEXT NOT NULL,
    "accounts" TEXT[],
    "signers" TEXT[],
    "raw" JSONB NOT NULL,
    "raised_at" TIMESTAMPTZ(3) NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3),
    "acknowledged_by" TEXT,
    "note" TEXT,

    CONSTRAINT "alarm_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console"."clearing_event" (
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "window_id" INTEGER,
    "currency" TEXT,
    "body" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clearing_event_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "session_username_idx" ON "console"."session"("username");

-- CreateIndex
CREATE INDEX "audit_log_actor_seq_idx" ON "console"."audit_log"("actor", "seq");

-- CreateIndex
CREATE INDEX "audit_log_action_seq_idx" ON "console"."audit_log"("action", "seq");

-- CreateIndex
CREATE INDEX "proposal_status_created_at_idx" ON "console"."proposal"("status", "created_at");

-- CreateIndex
CREATE INDEX "block_first_offset_idx" ON "console"."block"("first_offset");

-- CreateIndex
CREATE INDEX "block_block_time_idx" ON "console"."block"("block_time");

-- CreateIndex
CREATE INDEX "transfer_height_transfer_id_idx" ON "console"."transfer"("height" DESC, "transfer_id" DESC);

-- CreateIndex
CREATE INDEX "transfer_payer_height_transfer_id_idx" ON "console"."transfer"("payer", "height" DESC, "transfer_id" DESC);

-- CreateIndex
CREATE INDEX "transfer_payee_height_transfer_id_idx" ON "console"."transfer"("payee", "height" DESC, "transfer_id" DESC);

-- CreateIndex
CREATE INDEX "transfer_status_height_transfer_id_idx" ON "console"."transfer"("status", "height" DESC, "transfer_id" DESC);

-- CreateIndex
CREATE INDEX "transfer_block_time_idx" ON "console"."transfer"("block_time");

-- CreateIndex
CREATE INDEX "account_participant_id_idx" ON "console"."account"("participant_id");

-- CreateIndex
CREATE INDEX "alarm_raised_at_id_idx" ON "console"."alarm"("raised_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "clearing_event_window_id_idx" ON "console"."clearing_event"("window_id");

-- AddForeignKey
ALTER TABLE "console"."proposal_approval" ADD CONSTRAINT "proposal_approval_proposal_id_fkey" FOREIGN KEY ("proposal_id") REFERENCES "console"."proposal"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The audit log is append-only: the database itself refuses to change or remove a row, whatever the
-- application does. Only a superuser who disables the trigger can (the tamper test does, and the hash
-- chain then names the row).
CREATE FUNCTION "console".audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON "console"."audit_log"
  FOR EACH ROW EXECUTE FUNCTION "console".audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "console"."audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "console".audit_log_append_only();
