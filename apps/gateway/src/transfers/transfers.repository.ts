import { ServicesPrismaClient } from '@concord/db';
import type { TransferOutcome } from '@concord/contracts';

export type TransferRow = NonNullable<
  Awaited<ReturnType<ServicesPrismaClient['gatewayTransfer']['findUnique']>>
>;

export interface NewTransfer {
  id: string;
  participantId: string;
  payer: string;
  payee: string;
  amountMinor: bigint;
  currency: string;
  twoPhase: boolean;
  requestHash: string;
}

/** All I/O of the gateway's transfers table. */
export class TransfersRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /** Inserts the transfer unless its id exists; returns the stored row either way. */
  async insertOrGet(transfer: NewTransfer): Promise<{ row: TransferRow; created: boolean }> {
    const inserted = await this.prisma.$executeRawUnsafe(
      `insert into gateway.transfers (id, participant_id, payer, payee, amount_minor, currency, two_phase, request_hash, status, updated_at)
       values ($1, $2, $3, $4, $5::bigint, $6, $7, $8, 'accepted', now()) on conflict (id) do nothing`,
      transfer.id,
      transfer.participantId,
      transfer.payer,
      transfer.payee,
      transfer.amountMinor.toString(),
      transfer.currency,
      transfer.twoPhase,
      transfer.requestHash,
    );
    const row = await this.find(transfer.id);
    if (!row) throw new Error(`transfer ${transfer.id} vanished after insert`);
    return { row, created: inserted === 1 };
  }

  find(id: string): Promise<TransferRow | null> {
    return this.prisma.gatewayTransfer.findUnique({ where: { id } });
  }

  /**
   * Applies the outcomes of one finalized block. A row moves only forward in block height, so a block
   * that arrives late never overwrites a later state.
   */
  async applyOutcomes(height: number, outcomes: TransferOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const last = new Map<string, TransferOutcome>();
    for (const o of outcomes) {
      if (o.reason === 'DUPLICATE_MODIFIED') continue;
      last.set(o.transferId, o);
    }
    const list = [...last.values()];
    return this.prisma.$executeRawUnsafe(
      `update gateway.transfers t set status = v.status, reason = v.reason, block_height = $4,
         finalized_at = now(), updated_at = now()
       from unnest($1::text[], $2::text[], $3::text[]) as v(id, status, reason)
       where t.id = v.id and (t.block_height is null or t.block_height <= $4)
         and not (t.status in ('committed','fulfilled','aborted','expired') and v.status = 'rejected')`,
      list.map((o) => o.transferId),
      list.map((o) => o.status),
      list.map((o) => o.reason ?? null),
      height,
    );
  }

  async cursor(): Promise<number> {
    return (await this.prisma.gatewayCursor.findUnique({ where: { name: 'finalized' } }))?.height ?? 0;
  }

  async setCursor(height: number): Promise<void> {
    await this.prisma.gatewayCursor.upsert({
      where: { name: 'finalized' },
      create: { name: 'finalized', height },
      update: { height },
    });
  }
}
