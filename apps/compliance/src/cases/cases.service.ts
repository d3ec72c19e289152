import { officerDecisionPayload } from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import type { Prisma } from '../prisma';
import { fail } from '../compliance.errors';
import type { ScreeningService } from '../screening/screening.service';
import type { ScreeningRepository } from '../screening/screening.repository';
import { ComplianceSigner, GENESIS_DECISION_HASH } from '../signing/compliance-signer';
import { CasesRepository, DecisionRow } from './cases.repository';

const OPEN = ['open', 'escalated'];

interface OfficerDecision {
  caseId: string;
  officerId: string;
  action: 'release' | 'reject';
  reason: string;
  signature?: string;
}

interface NewDecision {
  caseId: string;
  officerId: string;
  action: string;
  reason: string;
  officerSignature?: string;
}

type Decided = { status: string; decision: DecisionRow };

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
    /** Officers' public keys by id: when any, each decision must carry its officer's signature. */
    private readonly officerKeys: Readonly<Record<string, string>> = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The officer's own signature of a decision, checked when officers have keys; undefined when they have none. */
  private officerSignature(decision: OfficerDecision): string | undefined {
    if (Object.keys(this.officerKeys).length === 0) return undefined;
    const key = this.officerKeys[decision.officerId];
    const signature = decision.signature ?? '';
    if (!key || !verifyBytes(key, officerDecisionPayload(decision), signature)) {
      return fail({ kind: 'officer-signature-invalid', officerId: decision.officerId });
    }
    return signature;
  }

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

  async release(caseId: string, officerId: string, reason: string, signature?: string): Promise<Decided> {
    const officerSignature = this.officerSignature({
      caseId,
      officerId,
      action: 'release',
      reason,
      signature,
    });
    const record = (tx: Prisma.TransactionClient, action: string) =>
      this.record(tx, { caseId, officerId, action, reason, officerSignature });
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
          decision: await record(tx, 'approve-release'),
        };
      }
      const transfer = (await tx.screening.findUnique({ where: { transferId: row.transferId } }))!;
      const clearance = this.screening.clearanceOf(transfer, transfer.commitment, this.now());
      await this.screenings.setClearance(row.transferId, 'released', clearance, tx);
      await tx.case.update({ where: { id: caseId }, data: { status: 'released', closedAt: this.now() } });
      return { status: 'released', decision: await record(tx, 'release') };
    });
  }

  async reject(caseId: string, officerId: string, reason: string, signature?: string): Promise<Decided> {
    const officerSignature = this.officerSignature({
      caseId,
      officerId,
      action: 'reject',
      reason,
      signature,
    });
    return this.repository.locked(caseId, async (tx, status) => {
      const row = await this.openCase(tx, caseId, status);
      await this.screenings.setClearance(row.transferId, 'rejected', null, tx);
      await tx.case.update({ where: { id: caseId }, data: { status: 'rejected', closedAt: this.now() } });
      return {
        status: 'rejected',
        decision: await this.record(tx, { caseId, officerId, action: 'reject', reason, officerSignature }),
      };
    });
  }

  /** Open cases past their deadline become escalated (recorded as a decision of "system"); none is released. */
  async escalateOverdue(): Promise<number> {
    let escalated = 0;
    for (const { id } of await this.repository.overdue(this.now())) {
      await this.repository.locked(id, async (tx, status) => {
        if (status !== 'open') return;
        await tx.case.update({ where: { id }, data: { status: 'escalated', escalatedAt: this.now() } });
        await this.record(tx, {
          caseId: id,
          officerId: 'system',
          action: 'escalate',
          reason: 'past its deadline without a decision',
        });
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

  private async record(tx: Prisma.TransactionClient, d: NewDecision) {
    const last = await tx.decision.findFirst({
      where: { caseId: d.caseId },
      orderBy: { id: 'desc' },
      select: { hash: true },
    });
    const at = this.now();
    const prevHash = last?.hash ?? GENESIS_DECISION_HASH;
    const { officerSignature, ...fields } = d;
    const signed = this.signer.decision({ ...fields, at: at.toISOString(), prevHash });
    return tx.decision.create({ data: { ...fields, prevHash, ...signed, officerSignature, createdAt: at } });
  }
}
