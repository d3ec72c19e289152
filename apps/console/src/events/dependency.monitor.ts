import type { z } from 'zod';
import type { dependencyStatusSchema } from '@concord/contracts';
import type { EventBus } from './event-bus';

export type DependencyStatus = z.infer<typeof dependencyStatusSchema>;
export type DependencyName = DependencyStatus['name'];
type Check = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: Check): Promise<void> {
  return Promise.race([
    check(),
    new Promise<void>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref(),
    ),
  ]);
}

/**
 * Whether PostgreSQL, Kafka and the clearing and FX operator APIs answer, checked every few seconds: the
 * overview shows which is down, and a change goes out as a `dependency` event, so the page recovers by
 * itself when the dependency does.
 */
export class DependencyMonitor {
  private last = new Map<DependencyName, DependencyStatus>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly checks: Partial<Record<DependencyName, Check>>,
    private readonly bus: EventBus,
    /** Releases what the checks hold (a Kafka admin client). */
    private readonly close: () => Promise<void> = async () => undefined,
  ) {}

  async checkAll(): Promise<DependencyStatus[]> {
    const entries = Object.entries(this.checks) as [DependencyName, Check][];
    const results = await Promise.all(
      entries.map(async ([name, check]): Promise<DependencyStatus> => {
        try {
          await withTimeout(check);
          return { name, up: true, detail: null, checkedAt: new Date().toISOString() };
        } catch (e) {
          return {
            name,
            up: false,
            detail: (e as Error).message.slice(0, 200),
            checkedAt: new Date().toISOString(),
          };
        }
      }),
    );
    for (const status of results) {
      if (this.last.get(status.name)?.up !== status.up) this.bus.publish('dependency', status);
      this.last.set(status.name, status);
    }
    return results;
  }

  current(): DependencyStatus[] {
    return [...this.last.values()];
  }

  start(everyMs = 5_000): void {
    const run = () => {
      this.running = this.checkAll().then(() => undefined);
    };
    run();
    this.timer = setInterval(run, everyMs);
    this.timer.unref();
  }

  /** Stops checking; the round in flight ends before what the checks hold is released. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.close().catch(() => undefined);
  }
}
