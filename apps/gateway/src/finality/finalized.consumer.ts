import type { Kafka, Producer } from 'kafkajs';
import { FinalizedBlock, finalizedBlockSchema, topicName } from '@concord/contracts';
import { consumeValidated, SupervisedConsumer, groupName, KafkaSettings } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import { ParticipantsRepository } from '../auth/participants.repository';
import { LedgerViewRepository } from './ledger-view.repository';
import { TransfersService } from '../transfers/transfers.service';

/**
 * Takes in the ledger's finalized blocks: the members they announce, the balances and the outcome of
 * every transfer. Offsets are committed after the database has stored the block, so a crash repeats a
 * block, never skips one; blocks are applied once each, in height order, whatever order they came in.
 */
export class FinalizedConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly view: LedgerViewRepository,
    private readonly participants: ParticipantsRepository,
    private readonly transfers: TransfersService,
    private readonly log: Logger,
    /** Called with the blocks just applied (queues their webhook deliveries, counts their outcomes). */
    private readonly afterApply?: (blocks: FinalizedBlock[]) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'gateway-finalized'),
      schema: finalizedBlockSchema,
      service: 'gateway',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      handle: async (messages) => {
        const blocks = messages.map((m) => m.value);
        // The bodies go to the database as the bytes that came (a finalized block is megabytes of text):
        // making a string of them again would cost as much as the parse that already made one.
        await this.view.store(messages.map((m) => ({ block: m.value, body: m.raw.value! })));
        const { blocks: applied, appliedAt } = await this.view.applyReady(blocks);
        for (const block of applied) {
          this.participants.remember(block.participants);
          this.transfers.notify(block, appliedAt);
          this.log.debug(
            { height: block.header.height, outcomes: block.outcomes.length },
            'finalized block applied',
          );
        }
        if (applied.length > 0) await this.afterApply?.(applied);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
