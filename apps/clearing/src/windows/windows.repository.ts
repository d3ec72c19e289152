import type { RawSql, ServicesPrismaClient } from '@concord/db';
import type { Bilateral, GrossPosition } from '../netting/netting';
import type { OpenWindow, SeenRequest, WindowClose } from './window.state';

/** A Prisma transaction of the services' client. */
export type Tx = Parameters<Parameters<ServicesPrismaClient['$transaction']>[0]>[0];
/** The client or one of its transactions: reads work on either. */
export type Db = Tx | ServicesPrismaClient;

export interface WindowRow {
  id: number;
  currency: string;
  status: string;
  openedAt: Date;
  closedAt: Date | null;
  settledAt: Date | null;
  fromHeight: number;
  toHeight: number | null;
  lastHeight: number;
  closeReason: string | null;
  valueDate: string | null;
  grossMinor: bigint | null;
  netMovedMinor: bigint | null;
  abortedAt: Date | null;
  carriedToId: number | null;
}

/**
 * Settlement windows in PostgreSQL (clearing.windows, with their gross positions, bilateral sums and the
 * request ids of closes in clearing.commands). One open window per currency, enforced by a partial unique
 * index. Lock order everywhere: window, then instruction. What a transition writes is decided by
 * window.state.ts; this only reads and writes rows.
 */
export class WindowsRepository {
  constructor(private readonly prisma: ServicesPrismaClient) {}

  /** The open windows of `currencies`, locked in one statement and in currency order (as blocks lock them). */
  async lockOpenOf(tx: RawSql, currencies: string[]): Promise<Map<string, number>> {
    const open = await tx.$queryRawUnsafe<{ id: number; currency: string }[]>(
      `select id, currency from clearing.windows where currency = any($1::text[]) and status = 'open'
       order by currency for update`,
      currencies,
    );
    return new Map(open.map((w) => [w.currency, w.id]));
  }

  /** The open window of a currency, locked; opened (from the height after the last close) if none. */
  async lockOrOpen(tx: RawSql, currency: string): Promise<{ id: number; created: boolean }> {
    let created = false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const rows = await tx.$queryRawUnsafe<{ id: number }[]>(
        `select id from clearing.windows where currency = $1 and status = 'open' for update`,
        currency,
      );
      if (rows.length > 0) return { id: rows[0].id, created };
      // A close that committed meanwhile has opened the next window: then this insert does nothing and
      // the next select (a new snapshot) finds it.
      const n = await tx.$executeRawUnsafe(
        `insert into clearing.windows (currency, status, from_height)
         select $1, 'open', coalesce(max(to_height) + 1, 0) from clearing.windows where currency = $1
         on conflict (currency) where status = 'open' do nothing`,
        currency,
      );
      created = created || n > 0;
    }
    throw new Error(`could not open a window for ${currency}`);
  }

  /** The open window of a currency, locked; null when it has none. */
  async lockOpen(tx: RawSql, currency: string): Promise<OpenWindow | null> {
    const [open] = await tx.$queryRawUnsafe<{ id: number; from_height: number }[]>(
      `select id, from_height from clearing.windows where currency = $1 and status = 'open' for update`,
      currency,
    );
    return open ? { id: open.id, currency, fromHeight: open.from_height } : null;
  }

  /** A window's status and currency, locked; null for no window (or the internal row of no currency). */
  async lock(tx: RawSql, windowId: number): Promise<{ status: string; currency: string } | null> {
    const [w] = await tx.$queryRawUnsafe<{ status: string; currency: string }[]>(
      `select status, currency from clearing.windows where id = $1 and currency <> '' for update`,
      windowId,
    );
    return w ?? null;
  }

  /**
   * Claims a close's request id for a currency: true when it is new. A claim that finds no window to
   * close stays recorded with no window, so a retry closes nothing either.
   */
  async claimClose(tx: RawSql, requestId: string, currency: string): Promise<boolean> {
    const n = await tx.$executeRawUnsafe(
      `insert into clearing.commands (request_id, type, currency) values ($1, 'close-window', $2)
       on conflict do nothing`,
      requestId,
      currency,
    );
    return n > 0;
  }

  /** What a request id was recorded as: its command, its currency and the window it closed. */
  async seenRequest(tx: RawSql, requestId: string): Promise<SeenRequest> {
    const [seen] = await tx.$queryRawUnsafe<
      { type: string; currency: string | null; window_id: number | null }[]
    >(`select type, currency, window_id from clearing.commands where request_id = $1`, requestId);
    return { type: seen.type, currency: seen.currency, windowId: seen.window_id };
  }

  /** The height of the last block clearing has taken in (0 before any). */
  async topHeight(tx: RawSql): Promise<number> {
    const [{ top }] = await tx.$queryRawUnsafe<{ top: number }[]>(
      `select coalesce(max(height), 0)::int as top from clearing.blocks`,
    );
    return top;
  }

  /** Stores a decided close, opens the currency's next window, and ties the request id to the window. */
  async recordClose(tx: RawSql, close: WindowClose, requestId: string | undefined): Promise<void> {
    await tx.$executeRawUnsafe(
      `update clearing.windows set status = 'closed', closed_at = $2, to_height = $3, close_reason = $4,
         value_date = $5, gross_minor = $6::bigint, net_moved_minor = $7::bigint where id = $1`,
      close.windowId,
      close.closedAt,
      close.toHeight,
      close.reason,
      close.valueDate,
      close.netting.grossMinor.toString(),
      close.netting.netMovedMinor.toString(),
    );
    await tx.$executeRawUnsafe(
      `insert into clearing.windows (currency, status, from_height) values ($1, 'open', $2)`,
      close.currency,
      close.nextFromHeight,
    );
    if (requestId) {
      await tx.$executeRawUnsafe(
        `update clearing.commands set window_id = $2 where request_id = $1`,
        requestId,
        close.windowId,
      );
    }
  }

  async setSettling(tx: RawSql, windowId: number): Promise<void> {
    await tx.$executeRawUnsafe(`update clearing.windows set status = 'settling' where id = $1`, windowId);
  }

  async setSettled(tx: RawSql, windowId: number, settledAt: Date): Promise<void> {
    await tx.$executeRawUnsafe(
      `update clearing.windows set status = 'settled', settled_at = $2 where id = $1`,
      windowId,
      settledAt,
    );
  }

  async setAborted(tx: RawSql, windowId: number, abortedAt: Date, carriedToId: number): Promise<void> {
    await tx.$executeRawUnsafe(
      `update clearing.windows set status = 'aborted', aborted_at = $2, carried_to_id = $3 where id = $1`,
      windowId,
      abortedAt,
      carriedToId,
    );
  }

  /** Adds a window's gross positions and bilateral obligations to another window's. */
  async carry(tx: RawSql, fromWindowId: number, toWindowId: number): Promise<void> {
    await tx.$executeRawUnsafe(
      `insert into clearing.positions (window_id, participant_id, currency, sent_minor, received_minor)
       select $2, participant_id, currency, sent_minor, received_minor from clearing.positions where window_id = $1
       on conflict (window_id, participant_id, currency) do update set
         sent_minor = clearing.positions.sent_minor + excluded.sent_minor,
         received_minor = clearing.positions.received_minor + excluded.received_minor`,
      fromWindowId,
      toWindowId,
    );
    await tx.$executeRawUnsafe(
      `insert into clearing.bilateral (window_id, payer, payee, amount_minor, count)
       select $2, payer, payee, amount_minor, count from clearing.bilateral where window_id = $1
       on conflict (window_id, payer, payee) do update set
         amount_minor = clearing.bilateral.amount_minor + excluded.amount_minor,
         count = clearing.bilateral.count + excluded.count`,
      fromWindowId,
      toWindowId,
    );
  }

  /** A window's gross positions, in participant order (in `db`'s transaction, or on the pool). */
  async grossPositions(windowId: number, db: Db = this.prisma): Promise<GrossPosition[]> {
    const rows = await db.clearingPosition.findMany({
      where: { windowId },
      orderBy: { participantId: 'asc' },
    });
    return rows.map((r) => ({
      participantId: r.participantId,
      sentMinor: r.sentMinor,
      receivedMinor: r.receivedMinor,
    }));
  }

  /** A window's bilateral obligations, in payer and payee order. */
  bilateral(windowId: number, db: Db = this.prisma): Promise<Bilateral[]> {
    return db.clearingBilateral.findMany({
      where: { windowId },
      orderBy: [{ payer: 'asc' }, { payee: 'asc' }],
    });
  }

  find(id: number): Promise<WindowRow | null> {
    return this.prisma.clearingWindow.findUnique({ where: { id } });
  }

  /** Windows newest first (never the internal row of no currency). */
  list(filter: { currency?: string; status?: string; limit: number }): Promise<WindowRow[]> {
    return this.prisma.clearingWindow.findMany({
      where: {
        currency: filter.currency ?? { not: '' },
        ...(filter.status ? { status: filter.status } : {}),
      },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
  }

  async openCurrencies(): Promise<string[]> {
    const rows = await this.prisma.clearingWindow.findMany({
      where: { status: 'open', currency: { not: '' } },
      select: { currency: true },
      orderBy: { currency: 'asc' },
    });
    return rows.map((r) => r.currency);
  }

  /** Windows closed but not yet settling: a close interrupted by a crash, to finish at start-up. */
  async unfinishedCloses(): Promise<number[]> {
    const rows = await this.prisma.clearingWindow.findMany({
      where: { status: 'closed' },
      orderBy: { id: 'asc' },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }
}
