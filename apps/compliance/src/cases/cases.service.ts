import type { Prisma } from '../prisma';
import { fail } from '../compliance.errors';
import type { ScreeningService } from '../screening/screening.service';
import type { ScreeningRepository } from '../screening/screening.repository';
import { ComplianceSigner, GENESIS_DECISION_HASH } from '../signing/compliance-signer';
import { CasesRepository, DecisionRow } from './cases.repository';

const OPEN = ['open', 'escalated'];

/**
 * The officers' case queue. A case is released or rejected with a reason; a case with a sanctions hit is
 * released only when a second, different officer releases it after the first (the first release is
 * recorded as an approval). A case past its deadline escalates and stays held: no clock releases a
 * transfer. Every decision is signed by the compliance key and chained to the case's previous one.
 */
export class CasesService {
  constructor(
    private readonly repository: CasesRepository,
    private readonly screenings: ScreeningRepository,
    private readonly screening: ScreeningService,
    private readonly signer: ComplianceSigner,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(status?: string) {
    return this.repository.list(status);
  }

  async show(caseId: string) {
    const row = (await this.repository.get(caseId)) ?? fail({ kind: 'case-not-found', caseId });
    const transfer = (await this.screenings.find(row.transferId))!;
    const parties = this.screening.openParties(transfer);
    const history = await this.repository.partyHistory(
      [transfer.originatorKey, transfer.beneficiaryKey],
      transfer.transferId,
    );
    return {
      case: row,
      transfer: {
        ...transfer,
        sealed: undefined,
        originator: parties.originator,
        beneficiary: parties.beneficiary,
      },
      findings: await this.screenings.findings(row.transferId),
      decisions: await this.repository.decisions(caseId),
      history: {
        originator: history.filter((h) =>
          [h.originatorKey, h.beneficiaryKey].includes(transfer.originatorKey),
        ),
        beneficiary: history.filter((h) =>
          [h.originatorKey, h.beneficiaryKey].includes(transfer.beneficiaryKey),
        ),
      },
    };
  }

  async release(
    caseId: string,
    officerId: string,
    reason: string,
  ): Promise<{ status: string; decision: DecisionRow }> {
    return this.repository.locked(caseId, async (tx, status) => {
      const row = await this.openCase(tx, caseId, status);
      const decisions = await tx.decision.findMany({ where: { caseId }, orderBy: { id: 'asc' } });
      const approvals = decisions.filter((d) => d.action === 'approve-release');
      if (row.sanctions && approvals.some((d) => d.officerId === officerId)) {
        return fail({ kind: 'same-officer', caseId, officerId });
      }
      if (row.sanctions && approvals.length === 0) {
        return {
          status: row.status,
          decision: await this.record(tx, caseId, officerId, 'approve-release', reason),
        };
      }
      const transfer = (await tx.screening.findUnique({ where: { transferId: row.transferId } }))!;
      const clearance = this.screening.clearanceOf(transfer, transfer.commitment, this.now());
      await this.screenings.setClearance(row.transferId, 'released', clearance, tx);
      await tx.case.update({ where: { id: caseId }, data: { status: 'released', closedAt: this.now() } });
      return { status: 'released', decision: await this.record(tx, caseId, officerId, 'release', reason) };
    });
  }

  async reject(
    caseId: string,
    officerId: string,
    reason: string,
  ): Promise<{ status: string; decision: DecisionRow }> {
    return this.repository.locked(caseId, async (tx, status) => {
      const row = await this.openCase(tx, caseId, status);
      await this.screenings.setClearance(row.transferId, 'rejected', null, tx);
      await tx.case.update({ where: { id: caseId }, data: { status: 'rejected', closedAt: this.now() } });
      return { status: 'rejected', decision: await this.record(tx, caseId, officerId, 'reject', reason) };
    });
  }

  /** Open cases past their deadline become escalated (recorded as a decision of "system"); none is released. */
  async escalateOverdue(): Promise<number> {
    let escalated = 0;
    for (const { id } of await this.repository.overdue(this.now())) {
      await this.repository.locked(id, async (tx, status) => {
        if (status !== 'open') return;
        await tx.case.update({ where: { id }, data: { status: 'escalated', escalatedAt: this.now() } });
        await this.record(tx, id, 'system', 'escalate', 'past its deadline without a decision');
        escalated++;
      });
    }
    return escalated;
  }

  private async openCase(tx: Prisma.TransactionClient, caseId: string, status: string | null) {
    if (status === null) return fail({ kind: 'case-not-found', caseId });
    if (!OPEN.includes(status)) return fail({ kind: 'case-closed', caseId, status });
    return (await tx.case.findUnique({ where: { id: caseId } }))!;
  }

  private async record(
    tx: Prisma.TransactionClient,
    caseId: string,
    officerId: string,
    action: string,
    reason: string,
  ) {
    const last = await tx.decision.findFirst({
      where: { caseId },
      orderBy: { id: 'desc' },
      select: { hash: true },
    });
    const at = this.now();
    const prevHash = last?.hash ?? GENESIS_DECISION_HASH;
    const signed = this.signer.decision({
      caseId,
      officerId,
      action,
      reason,
      at: at.toISOString(),
      prevHash,
    });
    return tx.decision.create({
      data: { caseId, officerId, action, reason, prevHash, ...signed, createdAt: at },
    });
  }
}
