import { Queue, Worker } from 'bullmq';
import type { InstructionCommand } from '@concord/contracts';
import { bullConnection } from '@concord/config';
import type { Logger } from '@concord/observability';
import type { ComplianceGate } from './compliance-gate';

export const COMPLIANCE_QUEUE = 'gateway-compliance';

/**
 * Polls the compliance service for the decisions on held transfers, on a BullMQ job scheduler (one run at
 * a time across gateway replicas, and it survives restarts: the held instructions are in the database).
 * Polling rather than an event: the compliance service publishes nothing (no personal data near Kafka),
 * a callback into the gateway would need an authenticated channel of its own, and the held set is small,
 * so a lookup per held transfer per interval costs little. A release reaches the ledger within one
 * interval (GATEWAY_COMPLIANCE_POLL_MS).
 */
export class HeldTransfersProcessor {
  private queue: Queue | null = null;
  private worker: Worker | null = null;

  constructor(
    private readonly gate: ComplianceGate,
    private readonly send: (command: InstructionCommand) => Promise<void>,
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly everyMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(COMPLIANCE_QUEUE, { connection, prefix });
    this.worker = new Worker(COMPLIANCE_QUEUE, () => this.runOnce(), { connection, prefix, concurrency: 1 });
    this.worker.on('failed', (_job, error) =>
      this.log.warn({ err: error.message }, 'held transfers: compliance lookup failed; retried next time'),
    );
    await this.queue.upsertJobScheduler('poll-held', { every: this.everyMs }, { name: 'poll-held' });
  }

  async runOnce(): Promise<{ released: number; rejected: number }> {
    const result = await this.gate.releaseDecided(this.send);
    if (result.released + result.rejected > 0) this.log.info(result, 'held transfers decided by compliance');
    return result;
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}
