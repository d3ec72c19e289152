import { Body, Controller, Get, Inject, Param, Put, Query } from '@nestjs/common';
import { OperatorAuth } from '@concord/operator-auth';
import { PricingService } from '../quotes/pricing.service';
import { ratioView } from '../rates/ratio';
import { RatesService } from '../rates/rates.service';
import {
  corridorParams,
  currentQuery,
  feeBody,
  historyQuery,
  markupBody,
  noQuery,
  parse,
  participantParams,
  rateHistoryQuery,
  spreadBody,
} from './admin.dto';
import { FxAdminError, FxAdminErrorCode } from './admin.errors';

/**
 * What is in force, with the history on `?history=true`: 404 when nothing is in force and (with history)
 * nothing was ever set; with history and only scheduled versions, the current value is null.
 */
async function current<K extends string, V, H>(
  key: K,
  query: unknown,
  load: () => Promise<V | null>,
  history: () => Promise<H[]>,
  notFound: [FxAdminErrorCode, string],
): Promise<{ [P in K]: V | null } & { history?: H[] }> {
  const q = parse(currentQuery, query);
  const [value, versions] = await Promise.all([load(), q.history === 'true' ? history() : undefined]);
  if (value === null && (versions === undefined || versions.length === 0)) {
    throw new FxAdminError(...notFound);
  }
  return { [key]: value, ...(versions ? { history: versions } : {}) } as { [P in K]: V | null } & {
    history?: H[];
  };
}

/**
 * The FX service's operator admin API (FX_PORT): spreads per corridor, markups per partner and fee
 * schedules per corridor, each with its change history (who, when, the value it replaced), and the
 * reference rates in use with their history. Every change goes through PricingService, as the Kafka admin requests do.
 * Bps are integers; fee amounts are decimal strings in the corridor's source currency.
 */
@Controller()
@OperatorAuth()
export class FxAdminController {
  constructor(
    @Inject(PricingService) private readonly pricing: PricingService,
    @Inject(RatesService) private readonly rates: RatesService,
  ) {}

  @Get('spreads/:sourceCurrency/:targetCurrency')
  spread(@Param() params: unknown, @Query() query: unknown) {
    const { sourceCurrency: s, targetCurrency: t } = parse(corridorParams, params);
    return current(
      'spread',
      query,
      () => this.pricing.spread(s, t),
      () => this.pricing.spreadHistory(s, t),
      ['SPREAD_NOT_FOUND', `no spread is in force for ${s} to ${t}`],
    );
  }

  @Get('spreads/:sourceCurrency/:targetCurrency/history')
  async spreadHistory(@Param() params: unknown, @Query() query: unknown) {
    const { sourceCurrency: s, targetCurrency: t } = parse(corridorParams, params);
    return { history: await this.pricing.spreadHistory(s, t, parse(historyQuery, query).limit) };
  }

  @Put('spreads/:sourceCurrency/:targetCurrency')
  async setSpread(@Param() params: unknown, @Query() query: unknown, @Body() body: unknown) {
    const corridor = parse(corridorParams, params);
    parse(noQuery, query);
    return { spread: await this.pricing.setSpread({ ...corridor, ...parse(spreadBody, body) }) };
  }

  @Get('markups/:participantId')
  markup(@Param() params: unknown, @Query() query: unknown) {
    const { participantId } = parse(participantParams, params);
    return current(
      'markup',
      query,
      () => this.pricing.markup(participantId),
      () => this.pricing.markupHistory(participantId),
      ['MARKUP_NOT_FOUND', `no markup is in force for ${participantId}`],
    );
  }

  @Get('markups/:participantId/history')
  async markupHistory(@Param() params: unknown, @Query() query: unknown) {
    const { participantId } = parse(participantParams, params);
    return { history: await this.pricing.markupHistory(participantId, parse(historyQuery, query).limit) };
  }

  @Put('markups/:participantId')
  async setMarkup(@Param() params: unknown, @Query() query: unknown, @Body() body: unknown) {
    const { participantId } = parse(participantParams, params);
    parse(noQuery, query);
    return { markup: await this.pricing.setMarkup({ participantId, ...parse(markupBody, body) }) };
  }

  @Get('fees/:sourceCurrency/:targetCurrency')
  fee(@Param() params: unknown, @Query() query: unknown) {
    const { sourceCurrency: s, targetCurrency: t } = parse(corridorParams, params);
    return current(
      'fee',
      query,
      () => this.pricing.fee(s, t),
      () => this.pricing.feeHistory(s, t),
      ['FEE_SCHEDULE_NOT_FOUND', `no fee schedule is in force for ${s} to ${t}`],
    );
  }

  @Get('fees/:sourceCurrency/:targetCurrency/history')
  async feeHistory(@Param() params: unknown, @Query() query: unknown) {
    const { sourceCurrency: s, targetCurrency: t } = parse(corridorParams, params);
    return { history: await this.pricing.feeHistory(s, t, parse(historyQuery, query).limit) };
  }

  @Put('fees/:sourceCurrency/:targetCurrency')
  async setFee(@Param() params: unknown, @Query() query: unknown, @Body() body: unknown) {
    const corridor = parse(corridorParams, params);
    parse(noQuery, query);
    return { fee: await this.pricing.setFee({ ...corridor, ...parse(feeBody, body) }) };
  }

  /** The latest rate of every pair: exact ratio, source, as-of time, age and whether it is stale. */
  @Get('rates')
  async currentRates(@Query() query: unknown) {
    parse(noQuery, query);
    const { status, maxAgeMs, rates } = await this.rates.current();
    return {
      ...status,
      maxAgeMs,
      rates: rates.map((r) => ({ ...r, rate: ratioView(r.rate) })),
    };
  }

  /**
   * A pair's rate history, the most recently loaded first: every rate stored with its source, as-of time
   * and load time (a refresh that brought nothing new stored nothing).
   */
  @Get('rates/history')
  async rateHistory(@Query() query: unknown) {
    const { base, quote, limit } = parse(rateHistoryQuery, query);
    const history = await this.rates.history(base, quote, limit);
    return { pair: `${base}/${quote}`, history: history.map((r) => ({ ...r, rate: ratioView(r.rate) })) };
  }
}
