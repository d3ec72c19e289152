-- CreateTable
CREATE TABLE "clearing"."matching_rules" (
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "matching_rules_pkey" PRIMARY KEY ("version")
);

-- The rules every statement so far was matched by (DEFAULT_MATCHING_RULES, version 1).
INSERT INTO "clearing"."matching_rules" ("version", "rules", "created_by") VALUES (1,
  '{"version":1,"byReference":true,"looseReferences":true,"byAmountAndDate":true,"amountToleranceMinor":{"*":"0","USD":"2500","EUR":"2500","GBP":"2500"},"valueDateToleranceDays":2}',
  'migration');
