-- CreateIndex
CREATE INDEX "transfer_payer_status_height_transfer_id_idx" ON "console"."transfer"("payer", "status", "height" DESC, "transfer_id" DESC);

-- CreateIndex
CREATE INDEX "transfer_payee_status_height_transfer_id_idx" ON "console"."transfer"("payee", "status", "height" DESC, "transfer_id" DESC);
