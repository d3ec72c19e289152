import type { Kafka, Producer } from 'kafkajs';
import { fxRequestEnvelopeSchema, topicName } from '@concord/contracts';
import { consumeValidated, SupervisedConsumer, groupName, KafkaSettings, sendJson } from '@concord/kafka';
import type { FxRequestHandler } from './requests.handler';

/**
 * Reads fxQuoteRequests (in a consumer group shared by every FX instance) and answers each request on
 * fxQuoteReplies, keyed by its request id. A message without a request id cannot be answered and goes to
 * the dead-letter topic. Offsets are committed once the batch's replies are sent.
 */
export class FxRequestsConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly handler: FxRequestHandler,
  ) {}

  async start(): Promise<void> {
    const replies = topicName('fxQuoteReplies', this.settings.topicPrefix);
    this.consumer = await consumeValidated({
      topic: topicName('fxQuoteRequests', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'fx-requests'),
      schema: fxRequestEnvelopeSchema,
      service: 'fx',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      // A new group starts at the beginning: requests past their deadline are answered REQUEST_EXPIRED.
      fromBeginning: true,
      handle: async (messages) => {
        const answers = await Promise.all(messages.map((m) => this.handler.handle(m.value)));
        await sendJson(
          this.producer,
          replies,
          answers.map((reply) => ({ key: reply.requestId, value: reply })),
        );
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
