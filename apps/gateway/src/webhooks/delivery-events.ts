import type { Producer } from 'kafkajs';
import { topicName, type WebhookDeliveryEvent } from '@concord/contracts';
import { sendJson } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import type { ServicesPrismaClient } from '@concord/db';
import { DeliveryRow, WebhooksRepository } from './webhooks.repository';

type Attempt = Parameters<WebhooksRepository['recordAttempt']>[1];
type Status = Parameters<WebhooksRepository['recordAttempt']>[2];

/** The event of one recorded attempt (what the console's webhook health is made of). */
export function deliveryEvent(delivery: DeliveryRow, attempt: Attempt, status: Status): WebhookDeliveryEvent {
  return {
    deliveryId: delivery.id,
    webhookId: delivery.webhookId,
    participantId: delivery.participantId,
    event: delivery.event,
    attempt: attempt.attempt,
    outcome: status === 'pending' ? 'failed' : status,
    statusCode: attempt.statusCode ?? null,
    error: attempt.error?.slice(0, 500) ?? null,
    durationMs: Math.max(0, Math.round(attempt.durationMs)),
    at: attempt.at.toISOString(),
  };
}

/**
 * The webhooks repository that also publishes each recorded attempt on gateway.webhook-deliveries, for
 * the operations console's delivery health per participant. The attempt is in the database first; a
 * publication that fails is logged and dropped, never failing the delivery itself.
 */
export class PublishingWebhooksRepository extends WebhooksRepository {
  constructor(
    prisma: ServicesPrismaClient,
    private readonly producer: Producer,
    private readonly topicPrefix: string,
    private readonly log: Logger,
  ) {
    super(prisma);
  }

  override async recordAttempt(delivery: DeliveryRow, attempt: Attempt, status: Status): Promise<void> {
    await super.recordAttempt(delivery, attempt, status);
    const event = deliveryEvent(delivery, attempt, status);
    await sendJson(this.producer, topicName('gatewayWebhookDeliveries', this.topicPrefix), [
      { key: event.participantId, value: event },
    ]).catch((error: Error) =>
      this.log.warn({ err: error.message, delivery: delivery.id }, 'webhook delivery event not published'),
    );
  }
}
