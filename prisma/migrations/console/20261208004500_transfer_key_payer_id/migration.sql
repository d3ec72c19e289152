-- A transfer is known by its payer and its id (two payers may use one id): the latest-status table is
-- keyed by both, and each status event names its payer ('' for events stored before, which were of the
-- one transfer that had the id).
ALTER TABLE "console"."transfer" DROP CONSTRAINT "transfer_pkey",
  ADD CONSTRAINT "transfer_pkey" PRIMARY KEY ("transfer_id", "payer");

ALTER TABLE "console"."transfer_event" ADD COLUMN "payer" TEXT NOT NULL DEFAULT '';
