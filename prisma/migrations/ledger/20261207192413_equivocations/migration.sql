-- Evidence of equivocation: a signer's two signed headers at one height. The votes table keeps one vote per
-- (height, signer) and no headers, so the evidence (both headers, hashes and signatures) gets its own row.

-- CreateTable
CREATE TABLE "equivocations" (
    "height" INTEGER NOT NULL,
    "signer_id" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,

    CONSTRAINT "equivocations_pkey" PRIMARY KEY ("height","signer_id")
);
