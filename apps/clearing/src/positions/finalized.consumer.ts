import type { Consumer, Kafka, Producer } from 'kafkajs';
import { finalizedBlockSchema, topicName } from '@concord/contracts';
import { consumeValidated, KafkaSettings } from '@concord/kafka';
import { PositionsRepository } from './positions.repository';

/** Reads only finalized ledger blocks and adds their settled transfers to the open window. */
export class ClearingFinalizedConsumer {
  private consumer: Consumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly positions: PositionsRepository,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: `${this.settings.topicPrefix ? this.settings.topicPrefix + '.' : ''}clearing-finalized`,
      schema: finalizedBlockSchema,
      service: 'clearing',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: async (messages) => {
        for (const { value } of messages)
          await this.positions.applyBlock(value.header.height, value.outcomes);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
