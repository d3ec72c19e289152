-- AlterTable
ALTER TABLE "compliance"."decisions" ADD COLUMN     "officer_signature" TEXT;
