import { ServicesPrismaClient } from '@concord/db';
import type { TransferOutcome } from '@concord/contracts';

/** Moves that change positions: a committed single transfer, or a fulfilled two-phase one. */
const SETTLING = new Set(['committed', 'fulfilled']);

/** Gross sent and received per participant and currency in the open settlement window. */
export class PositionsRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  async openWindowId(): Promise<number> {
    const open = await this.prisma.clearingWindow.findFirst({
      where: { status: 'open' },
      orderBy: { id: 'desc' },
    });
    return (open ?? (await this.prisma.clearingWindow.create({ data: { status: 'open' } }))).id;
  }

  /** Adds one finalized block to the open window, once: a repeated block changes nothing. */
  async applyBlock(height: number, outcomes: TransferOutcome[]): Promise<boolean> {
    const windowId = await this.openWindowId();
    return this.prisma.$transaction(async (tx) => {
      const inserted = await tx.$executeRawUnsafe(
        `insert into clearing.blocks (height, window_id) values ($1, $2) on conflict do nothing`,
        height,
        windowId,
      );
      if (inserted === 0) return false;
      const deltas = new Map<
        string,
        { participantId: string; currency: string; sent: bigint; received: bigint }
      >();
      const add = (participantId: string, currency: string, sent: bigint, received: bigint) => {
        const key = `${participantId}/${currency}`;
        const d = deltas.get(key) ?? { participantId, currency, sent: 0n, received: 0n };
        d.sent += sent;
        d.received += received;
        deltas.set(key, d);
      };
      for (const o of outcomes) {
        if (!SETTLING.has(o.status) || o.payer === 'hub') continue;
        add(o.payer, o.currency, BigInt(o.amountMinor), 0n);
        add(o.payee, o.currency, 0n, BigInt(o.amountMinor));
      }
      for (const d of deltas.values()) {
        await tx.$executeRawUnsafe(
          `insert into clearing.positions (window_id, participant_id, currency, sent_minor, received_minor)
           values ($1, $2, $3, $4::bigint, $5::bigint)
           on conflict (window_id, participant_id, currency) do update set
             sent_minor = clearing.positions.sent_minor + excluded.sent_minor,
             received_minor = clearing.positions.received_minor + excluded.received_minor`,
          windowId,
          d.participantId,
          d.currency,
          d.sent.toString(),
          d.received.toString(),
        );
      }
      await tx.clearingWindow.update({ where: { id: windowId }, data: { lastHeight: { set: height } } });
      return true;
    });
  }

  positions(windowId: number) {
    return this.prisma.clearingPosition.findMany({
      where: { windowId },
      orderBy: [{ participantId: 'asc' }, { currency: 'asc' }],
    });
  }
}
