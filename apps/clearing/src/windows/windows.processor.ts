import { Job, Queue, Worker } from 'bullmq';
import type { Logger } from '@concord/observability';
import { bullConnection, WindowCutOff } from '@concord/config';

export const WINDOWS_QUEUE = 'clearing-windows';

/** The cut-offs of every currency: cron patterns for some (CLEARING_WINDOW_SCHEDULE), an interval for the rest. */
export interface WindowSchedule {
  cutOffs: Readonly<Record<string, WindowCutOff>>;
  /** CLEARING_WINDOW_INTERVAL_MS: the cut-off interval of the currencies `cutOffs` does not name. */
  defaultEveryMs: number;
}

/** What the job scheduler of one currency repeats: a cron pattern in a time zone, or a fixed interval. */
export type CurrencyCutOff = { pattern: string; tz?: string } | { everyMs: number };

export function cutOffOf(schedule: WindowSchedule, currency: string): CurrencyCutOff {
  const named = schedule.cutOffs[currency];
  return named
    ? { pattern: named.pattern, ...(named.tz ? { tz: named.tz } : {}) }
    : { everyMs: schedule.defaultEveryMs };
}

/**
 * The request id of one scheduled close: the currency and the time the job was scheduled for (BullMQ names
 * a scheduler's job `repeat:<scheduler id>:<scheduled ms>`). A job that runs again (stalled, retried, or
 * taken by a second clearing instance) closes nothing more.
 */
export function scheduledRequestId(currency: string, job: Pick<Job, 'id' | 'opts'>): string {
  const millis = /:(\d{10,16})$/.exec(job.id ?? '')?.[1] ?? String(job.opts.prevMillis ?? job.id);
  return `schedule:${currency}:${millis}`;
}

/**
 * The cut-off of each currency: a BullMQ job scheduler per currency enqueues one close job per cut-off
 * (however many clearing instances run), and a worker closes that currency's open window with a request id
 * of that cut-off, so a job run twice closes one window.
 */
export class WindowScheduler {
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private readonly scheduled = new Set<string>();

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly schedule: WindowSchedule,
    private readonly close: (currency: string, requestId: string) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  async start(currencies: string[]): Promise<void> {
    const connection = bullConnection(this.redisUrl);
    const prefix = this.prefix ? `bull:${this.prefix}` : 'bull';
    this.queue = new Queue(WINDOWS_QUEUE, { connection, prefix });
    this.worker = new Worker(
      WINDOWS_QUEUE,
      async (job) => {
        const currency = String((job.data as { currency: string }).currency);
        // Nothing is returned to BullMQ, which would store it as JSON: a close's result holds bigints.
        await this.close(currency, scheduledRequestId(currency, job));
      },
      { connection, prefix, concurrency: 1 },
    );
    this.worker.on('failed', (job, error) =>
      this.log.error({ job: job?.id, err: error.message }, 'scheduled window close failed'),
    );
    for (const c of currencies) await this.ensure(c);
  }

  /**
   * Schedules the cut-off of a currency (idempotent). A scheduler that already repeats what the
   * configuration says is left alone, with its pending job: upserting it again at every start would move
   * an interval's next cut-off to one interval after the restart, and a cut-off missed while the service
   * was down would be skipped instead of run at once.
   */
  async ensure(currency: string): Promise<void> {
    if (!this.queue || this.scheduled.has(currency)) return;
    const id = schedulerId(currency);
    const wanted = cutOffOf(this.schedule, currency);
    const existing = await this.queue.getJobScheduler(id);
    if (existing && sameCutOff(existing, wanted)) {
      this.scheduled.add(currency);
      return;
    }
    // From an interval to a pattern or back: a fresh scheduler, none of the old one's fields kept.
    if (existing && 'everyMs' in wanted === Boolean(existing.pattern))
      await this.queue.removeJobScheduler(id);
    const template = {
      name: 'close-window',
      data: { currency },
      opts: { removeOnComplete: 100, removeOnFail: 100 },
    };
    if ('everyMs' in wanted) {
      // Without a start date an `every` scheduler runs its first job right away, which would close the
      // window that has just opened: the first cut-off is one interval after the scheduler is created (a
      // restart keeps it, above), the next ones one interval apart.
      const every = wanted.everyMs;
      await this.queue.upsertJobScheduler(id, { every, startDate: Date.now() + every }, template);
    } else {
      await this.queue.upsertJobScheduler(id, { pattern: wanted.pattern, tz: wanted.tz }, template);
    }
    this.log.info({ currency, cutOff: wanted }, 'window cut-off scheduled');
    this.scheduled.add(currency);
  }

  /** The scheduler of a currency as BullMQ holds it (its pattern, time zone or interval, and next run). */
  async describe(currency: string) {
    return (await this.queue?.getJobScheduler(schedulerId(currency))) ?? null;
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}

function schedulerId(currency: string): string {
  return `close-${currency}`;
}

function sameCutOff(
  existing: { pattern?: string | null; tz?: string | null; every?: number | null },
  wanted: CurrencyCutOff,
): boolean {
  if ('everyMs' in wanted) return !existing.pattern && Number(existing.every) === wanted.everyMs;
  return existing.pattern === wanted.pattern && (existing.tz ?? undefined) === wanted.tz;
}
