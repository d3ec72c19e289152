import type { Producer } from 'kafkajs';
import { TopicKey, TOPICS, topicName } from '@concord/contracts';
import { sendJson } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import type { ClearingMetrics } from '../clearing.metrics';
import type { ClearingRepository } from '../clearing.repository';

/**
 * Publishes the outbox, oldest first, and marks what Kafka acknowledged: events to clearing.events,
 * signed settlement postings to ledger.commands (in their order, so that a reversal follows what it
 * reverses). At least once: a crash between the send and the mark sends those messages again, with the
 * same `eventId` (events) or `postingId` (postings, which the ledger applies at most once).
 */
export class OutboxPublisher {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repo: ClearingRepository,
    private readonly producer: Producer,
    private readonly topicPrefix: string,
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
      const batch = await this.repo.sql.outbox.pending(200);
      if (batch.length === 0) return;
      // Consecutive rows of one topic go in one send; the runs go in outbox order.
      for (let start = 0; start < batch.length;) {
        let end = start + 1;
        while (end < batch.length && batch[end].topic === batch[start].topic) end++;
        const run = batch.slice(start, end);
        await sendJson(
          this.producer,
          this.topicOf(run[0].topic),
          run.map((e) => ({ key: e.key, value: e.payload })),
        );
        await this.repo.sql.outbox.markPublished(run.map((e) => e.seq));
        this.metrics.eventsPublished.inc({ topic: run[0].topic }, run.length);
        start = end;
      }
    }
  }

  private topicOf(key: string): string {
    if (!(key in TOPICS)) throw new Error(`outbox row for an unknown topic ${key}`);
    return topicName(key as TopicKey, this.topicPrefix);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
