-- AlterTable
ALTER TABLE "console"."proposal" ADD COLUMN     "refusal" TEXT;
