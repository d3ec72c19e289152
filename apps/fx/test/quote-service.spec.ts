import { checkQuote, FxQuote, fxReplySchema } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import type { QuoteStore } from '@concord/fx-client';
import type { FeeRow, MarkupRow, PricingRepository, SpreadRow } from '../src/quotes/pricing.repository';
import { PricingService } from '../src/quotes/pricing.service';
import { QuoteService } from '../src/quotes/quote.service';
import { FxRequestHandler } from '../src/quotes/requests.handler';
import { FileRateProvider } from '../src/rates/providers/file.provider';
import { RatesService } from '../src/rates/rates.service';
import { DEMO_RATES_FILE } from '../src/fx.module';
import { MemoryRatesRepository, silentLog } from './fakes';

const key = signingKeyFromSeed('33'.repeat(32));
const T0 = new Date('2026-11-27T12:00:00Z').getTime();

/** Pricing in memory with the repository's "latest valid_from not in the future wins" rule. */
class MemoryPricing {
  spreads: (SpreadRow & { id: number })[] = [];
  fees: (FeeRow & { id: number })[] = [];
  markups: (MarkupRow & { id: number })[] = [];
  private id = 0;

  private latest<R extends { validFrom: Date; id: number }>(rows: R[], match: (r: R) => boolean, at: Date) {
    return (
      rows
        .filter((r) => match(r) && r.validFrom <= at)
        .sort((a, b) => b.validFrom.getTime() - a.validFrom.getTime() || b.id - a.id)[0] ?? null
    );
  }
  async spread(s: string, t: string, at: Date) {
    return this.latest(this.spreads, (r) => r.sourceCurrency === s && r.targetCurrency === t, at);
  }
  async fee(s: string, t: string, at: Date) {
    return this.latest(this.fees, (r) => r.sourceCurrency === s && r.targetCurrency === t, at);
  }
  async markup(p: string, at: Date) {
    return this.latest(this.markups, (r) => r.participantId === p, at);
  }
  async setSpread(row: Omit<SpreadRow, 'validFrom'> & { validFrom?: Date }) {
    const stored = { ...row, validFrom: row.validFrom ?? new Date(T0), id: ++this.id };
    this.spreads.push(stored);
    return stored;
  }
  async setMarkup(row: Omit<MarkupRow, 'validFrom'> & { validFrom?: Date }) {
    const stored = { ...row, validFrom: row.validFrom ?? new Date(T0), id: ++this.id };
    this.markups.push(stored);
    return stored;
  }
  async setFee(row: Omit<FeeRow, 'validFrom'> & { validFrom?: Date }) {
    const stored = { ...row, validFrom: row.validFrom ?? new Date(T0), id: ++this.id };
    this.fees.push(stored);
    return stored;
  }
}

async function setup(options: { maxAgeMs?: number } = {}) {
  let now = T0;
  const clock = () => now;
  const repo = new MemoryRatesRepository(clock);
  const rates = new RatesService(repo.asRepository(), {
    provider: new FileRateProvider(DEMO_RATES_FILE, () => new Date(clock())),
    maxAgeMs: options.maxAgeMs ?? 24 * 3600 * 1000,
    pivot: 'USD',
    log: silentLog,
    cacheMs: 0,
    now: clock,
  });
  await rates.refresh();
  const pricing = new MemoryPricing();
  const validFrom = new Date(T0 - 1000);
  for (const [s, t] of [
    ['USD', 'PHP'],
    ['HKD', 'PHP'],
    ['JPY', 'KWD'],
  ]) {
    pricing.spreads.push({
      id: 0,
      sourceCurrency: s,
      targetCurrency: t,
      spreadBps: 50,
      validFrom,
      createdBy: 'seed',
    });
    pricing.fees.push({
      id: 0,
      sourceCurrency: s,
      targetCurrency: t,
      fixedMinor: 100n,
      percentBps: 10,
      minMinor: 100n,
      maxMinor: 5000n,
      validFrom,
      createdBy: 'seed',
    });
  }
  const saved: FxQuote[] = [];
  const store = { save: async (q: FxQuote) => (saved.push(q), true) } as unknown as QuoteStore;
  const quotes = new QuoteService(rates, pricing as unknown as PricingRepository, store, {
    signingKey: key,
    keyId: 'fx-1',
    fxProvider: 'sg-fx',
    ttlMs: 30_000,
    now: clock,
  });
  const handler = new FxRequestHandler(
    quotes,
    new PricingService(pricing as unknown as PricingRepository, silentLog, clock),
    silentLog,
    undefined,
    clock,
  );
  return { quotes, handler, pricing, saved, setNow: (ms: number) => (now = ms), repo };
}

async function reply(handler: FxRequestHandler, message: Record<string, unknown>) {
  const answer = await handler.handle({ v: 1, requestId: 'r-1', sentAtMs: T0, ...message } as never);
  return fxReplySchema.parse(answer);
}

describe('quote service', () => {
  it('quotes, signs, stores, and expires after the TTL', async () => {
    const { quotes, saved } = await setup();
    const { quote } = await quotes.quote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payer: 'us-send',
      payee: 'mnl-payout',
    });
    expect(quote).toMatchObject({
      sendAmount: '100.00',
      receiveAmount: '5832.19',
      fee: '1.10',
      totalCost: '101.10',
      rate: { decimal: '58.321925' },
      midRate: { decimal: '58.615' },
      payer: 'us-send',
      payee: 'mnl-payout',
      fxProvider: 'sg-fx',
      rateSource: 'concord-demo-file',
      createdAtMs: T0,
      expiresAtMs: T0 + 30_000,
    });
    expect(saved).toEqual([quote]);
    expect(checkQuote(quote, { publicKeys: key.publicKeyHex, nowMs: T0 + 29_999 }).ok).toBe(true);
    expect(checkQuote(quote, { publicKeys: key.publicKeyHex, nowMs: T0 + 30_000 })).toMatchObject({
      reason: 'QUOTE_EXPIRED',
    });
  });

  it('applies the payer’s markup on top of the corridor spread, and a receive amount exactly', async () => {
    const { quotes, pricing } = await setup();
    await pricing.setMarkup({ participantId: 'us-send', markupBps: 25, createdBy: 'op' });
    const { quote } = await quotes.quote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      receiveAmount: '5000.00',
      payer: 'us-send',
    });
    expect(quote).toMatchObject({
      spreadBps: 50,
      markupBps: 25,
      receiveAmount: '5000.00',
      fixedSide: 'receive',
    });
    // 5000 / (58.615 x 0.9925) = 85.9471... -> the payer pays 85.95
    expect(quote.sendAmount).toBe('85.95');
    const other = await quotes.quote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      receiveAmount: '5000.00',
    });
    expect(other.quote.markupBps).toBe(0);
  });

  it('crosses HKD -> PHP through the USD pivot', async () => {
    const { quotes } = await setup();
    const { quote } = await quotes.quote({
      sourceCurrency: 'HKD',
      targetCurrency: 'PHP',
      sendAmount: '1000',
    });
    expect(quote.midRate.decimal).toBe('7.532899809797'); // 7.53289980979797..., rounded down
    // Exactly (58615 / 1000) / (77812 / 10000).
    expect(BigInt(quote.midRate.num) * 77_812n).toBe(586_150n * BigInt(quote.midRate.den));
  });

  it('refuses with typed errors: currency, corridor, amount, stale rate', async () => {
    const { handler, setNow } = await setup({ maxAgeMs: 3600 * 1000 });
    const quote = (fields: Record<string, unknown>) =>
      reply(handler, { type: 'quote', sourceCurrency: 'USD', targetCurrency: 'PHP', ...fields });

    expect(await quote({ sourceCurrency: 'XXX', sendAmount: '1' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CURRENCY', field: 'sourceCurrency' },
    });
    expect(await quote({ targetCurrency: 'SGD', sendAmount: '1' })).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_CORRIDOR' },
    });
    for (const sendAmount of ['1.005', '-1', '0', '1e3', 'abc']) {
      expect(await quote({ sendAmount })).toMatchObject({
        ok: false,
        error: { code: 'INVALID_AMOUNT', field: 'sendAmount' },
      });
    }
    expect(await quote({ sendAmount: '1', receiveAmount: '1' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await quote({ sourceCurrency: 'JPY', targetCurrency: 'KWD', sendAmount: '1' })).toMatchObject({
      ok: true,
    });

    // The demo file stops loading? Here: time passes without a refresh. Past the max age: STALE_RATE.
    setNow(T0 + 3600 * 1000 + 1);
    const stale = await quote({ sendAmount: '100' });
    expect(stale).toMatchObject({
      ok: false,
      error: { code: 'STALE_RATE', rates: { provider: 'file', legs: [{ pair: 'USD/PHP', stale: true }] } },
    });
  });

  it('answers a quote-batch item by item, each as a quote request of its own', async () => {
    const { handler, saved } = await setup();
    const items = [
      { sourceCurrency: 'USD', targetCurrency: 'PHP', receiveAmount: '5000.00', payer: 'us-send' },
      { sourceCurrency: 'USD', targetCurrency: 'PHP', receiveAmount: '4990.00', payer: 'us-send' },
      { sourceCurrency: 'USD', targetCurrency: 'SGD', sendAmount: '1.00' },
      { sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '1.005' },
    ];
    const batch = await reply(handler, { type: 'quote-batch', quotes: items });
    if (batch.type !== 'quote-batch' || !batch.ok) throw new Error(JSON.stringify(batch));
    expect(batch.results.map((r) => (r.ok ? r.quote.receiveAmount : r.error.code))).toEqual([
      '5000.00',
      '4990.00',
      'UNKNOWN_CORRIDOR',
      'INVALID_AMOUNT',
    ]);
    // The same quotes as one request each would get: signed, stored, each its own id.
    const single = await reply(handler, { type: 'quote', ...items[0] });
    if (single.type !== 'quote' || !single.ok) throw new Error(JSON.stringify(single));
    const first = batch.results[0];
    if (!first.ok) throw new Error('first item');
    const { id: _a, signature: _b, ...batched } = first.quote;
    const { id: _c, signature: _d, ...alone } = single.quote;
    expect(batched).toEqual(alone);
    expect(first.breakdown).toEqual(single.breakdown);
    expect(saved.map((q) => q.id)).toEqual([
      ...batch.results.flatMap((r) => (r.ok ? [r.quote.id] : [])),
      single.quote.id,
    ]);
    expect(checkQuote(first.quote, { publicKeys: key.publicKeyHex, nowMs: T0 }).ok).toBe(true);
    expect(await reply(handler, { type: 'quote-batch', quotes: [] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
  });

  it('answers malformed requests INVALID_REQUEST, and late ones REQUEST_EXPIRED', async () => {
    const { handler } = await setup();
    expect(await reply(handler, { type: 'set-spread', sourceCurrency: 'USD' })).toMatchObject({
      ok: false,
      type: 'set-spread',
      error: { code: 'INVALID_REQUEST' },
    });
    expect(await reply(handler, { type: 'launch-rockets' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST', field: 'type' },
    });
    expect(
      await reply(handler, {
        type: 'quote',
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        sendAmount: '1',
        deadlineMs: T0 - 1,
      }),
    ).toMatchObject({ ok: false, error: { code: 'REQUEST_EXPIRED' } });
  });

  it('sets spreads, markups and fees, the latest row in force, and reads them back', async () => {
    const { handler, quotes } = await setup();
    const spread = await reply(handler, {
      type: 'set-spread',
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      spreadBps: 80,
      requestedBy: 'operator-1',
    });
    expect(spread).toMatchObject({ ok: true, spread: { spreadBps: 80, createdBy: 'operator-1' } });
    const fee = await reply(handler, {
      type: 'set-fee',
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      fixed: '0.50',
      percentBps: 25,
      min: '0.75',
      max: '20',
      requestedBy: 'operator-1',
    });
    expect(fee).toMatchObject({
      ok: true,
      fee: { fixedMinor: '50', minMinor: '75', maxMinor: '2000', fixed: '0.50', max: '20.00' },
    });
    expect(
      await reply(handler, {
        type: 'set-fee',
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        fixed: '0.50',
        percentBps: 25,
        min: '5',
        max: '1',
        requestedBy: 'operator-1',
      }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_AMOUNT', field: 'max' } });
    // A spread scheduled for later is not in force yet.
    await reply(handler, {
      type: 'set-spread',
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      spreadBps: 999,
      requestedBy: 'operator-1',
      validFromMs: T0 + 3600_000,
    });
    const { quote } = await quotes.quote({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '100' });
    expect(quote).toMatchObject({ spreadBps: 80, fee: '0.75' }); // 0.50 + 0.25 = 0.75 (min 0.75)
    expect(
      await reply(handler, {
        type: 'get-pricing',
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        participantId: 'x',
      }),
    ).toMatchObject({ ok: true, spread: { spreadBps: 80 }, fee: { percentBps: 25 }, markup: null });
  });
});
