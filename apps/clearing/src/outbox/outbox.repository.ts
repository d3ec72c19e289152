import type { ClearingEvent, SettlementCommand, TopicKey } from '@concord/contracts';
import type { RawSql, ServicesPrismaClient } from '@concord/db';
import type { SettlementPosting, SettlementSigner } from '../settlement/settlement-signer';

/**
 * The outbox (clearing.outbox): clearing events and signed settlement postings, written in the
 * transaction of what caused them and published after it commits, so that a crash never loses or doubles
 * either. A row's event id is unique: writing it again does nothing.
 */
export class OutboxRepository {
  constructor(
    private readonly prisma: ServicesPrismaClient,
    private readonly signer: SettlementSigner,
  ) {}

  /** A clearing event for clearing.events, under `key` (a currency, or participant/currency). */
  async event(tx: RawSql, key: string, event: ClearingEvent): Promise<void> {
    await this.enqueue(tx, 'clearingEvents', event.eventId, key, event);
  }

  /**
   * A settlement posting for ledger.commands, signed for the ledger's chain as the blocks taken in name it.
   * Keyed by its posting id, in outbox order, so a reversal follows what it reverses.
   */
  async posting(tx: RawSql, posting: SettlementPosting): Promise<void> {
    const command: SettlementCommand = this.signer.sign(await this.chainId(tx), posting);
    await this.enqueue(
      tx,
      'ledgerCommands',
      `ledger.settlement:${posting.postingId}`,
      posting.postingId,
      command,
    );
  }

  private async enqueue(
    tx: RawSql,
    topic: TopicKey,
    eventId: string,
    key: string,
    payload: unknown,
  ): Promise<void> {
    await tx.$executeRawUnsafe(
      `insert into clearing.outbox (event_id, topic, key, payload) values ($1, $2, $3, $4)
       on conflict (event_id) do nothing`,
      eventId,
      topic,
      key,
      JSON.stringify(payload),
    );
  }

  /** The ledger's chain id, from the blocks taken in: settlement postings are signed for it. */
  private async chainId(tx: RawSql): Promise<string> {
    const [row] = await tx.$queryRawUnsafe<{ chain_id: string }[]>(
      `select chain_id from clearing.blocks where chain_id <> '' order by height desc limit 1`,
    );
    if (!row)
      throw new Error('no finalized block with a chain id taken in yet: cannot sign a settlement posting');
    return row.chain_id;
  }

  /** Unpublished rows, oldest first. */
  pending(limit: number) {
    return this.prisma.clearingOutbox.findMany({
      where: { publishedAt: null },
      orderBy: { seq: 'asc' },
      take: limit,
    });
  }

  async markPublished(seqs: bigint[]): Promise<void> {
    await this.prisma.clearingOutbox.updateMany({
      where: { seq: { in: seqs } },
      data: { publishedAt: new Date() },
    });
  }
}
