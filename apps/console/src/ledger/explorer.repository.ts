import type {
  BlockSummary,
  ConsoleAccountView,
  ConsoleParticipantView,
  ConsoleTransferView,
} from '@concord/contracts';
import { sqlOf, SqlPool } from '@concord/db';
import type { ConsoleDb } from '../console.db';

interface BlockRow {
  height: number;
  header_hash: string;
  block_time: Date;
  entry_count: number;
  transfer_count: number;
  signer_ids: string[];
}

interface TransferRow {
  transfer_id: string;
  status: ConsoleTransferView['status'];
  reason: string | null;
  payer: string;
  payee: string;
  amount_minor: bigint;
  currency: string;
  height: number;
  block_time: Date;
}

interface AccountRow {
  id: string;
  participant_id: string;
  currency: string;
  kind: string;
  balance_minor: bigint;
  reserved_minor: bigint;
  limit: ConsoleAccountView['limit'];
  height: number;
}

export const blockSummary = (r: BlockRow): BlockSummary => ({
  height: r.height,
  headerHash: r.header_hash,
  blockTime: r.block_time.toISOString(),
  entryCount: r.entry_count,
  transferCount: r.transfer_count,
  signerIds: r.signer_ids,
});

const transferView = (r: TransferRow): ConsoleTransferView => ({
  transferId: r.transfer_id,
  status: r.status,
  reason: r.reason,
  payer: r.payer,
  payee: r.payee,
  amountMinor: r.amount_minor.toString(),
  currency: r.currency,
  height: r.height,
  blockTime: r.block_time.toISOString(),
});

/** How much of its net debit cap an account uses, in basis points; null without a cap. */
export function capUsageBps(
  balance: bigint,
  reserved: bigint,
  limit: ConsoleAccountView['limit'],
): number | null {
  if (limit?.kind !== 'net-debit-cap') return null;
  const cap = BigInt(limit.capMinor);
  const available = balance - reserved;
  if (available >= 0n) return 0;
  if (cap === 0n) return 10_000;
  return Number((-available * 10_000n) / cap);
}

export const accountView = (r: AccountRow): ConsoleAccountView => ({
  id: r.id,
  participantId: r.participant_id,
  currency: r.currency,
  kind: r.kind,
  balanceMinor: r.balance_minor.toString(),
  reservedMinor: r.reserved_minor.toString(),
  availableMinor: (r.balance_minor - r.reserved_minor).toString(),
  limit: r.limit,
  capUsageBps: capUsageBps(r.balance_minor, r.reserved_minor, r.limit),
  height: r.height,
});

export interface TransferSearch {
  id?: string;
  participantId?: string;
  status?: string;
  from?: string;
  to?: string;
  after?: { n: number; id: string };
  limit: number;
}

const TRANSFER_COLUMNS =
  'transfer_id, status, reason, payer, payee, amount_minor, currency, height, block_time';
const BLOCK_COLUMNS = 'height, header_hash, block_time, entry_count, transfer_count, signer_ids';

/** The explorer's reads: every list is a keyset page on an index, so a page costs the same at any depth. */
export class ExplorerRepository {
  private readonly sql: SqlPool;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  async blocks(beforeHeight: number | undefined, limit: number): Promise<BlockSummary[]> {
    const rows = await this.sql.query<BlockRow>(
      `SELECT ${BLOCK_COLUMNS} FROM "console".block ${beforeHeight === undefined ? '' : 'WHERE height < $2'}
       ORDER BY height DESC LIMIT $1`,
      beforeHeight === undefined ? [limit] : [limit, beforeHeight],
    );
    return rows.map(blockSummary);
  }

  async block(height: number): Promise<{ summary: BlockSummary; body: string } | null> {
    const [row] = await this.sql.query<BlockRow & { body: string }>(
      `SELECT ${BLOCK_COLUMNS}, body FROM "console".block WHERE height = $1`,
      [height],
    );
    return row ? { summary: blockSummary(row), body: row.body } : null;
  }

  /** The first height whose block time is at or after `at` (block times grow with heights). */
  private async heightAt(at: string): Promise<number | null> {
    const [row] = await this.sql.query<{ height: number }>(
      `SELECT height FROM "console".transfer WHERE block_time >= $1::timestamptz ORDER BY block_time LIMIT 1`,
      [at],
    );
    return row?.height ?? null;
  }

  /**
   * A page of transfers, newest first on (height, transfer id). A participant's are the union of two
   * ordered index scans (as payer, as payee), each cut at the page size, so no page sorts more than two
   * pages' rows; a time range becomes a height range first.
   */
  async transfers(q: TransferSearch): Promise<ConsoleTransferView[]> {
    const values: unknown[] = [];
    const where: string[] = [];
    if (q.id) where.push(`transfer_id = $${values.push(q.id)}`);
    if (q.status) where.push(`status = $${values.push(q.status)}`);
    if (q.from) where.push(`height >= $${values.push((await this.heightAt(q.from)) ?? 2 ** 31 - 1)}`);
    if (q.to) {
      const toHeight = await this.heightAt(q.to);
      if (toHeight !== null) where.push(`height < $${values.push(toHeight)}`);
    }
    if (q.after)
      where.push(`(height, transfer_id) < ($${values.push(q.after.n)}, $${values.push(q.after.id)})`);
    const limit = `$${values.push(q.limit)}`;
    const order = 'ORDER BY height DESC, transfer_id DESC';
    const scan = (extra: string[]) => {
      const all = [...where, ...extra];
      return `SELECT ${TRANSFER_COLUMNS} FROM "console".transfer ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ${order} LIMIT ${limit}`;
    };
    let text = scan([]);
    if (q.participantId) {
      const p = `$${values.push(q.participantId)}`;
      text = `SELECT * FROM ((${scan([`payer = ${p}`])}) UNION ALL (${scan([`payee = ${p}`, `payer <> ${p}`])})) t ${order} LIMIT ${limit}`;
    }
    return (await this.sql.query<TransferRow>(text, values)).map(transferView);
  }

  async transferHistory(
    id: string,
  ): Promise<{ transfer: ConsoleTransferView; history: ConsoleTransferView[] } | null> {
    // Two payers may use one id: the first by payer here; the list (filter `id`) shows them all.
    const [row] = await this.sql.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM "console".transfer WHERE transfer_id = $1 ORDER BY payer LIMIT 1`,
      [id],
    );
    if (!row) return null;
    const events = await this.sql.query<TransferRow>(
      `SELECT e.transfer_id, e.status, e.reason, t.payer, t.payee, t.amount_minor, t.currency, e.height, b.block_time
       FROM "console".transfer_event e
       JOIN "console".transfer t ON t.transfer_id = e.transfer_id AND t.payer = $2
       LEFT JOIN "console".block b ON b.height = e.height
       WHERE e.transfer_id = $1 AND e.payer IN ($2, '') ORDER BY e.height, e.seq`,
      [id, row.payer],
    );
    return {
      transfer: transferView(row),
      history: events.map((e) => transferView({ ...e, block_time: e.block_time ?? row.block_time })),
    };
  }

  async participants(id?: string): Promise<ConsoleParticipantView[]> {
    const rows = await this.sql.query<{
      id: string;
      name: string;
      status: ConsoleParticipantView['status'];
      settlement: ConsoleParticipantView['settlement'];
      keys: ConsoleParticipantView['keys'];
      currencies: string[];
    }>(
      `SELECT id, name, status, settlement, keys, currencies FROM "console".participant
       ${id ? 'WHERE id = $1' : ''} ORDER BY id`,
      id ? [id] : [],
    );
    const accounts = await this.sql.query<AccountRow>(
      `SELECT id, participant_id, currency, kind, balance_minor, reserved_minor, "limit", height
       FROM "console".account ${id ? 'WHERE participant_id = $1' : ''} ORDER BY id`,
      id ? [id] : [],
    );
    return rows.map((p) => ({
      ...p,
      accounts: accounts.filter((a) => a.participant_id === p.id).map(accountView),
    }));
  }

  async signerVotes(): Promise<{ id: string; last_vote_height: number | null; last_vote_at: Date | null }[]> {
    return this.sql.query(`SELECT id, last_vote_height, last_vote_at FROM "console".signer`);
  }

  /** Final transfers per 10-second bucket over the last 10 minutes, and the finality latency percentiles. */
  async throughput(): Promise<{
    buckets: { at: string; transfers: number }[];
    lastMinute: number;
    p50: number | null;
    p99: number | null;
  }> {
    const buckets = await this.sql.query<{ at: Date; transfers: bigint }>(
      `SELECT to_timestamp(floor(extract(epoch FROM block_time) / 10) * 10) AS at, sum(transfer_count)::bigint AS transfers
       FROM "console".block WHERE block_time > now() - interval '10 minutes' GROUP BY 1 ORDER BY 1`,
    );
    const [stats] = await this.sql.query<{
      last_minute: bigint | null;
      p50: number | null;
      p99: number | null;
    }>(
      `SELECT (SELECT sum(transfer_count) FROM "console".block WHERE block_time > now() - interval '1 minute')::bigint AS last_minute,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - block_time) * 1000) AS p50,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - block_time) * 1000) AS p99
       FROM "console".block WHERE block_time > now() - interval '5 minutes'`,
    );
    return {
      buckets: buckets.map((b) => ({ at: b.at.toISOString(), transfers: Number(b.transfers) })),
      lastMinute: Number(stats?.last_minute ?? 0),
      p50: stats?.p50 === null || stats?.p50 === undefined ? null : Math.round(Number(stats.p50)),
      p99: stats?.p99 === null || stats?.p99 === undefined ? null : Math.round(Number(stats.p99)),
    };
  }
}
