-- AlterTable
ALTER TABLE "clearing"."statements" ADD COLUMN     "reconciled_at" TIMESTAMP(3);
