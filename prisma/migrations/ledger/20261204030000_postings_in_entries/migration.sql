-- Postings move into their entry as one JSON document, and the postings and transfers tables become
-- views over the entries: a signer then writes one row per log record instead of two more per transfer.

-- AlterTable
ALTER TABLE "entries" ADD COLUMN "postings" TEXT NOT NULL DEFAULT '[]';

UPDATE "entries" e SET "postings" = p."json"
FROM (
  SELECT "height", "seq", json_agg(json_build_object(
      'transferId', "transfer_id", 'debitAccount', "debit_account", 'creditAccount', "credit_account",
      'amountMinor', "amount_minor"::text, 'currency', "currency") ORDER BY "leg")::text AS "json"
  FROM "postings" GROUP BY "height", "seq") p
WHERE p."height" = e."height" AND p."seq" = e."seq";

ALTER TABLE "entries" ALTER COLUMN "postings" DROP DEFAULT;

-- DropTable
DROP TABLE "postings";

-- DropTable
DROP TABLE "transfers";

-- The postings of every entry, one row per leg, as the table had them.
CREATE VIEW "postings" AS
SELECT e."height", e."seq", (p."ord" - 1)::int AS "leg",
  p."v"->>'transferId' AS "transfer_id", p."v"->>'debitAccount' AS "debit_account",
  p."v"->>'creditAccount' AS "credit_account", (p."v"->>'amountMinor')::bigint AS "amount_minor",
  p."v"->>'currency' AS "currency"
FROM "entries" e CROSS JOIN LATERAL json_array_elements(e."postings"::json) WITH ORDINALITY AS p("v", "ord");

-- Each transfer id's latest recorded outcome, as the table had it: outcomes of refused commands and
-- refusals (which take no id) left out, the last outcome by height, entry and position winning.
CREATE VIEW "transfers" AS
SELECT DISTINCT ON (o."v"->>'transferId')
  o."v"->>'transferId' AS "id", o."v"->>'status' AS "status", o."v"->>'reason' AS "reason",
  o."v"->>'payer' AS "payer", o."v"->>'payee' AS "payee", (o."v"->>'amountMinor')::bigint AS "amount_minor",
  o."v"->>'currency' AS "currency", e."height"
FROM "entries" e CROSS JOIN LATERAL json_array_elements(e."outcomes"::json) WITH ORDINALITY AS o("v", "ord")
WHERE e."rejection" IS NULL AND coalesce((o."v"->>'refusal')::boolean, false) = false
ORDER BY o."v"->>'transferId', e."height" DESC, e."seq" DESC, o."ord" DESC;
