import type { Kafka, Producer } from 'kafkajs';
import { finalizedBlockSchema, FinalizedBlock, topicName } from '@concord/contracts';
import { consumeValidated, groupName, KafkaSettings, SupervisedConsumer } from '@concord/kafka';

/**
 * Reads the ledger's finalized blocks in height order: members and their keys (genesis and membership
 * changes) and the two-phase outcomes of transfers. Offsets are committed after each batch is applied;
 * the applier's height guard makes a batch read again harmless.
 */
export class FinalizedConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly apply: (block: FinalizedBlock) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'routing-finalized'),
      schema: finalizedBlockSchema,
      service: 'routing',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: async (messages) => {
        for (const { value } of messages) await this.apply(value);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
