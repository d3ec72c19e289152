import type { Kafka, Producer } from 'kafkajs';
import { finalizedBlockSchema, topicName } from '@concord/contracts';
import { consumeValidated, SupervisedConsumer, groupName, KafkaSettings } from '@concord/kafka';
import type { ClearingService } from '../clearing.service';

/** Reads only finalized ledger blocks, in height order, and hands each to the clearing service. */
export class ClearingFinalizedConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly clearing: ClearingService,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'clearing-finalized'),
      schema: finalizedBlockSchema,
      service: 'clearing',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: async (messages) => {
        for (const { value } of messages) await this.clearing.applyBlock(value);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
