import type { Kafka, Producer } from 'kafkajs';
import { clearingEventSchema, topicName } from '@concord/contracts';
import { consumeValidated, SupervisedConsumer, groupName, KafkaSettings } from '@concord/kafka';
import type { SettlementWebhooksService } from './settlement-webhooks.service';

/**
 * Takes in the clearing service's events (`clearing.events`) for the settlement webhooks. Offsets are
 * committed after the deliveries are stored, so a crash repeats events (which the delivery ids absorb),
 * never skips one; an event that fails its contract goes to the dead letter topic.
 */
export class ClearingEventsConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly webhooks: SettlementWebhooksService,
  ) {}

  async start(): Promise<void> {
    const prefix = this.settings.topicPrefix;
    this.consumer = await consumeValidated({
      topic: topicName('clearingEvents', prefix),
      groupId: groupName(prefix, 'gateway-clearing-events'),
      schema: clearingEventSchema,
      service: 'gateway',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: (messages) =>
        this.webhooks.take(messages.map((m) => ({ event: m.value, publishedAtMs: m.timestampMs }))),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
