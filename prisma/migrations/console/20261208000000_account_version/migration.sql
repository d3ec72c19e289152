-- CreateTable
CREATE TABLE "console"."account_version" (
    "account_id" TEXT NOT NULL,
    "height" INTEGER NOT NULL,
    "balance_minor" BIGINT NOT NULL,
    "reserved_minor" BIGINT NOT NULL,

    CONSTRAINT "account_version_pkey" PRIMARY KEY ("account_id","height")
);

-- The blocks already stored: the accounts each changed, then the zero accounts each member currency opened.
INSERT INTO "console"."account_version" ("account_id", "height", "balance_minor", "reserved_minor")
SELECT a->>'id', b.height, (a->>'balanceMinor')::bigint, (a->>'reservedMinor')::bigint
FROM "console"."block" b, jsonb_array_elements(COALESCE(b.body::jsonb -> 'accounts', '[]'::jsonb)) a
ON CONFLICT DO NOTHING;

INSERT INTO "console"."account_version" ("account_id", "height", "balance_minor", "reserved_minor")
SELECT x.id, min(x.height), 0, 0
FROM (
  SELECT unnest(ARRAY[
      (p->>'id') || '/' || c, (p->>'id') || '/' || c || '/settlement', (p->>'id') || '/' || c || '/fees',
      'hub/' || c, 'hub/' || c || '/fees']) AS id,
    b.height
  FROM "console"."block" b,
    jsonb_array_elements(COALESCE(b.body::jsonb -> 'participants', '[]'::jsonb)) p,
    jsonb_array_elements_text(p -> 'currencies') c
) x
GROUP BY x.id
HAVING NOT EXISTS (
  SELECT 1 FROM "console"."account_version" v WHERE v.account_id = x.id AND v.height <= min(x.height)
)
ON CONFLICT DO NOTHING;
