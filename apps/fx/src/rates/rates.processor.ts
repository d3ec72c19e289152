import { Queue, Worker } from 'bullmq';
import type { Logger } from '@concord/observability';
import { bullConnection } from '@concord/config';

export const RATES_QUEUE = 'fx-rates';

/**
 * Refreshes the reference rates on a schedule: a BullMQ job scheduler enqueues one job per interval
 * (however many FX instances run), and a worker runs the refresh. A failed refresh is recorded by the
 * refresh itself (history, metric, log) and does not fail the job: the next interval simply tries again.
 * The scheduler has a fixed id, so that every instance and every restart upserts the same one schedule
 * (a changed interval replaces it) instead of adding another (rates-processor.int-spec.ts).
 */
export class RatesRefreshProcessor {
  private queue: Queue | null = null;
  private worker: Worker | null = null;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly everyMs: number,
    private readonly refresh: () => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(RATES_QUEUE, { connection, prefix });
    this.worker = new Worker(RATES_QUEUE, async () => this.refresh(), { connection, prefix, concurrency: 1 });
    this.worker.on('failed', (job, error) =>
      this.log.error({ job: job?.id, err: error.message }, 'rate refresh job failed'),
    );
    await this.queue.upsertJobScheduler('refresh-rates', { every: this.everyMs }, { name: 'refresh' });
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}
