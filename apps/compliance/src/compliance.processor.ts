import { Queue, Worker } from 'bullmq';
import { bullConnection } from '@concord/config';
import type { Logger } from '@concord/observability';

export const COMPLIANCE_QUEUE = 'compliance';

/**
 * The service's schedules on BullMQ: the sanctions lists refreshed every `listRefreshMs`, and open cases
 * checked against their deadline every `escalationCheckMs`. Fixed scheduler ids, so that every instance
 * and restart upserts the same two schedules.
 */
export class ComplianceScheduler {
  private queue: Queue | null = null;
  private worker: Worker | null = null;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly intervals: { listRefreshMs: number; escalationCheckMs: number },
    private readonly jobs: { refresh: () => Promise<unknown>; escalate: () => Promise<unknown> },
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(COMPLIANCE_QUEUE, { connection, prefix });
    this.worker = new Worker(
      COMPLIANCE_QUEUE,
      async (job) => (job.name === 'refresh-lists' ? this.jobs.refresh() : this.jobs.escalate()),
      { connection, prefix, concurrency: 1 },
    );
    this.worker.on('failed', (job, error) =>
      this.log.error({ job: job?.name, err: error.message }, 'compliance job failed'),
    );
    await this.queue.upsertJobScheduler(
      'refresh-lists',
      { every: this.intervals.listRefreshMs },
      { name: 'refresh-lists' },
    );
    await this.queue.upsertJobScheduler(
      'escalate-cases',
      { every: this.intervals.escalationCheckMs },
      { name: 'escalate-cases' },
    );
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}
