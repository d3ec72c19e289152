import type { Prisma, PrismaClient } from '.prisma/routing-client';
import { FinalizedBlock, TransferOutcome, transferKey } from '@concord/contracts';
import type { Member } from '../participants/directory';
import { LedgerStatus, onOutcome } from '../orders/order.state';

type Tx = Prisma.TransactionClient;

/** What applying a block taught, for the in-memory views (directory, partner statistics). */
export interface Applied {
  members: Member[];
  outcomes: { partner: string; currency: string; ok: boolean; latencyMs: number | null; atMs: number }[];
  /** Orders whose state changed. */
  orders: string[];
}

const TWO_PHASE_END = new Set(['fulfilled', 'aborted', 'expired']);

/**
 * Applies finalized ledger blocks to routing's own tables, one transaction per block, guarded by the height
 * applied last: a block read again after a crash changes nothing.
 */
export class LedgerRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async height(): Promise<number> {
    return (await this.prisma.ledgerCursor.findUnique({ where: { id: 1 } }))?.height ?? -1;
  }

  async members(): Promise<Member[]> {
    const rows = await this.prisma.participant.findMany();
    return rows.map((r) => ({ ...r, keys: r.keys as Member['keys'] }));
  }

  /** The last outcomes per partner and currency, to rebuild the statistics at start. */
  async recentOutcomes(perPartner: number): Promise<Applied['outcomes']> {
    const rows = await this.prisma.$queryRaw<
      { partner: string; currency: string; status: string; reserved: bigint | null; final: bigint }[]
    >`select partner_id as partner, currency, status, reserved_at_ms as reserved, final_at_ms as final from (
        select *, row_number() over (partition by partner_id, currency order by final_at_ms desc) as k
        from routing.partner_outcomes where final_at_ms is not null) r
      where k <= ${perPartner} order by final_at_ms`;
    return rows.map((r) => ({
      partner: r.partner,
      currency: r.currency,
      ok: r.status === 'fulfilled',
      latencyMs: r.reserved === null ? null : Number(r.final - r.reserved),
      atMs: Number(r.final),
    }));
  }

  async apply(block: FinalizedBlock): Promise<Applied | null> {
    return this.prisma.$transaction(async (tx) => {
      const cursor = await tx.$queryRaw<{ height: number }[]>`
        select height from routing.ledger_cursor where id = 1 for update`;
      if (cursor.length > 0 && cursor[0].height >= block.header.height) return null;
      const members = block.participants.map((p) => ({
        id: p.id,
        status: p.status,
        currencies: p.currencies,
        keys: p.keys,
      }));
      for (const m of members) {
        const data = { status: m.status, currencies: m.currencies, keys: m.keys, updatedAt: new Date() };
        await tx.participant.upsert({ where: { id: m.id }, create: { id: m.id, ...data }, update: data });
      }
      const outcomes = await this.recordOutcomes(tx, block);
      const orders = await this.applyToAttempts(tx, block.outcomes);
      await tx.ledgerCursor.upsert({
        where: { id: 1 },
        create: { id: 1, height: block.header.height },
        update: { height: block.header.height },
      });
      return { members, outcomes, orders };
    });
  }

  /**
   * Two-phase outcomes to any payee: reservations now, and the end of each with its time to pay out. A
   * block may hold hundreds, so each kind is one statement.
   */
  private async recordOutcomes(tx: Tx, block: FinalizedBlock): Promise<Applied['outcomes']> {
    const atMs = block.header.blockTimeMs;
    // Transfer ids are the payers' own (two payers may use one): outcomes are stored under the ledger's key.
    const counted = block.outcomes
      .filter((o) => !o.refusal)
      .map((o) => ({ ...o, transferId: transferKey(o.payer, o.transferId) }));
    const reserved = counted.filter((o) => o.status === 'reserved');
    if (reserved.length > 0) {
      await tx.partnerOutcome.createMany({
        data: reserved.map((o) => ({
          transferId: o.transferId,
          partnerId: o.payee,
          currency: o.currency,
          status: 'reserved',
          reservedAtMs: atMs,
        })),
        skipDuplicates: true,
      });
    }
    const ended = counted.filter((o) => TWO_PHASE_END.has(o.status));
    if (ended.length === 0) return [];
    // Only transfers seen reserved count: a two-phase transfer always is first, and its row has the payout's currency.
    const rows = await tx.partnerOutcome.findMany({
      where: { transferId: { in: ended.map((o) => o.transferId) }, status: 'reserved' },
    });
    const open = new Map(rows.map((r) => [r.transferId, r]));
    const learned: Applied['outcomes'] = [];
    for (const status of TWO_PHASE_END) {
      const ids = ended.filter((o) => o.status === status && open.has(o.transferId)).map((o) => o.transferId);
      if (ids.length === 0) continue;
      await tx.partnerOutcome.updateMany({
        where: { transferId: { in: ids } },
        data: { status, finalAtMs: atMs },
      });
      for (const id of ids) {
        const row = open.get(id)!;
        const latencyMs = row.reservedAtMs === null ? null : atMs - Number(row.reservedAtMs);
        learned.push({
          partner: row.partnerId,
          currency: row.currency,
          ok: status === 'fulfilled',
          latencyMs,
          atMs,
        });
      }
    }
    return learned;
  }

  /** The outcomes of routing's own transfers move their attempts and orders on (order.state.ts). */
  private async applyToAttempts(tx: Tx, outcomes: TransferOutcome[]): Promise<string[]> {
    const ids = outcomes.map((o) => o.transferId);
    if (ids.length === 0) return [];
    const attempts = await tx.orderAttempt.findMany({
      where: { transferId: { in: ids } },
      include: { order: true },
    });
    if (attempts.length === 0) return [];
    const byTransfer = new Map(attempts.map((a) => [a.transferId, a]));
    const changed: string[] = [];
    for (const o of outcomes) {
      const a = byTransfer.get(o.transferId);
      // Routing's transfers are paid by the order's app; another payer's transfer under the same id is not it.
      if (!a || a.order.appId !== o.payer) continue;
      const next = onOutcome(a.state as never, a.order.state as never, o.status as LedgerStatus, o.reason);
      if (next.kind === 'none') continue;
      const attemptState = next.attempt;
      const orderState = next.kind === 'set' ? next.order : 'rerouted';
      const detail = next.kind === 'set' ? `attempt ${a.n} ${attemptState}` : `attempt ${a.n} ${next.reason}`;
      await tx.orderAttempt.update({
        where: { orderId_n: { orderId: a.orderId, n: a.n } },
        data: { state: attemptState, reason: next.kind === 'reroute' ? next.reason : null },
      });
      await tx.order.update({ where: { id: a.orderId }, data: { state: orderState } });
      await tx.orderEvent.create({ data: { orderId: a.orderId, state: orderState, detail } });
      a.state = attemptState;
      a.order.state = orderState;
      changed.push(a.orderId);
    }
    return changed;
  }
}
