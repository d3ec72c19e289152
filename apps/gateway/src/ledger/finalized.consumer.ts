import type { Consumer, Kafka, Producer } from 'kafkajs';
import { finalizedBlockSchema, topicName } from '@concord/contracts';
import { consumeValidated, KafkaSettings } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import { ParticipantsRepository } from '../auth/participants.repository';
import { TransfersRepository } from '../transfers/transfers.repository';
import { TransfersService } from '../transfers/transfers.service';

/**
 * Takes in the ledger's finalized blocks: the members they announce and the outcome of every transfer.
 * Offsets are committed after the database has the block, so a crash repeats a block, never skips one;
 * repeating is harmless because outcomes only move a transfer forward in block height.
 */
export class FinalizedConsumer {
  private consumer: Consumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly transfersRepository: TransfersRepository,
    private readonly participants: ParticipantsRepository,
    private readonly transfers: TransfersService,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: `${this.settings.topicPrefix ? this.settings.topicPrefix + '.' : ''}gateway-finalized`,
      schema: finalizedBlockSchema,
      service: 'gateway',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: async (messages) => {
        for (const { value: block } of messages) {
          if (block.participants.length > 0) await this.participants.upsert(block.participants);
          await this.transfersRepository.applyOutcomes(block.header.height, block.outcomes);
          const cursor = await this.transfersRepository.cursor();
          if (block.header.height > cursor) await this.transfersRepository.setCursor(block.header.height);
          this.transfers.notify(block.outcomes);
          this.log.debug(
            { height: block.header.height, outcomes: block.outcomes.length },
            'finalized block applied',
          );
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
