import type { FinalizedBlock } from '@concord/contracts';
import type { RawSql } from '@concord/db';
import type { CurrencyDelta } from '../netting/netting';
import type { PositionAccount } from './limit-alarm';

type BlockAccount = FinalizedBlock['accounts'][number];

/**
 * What finalized blocks add to clearing: the blocks taken in (each once), the members and their
 * settlement model, each window's gross positions and bilateral sums, and the position accounts with the
 * ledger's caps and their alarm state. Every block comes through here: node-postgres statements (RawSql)
 * in the block's one transaction, each batching a whole block rather than a row.
 */
export class PositionsRepository {
  /** Records a block's height; false when it was taken in before (then nothing else is done). */
  async claimBlock(tx: RawSql, header: FinalizedBlock['header']): Promise<boolean> {
    const inserted = await tx.$executeRawUnsafe(
      `insert into clearing.blocks (height, chain_id) values ($1, $2) on conflict do nothing`,
      header.height,
      header.chainId,
    );
    return inserted > 0;
  }

  /** Records the members a block announces with their settlement model (the ledger fixes it when they join). */
  async recordParticipants(tx: RawSql, block: FinalizedBlock): Promise<void> {
    if (block.participants.length === 0) return;
    await tx.$executeRawUnsafe(
      `insert into clearing.participants (id, settlement, height)
       select id, settlement, $3 from unnest($1::text[], $2::text[]) as v(id, settlement)
       on conflict (id) do update set settlement = excluded.settlement, height = excluded.height
       where clearing.participants.height <= excluded.height`,
      block.participants.map((p) => p.id),
      block.participants.map((p) => p.settlement),
      block.header.height,
    );
  }

  /** Which of `parties` settle gross: one read by primary key, none when there are no parties. */
  async grossAmong(tx: RawSql, parties: string[]): Promise<ReadonlySet<string>> {
    if (parties.length === 0) return new Set();
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
      `select id from clearing.participants where id = any($1::text[]) and settlement = 'gross'`,
      parties,
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Adds every currency's positions and bilateral sums to its window and moves the windows' last height,
   * in one statement (not one per table and currency, let alone per row): this runs for every block.
   */
  async addDeltas(
    tx: RawSql,
    deltas: readonly CurrencyDelta[],
    windows: ReadonlyMap<string, number>,
    height: number,
  ): Promise<void> {
    if (deltas.length === 0) return;
    const positions = deltas.flatMap((d) => d.positions.map((p) => ({ ...p, currency: d.currency })));
    const bilateral = deltas.flatMap((d) => d.bilateral.map((b) => ({ ...b, currency: d.currency })));
    await tx.$executeRawUnsafe(
      `with pos as (
         insert into clearing.positions (window_id, participant_id, currency, sent_minor, received_minor)
         select * from unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
         on conflict (window_id, participant_id, currency) do update set
           sent_minor = clearing.positions.sent_minor + excluded.sent_minor,
           received_minor = clearing.positions.received_minor + excluded.received_minor),
       bil as (
         insert into clearing.bilateral (window_id, payer, payee, amount_minor, count)
         select * from unnest($6::int[], $7::text[], $8::text[], $9::bigint[], $10::int[])
         on conflict (window_id, payer, payee) do update set
           amount_minor = clearing.bilateral.amount_minor + excluded.amount_minor,
           count = clearing.bilateral.count + excluded.count)
       update clearing.windows set last_height = greatest(last_height, $11) where id = any($12::int[])`,
      positions.map((p) => windows.get(p.currency)!),
      positions.map((p) => p.participantId),
      positions.map((p) => p.currency),
      positions.map((p) => p.sentMinor.toString()),
      positions.map((p) => p.receivedMinor.toString()),
      bilateral.map((b) => windows.get(b.currency)!),
      bilateral.map((b) => b.payer),
      bilateral.map((b) => b.payee),
      bilateral.map((b) => b.amountMinor.toString()),
      bilateral.map((b) => b.count),
      height,
      [...windows.values()],
    );
  }

  /**
   * Stores the position accounts of a block: balances, reservations and the ledger's limit as the cap (a
   * governance set-limit shows up in the block that applied it; no-overdraft or no limit means no cap).
   * An older block never overwrites a newer one's row.
   */
  async upsertAccounts(tx: RawSql, accounts: readonly BlockAccount[], height: number): Promise<void> {
    await tx.$executeRawUnsafe(
      `insert into clearing.accounts
         (id, participant_id, currency, balance_minor, reserved_minor, cap_minor, height)
       select i, p, c, b, r, cap, $7 from unnest($1::text[], $2::text[], $3::text[], $4::bigint[],
         $5::bigint[], $6::bigint[]) as v(i, p, c, b, r, cap)
       on conflict (id) do update set balance_minor = excluded.balance_minor,
         reserved_minor = excluded.reserved_minor, cap_minor = excluded.cap_minor, height = excluded.height
       where clearing.accounts.height <= excluded.height`,
      accounts.map((a) => a.id),
      accounts.map((a) => a.participantId),
      accounts.map((a) => a.currency),
      accounts.map((a) => a.balanceMinor),
      accounts.map((a) => a.reservedMinor),
      accounts.map((a) => (a.limit?.kind === 'net-debit-cap' ? a.limit.capMinor : null)),
      height,
    );
  }

  /** The position accounts `ids`, locked in id order, as the limit check reads them. */
  async lockAccounts(tx: RawSql, ids: string[]): Promise<PositionAccount[]> {
    const rows = await tx.$queryRawUnsafe<
      {
        id: string;
        participant_id: string;
        currency: string;
        position: string;
        height: number;
        alarmed: boolean;
        cap: string | null;
      }[]
    >(
      `select id, participant_id, currency, (balance_minor - reserved_minor)::text as position, height,
              alarmed, cap_minor::text as cap
         from clearing.accounts where id = any($1::text[]) order by id for update`,
      ids,
    );
    return rows.map((r) => ({
      id: r.id,
      participantId: r.participant_id,
      currency: r.currency,
      positionMinor: BigInt(r.position),
      capMinor: r.cap === null ? null : BigInt(r.cap),
      height: r.height,
      alarmed: r.alarmed,
    }));
  }

  async setAlarmed(tx: RawSql, accountId: string, alarmed: boolean): Promise<void> {
    await tx.$executeRawUnsafe(`update clearing.accounts set alarmed = $2 where id = $1`, accountId, alarmed);
  }
}
