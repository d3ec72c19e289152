import { openedAccountIds } from '@concord/chain-verify';
import { FinalizedBlock, transferKey } from '@concord/contracts';
import { sqlOf, Sql, SqlPool, valuesList } from '@concord/db';
import type { ConsoleDb } from '../console.db';

export interface ReceivedBlock {
  block: FinalizedBlock;
  /** The message as it came, stored for the detail page without serializing it again. */
  body: string;
  receivedAt: Date;
}

export interface SignerSet {
  fromHeight: number;
  quorum: number;
  signers: { id: string; publicKey: string }[];
}

interface ChainRow {
  chain_id: string;
  height: number;
  signer_sets: SignerSet[];
}

/** The transfer rows of a batch of blocks: latest status per transfer, and every status change. */
export function transferRows(blocks: ReceivedBlock[]) {
  const latest = new Map<string, Record<string, unknown>>();
  const events: Record<string, unknown>[] = [];
  for (const { block } of blocks) {
    const height = block.header.height;
    const blockTime = new Date(block.header.blockTimeMs).toISOString();
    block.outcomes.forEach((o, seq) => {
      const payer = o.payer;
      events.push({
        transfer_id: o.transferId,
        payer,
        height,
        seq,
        status: o.status,
        reason: o.reason ?? null,
      });
      // A refused instruction did not change the transfer's recorded state.
      if (o.refusal) return;
      // A transfer is its payer's id: two payers may use one id.
      latest.set(transferKey(payer, o.transferId), {
        transfer_id: o.transferId,
        status: o.status,
        reason: o.reason ?? null,
        payer: o.payer,
        payee: o.payee,
        amount_minor: o.amountMinor,
        currency: o.currency,
        height,
        block_time: blockTime,
      });
    });
  }
  return { latest: [...latest.values()], events };
}

/**
 * The account versions of a batch: each block's changed accounts as it left them, and the zero accounts
 * its members' currencies open (kept only where the account had no version yet: see recordVersions).
 */
export function accountVersionRows(blocks: ReceivedBlock[]) {
  const changed: { id: string; h: number; b: string; r: string }[] = [];
  const opened = new Map<string, number>();
  for (const { block } of blocks) {
    const h = block.header.height;
    for (const p of block.participants)
      for (const id of openedAccountIds(p)) if (!opened.has(id)) opened.set(id, h);
    for (const a of block.accounts) changed.push({ id: a.id, h, b: a.balanceMinor, r: a.reservedMinor });
  }
  return { changed, opened: [...opened].map(([id, h]) => ({ id, h })) };
}

/** The participants and accounts of a batch, latest first wins (later blocks replace earlier ones). */
function latestBy<T>(items: T[], key: (t: T) => string): T[] {
  const map = new Map<string, T>();
  for (const item of items) map.set(key(item), item);
  return [...map.values()];
}

/** The signer sets after a batch: each block that set or changed them adds one. */
export function nextSignerSets(sets: SignerSet[], blocks: ReceivedBlock[]): SignerSet[] {
  const out = [...sets];
  for (const { block } of blocks) {
    const set = block.signerSet;
    if (!set) continue;
    const fromHeight = set.fromHeight ?? block.header.height + 1;
    if (out.some((s) => s.fromHeight === fromHeight)) continue;
    out.push({ fromHeight, quorum: set.quorum, signers: set.signers });
  }
  return out.sort((a, b) => a.fromHeight - b.fromHeight);
}

/** The signer set in force at `height` (the first one for the genesis block). */
export function signerSetAt(sets: SignerSet[], height: number): SignerSet | null {
  let current: SignerSet | null = sets[0] ?? null;
  for (const set of sets) if (set.fromHeight <= height) current = set;
  return current;
}

/**
 * The console's picture of the ledger, from ledger.finalized: blocks, transfers (latest status and
 * history), participants, accounts, the chain tip and its signer sets. A batch of blocks is applied in one
 * transaction and every statement is idempotent, so a batch read again after a crash changes nothing.
 */
export class ReadModelRepository {
  readonly sql: SqlPool;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  async apply(blocks: ReceivedBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    await this.sql.transaction(async (tx) => {
      await this.insertBlocks(tx, blocks);
      await this.upsertTransfers(tx, blocks);
      await this.upsertMembers(tx, blocks);
      await this.recordAccountVersions(tx, blocks);
      await this.moveTip(tx, blocks);
    });
  }

  private async insertBlocks(tx: Sql, blocks: ReceivedBlock[]): Promise<void> {
    const rows = blocks.map(({ block, body, receivedAt }) => [
      block.header.height,
      block.headerHash,
      new Date(block.header.blockTimeMs).toISOString(),
      block.header.entryCount,
      block.outcomes.filter((o) => !o.refusal).length,
      block.certificate.map((c) => c.signerId),
      block.header.firstOffset,
      block.header.lastOffset,
      receivedAt.toISOString(),
      body,
    ]);
    const { text, values } = valuesList(rows, 1);
    await tx.execute(
      `INSERT INTO "console".block (height, header_hash, block_time, entry_count, transfer_count, signer_ids,
         first_offset, last_offset, received_at, body)
       SELECT v.h::int, v.hh, v.bt::timestamptz, v.ec::int, v.tc::int, v.si::text[], v.fo::bigint, v.lo::bigint,
         v.ra::timestamptz, v.b
       FROM (VALUES ${text}) AS v(h, hh, bt, ec, tc, si, fo, lo, ra, b)
       ON CONFLICT (height) DO NOTHING`,
      values,
    );
  }

  private async upsertTransfers(tx: Sql, blocks: ReceivedBlock[]): Promise<void> {
    const { latest, events } = transferRows(blocks);
    if (latest.length > 0) {
      await tx.execute(
        `INSERT INTO "console".transfer (transfer_id, status, reason, payer, payee, amount_minor, currency, height, block_time)
         SELECT transfer_id, status, reason, payer, payee, amount_minor::bigint, currency, height, block_time::timestamptz
         FROM jsonb_to_recordset($1::jsonb) AS x(transfer_id text, status text, reason text, payer text, payee text,
           amount_minor text, currency text, height int, block_time text)
         ON CONFLICT (transfer_id, payer) DO UPDATE SET status = excluded.status, reason = excluded.reason,
           height = excluded.height, block_time = excluded.block_time
         WHERE "console".transfer.height <= excluded.height`,
        [JSON.stringify(latest)],
      );
    }
    if (events.length > 0) {
      await tx.execute(
        `INSERT INTO "console".transfer_event (transfer_id, payer, height, seq, status, reason)
         SELECT transfer_id, payer, height, seq, status, reason
         FROM jsonb_to_recordset($1::jsonb)
           AS x(transfer_id text, payer text, height int, seq int, status text, reason text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(events)],
      );
    }
  }

  private async upsertMembers(tx: Sql, blocks: ReceivedBlock[]): Promise<void> {
    const participants = latestBy(
      blocks.flatMap(({ block }) => block.participants.map((p) => ({ ...p, height: block.header.height }))),
      (p) => p.id,
    );
    if (participants.length > 0) {
      await tx.execute(
        `INSERT INTO "console".participant (id, name, status, settlement, keys, currencies, height)
         SELECT id, name, status, settlement, keys, ARRAY(SELECT jsonb_array_elements_text(currencies)), height
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, status text, settlement text, keys jsonb,
           currencies jsonb, height int)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
           settlement = excluded.settlement, keys = excluded.keys, currencies = excluded.currencies,
           height = excluded.height
         WHERE "console".participant.height <= excluded.height`,
        [JSON.stringify(participants)],
      );
    }
    const accounts = latestBy(
      blocks.flatMap(({ block }) =>
        block.accounts.map((a) => ({ ...a, limit: a.limit ?? null, height: block.header.height })),
      ),
      (a) => a.id,
    );
    if (accounts.length > 0) {
      await tx.execute(
        `INSERT INTO "console".account (id, participant_id, currency, kind, balance_minor, reserved_minor, "limit", height)
         SELECT id, "participantId", currency, kind, "balanceMinor"::bigint, "reservedMinor"::bigint, "limit", height
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, "participantId" text, currency text, kind text,
           "balanceMinor" text, "reservedMinor" text, "limit" jsonb, height int)
         ON CONFLICT (id) DO UPDATE SET balance_minor = excluded.balance_minor,
           reserved_minor = excluded.reserved_minor, "limit" = excluded."limit", height = excluded.height
         WHERE "console".account.height <= excluded.height`,
        [JSON.stringify(accounts)],
      );
    }
  }

  private async recordAccountVersions(tx: Sql, blocks: ReceivedBlock[]): Promise<void> {
    const { changed, opened } = accountVersionRows(blocks);
    if (changed.length > 0) {
      await tx.execute(
        `INSERT INTO "console".account_version (account_id, height, balance_minor, reserved_minor)
         SELECT id, h, b::bigint, r::bigint FROM jsonb_to_recordset($1::jsonb) AS x(id text, h int, b text, r text)
         ON CONFLICT (account_id, height) DO UPDATE SET balance_minor = excluded.balance_minor,
           reserved_minor = excluded.reserved_minor`,
        [JSON.stringify(changed)],
      );
    }
    if (opened.length > 0) {
      // Opened at zero unless the account already had a version by then (a member's later change of
      // currencies lists the old ones again).
      await tx.execute(
        `INSERT INTO "console".account_version (account_id, height, balance_minor, reserved_minor)
         SELECT x.id, x.h, 0, 0 FROM jsonb_to_recordset($1::jsonb) AS x(id text, h int)
         WHERE NOT EXISTS (SELECT 1 FROM "console".account_version v WHERE v.account_id = x.id AND v.height <= x.h)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(opened)],
      );
    }
  }

  /** Every account as the block at `height` left it (its newest version at or below that height). */
  async accountsAt(height: number): Promise<{ id: string; balanceMinor: string; reservedMinor: string }[]> {
    const rows = await this.sql.query<{ account_id: string; balance_minor: bigint; reserved_minor: bigint }>(
      `SELECT DISTINCT ON (account_id) account_id, balance_minor, reserved_minor
       FROM "console".account_version WHERE height <= $1 ORDER BY account_id, height DESC`,
      [height],
    );
    return rows.map((r) => ({
      id: r.account_id,
      balanceMinor: r.balance_minor.toString(),
      reservedMinor: r.reserved_minor.toString(),
    }));
  }

  private async moveTip(tx: Sql, blocks: ReceivedBlock[]): Promise<void> {
    const top = blocks.reduce((a, b) => (b.block.header.height > a.block.header.height ? b : a));
    const [chain] = await tx.query<ChainRow>(
      `SELECT chain_id, height, signer_sets FROM "console".chain_state WHERE id = 1 FOR UPDATE`,
    );
    const sets = nextSignerSets(chain?.signer_sets ?? [], blocks);
    await tx.execute(
      `INSERT INTO "console".chain_state (id, chain_id, genesis, height, header_hash, block_time, signer_sets)
       VALUES (1, $1, '{}'::jsonb, $2, $3, $4::timestamptz, $5::jsonb)
       ON CONFLICT (id) DO UPDATE SET signer_sets = excluded.signer_sets,
         height = GREATEST("console".chain_state.height, excluded.height),
         header_hash = CASE WHEN excluded.height >= "console".chain_state.height THEN excluded.header_hash ELSE "console".chain_state.header_hash END,
         block_time = CASE WHEN excluded.height >= "console".chain_state.height THEN excluded.block_time ELSE "console".chain_state.block_time END`,
      [
        top.block.header.chainId,
        top.block.header.height,
        top.block.headerHash,
        new Date(top.block.header.blockTimeMs).toISOString(),
        JSON.stringify(sets),
      ],
    );
    // The proposals each block enacted or refused (the console's own among them) are settled by it.
    const outcomes = blocks.flatMap(({ block }) =>
      block.proposals.map((p) => ({
        id: p.proposalId,
        status: p.status,
        height: block.header.height,
        reason: p.reason ?? null,
      })),
    );
    if (outcomes.length > 0) {
      await tx.execute(
        `UPDATE "console".proposal p SET status = x.status, enacted_height = x.height, refusal = x.reason
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, status text, height int, reason text)
         WHERE p.id = x.id AND p.status IN ('open', 'submitted')`,
        [JSON.stringify(outcomes)],
      );
    }
  }

  /** Stores the genesis command (operator keys, governance threshold) once it is read. */
  async storeGenesis(chainId: string, genesis: unknown): Promise<void> {
    await this.sql.execute(
      `INSERT INTO "console".chain_state (id, chain_id, genesis) VALUES (1, $1, $2::jsonb)
       ON CONFLICT (id) DO UPDATE SET genesis = excluded.genesis, chain_id = excluded.chain_id`,
      [chainId, JSON.stringify(genesis)],
    );
  }

  async chain(): Promise<{
    chainId: string;
    genesis: Record<string, unknown>;
    height: number;
    headerHash: string | null;
    blockTime: Date | null;
    signerSets: SignerSet[];
  } | null> {
    const [row] = await this.sql.query<{
      chain_id: string;
      genesis: Record<string, unknown>;
      height: number;
      header_hash: string | null;
      block_time: Date | null;
      signer_sets: SignerSet[];
    }>(
      `SELECT chain_id, genesis, height, header_hash, block_time, signer_sets FROM "console".chain_state WHERE id = 1`,
    );
    return row
      ? {
          chainId: row.chain_id,
          genesis: row.genesis,
          height: row.height,
          headerHash: row.header_hash,
          blockTime: row.block_time,
          signerSets: row.signer_sets,
        }
      : null;
  }

  /** Records the newest vote of each signer (votes of a batch folded to one row per signer). */
  async recordVotes(votes: { signerId: string; height: number; at: Date }[]): Promise<void> {
    const newest = latestBy(
      [...votes].sort((a, b) => a.height - b.height),
      (v) => v.signerId,
    ).map((v) => ({ id: v.signerId, h: v.height, at: v.at.toISOString() }));
    if (newest.length === 0) return;
    await this.sql.execute(
      `INSERT INTO "console".signer (id, last_vote_height, last_vote_at)
       SELECT id, h, at::timestamptz FROM jsonb_to_recordset($1::jsonb) AS x(id text, h int, at text)
       ON CONFLICT (id) DO UPDATE SET last_vote_height = GREATEST("console".signer.last_vote_height, excluded.last_vote_height),
         last_vote_at = GREATEST("console".signer.last_vote_at, excluded.last_vote_at)`,
      [JSON.stringify(newest)],
    );
  }
}
