import type { Kafka, Producer } from 'kafkajs';
import { BlockSummary, finalizedBlockSchema, topicName } from '@concord/contracts';
import { consumeValidated, groupName, KafkaSettings, SupervisedConsumer } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import type { EventBus } from '../events/event-bus';
import { ReadModelRepository } from './read-model.repository';

/**
 * Reads ledger.finalized in a consumer group of the console's own: each batch of blocks is applied to the
 * read model in one transaction, then every block goes out on the event stream, so an open page shows it
 * within the second.
 */
export class FinalizedConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly readModel: ReadModelRepository,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /** Told of the proposals a batch enacted or refused (to announce them). */
    private readonly onProposals: (ids: string[]) => Promise<void> = async () => undefined,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'console-finalized'),
      schema: finalizedBlockSchema,
      service: 'console',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      onRestart: (error, delayMs) =>
        this.log.warn({ err: error, delayMs }, 'finalized consumer failed; restarting'),
      handle: async (messages) => {
        const receivedAt = new Date();
        const blocks = messages.map((m) => ({
          block: m.value,
          body: m.raw.value!.toString('utf8'),
          receivedAt,
          finalizedAt: new Date(m.timestampMs).toISOString(),
        }));
        await this.readModel.apply(blocks);
        const proposals = blocks.flatMap(({ block }) => block.proposals.map((p) => p.proposalId));
        if (proposals.length > 0) await this.onProposals(proposals);
        for (const { block, finalizedAt } of blocks) {
          const summary: BlockSummary = {
            height: block.header.height,
            headerHash: block.headerHash,
            blockTime: new Date(block.header.blockTimeMs).toISOString(),
            entryCount: block.header.entryCount,
            transferCount: block.outcomes.filter((o) => !o.refusal).length,
            signerIds: block.certificate.map((c) => c.signerId),
            finalizedAt,
          };
          this.bus.publish('block', summary);
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
