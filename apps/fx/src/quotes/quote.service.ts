import { randomUUID } from 'node:crypto';
import type { FxQuote, FxQuoteBreakdown, FxQuoteRequest, FxRateStatus } from '@concord/contracts';
import type { SigningKey } from '@concord/crypto';
import type { QuoteStore } from '@concord/fx-client';
import { isCurrency, MoneyError, parseAmount } from '@concord/money';
import { FxServiceError } from '../errors';
import type { RatesService } from '../rates/rates.service';
import { calculateQuote, FeeSchedule } from './quote-calculator';
import { buildQuote, signQuote } from './quote.signer';
import type { PricingRepository } from './pricing.repository';

export interface QuoteServiceOptions {
  signingKey: SigningKey;
  keyId: string;
  /** The participant on the other side of every conversion. */
  fxProvider: string;
  ttlMs: number;
  now?: () => number;
}

/**
 * Makes signed quotes: validates the request, finds the corridor's spread and fee schedule and the
 * payer's markup in force, the exact mid rate (refusing stale rates), calculates, signs, and keeps the
 * quote in Redis until it expires. Next to the signed quote it returns the state of the rates behind it
 * and the breakdown of its total cost, which the partner sees but the ledger does not need.
 */
export class QuoteService {
  private readonly now: () => number;

  constructor(
    private readonly rates: RatesService,
    private readonly pricing: PricingRepository,
    private readonly store: QuoteStore,
    private readonly options: QuoteServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async quote(
    request: Omit<FxQuoteRequest, 'v' | 'type' | 'requestId' | 'sentAtMs' | 'deadlineMs'>,
  ): Promise<{
    quote: FxQuote;
    rates: FxRateStatus;
    breakdown: FxQuoteBreakdown;
  }> {
    const { sourceCurrency: source, targetCurrency: target } = request;
    for (const [field, code] of [
      ['sourceCurrency', source],
      ['targetCurrency', target],
    ] as const) {
      if (!isCurrency(code))
        throw new FxServiceError('UNKNOWN_CURRENCY', `${code} is not supported`, { field });
    }
    if (source === target) {
      throw new FxServiceError('INVALID_REQUEST', 'source and target currency are the same', {
        field: 'targetCurrency',
      });
    }
    if ((request.sendAmount === undefined) === (request.receiveAmount === undefined)) {
      throw new FxServiceError('INVALID_REQUEST', 'give exactly one of sendAmount and receiveAmount', {
        field: 'sendAmount',
      });
    }
    const fixedSide = request.sendAmount !== undefined ? 'send' : 'receive';
    const field = fixedSide === 'send' ? 'sendAmount' : 'receiveAmount';
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(request[field], fixedSide === 'send' ? source : target);
    } catch (e) {
      if (e instanceof MoneyError) throw new FxServiceError('INVALID_AMOUNT', e.message, { field });
      throw e;
    }

    const createdAtMs = this.now();
    const at = new Date(createdAtMs);
    const [spread, fee, markup] = await Promise.all([
      this.pricing.spread(source, target, at),
      this.pricing.fee(source, target, at),
      request.payer ? this.pricing.markup(request.payer, at) : Promise.resolve(null),
    ]);
    if (!spread || !fee) {
      throw new FxServiceError(
        'UNKNOWN_CORRIDOR',
        `no ${!spread ? 'spread' : 'fee schedule'} is set for ${source} to ${target}`,
      );
    }
    const { path, status } = await this.rates.resolve(source, target);
    const schedule: FeeSchedule = {
      fixedMinor: fee.fixedMinor,
      percentBps: fee.percentBps,
      minMinor: fee.minMinor,
      maxMinor: fee.maxMinor,
    };
    const calc = calculateQuote({
      sourceCurrency: source,
      targetCurrency: target,
      fixedSide,
      amountMinor,
      midRate: path.rate,
      spreadBps: spread.spreadBps,
      markupBps: markup?.markupBps ?? 0,
      fee: schedule,
    });
    const quote = signQuote(
      buildQuote(calc, {
        id: `q-${randomUUID()}`,
        keyId: this.options.keyId,
        fxProvider: this.options.fxProvider,
        sourceCurrency: source,
        targetCurrency: target,
        payer: request.payer ?? null,
        payee: request.payee ?? null,
        fixedSide,
        spreadBps: spread.spreadBps,
        markupBps: markup?.markupBps ?? 0,
        rateSource: path.source,
        rateAsOfMs: path.asOfMs,
        createdAtMs,
        expiresAtMs: createdAtMs + this.options.ttlMs,
      }),
      this.options.signingKey,
    );
    if (!(await this.store.save(quote, createdAtMs))) {
      throw new FxServiceError('INTERNAL', `quote ${quote.id} could not be stored`);
    }
    const breakdown: FxQuoteBreakdown = {
      principalMinor: calc.principalMinor.toString(),
      spreadMinor: calc.spreadMinor.toString(),
      feeFixedMinor: calc.feeParts.fixedMinor.toString(),
      feePercentageMinor: calc.feeParts.percentageMinor.toString(),
      feePercentBps: schedule.percentBps,
      feeAdjustmentMinor: calc.feeParts.adjustmentMinor.toString(),
    };
    return { quote, rates: status, breakdown };
  }
}
