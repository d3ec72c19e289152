import { ServicesPrismaClient, Sql, sqlOf, timestampText } from '@concord/db';
import { FinalizedBlock, finalizedBlockSchema, splitTransferKey, transferKey } from '@concord/contracts';
import type { StatementPosting } from './statement.builder';

/** `<participant>/<currency>`: the position account of a participant (`hub/<currency>` for the hub). */
export function accountIdOf(participantId: string, currency: string): string {
  return `${participantId}/${currency}`;
}

/** The owner of a ledger account id (`p/USD`, `p/USD/fees`, `hub/USD`...): the part before the first `/`. */
function ownerOf(accountId: string): string {
  const slash = accountId.indexOf('/');
  return slash < 0 ? accountId : accountId.slice(0, slash);
}

/** One posting of an account, as its `gateway.account_postings` row holds it. */
export interface AccountPosting {
  /** The posting id: `<payer>/<id>` of a transfer (with `:fee`... for its other legs), or a settlement posting's. */
  t: string;
  /** Debit or credit, seen from this account. */
  d: 'debit' | 'credit';
  /** Amount in minor units. */
  m: string;
  /** The other side's owner. */
  o: string;
  /** Status of the transfer that moved the money. */
  s: string;
  /** Position of the posting in its block. */
  q: number;
}

/** One account's postings of a block with their sums: a `gateway.account_postings` row without its block. */
export interface AccountPostingsRow {
  a: string;
  /** The account's owner and currency. */
  p: string;
  c: string;
  /** Sums of the debits and of the credits, in minor units. */
  d: string;
  k: string;
  j: AccountPosting[];
}

/**
 * The postings of a finalized block as statement rows, grouped by account in one pass: each ledger posting
 * the block carries is a debit of one account and a credit of another, with the status of the transfer it
 * belongs to (`<key>:fee`, `<key>:spread` and `<key>:scheme-fee` belong to `<key>`, the transfer's key
 * `<payer>/<id>`). So a cross-currency
 * transfer shows as its legs, fees and spread on their own accounts, and settlement postings as the moves
 * between position and settlement account they are. A posting appears once per account and posting id;
 * accounts come in the order the block first moves them, each one's postings in ledger order.
 */
export function accountPostingsOf(block: FinalizedBlock): AccountPostingsRow[] {
  const statusOf = new Map<string, string>();
  for (const o of block.outcomes) if (!o.refusal) statusOf.set(transferKey(o.payer, o.transferId), o.status);
  const status = (postingId: string): string => {
    const own = statusOf.get(postingId);
    if (own) return own;
    const colon = postingId.lastIndexOf(':');
    return (colon > 0 ? statusOf.get(postingId.slice(0, colon)) : undefined) ?? 'committed';
  };
  // This runs for every posting of every finalized block, on the gateway's busiest path: each posting
  // goes straight into its account's group, and the sums are kept as it goes.
  const groups = new Map<
    string,
    { row: AccountPostingsRow; ids: Set<string>; debit: bigint; credit: bigint }
  >();
  const add = (accountId: string, currency: string, posting: AccountPosting, amountMinor: bigint): void => {
    let group = groups.get(accountId);
    if (!group) {
      const row = { a: accountId, p: ownerOf(accountId), c: currency, d: '', k: '', j: [] };
      group = { row, ids: new Set(), debit: 0n, credit: 0n };
      groups.set(accountId, group);
    }
    if (group.ids.has(posting.t)) return;
    group.ids.add(posting.t);
    if (posting.d === 'debit') group.debit += amountMinor;
    else group.credit += amountMinor;
    group.row.j.push(posting);
  };
  block.postings.forEach((p, seq) => {
    // A posting from an account to itself (an FX provider paying itself) moves nothing.
    if (p.debitAccount === p.creditAccount) return;
    const amountMinor = BigInt(p.amountMinor);
    if (amountMinor <= 0n) return;
    const m = amountMinor.toString();
    const s = status(p.transferId);
    const debitOwner = ownerOf(p.debitAccount);
    const creditOwner = ownerOf(p.creditAccount);
    add(
      p.debitAccount,
      p.currency,
      { t: p.transferId, d: 'debit', m, o: creditOwner, s, q: seq },
      amountMinor,
    );
    add(
      p.creditAccount,
      p.currency,
      { t: p.transferId, d: 'credit', m, o: debitOwner, s, q: seq },
      amountMinor,
    );
  });
  return [...groups.values()].map(({ row, debit, credit }) => ({
    ...row,
    d: debit.toString(),
    k: credit.toString(),
  }));
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

/** A posting of one account as statements read it back from `gateway.account_postings`. */
interface PostingReadRow {
  transferId: string;
  direction: string;
  amount: string;
  counterparty: string;
  status: string;
  height: number;
  blockTimeMs: string;
}

/** The account postings table: written when a block is applied, read by statements. */
export class StatementsRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /**
   * Runs in the transaction that applies the block. Postings follow blocks one by one; when they are
   * behind (blocks applied before this table existed) the block is left to catchUp(). The check of the
   * postings cursor, the rows and the cursor move are one statement: one round trip per block.
   */
  async recordBlock(tx: Sql, block: FinalizedBlock): Promise<void> {
    // One row per account the block moves, holding that account's postings of the block and their sums.
    // Plain SQL on the path of every finalized block (libs/db/src/sql.ts), the rows as one JSON document
    // (JSON.stringify is native; node-postgres escapes array parameters element by element). Height and
    // block time are the block's, the same for every row: sent once, not once per row.
    await tx.execute(
      `with next as (
         select 1 where coalesce((select height from gateway.cursors where name = $2), 0) = $3 - 1),
       p as (
         insert into gateway.account_postings (account_id, height, participant_id, currency, block_time,
           debit_minor, credit_minor, postings)
         select u.a, $3, u.p, u.c, $4::timestamp, u.d, u.k, u.j
         from json_to_recordset($1::json) as u(a text, p text, c text, d bigint, k bigint, j json), next
         on conflict (account_id, height) do nothing)
       insert into gateway.cursors (name, height) select $2, $3 from next
       on conflict (name) do update set height = excluded.height`,
      [
        JSON.stringify(accountPostingsOf(block)),
        POSTINGS_CURSOR,
        block.header.height,
        timestampText(block.header.blockTimeMs),
      ],
    );
  }

  /**
   * Records the postings of every applied block they do not cover yet, from the stored blocks, holding
   * the lock that applying blocks takes. Returns how many blocks it replayed.
   */
  async catchUp(): Promise<number> {
    let replayed = 0;
    for (;;) {
      const done = await sqlOf(this.prisma).transaction(async (tx) => {
        const [finalized] = await tx.query<{ height: number }>(
          `select height from gateway.cursors where name = 'finalized' for update`,
        );
        const [postings] = await tx.query<{ height: number }>(
          `select height from gateway.cursors where name = $1`,
          [POSTINGS_CURSOR],
        );
        const from = (postings?.height ?? 0) + 1;
        const to = Math.min(finalized?.height ?? 0, from + CATCH_UP_CHUNK - 1);
        if (to < from) return 0;
        const blocks = await tx.query<{ height: number; body: string }>(
          `select height, body from gateway.blocks where height between $1 and $2 order by height`,
          [from, to],
        );
        let expected = from;
        for (const row of blocks) {
          if (row.height !== expected) throw new Error(`applied block ${expected} is not stored`);
          await this.recordBlock(tx, finalizedBlockSchema.parse(JSON.parse(row.body)));
          expected += 1;
        }
        return blocks.length;
      });
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
        const [sums] = await tx.$queryRawUnsafe<{ debit: string; credit: string }[]>(
          `select coalesce(sum(debit_minor), 0)::text as debit, coalesce(sum(credit_minor), 0)::text as credit
           from gateway.account_postings where account_id = $1 and block_time < $2::timestamp`,
          accountId,
          timestampText(from),
        );
        const rows = await tx.$queryRawUnsafe<PostingReadRow[]>(
          `select p.t as "transferId", p.d as direction, p.m as amount, p.o as counterparty, p.s as status,
             r.height, (extract(epoch from r.block_time) * 1000)::bigint::text as "blockTimeMs"
           from gateway.account_postings r
             cross join lateral json_to_recordset(r.postings) as p(t text, d text, m text, o text, s text, q int)
           where r.account_id = $1 and r.block_time >= $2::timestamp and r.block_time < $3::timestamp
           order by r.height, p.q
           limit $4`,
          accountId,
          timestampText(from),
          timestampText(to),
          limit,
        );
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
          openingMinor: BigInt(sums?.credit ?? '0') - BigInt(sums?.debit ?? '0'),
          postings: rows.map((r) => {
            // A transfer's posting id is its key: shown as the payer's id and the payer.
            const key = splitTransferKey(r.transferId);
            return {
              transferId: key?.id ?? r.transferId,
              ...(key ? { payer: key.payer } : {}),
              direction: r.direction as 'debit' | 'credit',
              amountMinor: BigInt(r.amount),
              counterparty: r.counterparty,
              status: r.status,
              height: Number(r.height),
              blockTime: new Date(Number(r.blockTimeMs)),
            };
          }),
        };
      },
      { isolationLevel: 'RepeatableRead' },
    );
  }
}
