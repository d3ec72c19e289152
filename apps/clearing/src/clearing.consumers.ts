import type { Kafka, Producer } from 'kafkajs';
import { z } from 'zod';
import { clearingCommandsMessageSchema, finalizedBlockSchema, topicName, TopicKey } from '@concord/contracts';
import { consumeValidated, SupervisedConsumer, groupName, KafkaSettings } from '@concord/kafka';
import type { ClearingService } from './clearing.service';

/**
 * What clearing reads from Kafka: finalized ledger blocks, in height order (positions and windows), and
 * clearing.commands (operators' close-window, participants' confirm-settlement from the gateway). Each in
 * its own consumer group; invalid messages go to the dead letter.
 */
export class ClearingConsumers {
  private consumers: SupervisedConsumer[] = [];

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: () => Kafka,
    private readonly producer: Producer,
    private readonly clearing: ClearingService,
  ) {}

  async start(): Promise<void> {
    await this.consume('ledgerFinalized', 'clearing-finalized', finalizedBlockSchema, (block) =>
      this.clearing.applyBlock(block),
    );
    await this.consume('clearingCommands', 'clearing-commands', clearingCommandsMessageSchema, (command) =>
      this.clearing.handleCommand(command),
    );
  }

  /** Stops in the reverse order of start: commands first, then blocks. */
  async stop(): Promise<void> {
    for (const consumer of this.consumers.reverse()) await consumer.disconnect();
    this.consumers = [];
  }

  private async consume<S extends z.ZodType>(
    topic: TopicKey,
    group: string,
    schema: S,
    handle: (value: z.infer<S>) => Promise<unknown>,
  ): Promise<void> {
    const consumer = await consumeValidated({
      topic: topicName(topic, this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, group),
      schema,
      service: 'clearing',
      settings: this.settings,
      kafka: this.kafka(),
      producer: this.producer,
      handle: async (messages) => {
        for (const { value } of messages) await handle(value);
      },
    });
    this.consumers.push(consumer);
  }
}
