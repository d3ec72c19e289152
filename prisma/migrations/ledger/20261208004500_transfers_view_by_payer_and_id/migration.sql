-- A transfer is known by its payer and its id (two payers may use one id): each (payer, id)'s latest
-- recorded outcome, as before per id. Same columns, so the view is replaced in place.
CREATE OR REPLACE VIEW "transfers" AS
SELECT DISTINCT ON (o."v"->>'payer', o."v"->>'transferId')
  o."v"->>'transferId' AS "id", o."v"->>'status' AS "status", o."v"->>'reason' AS "reason",
  o."v"->>'payer' AS "payer", o."v"->>'payee' AS "payee", (o."v"->>'amountMinor')::bigint AS "amount_minor",
  o."v"->>'currency' AS "currency", e."height"
FROM "entries" e CROSS JOIN LATERAL json_array_elements(e."outcomes"::json) WITH ORDINALITY AS o("v", "ord")
WHERE e."rejection" IS NULL AND coalesce((o."v"->>'refusal')::boolean, false) = false
ORDER BY o."v"->>'payer', o."v"->>'transferId', e."height" DESC, e."seq" DESC, o."ord" DESC;
