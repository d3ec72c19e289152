-- AlterTable
ALTER TABLE "gateway"."webhooks" ADD COLUMN     "format" TEXT NOT NULL DEFAULT 'json';
