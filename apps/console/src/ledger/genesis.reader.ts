import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { genesisSchema, topicName } from '@concord/contracts';
import { groupName, KafkaSettings } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import { ReadModelRepository } from './read-model.repository';

/**
 * The genesis command is the first record of ledger.commands; the finalized blocks do not carry the
 * operator keys and governance threshold, which the console checks approvals against. This reads that
 * one record (a group of its own that commits nothing) and stops.
 */
export class GenesisReader {
  private consumer: Consumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly readModel: ReadModelRepository,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const chain = await this.readModel.chain();
    if (chain && Array.isArray(chain.genesis.operators)) return;
    const consumer = this.kafka.consumer({
      groupId: groupName(this.settings.topicPrefix, `console-genesis-${randomBytes(4).toString('hex')}`),
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topic: topicName('ledgerCommands', this.settings.topicPrefix),
      fromBeginning: true,
    });
    let done = false;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (done) return;
        done = true;
        const parsed = genesisSchema.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
        if (parsed.success) {
          await this.readModel.storeGenesis(parsed.data.chainId, parsed.data);
          this.log.info({ chainId: parsed.data.chainId }, 'genesis read');
        } else {
          this.log.error('the first record of ledger.commands is no genesis: governance is off');
        }
        setImmediate(() => void this.stop());
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.disconnect().catch(() => undefined);
  }
}
