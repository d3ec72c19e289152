-- DropIndex
DROP INDEX "postings_debit_account_height_idx";

-- DropIndex
DROP INDEX "postings_credit_account_height_idx";
