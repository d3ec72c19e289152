import type { FxFeeView, FxMarkupView, FxSpreadView } from '@concord/contracts';
import { ServicesPrismaClient, sqlOf, timestampText } from '@concord/db';
import { formatAmount, parseAmount } from '@concord/money';
import type { FeeSchedule } from './quote-calculator';

export interface SpreadRow {
  sourceCurrency: string;
  targetCurrency: string;
  spreadBps: number;
  validFrom: Date;
  createdBy: string;
}
export interface MarkupRow {
  participantId: string;
  markupBps: number;
  validFrom: Date;
  createdBy: string;
}
export interface FeeRow {
  sourceCurrency: string;
  targetCurrency: string;
  fixedMinor: bigint;
  percentBps: number;
  minMinor: bigint;
  maxMinor: bigint | null;
  validFrom: Date;
  createdBy: string;
}

/** A stored version: its row id (ties of valid_from go to the later one) and when it was recorded. */
export interface Versioned {
  id: number;
  createdAt: Date;
}

interface Change {
  validFrom?: Date;
  createdBy: string;
  requestId?: string;
}

/** The demo currencies that get default pricing at start-up, and their default fixed fee. */
export const DEMO_PRICING = {
  spreadBps: 50,
  percentBps: 10,
  fixedFee: { USD: '1.00', EUR: '1.00', SGD: '1.50', HKD: '8.00', PHP: '50.00' } as Record<string, string>,
  /** The maximum fee, in multiples of the fixed fee. */
  maxFeeFactor: 50n,
};

/**
 * Spreads per corridor, markups per partner and fee schedules per corridor, with their history: every
 * change is a new row with a valid_from, and the row with the latest valid_from that is not in the
 * future is in force (the latest inserted one on a tie). A change carries the admin request's id, so a
 * redelivered request does not add a second row.
 */
export class PricingRepository {
  /** Plain SQL on the client's pool for the lookups on every quote's path (see libs/db/src/sql.ts). */
  private readonly sql;

  constructor(private readonly prisma: ServicesPrismaClient) {
    this.sql = sqlOf(prisma);
  }

  /*
   * The three lookups in force are on every quote's path. Prisma's model queries cost milliseconds of CPU
   * each (its query compiler), and its raw queries still go through its query interpreter, so these are
   * plain SQL on node-postgres over the same indexes, one row each.
   */
  async spread(sourceCurrency: string, targetCurrency: string, at: Date): Promise<SpreadRow | null> {
    const rows = await this.sql.query<SpreadRow>(
      `select source_currency as "sourceCurrency", target_currency as "targetCurrency",
              spread_bps as "spreadBps", valid_from as "validFrom", created_by as "createdBy"
         from fx.spreads where source_currency = $1 and target_currency = $2 and valid_from <= $3::timestamp
        order by valid_from desc, id desc limit 1`,
      [sourceCurrency, targetCurrency, timestampText(at)],
    );
    return rows[0] ?? null;
  }

  async markup(participantId: string, at: Date): Promise<MarkupRow | null> {
    const rows = await this.sql.query<MarkupRow>(
      `select participant_id as "participantId", markup_bps as "markupBps", valid_from as "validFrom",
              created_by as "createdBy"
         from fx.markups where participant_id = $1 and valid_from <= $2::timestamp
        order by valid_from desc, id desc limit 1`,
      [participantId, timestampText(at)],
    );
    return rows[0] ?? null;
  }

  async fee(sourceCurrency: string, targetCurrency: string, at: Date): Promise<FeeRow | null> {
    const rows = await this.sql.query<FeeRow>(
      `select source_currency as "sourceCurrency", target_currency as "targetCurrency",
              fixed_minor as "fixedMinor", percent_bps as "percentBps", min_minor as "minMinor",
              max_minor as "maxMinor", valid_from as "validFrom", created_by as "createdBy"
         from fx.fee_schedules where source_currency = $1 and target_currency = $2 and valid_from <= $3::timestamp
        order by valid_from desc, id desc limit 1`,
      [sourceCurrency, targetCurrency, timestampText(at)],
    );
    return rows[0] ?? null;
  }

  /**
   * A corridor's versions, newest first in the order that decides which is in force (valid_from, then id).
   * `limit` versions and the one before the last, so that every returned version can name its previous.
   */
  spreadHistory(sourceCurrency: string, targetCurrency: string, limit: number) {
    return this.prisma.fxSpread.findMany({
      where: { sourceCurrency, targetCurrency },
      orderBy: [{ validFrom: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    }) as Promise<(SpreadRow & Versioned)[]>;
  }

  markupHistory(participantId: string, limit: number) {
    return this.prisma.fxMarkup.findMany({
      where: { participantId },
      orderBy: [{ validFrom: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    }) as Promise<(MarkupRow & Versioned)[]>;
  }

  feeHistory(sourceCurrency: string, targetCurrency: string, limit: number) {
    return this.prisma.fxFeeSchedule.findMany({
      where: { sourceCurrency, targetCurrency },
      orderBy: [{ validFrom: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    }) as Promise<(FeeRow & Versioned)[]>;
  }

  async setSpread(
    row: { sourceCurrency: string; targetCurrency: string; spreadBps: number } & Change,
  ): Promise<SpreadRow> {
    if (!row.requestId) return this.prisma.fxSpread.create({ data: row });
    return this.prisma.fxSpread.upsert({ where: { requestId: row.requestId }, create: row, update: {} });
  }

  async setMarkup(row: { participantId: string; markupBps: number } & Change): Promise<MarkupRow> {
    if (!row.requestId) return this.prisma.fxMarkup.create({ data: row });
    return this.prisma.fxMarkup.upsert({ where: { requestId: row.requestId }, create: row, update: {} });
  }

  async setFee(
    row: { sourceCurrency: string; targetCurrency: string } & FeeSchedule & Change,
  ): Promise<FeeRow> {
    if (!row.requestId) return this.prisma.fxFeeSchedule.create({ data: row });
    return this.prisma.fxFeeSchedule.upsert({ where: { requestId: row.requestId }, create: row, update: {} });
  }

  /**
   * Default spreads and fees for every corridor between the demo currencies, when no spread exists at
   * all (an operator's pricing is never overwritten). Safe when several instances start at once.
   */
  async seedDemo(currencies = Object.keys(DEMO_PRICING.fixedFee)): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`select pg_advisory_xact_lock(7273001)`);
      if ((await tx.fxSpread.count()) > 0) return 0;
      const corridors = currencies.flatMap((s) => currencies.filter((t) => t !== s).map((t) => [s, t]));
      await tx.fxSpread.createMany({
        data: corridors.map(([sourceCurrency, targetCurrency]) => ({
          sourceCurrency,
          targetCurrency,
          spreadBps: DEMO_PRICING.spreadBps,
          createdBy: 'seed',
        })),
      });
      await tx.fxFeeSchedule.createMany({
        data: corridors.map(([sourceCurrency, targetCurrency]) => {
          const fixed = parseAmount(DEMO_PRICING.fixedFee[sourceCurrency] ?? '1', sourceCurrency);
          return {
            sourceCurrency,
            targetCurrency,
            fixedMinor: fixed,
            percentBps: DEMO_PRICING.percentBps,
            minMinor: fixed,
            maxMinor: fixed * DEMO_PRICING.maxFeeFactor,
            createdBy: 'seed',
          };
        }),
      });
      return corridors.length;
    });
  }
}

export function spreadView(row: SpreadRow): FxSpreadView {
  return {
    sourceCurrency: row.sourceCurrency,
    targetCurrency: row.targetCurrency,
    spreadBps: row.spreadBps,
    validFromMs: row.validFrom.getTime(),
    createdBy: row.createdBy,
  };
}

export function markupView(row: MarkupRow): FxMarkupView {
  return {
    participantId: row.participantId,
    markupBps: row.markupBps,
    validFromMs: row.validFrom.getTime(),
    createdBy: row.createdBy,
  };
}

export function feeView(row: FeeRow): FxFeeView {
  const ccy = row.sourceCurrency;
  return {
    sourceCurrency: row.sourceCurrency,
    targetCurrency: row.targetCurrency,
    fixedMinor: row.fixedMinor.toString(),
    percentBps: row.percentBps,
    minMinor: row.minMinor.toString(),
    maxMinor: row.maxMinor === null ? null : row.maxMinor.toString(),
    fixed: formatAmount(row.fixedMinor, ccy),
    min: formatAmount(row.minMinor, ccy),
    max: row.maxMinor === null ? null : formatAmount(row.maxMinor, ccy),
    validFromMs: row.validFrom.getTime(),
    createdBy: row.createdBy,
  };
}
