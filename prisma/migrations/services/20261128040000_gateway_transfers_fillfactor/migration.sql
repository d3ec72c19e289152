-- Every transfer row is updated once, when its block is applied (status, reason, block height, times:
-- no indexed column). Room left on each page lets PostgreSQL keep that update on the same page (a HOT
-- update) instead of writing a new version with an entry in each of the table's three indexes.
-- Prisma's schema has no word for a storage parameter, so this lives only here.
ALTER TABLE "gateway"."transfers" SET (fillfactor = 70);
