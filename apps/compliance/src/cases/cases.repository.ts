import type { CompliancePrisma, Prisma } from '../prisma';

export interface DecisionRow {
  id: number;
  caseId: string;
  officerId: string;
  action: string;
  reason: string;
  prevHash: string;
  hash: string;
  signature: string;
  keyId: string;
  createdAt: Date;
}

/** Cases and the chain of decisions on each. */
export class CasesRepository {
  constructor(readonly prisma: CompliancePrisma) {}

  list(status?: string) {
    return this.prisma.case.findMany({
      where: status ? { status } : {},
      orderBy: { createdAt: 'asc' },
      take: 500,
    });
  }

  get(id: string) {
    return this.prisma.case.findUnique({ where: { id } });
  }

  decisions(caseId: string): Promise<DecisionRow[]> {
    return this.prisma.decision.findMany({ where: { caseId }, orderBy: { id: 'asc' } });
  }

  /** The other transfers of either party, newest first: the history officers see on a case. */
  partyHistory(keys: string[], exceptTransferId: string) {
    return this.prisma.screening.findMany({
      where: {
        transferId: { not: exceptTransferId },
        OR: [{ originatorKey: { in: keys } }, { beneficiaryKey: { in: keys } }],
      },
      orderBy: { createdAt: 'desc' },
      take: 50,
      select: {
        transferId: true,
        payer: true,
        payee: true,
        amountMinor: true,
        currency: true,
        status: true,
        createdAt: true,
        originatorKey: true,
        beneficiaryKey: true,
      },
    });
  }

  /** Runs `work` with the case row locked, so that two officers deciding at once are serialised. */
  async locked<T>(
    caseId: string,
    work: (tx: Prisma.TransactionClient, status: string | null) => Promise<T>,
  ): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        { status: string }[]
      >`select status from compliance.cases where id = ${caseId} for update`;
      return work(tx, rows[0]?.status ?? null);
    });
  }

  /** Open cases past their deadline. */
  overdue(now: Date) {
    return this.prisma.case.findMany({
      where: { status: 'open', deadline: { lt: now } },
      select: { id: true },
    });
  }
}
