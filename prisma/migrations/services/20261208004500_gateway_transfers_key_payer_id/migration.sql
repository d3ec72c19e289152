-- A transfer is known by its payer and the id the payer gave it (the ledger's transferKey): two payers
-- may use one id, and neither learns of the other's. The key leads with the id, so that a payee's
-- lookup by id alone (GET /v1/transfers/{id} of a transfer paid to it) uses it as well.
ALTER TABLE "gateway"."transfers" DROP CONSTRAINT "transfers_pkey",
  ADD CONSTRAINT "transfers_pkey" PRIMARY KEY ("id", "payer");
