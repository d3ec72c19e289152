import type { Kafka, Producer } from 'kafkajs';
import { FinalizedBlock, finalizedBlockSchema, topicName } from '@concord/contracts';
import { consumeValidated, groupName, KafkaSettings, SupervisedConsumer } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import { ParticipantsRepository } from '../auth/participants.repository';
import { LedgerViewRepository } from './ledger-view.repository';
import { FinalStates } from './final-states';

/**
 * Blocks received ahead of the read model's cursor (a gap another replica may fill), kept to wake their
 * waiters once the cursor passes them. Past this many, the oldest are dropped: their waiters read their rows
 * again when their time is up, which is all a long-poll promises.
 */
const MAX_PENDING_BLOCKS = 1_000;

/**
 * Takes in the ledger's finalized blocks: the members they announce, the balances and the outcome of
 * every transfer. Every gateway replica reads every block (a consumer group of its own per start), so that
 * each one's long-polls and participant keys follow the ledger; the read model they share in PostgreSQL is
 * still applied once per block, by whichever replica locks its cursor first, in height order. Where to read
 * from is kept with the read model (the topic position, moved forward after each batch is stored), so a
 * replica restarted after a crash neither waits for its dead predecessor's session nor skips a block.
 */
export class FinalizedConsumer {
  private consumer: SupervisedConsumer | null = null;
  /** The offset after the last message this replica stored. */
  private nextOffset: string | undefined;
  /** Blocks received but above the cursor, by height (see MAX_PENDING_BLOCKS). */
  private readonly pending = new Map<number, FinalizedBlock>();

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly view: LedgerViewRepository,
    private readonly participants: ParticipantsRepository,
    /** The requests of this replica that wait for final states. */
    private readonly finalStates: FinalStates,
    private readonly log: Logger,
    /** Called with the blocks this replica just applied (queues their webhook deliveries, counts outcomes). */
    private readonly afterApply?: (blocks: FinalizedBlock[]) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    this.nextOffset = await this.view.topicPosition();
    // Blocks stored before a crash but not applied yet are applied before new ones come in.
    await this.apply([]);
    this.consumer = await consumeValidated({
      topic: topicName('ledgerFinalized', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'gateway-finalized'),
      ephemeral: { position: () => this.nextOffset },
      schema: finalizedBlockSchema,
      service: 'gateway',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      onRestart: (error, delayMs) =>
        this.log.warn({ err: error, delayMs }, 'finalized-blocks consumer failed; starting it again'),
      handle: async (messages) => {
        // The bodies go to the database as the bytes that came (a finalized block is megabytes of text):
        // making a string of them again would cost as much as the parse that already made one.
        const next = (BigInt(messages[messages.length - 1].offset) + 1n).toString();
        await this.view.store(
          messages.map((m) => ({ block: m.value, body: m.raw.value! })),
          next,
        );
        this.nextOffset = next;
        await this.apply(messages.map((m) => m.value));
      },
    });
  }

  /**
   * Applies what follows the cursor and wakes the waiters of every block now at or below it: those this
   * replica applied with their states, those another replica applied by a read of their rows.
   */
  private async apply(received: FinalizedBlock[]): Promise<void> {
    const { blocks: applied, appliedAt, cursor } = await this.view.applyReady(received);
    const mine = new Set(applied.map((b) => b.header.height));
    const elsewhere: FinalizedBlock[] = [];
    for (const block of received) {
      const height = block.header.height;
      if (mine.has(height)) continue;
      if (height > cursor) this.pending.set(height, block);
      else elsewhere.push(block);
    }
    for (const [height, block] of this.pending) {
      if (height > cursor) continue;
      this.pending.delete(height);
      if (!mine.has(height)) elsewhere.push(block);
    }
    for (const height of this.pending.keys()) {
      if (this.pending.size <= MAX_PENDING_BLOCKS) break;
      this.pending.delete(height);
    }
    // In height order, so that a participant's keys and status are never replaced by an older block's.
    const woken = [
      ...applied.map((block) => ({ block, appliedAt: appliedAt as Date | null })),
      ...elsewhere.map((block) => ({ block, appliedAt: null })),
    ].sort((a, b) => a.block.header.height - b.block.header.height);
    for (const { block, appliedAt: at } of woken) {
      this.participants.remember(block.participants);
      // Waiters of a block this replica applied get its states; those of another's read their rows again.
      this.finalStates.notify(block, at);
    }
    if (applied.length > 0) await this.afterApply?.(applied);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
