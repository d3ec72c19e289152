import type { Clearance } from '@concord/contracts';
import type { CompliancePrisma, Prisma } from '../prisma';
import type { RuleSet } from '../rules/rules';

export interface ScreeningRow {
  transferId: string;
  requestHash: string;
  payer: string;
  payee: string;
  amountMinor: bigint;
  currency: string;
  corridor: string;
  originatorKey: string;
  beneficiaryKey: string;
  status: string;
  commitment: string;
  sealed: Prisma.JsonValue;
  clearance: Prisma.JsonValue;
  ruleVersion: number;
  createdAt: Date;
}

export interface NewFinding {
  kind: 'sanctions' | 'rule' | 'rescreen';
  subject: string;
  score: number | null;
  outcome: string;
  explanation: Prisma.InputJsonValue;
}

export interface NewCase {
  id: string;
  sanctions: boolean;
  deadline: Date;
}

/** Screenings, their findings and the cases they open; and the versions of the monitoring rules. */
export class ScreeningRepository {
  constructor(private readonly prisma: CompliancePrisma) {}

  find(transferId: string): Promise<ScreeningRow | null> {
    return this.prisma.screening.findUnique({ where: { transferId } });
  }

  caseOf(transferId: string): Promise<{ id: string; status: string } | null> {
    return this.prisma.case.findUnique({ where: { transferId }, select: { id: true, status: true } });
  }

  findings(transferId: string) {
    return this.prisma.finding.findMany({ where: { transferId }, orderBy: { id: 'asc' } });
  }

  /** The two parties' transfers since a time, and whether this originator has paid this beneficiary. */
  async history(originatorKey: string, beneficiaryKey: string, since: Date) {
    const rows = await this.prisma.screening.findMany({
      where: { createdAt: { gte: since }, OR: [{ originatorKey }, { beneficiaryKey }] },
      select: {
        originatorKey: true,
        beneficiaryKey: true,
        amountMinor: true,
        currency: true,
        createdAt: true,
      },
    });
    const paid = await this.prisma.screening.findFirst({
      where: { originatorKey, beneficiaryKey },
      select: { transferId: true },
    });
    return { rows, paidBefore: paid !== null };
  }

  /** One screening with its findings and, when held, its case: all or nothing. */
  async create(
    row: Omit<ScreeningRow, 'createdAt'>,
    findings: NewFinding[],
    newCase: NewCase | null,
  ): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.screening.create({
        data: {
          ...row,
          sealed: row.sealed as Prisma.InputJsonValue,
          clearance: (row.clearance ?? undefined) as Prisma.InputJsonValue,
        },
      }),
      this.prisma.finding.createMany({ data: findings.map((f) => ({ ...f, transferId: row.transferId })) }),
      ...(newCase
        ? [this.prisma.case.create({ data: { ...newCase, transferId: row.transferId, status: 'open' } })]
        : []),
    ]);
  }

  /** Screenings since a time, oldest first (backtests and screening again after a list change). */
  since(since: Date, statuses?: string[]): Promise<ScreeningRow[]> {
    return this.prisma.screening.findMany({
      where: { createdAt: { gte: since }, ...(statuses ? { status: { in: statuses } } : {}) },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** A finding of a screening again, and a case for it when it has none: one transaction. */
  async alert(transferId: string, finding: NewFinding, newCase: NewCase): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      await tx.finding.create({ data: { ...finding, transferId } });
      const existing = await tx.case.findUnique({ where: { transferId } });
      if (existing) return false;
      await tx.case.create({ data: { ...newCase, transferId, status: 'open' } });
      return true;
    });
  }

  async setClearance(
    transferId: string,
    status: string,
    clearance: Clearance | null,
    tx: Prisma.TransactionClient,
  ): Promise<void> {
    await tx.screening.update({
      where: { transferId },
      data: { status, ...(clearance ? { clearance: clearance as unknown as Prisma.InputJsonValue } : {}) },
    });
  }

  async currentRules(): Promise<{ version: number; rules: RuleSet } | null> {
    const row = await this.prisma.ruleVersion.findFirst({ orderBy: { version: 'desc' } });
    return row ? { version: row.version, rules: row.rules as unknown as RuleSet } : null;
  }

  async ruleVersion(version: number): Promise<{ version: number; rules: RuleSet } | null> {
    const row = await this.prisma.ruleVersion.findUnique({ where: { version } });
    return row ? { version: row.version, rules: row.rules as unknown as RuleSet } : null;
  }

  ruleVersions() {
    return this.prisma.ruleVersion.findMany({ orderBy: { version: 'desc' } });
  }

  /** A new rule version, numbered after the newest (a concurrent writer makes this one fail: retried). */
  async addRuleVersion(rules: RuleSet, author: string, note: string): Promise<number> {
    const current = await this.prisma.ruleVersion.findFirst({
      orderBy: { version: 'desc' },
      select: { version: true },
    });
    const version = (current?.version ?? 0) + 1;
    await this.prisma.ruleVersion.create({
      data: { version, rules: rules as unknown as Prisma.InputJsonValue, author, note },
    });
    return version;
  }
}
