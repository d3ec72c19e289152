import type { ClearingEvent } from '@concord/contracts';
import type { Logger } from '@concord/observability';
import type { GatewayMetrics } from '../metrics/gateway.metrics';
import type { SettlementInstructionsRepository } from '../settlement/settlement-instructions.repository';
import { settlementDeliveries, settlementEventOf } from './settlement-events';
import type { NewDelivery } from './webhook-events';
import type { WebhooksRepository } from './webhooks.repository';

/** A clearing event as taken from Kafka, with the time it was published (the payloads' `createdAt`). */
export interface ClearingMessage {
  event: ClearingEvent;
  publishedAtMs: number;
}

type Result = 'queued' | 'duplicate' | 'unsubscribed' | 'unroutable' | 'ignored';

/**
 * Stores the clearing service's instruction events (the partner API's settlement instructions) and turns
 * them into webhooks of the instruction's participant, and of nobody else. Deliveries are written to the same outbox table as the transfer events (then sent by
 * the same BullMQ worker, signed the same way), with ids derived from the clearing event id: a
 * redelivered event writes nothing and sends nothing twice.
 */
export class SettlementWebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly instructions: Pick<SettlementInstructionsRepository, 'apply' | 'known'>,
    /** Queues deliveries just written (the delivery processor's afterRecord). */
    private readonly queue: (ids: string[]) => Promise<void>,
    private readonly log: Logger,
    private readonly metrics?: Pick<GatewayMetrics, 'clearingEvents'>,
  ) {}

  /** Takes in a batch of clearing events in their topic order; resolves once their deliveries are stored. */
  async take(messages: readonly ClearingMessage[]): Promise<void> {
    // Stored before anything else (once per event id): if the rest fails, the batch comes again, changes
    // nothing more there, and finds the instructions it created.
    await this.instructions.apply(messages);
    const wanted = messages.flatMap(({ event }) =>
      event.type === 'instruction.confirmed' || event.type === 'instruction.reversed'
        ? [event.instructionId]
        : [],
    );
    const known = await this.instructions.known(wanted);

    const mapped = messages.map((m) => ({ message: m, outcome: settlementEventOf(m.event, known) }));
    const participants = mapped.flatMap(({ outcome }) =>
      outcome.kind === 'event' ? [outcome.participantId] : [],
    );
    const subscriptions = await this.webhooks.subscriptionsOf(participants);

    const perEvent: { message: ClearingMessage; deliveries: NewDelivery[]; result?: Result }[] = [];
    const all = new Map<string, NewDelivery>();
    for (const { message, outcome } of mapped) {
      if (outcome.kind !== 'event') {
        if (outcome.kind === 'unroutable') {
          this.log.warn(
            { eventId: message.event.eventId, instruction: outcome.instructionId },
            'settlement event of an instruction this gateway never saw created; no webhook sent',
          );
        }
        perEvent.push({ message, deliveries: [], result: outcome.kind });
        continue;
      }
      const deliveries = settlementDeliveries(
        outcome,
        message.event.eventId,
        message.publishedAtMs,
        subscriptions,
      );
      for (const d of deliveries) if (!all.has(d.id)) all.set(d.id, d);
      perEvent.push({ message, deliveries, result: deliveries.length === 0 ? 'unsubscribed' : undefined });
    }

    const written = await this.webhooks.insertDeliveries([...all.values()]);
    // An event is new when one of its deliveries was written now, and not for an earlier copy of it in
    // this same batch.
    const fresh = new Set(written);
    for (const e of perEvent) {
      let result = e.result;
      if (!result) {
        result = e.deliveries.some((d) => fresh.has(d.id)) ? 'queued' : 'duplicate';
        for (const d of e.deliveries) fresh.delete(d.id);
      }
      this.metrics?.clearingEvents.inc({ type: e.message.event.type, result });
    }
    if (written.length > 0) await this.queue(written);
  }
}
