import { ServicesPrismaClient } from '@concord/db';
import { FinalizedBlock, finalizedBlockSchema } from '@concord/contracts';
import type { Tx } from '../ledger/ledger-view.repository';
import type { StatementPosting } from './statement.builder';

export interface PostingRow {
  accountId: string;
  transferId: string;
  participantId: string;
  currency: string;
  direction: 'debit' | 'credit';
  amountMinor: bigint;
  counterparty: string;
  status: string;
  height: number;
  seq: number;
  blockTime: Date;
}

/** `<participant>/<currency>`: the position account of a participant (`hub/<currency>` for the hub). */
export function accountIdOf(participantId: string, currency: string): string {
  return `${participantId}/${currency}`;
}

/**
 * The postings of a finalized block: for every committed or fulfilled transfer a debit of the payer's
 * account and a credit of the payee's, at the block's height and time. Refused instructions, rejections
 * and reservations move no money. A transfer moves money once: an outcome repeated for an id the ledger
 * already took (an idempotent resubmission) finds its postings there and adds none.
 */
export function postingsOf(block: FinalizedBlock): PostingRow[] {
  const height = block.header.height;
  const blockTime = new Date(block.header.blockTimeMs);
  const rows = new Map<string, PostingRow>();
  block.outcomes.forEach((o, seq) => {
    if (o.refusal || (o.status !== 'committed' && o.status !== 'fulfilled')) return;
    const amountMinor = BigInt(o.amountMinor);
    if (amountMinor <= 0n) return;
    const common = {
      transferId: o.transferId,
      currency: o.currency,
      amountMinor,
      status: o.status,
      height,
      seq,
      blockTime,
    };
    const debit: PostingRow = {
      ...common,
      accountId: accountIdOf(o.payer, o.currency),
      participantId: o.payer,
      direction: 'debit',
      counterparty: o.payee,
    };
    const credit: PostingRow = {
      ...common,
      accountId: accountIdOf(o.payee, o.currency),
      participantId: o.payee,
      direction: 'credit',
      counterparty: o.payer,
    };
    for (const row of [debit, credit]) {
      const key = `${row.accountId}\n${row.transferId}`;
      if (!rows.has(key)) rows.set(key, row);
    }
  });
  return [...rows.values()];
}

const POSTINGS_CURSOR = 'postings';
/** Blocks replayed per transaction when postings catch up with blocks applied before they existed. */
const CATCH_UP_CHUNK = 200;

export interface StatementSnapshot {
  finalizedHeight: number;
  postingsHeight: number;
  /** Block time of the last applied block (null before the genesis). */
  lastBlockTime: Date | null;
  account: { id: string; participantId: string; currency: string; balanceMinor: bigint } | null;
  openingMinor: bigint;
  postings: StatementPosting[];
}

/** The account postings table: written when a block is applied, read by statements. */
export class StatementsRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /**
   * Runs in the transaction that applies the block. Postings follow blocks one by one; when they are
   * behind (blocks applied before this table existed) the block is left to catchUp().
   */
  async recordBlock(tx: Tx, block: FinalizedBlock): Promise<void> {
    const height = block.header.height;
    const [cursor] = await tx.$queryRawUnsafe<{ height: number }[]>(
      `select height from gateway.cursors where name = $1`,
      POSTINGS_CURSOR,
    );
    if ((cursor?.height ?? 0) !== height - 1) return;
    await this.write(tx, block);
  }

  private async write(tx: Tx, block: FinalizedBlock): Promise<void> {
    const rows = postingsOf(block);
    if (rows.length > 0) await tx.gatewayPosting.createMany({ data: rows, skipDuplicates: true });
    await tx.$executeRawUnsafe(
      `insert into gateway.cursors (name, height) values ($1, $2)
       on conflict (name) do update set height = excluded.height`,
      POSTINGS_CURSOR,
      block.header.height,
    );
  }

  /**
   * Records the postings of every applied block they do not cover yet, from the stored blocks, holding
   * the lock that applying blocks takes. Returns how many blocks it replayed.
   */
  async catchUp(): Promise<number> {
    let replayed = 0;
    for (;;) {
      const done = await this.prisma.$transaction(
        async (tx) => {
          const [finalized] = await tx.$queryRawUnsafe<{ height: number }[]>(
            `select height from gateway.cursors where name = 'finalized' for update`,
          );
          const [postings] = await tx.$queryRawUnsafe<{ height: number }[]>(
            `select height from gateway.cursors where name = $1`,
            POSTINGS_CURSOR,
          );
          const from = (postings?.height ?? 0) + 1;
          const to = Math.min(finalized?.height ?? 0, from + CATCH_UP_CHUNK - 1);
          if (to < from) return 0;
          const blocks = await tx.$queryRawUnsafe<{ height: number; body: string }[]>(
            `select height, body from gateway.blocks where height between $1 and $2 order by height`,
            from,
            to,
          );
          let expected = from;
          for (const row of blocks) {
            if (row.height !== expected) throw new Error(`applied block ${expected} is not stored`);
            await this.write(tx, finalizedBlockSchema.parse(JSON.parse(row.body)));
            expected += 1;
          }
          return blocks.length;
        },
        { timeout: 60_000 },
      );
      if (done === 0) return replayed;
      replayed += done;
    }
  }

  /**
   * Everything a statement needs, read at one consistent height (repeatable read): the cursors, the
   * account and its balance now, the opening balance (postings before `from`) and the window's postings
   * (`from <= block time < to`), at most `limit` of them.
   */
  snapshot(accountId: string, from: Date, to: Date, limit: number): Promise<StatementSnapshot> {
    return this.prisma.$transaction(
      async (tx) => {
        const cursors = await tx.gatewayCursor.findMany({
          where: { name: { in: ['finalized', POSTINGS_CURSOR] } },
        });
        const finalizedHeight = cursors.find((c) => c.name === 'finalized')?.height ?? 0;
        const postingsHeight = cursors.find((c) => c.name === POSTINGS_CURSOR)?.height ?? 0;
        const [last] = await tx.$queryRawUnsafe<{ block_time_ms: string }[]>(
          `select (body::json->'header'->>'blockTimeMs') as block_time_ms from gateway.blocks where height = $1`,
          finalizedHeight,
        );
        const account = await tx.gatewayAccount.findUnique({ where: { id: accountId } });
        const sums = await tx.gatewayPosting.groupBy({
          by: ['direction'],
          where: { accountId, blockTime: { lt: from } },
          _sum: { amountMinor: true },
        });
        const sum = (direction: string) =>
          sums.find((s) => s.direction === direction)?._sum.amountMinor ?? 0n;
        const rows = await tx.gatewayPosting.findMany({
          where: { accountId, blockTime: { gte: from, lt: to } },
          orderBy: [{ height: 'asc' }, { seq: 'asc' }],
          take: limit,
        });
        return {
          finalizedHeight,
          postingsHeight,
          lastBlockTime: last ? new Date(Number(last.block_time_ms)) : null,
          account: account
            ? {
                id: account.id,
                participantId: account.participantId,
                currency: account.currency,
                balanceMinor: account.balanceMinor,
              }
            : null,
          openingMinor: sum('credit') - sum('debit'),
          postings: rows.map((r) => ({
            transferId: r.transferId,
            direction: r.direction as 'debit' | 'credit',
            amountMinor: r.amountMinor,
            counterparty: r.counterparty,
            status: r.status,
            height: r.height,
            blockTime: r.blockTime,
          })),
        };
      },
      { isolationLevel: 'RepeatableRead' },
    );
  }
}
