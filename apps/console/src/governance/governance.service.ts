import { randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import {
  GovernanceAction,
  governanceActionSchema,
  GovernanceCommand,
  governanceSigningString,
  ProposalView,
  topicName,
} from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import { fieldErrors, Problem } from '@concord/http-problems';
import type { Caller } from '../auth/caller';
import type { EventBus } from '../events/event-bus';
import { notFound } from '../http/problems';
import type { ReadModelRepository } from '../ledger/read-model.repository';
import { ProposalsRepository, proposalView } from './proposals.repository';

interface Genesis {
  chainId: string;
  operators: { keyId: string; publicKey: string }[];
  threshold: number;
}

const conflict = (code: string, detail: string) => new Problem(409, code, 'Conflict', { detail });

/**
 * M-of-N governance: an operator drafts a proposal; each operator approves it with an Ed25519 signature
 * made in the browser with their own key over governanceSigningBytes (the server never sees a private
 * key); each signature is checked against the genesis operator key it names; once the threshold is met the
 * governance command goes to ledger.commands with every approval, and the finalized block that enacts or
 * refuses it (its `proposals`) settles the proposal's status (see ReadModelRepository).
 */
export class GovernanceService {
  constructor(
    private readonly proposals: ProposalsRepository,
    private readonly readModel: ReadModelRepository,
    private readonly producer: Producer,
    private readonly topicPrefix: string,
    private readonly bus: EventBus,
    private readonly ttlMinutes: number,
  ) {}

  async genesis(): Promise<Genesis> {
    const chain = await this.readModel.chain();
    const g = chain?.genesis as
      { operators?: Genesis['operators']; governanceThreshold?: number } | undefined;
    if (!chain || !g?.operators) {
      throw new Problem(503, 'GENESIS_UNKNOWN', 'Genesis not read yet', {
        detail: 'the console has not read the genesis from the ledger yet; try again shortly',
      });
    }
    return { chainId: chain.chainId, operators: g.operators, threshold: g.governanceThreshold ?? 1 };
  }

  async draft(
    caller: Caller,
    body: { id?: string; action: unknown; ttlMinutes?: number },
  ): Promise<ProposalView> {
    const parsed = governanceActionSchema.safeParse(body.action);
    if (!parsed.success) {
      throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
        detail: 'the action is no governance action',
        errors: fieldErrors(parsed.error.issues, 'action', 'action.'),
      });
    }
    const { chainId, threshold } = await this.genesis();
    const id = body.id ?? `console-${randomBytes(6).toString('hex')}`;
    const created = await this.proposals.create({
      id,
      action: parsed.data,
      chainId,
      createdBy: caller.username,
      expiresAt: new Date(Date.now() + (body.ttlMinutes ?? this.ttlMinutes) * 60_000),
      threshold,
    });
    if (!created) throw conflict('PROPOSAL_EXISTS', `proposal ${id} exists already`);
    return this.publish(id);
  }

  async view(id: string): Promise<ProposalView> {
    const p = await this.proposals.find(id);
    if (!p) throw notFound(`proposal ${id}`);
    return proposalView(p);
  }

  /** Announces proposals a block settled (those the console knows). */
  async announce(ids: string[]): Promise<void> {
    for (const id of ids) {
      const p = await this.proposals.find(id);
      if (p) this.bus.publish('proposal', proposalView(p));
    }
  }

  private async publish(id: string): Promise<ProposalView> {
    const view = await this.view(id);
    this.bus.publish('proposal', view);
    return view;
  }

  async approve(
    caller: Caller,
    id: string,
    approval: { keyId: string; signature: string },
  ): Promise<ProposalView> {
    if (caller.operatorKeyId !== null && caller.operatorKeyId !== approval.keyId) {
      throw new Problem(403, 'NOT_YOUR_KEY', 'Not your operator key', {
        detail: `${caller.username} approves with ${caller.operatorKeyId}, not ${approval.keyId}`,
      });
    }
    const p = await this.proposals.find(id);
    if (!p) throw notFound(`proposal ${id}`);
    if (p.status !== 'open') throw conflict('PROPOSAL_NOT_OPEN', `proposal ${id} is ${p.status}`);
    const genesis = await this.genesis();
    const key = genesis.operators.find((k) => k.keyId === approval.keyId);
    const payload = governanceSigningString(p.chainId, p.id, p.action as GovernanceAction);
    if (!key || !verifyBytes(key.publicKey, payload, approval.signature)) {
      throw new Problem(400, 'BAD_SIGNATURE', 'The signature does not verify', {
        detail: key
          ? `the signature is not ${approval.keyId}'s over the proposal's signing payload`
          : `${approval.keyId} is no operator key of the genesis`,
        errors: [
          { field: key ? 'signature' : 'keyId', message: key ? 'does not verify' : 'unknown operator key' },
        ],
      });
    }
    if (!(await this.proposals.approve(id, approval.keyId, caller.username, approval.signature))) {
      throw conflict('ALREADY_APPROVED', `${approval.keyId} approved proposal ${id} already`);
    }
    await this.submitIfApproved(id);
    return this.publish(id);
  }

  /** Sends the governance command once the approvals reach the threshold (once, whoever approves last). */
  private async submitIfApproved(id: string): Promise<void> {
    const p = await this.proposals.find(id);
    if (!p || p.approvals.length < p.threshold || !(await this.proposals.claimSubmission(id))) return;
    const command: GovernanceCommand = {
      v: 1,
      type: 'governance',
      proposalId: p.id,
      action: p.action as GovernanceAction,
      approvals: p.approvals.map((a) => ({ keyId: a.keyId, signature: a.signature })),
    };
    try {
      const [sent] = await this.producer.send({
        topic: topicName('ledgerCommands', this.topicPrefix),
        acks: -1,
        messages: [{ value: JSON.stringify(command) }],
      });
      await this.proposals.recordOffset(id, sent.baseOffset ?? sent.offset ?? '0');
    } catch (e) {
      await this.proposals.reopen(id);
      throw new Problem(503, 'DEPENDENCY_DOWN', 'Kafka is unavailable', {
        detail: `the approval is recorded but the command could not be sent (${(e as Error).message}); approve again later`,
        extensions: { dependency: 'kafka' },
      });
    }
  }
}
