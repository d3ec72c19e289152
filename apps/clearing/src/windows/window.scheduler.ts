import { Queue, Worker } from 'bullmq';
import type { Logger } from '@concord/observability';
import { bullConnection } from '@concord/config';

export const WINDOWS_QUEUE = 'clearing-windows';

/** Redis connection options for BullMQ from a redis:// URL (BullMQ needs no retry limit per request). */

/**
 * The cut-off of each currency: a BullMQ job scheduler per currency enqueues one close job per interval
 * (however many clearing instances run), and a worker closes that currency's open window.
 */
export class WindowScheduler {
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private readonly scheduled = new Set<string>();

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly everyMs: number,
    private readonly close: (currency: string) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  async start(currencies: string[]): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(WINDOWS_QUEUE, { connection, prefix });
    this.worker = new Worker(
      WINDOWS_QUEUE,
      async (job) => this.close(String((job.data as { currency: string }).currency)),
      { connection, prefix, concurrency: 1 },
    );
    this.worker.on('failed', (job, error) =>
      this.log.error({ job: job?.id, err: error.message }, 'scheduled window close failed'),
    );
    for (const c of currencies) await this.ensure(c);
  }

  /** Schedules the cut-off of a currency (idempotent). */
  async ensure(currency: string): Promise<void> {
    if (!this.queue || this.scheduled.has(currency)) return;
    // Without a start date an `every` scheduler runs its first job right away, which would close the
    // window that has just opened: the first cut-off is one interval from now.
    await this.queue.upsertJobScheduler(
      `close-${currency}`,
      { every: this.everyMs, startDate: Date.now() + this.everyMs },
      { name: 'close-window', data: { currency }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.scheduled.add(currency);
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}
