import type { Kafka, Producer } from 'kafkajs';
import { clearingCommandsMessageSchema, topicName } from '@concord/contracts';
import { consumeValidated, SupervisedConsumer, groupName, KafkaSettings } from '@concord/kafka';
import type { ClearingService } from './clearing.service';

/**
 * Commands on clearing.commands (operators' close-window, participants' confirm-settlement from the
 * gateway); invalid ones go to the dead letter.
 */
export class ClearingCommandsConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly clearing: ClearingService,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('clearingCommands', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'clearing-commands'),
      schema: clearingCommandsMessageSchema,
      service: 'clearing',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: async (messages) => {
        for (const { value } of messages) await this.clearing.handleCommand(value);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
