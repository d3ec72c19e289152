import type { Kafka, Producer } from 'kafkajs';
import { SignerView, topicName, votesTopicMessageSchema } from '@concord/contracts';
import { consumeValidated, groupName, KafkaSettings, SupervisedConsumer } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import type { EventBus } from '../events/event-bus';
import { ReadModelRepository } from './read-model.repository';

/** Reads ledger.votes: each signer's newest vote (height and broker time), for signers up or down and lag. */
export class VotesConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly readModel: ReadModelRepository,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /** The signers as the overview shows them, after the votes are stored. */
    private readonly signerViews: () => Promise<SignerView[]>,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('ledgerVotes', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'console-votes'),
      schema: votesTopicMessageSchema,
      service: 'console',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      onRestart: (error, delayMs) =>
        this.log.warn({ err: error, delayMs }, 'votes consumer failed; restarting'),
      handle: async (messages) => {
        const votes = messages.flatMap((m) =>
          'type' in m.value
            ? []
            : [{ signerId: m.value.signerId, height: m.value.header.height, at: new Date(m.timestampMs) }],
        );
        await this.readModel.recordVotes(votes);
        const voted = new Set(votes.map((v) => v.signerId));
        if (voted.size === 0) return;
        for (const view of await this.signerViews()) if (voted.has(view.id)) this.bus.publish('signer', view);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
