import type { FxFeeView, FxMarkupView, FxSetFeeRequest, FxSpreadView } from '@concord/contracts';
import { isCurrency, MoneyError, parseAmount } from '@concord/money';
import type { Logger } from '@concord/observability';
import { FxServiceError } from '../errors';
import { feeView, markupView, PricingRepository, spreadView, type Versioned } from './pricing.repository';

/** Who asks for a change, when it takes effect (default: now), and the admin request's id if any. */
export interface PricingChange {
  requestedBy: string;
  validFromMs?: number;
  /** A change with the id of one already stored is a redelivery: the stored version is answered. */
  requestId?: string;
}

/**
 * One version in a history: the version itself with when it was recorded, whether it is in force (or
 * scheduled for later, or superseded), and the value it replaced (null for the first version).
 */
export type PricingVersion<V, P> = V & {
  createdAtMs: number;
  status: 'scheduled' | 'in-force' | 'superseded';
  previous: P | null;
};

export type SpreadVersion = PricingVersion<FxSpreadView, { spreadBps: number }>;
export type MarkupVersion = PricingVersion<FxMarkupView, { markupBps: number }>;
export type FeeValue = Pick<
  FxFeeView,
  'fixed' | 'fixedMinor' | 'percentBps' | 'min' | 'minMinor' | 'max' | 'maxMinor'
>;
export type FeeVersion = PricingVersion<FxFeeView, FeeValue>;

/** The most versions one history answer holds. */
export const MAX_HISTORY = 1000;

/**
 * Operators' pricing administration: spreads per corridor, markups per partner, fee schedules per corridor,
 * what is in force and the history of changes. Both the Kafka admin requests (FxRequestHandler) and the
 * HTTP admin API (FxAdminController) go through these methods, so both refuse and record the same way.
 */
export class PricingService {
  constructor(
    private readonly repo: PricingRepository,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async setSpread(
    change: { sourceCurrency: string; targetCurrency: string; spreadBps: number } & PricingChange,
  ): Promise<FxSpreadView> {
    corridor(change.sourceCurrency, change.targetCurrency);
    const row = await this.repo.setSpread({
      sourceCurrency: change.sourceCurrency,
      targetCurrency: change.targetCurrency,
      spreadBps: change.spreadBps,
      ...this.changeFields(change),
    });
    this.log.info({ ...spreadView(row), requestId: change.requestId }, 'spread set');
    return spreadView(row);
  }

  async setMarkup(
    change: { participantId: string; markupBps: number } & PricingChange,
  ): Promise<FxMarkupView> {
    const row = await this.repo.setMarkup({
      participantId: change.participantId,
      markupBps: change.markupBps,
      ...this.changeFields(change),
    });
    this.log.info({ ...markupView(row), requestId: change.requestId }, 'markup set');
    return markupView(row);
  }

  async setFee(
    change: Pick<
      FxSetFeeRequest,
      'sourceCurrency' | 'targetCurrency' | 'fixed' | 'percentBps' | 'min' | 'max'
    > &
      PricingChange,
  ): Promise<FxFeeView> {
    corridor(change.sourceCurrency, change.targetCurrency);
    const row = await this.repo.setFee({
      sourceCurrency: change.sourceCurrency,
      targetCurrency: change.targetCurrency,
      ...parseFee(change),
      ...this.changeFields(change),
    });
    this.log.info({ ...feeView(row), requestId: change.requestId }, 'fee schedule set');
    return feeView(row);
  }

  /** The spread, fee schedule and (with a participant) markup in force now; null where none is. */
  async pricing(sourceCurrency: string, targetCurrency: string, participantId?: string) {
    const at = new Date(this.now());
    const [spread, fee, markup] = await Promise.all([
      this.repo.spread(sourceCurrency, targetCurrency, at),
      this.repo.fee(sourceCurrency, targetCurrency, at),
      participantId ? this.repo.markup(participantId, at) : Promise.resolve(null),
    ]);
    return {
      spread: spread && spreadView(spread),
      fee: fee && feeView(fee),
      markup: markup && markupView(markup),
    };
  }

  async spread(sourceCurrency: string, targetCurrency: string): Promise<FxSpreadView | null> {
    const row = await this.repo.spread(sourceCurrency, targetCurrency, new Date(this.now()));
    return row && spreadView(row);
  }

  async markup(participantId: string): Promise<FxMarkupView | null> {
    const row = await this.repo.markup(participantId, new Date(this.now()));
    return row && markupView(row);
  }

  async fee(sourceCurrency: string, targetCurrency: string): Promise<FxFeeView | null> {
    const row = await this.repo.fee(sourceCurrency, targetCurrency, new Date(this.now()));
    return row && feeView(row);
  }

  /** A corridor's spread versions, newest first (at most `limit`). */
  async spreadHistory(sourceCurrency: string, targetCurrency: string, limit = 100): Promise<SpreadVersion[]> {
    const rows = await this.repo.spreadHistory(sourceCurrency, targetCurrency, clampLimit(limit));
    return this.versions(rows, limit, spreadView, (r) => ({ spreadBps: r.spreadBps }));
  }

  async markupHistory(participantId: string, limit = 100): Promise<MarkupVersion[]> {
    const rows = await this.repo.markupHistory(participantId, clampLimit(limit));
    return this.versions(rows, limit, markupView, (r) => ({ markupBps: r.markupBps }));
  }

  async feeHistory(sourceCurrency: string, targetCurrency: string, limit = 100): Promise<FeeVersion[]> {
    const rows = await this.repo.feeHistory(sourceCurrency, targetCurrency, clampLimit(limit));
    return this.versions(rows, limit, feeView, (r) => {
      const { fixed, fixedMinor, percentBps, min, minMinor, max, maxMinor } = feeView(r);
      return { fixed, fixedMinor, percentBps, min, minMinor, max, maxMinor };
    });
  }

  /**
   * Rows newest first in the in-force order (one more than `limit` when there is one): the first not in
   * the future is in force, those before it are scheduled, those after it superseded; each row's previous
   * is the next row.
   */
  private versions<R extends { validFrom: Date } & Versioned, V, P>(
    rows: R[],
    limit: number,
    view: (row: R) => V,
    value: (row: R) => P,
  ): PricingVersion<V, P>[] {
    const now = this.now();
    const inForce = rows.findIndex((r) => r.validFrom.getTime() <= now);
    return rows.slice(0, clampLimit(limit)).map((row, i) => ({
      ...view(row),
      createdAtMs: row.createdAt.getTime(),
      status: inForce === -1 || i < inForce ? 'scheduled' : i === inForce ? 'in-force' : 'superseded',
      previous: i + 1 < rows.length ? value(rows[i + 1]) : null,
    }));
  }

  private changeFields(change: PricingChange) {
    return {
      validFrom: change.validFromMs === undefined ? undefined : new Date(change.validFromMs),
      createdBy: change.requestedBy,
      requestId: change.requestId,
    };
  }
}

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_HISTORY, Math.trunc(limit)));
}

/** A corridor is two different supported currencies. */
function corridor(sourceCurrency: string, targetCurrency: string): void {
  for (const [field, code] of [
    ['sourceCurrency', sourceCurrency],
    ['targetCurrency', targetCurrency],
  ] as const) {
    if (!isCurrency(code))
      throw new FxServiceError('UNKNOWN_CURRENCY', `${code} is not supported`, { field });
  }
  if (sourceCurrency === targetCurrency) {
    throw new FxServiceError('INVALID_REQUEST', 'source and target currency are the same', {
      field: 'targetCurrency',
    });
  }
}

/** The amounts of a fee schedule in minor units of the source currency, with 0 <= min <= max. */
export function parseFee(
  request: Pick<FxSetFeeRequest, 'sourceCurrency' | 'fixed' | 'min' | 'max' | 'percentBps'>,
): { fixedMinor: bigint; minMinor: bigint; maxMinor: bigint | null; percentBps: number } {
  const ccy = request.sourceCurrency;
  const amount = (field: 'fixed' | 'min' | 'max', value: string) => {
    try {
      return parseAmount(value, ccy, { allowZero: true });
    } catch (e) {
      if (e instanceof MoneyError)
        throw new FxServiceError('INVALID_AMOUNT', `${field}: ${e.message}`, { field });
      throw e;
    }
  };
  const fixedMinor = amount('fixed', request.fixed);
  const minMinor = amount('min', request.min);
  const maxMinor = request.max === undefined || request.max === null ? null : amount('max', request.max);
  if (maxMinor !== null && maxMinor < minMinor) {
    throw new FxServiceError('INVALID_AMOUNT', 'max must not be below min', { field: 'max' });
  }
  return { fixedMinor, minMinor, maxMinor, percentBps: request.percentBps };
}
