import type { Producer } from 'kafkajs';
import { sendJson } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import type { ClearingMetrics } from '../metrics';
import type { ClearingRepository } from './clearing.repository';

/**
 * Publishes the outbox to clearing.events, oldest first, and marks what Kafka acknowledged. At least
 * once: a crash between the send and the mark sends those events again, with the same `eventId`.
 */
export class OutboxPublisher {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: ClearingRepository,
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly log: Logger,
    private readonly metrics: ClearingMetrics,
  ) {}

  /** Retries on a timer too, so that a failed send is not forgotten. */
  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.kick(), intervalMs);
  }

  /** Publishes everything pending; calls while a run is going make it run once more. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain();
        } while (this.again);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'publishing clearing events failed; will retry');
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await this.repo.pendingEvents(200);
      if (batch.length === 0) return;
      await sendJson(
        this.producer,
        this.topic,
        batch.map((e) => ({ key: e.key, value: e.payload })),
      );
      await this.repo.markPublished(batch.map((e) => e.seq));
      this.metrics.eventsPublished.inc(batch.length);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
