import type { ProposalView } from '@concord/contracts';
import { governanceSigningString } from '@concord/contracts';
import type { GovernanceAction } from '@concord/contracts';
import type { ConsoleDb } from '../console.db';

type ProposalRow = {
  id: string;
  action: unknown;
  chainId: string;
  status: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  threshold: number;
  submittedAt: Date | null;
  commandOffset: bigint | null;
  enactedHeight: number | null;
  refusal: string | null;
  approvals: { keyId: string; approvedBy: string; signature: string; at: Date }[];
};

export function proposalView(p: ProposalRow): ProposalView {
  return {
    id: p.id,
    action: p.action as Record<string, unknown>,
    chainId: p.chainId,
    status: p.status as ProposalView['status'],
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
    threshold: p.threshold,
    approvals: p.approvals.map((a) => ({ keyId: a.keyId, approvedBy: a.approvedBy, at: a.at.toISOString() })),
    signingPayload: governanceSigningString(p.chainId, p.id, p.action as GovernanceAction),
    submittedAt: p.submittedAt?.toISOString() ?? null,
    commandOffset: p.commandOffset?.toString() ?? null,
    enactedHeight: p.enactedHeight,
    refusal: p.refusal,
  };
}

/** Proposals and their approvals. Open proposals past their time are marked expired when read. */
export class ProposalsRepository {
  constructor(private readonly db: ConsoleDb) {}

  private expire() {
    return this.db.proposal.updateMany({
      where: { status: 'open', expiresAt: { lte: new Date() } },
      data: { status: 'expired' },
    });
  }

  /** Creates a proposal; false when the id is taken. */
  async create(p: {
    id: string;
    action: GovernanceAction;
    chainId: string;
    createdBy: string;
    expiresAt: Date;
    threshold: number;
  }): Promise<boolean> {
    const n = await this.db.proposal.createMany({
      data: [{ ...p, action: p.action as object, status: 'open' }],
      skipDuplicates: true,
    });
    return n.count === 1;
  }

  async find(id: string): Promise<ProposalRow | null> {
    await this.expire();
    return this.db.proposal.findUnique({ where: { id }, include: { approvals: { orderBy: { at: 'asc' } } } });
  }

  async page(q: { status?: string; beforeCreatedAt?: Date; limit: number }): Promise<ProposalRow[]> {
    await this.expire();
    return this.db.proposal.findMany({
      where: {
        ...(q.status ? { status: q.status } : {}),
        ...(q.beforeCreatedAt ? { createdAt: { lt: q.beforeCreatedAt } } : {}),
      },
      orderBy: { createdAt: 'desc' },
      take: q.limit,
      include: { approvals: { orderBy: { at: 'asc' } } },
    });
  }

  /** Adds an approval; false when this key approved already. */
  async approve(proposalId: string, keyId: string, approvedBy: string, signature: string): Promise<boolean> {
    const n = await this.db.proposalApproval.createMany({
      data: [{ proposalId, keyId, approvedBy, signature }],
      skipDuplicates: true,
    });
    return n.count === 1;
  }

  /**
   * Marks an open proposal submitted, once: only the caller that wins this update sends the command, so
   * two operators approving at the same moment do not send it twice.
   */
  async claimSubmission(id: string): Promise<boolean> {
    const n = await this.db.proposal.updateMany({
      where: { id, status: 'open' },
      data: { status: 'submitted', submittedAt: new Date() },
    });
    return n.count === 1;
  }

  async recordOffset(id: string, offset: string): Promise<void> {
    await this.db.proposal.update({ where: { id }, data: { commandOffset: BigInt(offset) } });
  }

  /** A submission that failed to send goes back to open, so that the next approval or a retry sends it. */
  async reopen(id: string): Promise<void> {
    await this.db.proposal.updateMany({
      where: { id, status: 'submitted', commandOffset: null },
      data: { status: 'open', submittedAt: null },
    });
  }
}
