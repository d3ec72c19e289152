import fc from 'fast-check';
import type { FxQuote, FxQuoteBreakdown, FxRateStatus } from '@concord/contracts';
import type { FxClient, FxRequestBody, FxResult } from '@concord/fx-client';
import { formatAmount, parseAmount } from '@concord/money';
import { quoteAnswerSchema } from '@concord/contracts';
import { toProblem } from '../problems/problem';
import type { KnownParticipant } from '../auth/participants.repository';
import { QuoteFailure } from './quotes.errors';
import { breakdownView, QuotesService } from './quotes.service';

const CALLER: KnownParticipant = {
  id: 'hk-remit',
  name: 'HK Remit',
  keys: new Map(),
  currencies: ['USD'],
  status: 'active',
};
const NOW = Date.parse('2026-11-28T10:00:00.000Z');
const AS_OF = NOW - 90_000;

/** A quote of the right shape: 100.00 USD -> 5832.19 PHP, fee 1.10 (the gateway does not check it). */
function quote(overrides: Partial<FxQuote> = {}): FxQuote {
  return {
    v: 1,
    id: 'q-1',
    keyId: 'fx-1',
    fxProvider: 'sg-fx',
    sourceCurrency: 'USD',
    targetCurrency: 'PHP',
    payer: 'hk-remit',
    payee: null,
    fixedSide: 'send',
    sendAmountMinor: '10000',
    receiveAmountMinor: '583219',
    feeMinor: '110',
    totalCostMinor: '10110',
    sendAmount: '100.00',
    receiveAmount: '5832.19',
    fee: '1.10',
    totalCost: '101.10',
    rate: { num: '2332877', den: '40000', decimal: '58.321925' },
    midRate: { num: '11723', den: '200', decimal: '58.615' },
    spreadBps: 50,
    markupBps: 0,
    rounding: { receive: 'floor', send: 'ceil', fee: 'ceil' },
    rateSource: 'ecb',
    rateAsOfMs: AS_OF,
    createdAtMs: NOW,
    expiresAtMs: NOW + 30_000,
    signature: 'A'.repeat(86),
    ...overrides,
  };
}

const BREAKDOWN: FxQuoteBreakdown = {
  principalMinor: '9950',
  spreadMinor: '50',
  feeFixedMinor: '100',
  feePercentageMinor: '10',
  feePercentBps: 10,
  feeAdjustmentMinor: '0',
};

function status(overrides: Partial<FxRateStatus> = {}, stale = false): FxRateStatus {
  return {
    provider: 'ecb',
    ageing: false,
    lastSuccessAtMs: NOW - 60_000,
    lastFailureAtMs: null,
    lastError: null,
    legs: [{ pair: 'USD/PHP', source: 'ecb', asOfMs: AS_OF, ageMs: 90_000, maxAgeMs: 86_400_000, stale }],
    ...overrides,
  };
}

/** FxClient.quote answering what the test says, and keeping what it was asked. */
function fakeFx(reply: FxResult<'quote'>) {
  const asked: FxRequestBody<'quote'>[] = [];
  const fx: Pick<FxClient, 'quote'> = {
    quote: async (body) => {
      asked.push(body);
      return reply;
    },
  };
  return { fx, asked };
}

const ok = (
  extra: { rates?: FxRateStatus; breakdown?: FxQuoteBreakdown },
  q = quote(),
): FxResult<'quote'> => ({
  v: 1,
  requestId: 'r-1',
  repliedAtMs: NOW,
  type: 'quote',
  ok: true,
  quote: q,
  ...extra,
});

const ask = JSON.stringify({ sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '100.00' });

describe('QuotesService', () => {
  it('answers the signed quote as it is, with the rate behind it and the total cost in parts', async () => {
    const { fx, asked } = fakeFx(ok({ rates: status(), breakdown: BREAKDOWN }));
    const answer = await new QuotesService(fx).quote(CALLER, ask);
    // The caller is always the payer, so that its markup applies.
    expect(asked).toEqual([
      { sourceCurrency: 'USD', targetCurrency: 'PHP', sendAmount: '100.00', payer: 'hk-remit' },
    ]);
    expect(answer.quote).toEqual(quote());
    expect(answer.rate).toEqual({
      source: 'ecb',
      asOf: new Date(AS_OF).toISOString(),
      ageMs: 90_000,
      maxAgeMs: 86_400_000,
      ageing: false,
      lastRefreshAt: new Date(NOW - 60_000).toISOString(),
      legs: [
        {
          pair: 'USD/PHP',
          source: 'ecb',
          asOf: new Date(AS_OF).toISOString(),
          ageMs: 90_000,
          maxAgeMs: 86_400_000,
          stale: false,
        },
      ],
    });
    expect(answer.breakdown).toEqual({
      currency: 'USD',
      principal: '99.50',
      spread: '0.50',
      feeFixed: '1.00',
      feePercentage: '0.10',
      feePercentBps: 10,
      feeAdjustment: '0.00',
      fee: '1.10',
      totalCost: '101.10',
    });
    // The OpenAPI schema of the answer says exactly this (strict: no field more or less).
    expect(quoteAnswerSchema.parse(answer)).toEqual(answer);
  });

  it('says so when the quote rests on ageing rates (the FX provider is failing), without its error text', async () => {
    const rates = status({
      ageing: true,
      lastFailureAtMs: NOW - 5000,
      lastError: 'GET http://10.0.0.7/rates: 503',
    });
    const { fx } = fakeFx(ok({ rates, breakdown: BREAKDOWN }));
    const answer = await new QuotesService(fx).quote(CALLER, ask);
    expect(answer.rate).toMatchObject({ ageing: true, source: 'ecb', ageMs: 90_000 });
    expect(JSON.stringify(answer)).not.toMatch(/10\.0\.0\.7/);
    expect(quoteAnswerSchema.parse(answer)).toEqual(answer);
  });

  it('reads a reply of an older FX service (rates only while ageing, no breakdown) as not ageing', async () => {
    const { fx } = fakeFx(ok({}));
    const answer = await new QuotesService(fx).quote(CALLER, ask);
    expect(answer.rate).toEqual({
      source: 'ecb',
      asOf: new Date(AS_OF).toISOString(),
      ageMs: NOW - AS_OF,
      maxAgeMs: null,
      ageing: false,
      lastRefreshAt: null,
      legs: [],
    });
    expect(answer.breakdown).toBeNull();
    expect(quoteAnswerSchema.parse(answer)).toEqual(answer);
  });

  it('refuses a quote on stale rates with 503 STALE_RATE saying which rate is stale and how old', async () => {
    const rates = status({ ageing: true, lastError: 'GET http://10.0.0.7/rates: 503' }, true);
    rates.legs[0] = { ...rates.legs[0], ageMs: 90_061_000, maxAgeMs: 86_400_000 };
    const { fx } = fakeFx({
      v: 1,
      requestId: 'r-1',
      repliedAtMs: NOW,
      type: 'quote',
      ok: false,
      error: { code: 'STALE_RATE', message: 'provider is failing (GET http://10.0.0.7/rates: 503)', rates },
    });
    const error = await new QuotesService(fx).quote(CALLER, ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuoteFailure);
    const problem = toProblem(error);
    expect(problem.status).toBe(503);
    expect(problem.headers).toEqual({ 'retry-after': '5' });
    const body = problem.toJSON();
    expect(body).toMatchObject({
      status: 503,
      code: 'STALE_RATE',
      title: 'The rates for this corridor are stale',
      rates: {
        stale: true,
        ageing: true,
        legs: [
          {
            pair: 'USD/PHP',
            source: 'ecb',
            asOf: new Date(AS_OF).toISOString(),
            ageMs: 90_061_000,
            stale: true,
          },
        ],
      },
    });
    expect(body.detail).toMatch(/^The rates for USD to PHP are stale: the USD\/PHP rate from ecb is as of /);
    expect(body.detail).toMatch(/90061 s old, more than the 86400 s allowed/);
    expect(body.detail).toMatch(/provider is failing/);
    expect(JSON.stringify(body)).not.toMatch(/10\.0\.0\.7/);
  });

  it("answers RATE_UNAVAILABLE without the FX provider's error text, other FX errors with their field", async () => {
    const reply = (code: 'RATE_UNAVAILABLE' | 'INVALID_AMOUNT', field?: string): FxResult<'quote'> => ({
      v: 1,
      requestId: 'r-1',
      repliedAtMs: NOW,
      type: 'quote',
      ok: false,
      error: { code, message: 'no rates loaded yet (last refresh failed: ENOTFOUND rates.internal)', field },
    });
    const unavailable = toProblem(
      await new QuotesService(fakeFx(reply('RATE_UNAVAILABLE')).fx)
        .quote(CALLER, ask)
        .catch((e: unknown) => e),
    );
    expect(unavailable.toJSON()).toMatchObject({ status: 503, code: 'RATE_UNAVAILABLE' });
    expect(JSON.stringify(unavailable.toJSON())).not.toMatch(/rates\.internal/);
    const invalid = toProblem(
      await new QuotesService(fakeFx(reply('INVALID_AMOUNT', 'sendAmount')).fx)
        .quote(CALLER, ask)
        .catch((e: unknown) => e),
    );
    expect(invalid.toJSON()).toMatchObject({
      status: 400,
      code: 'INVALID_AMOUNT',
      errors: [{ field: 'sendAmount' }],
    });
  });

  it('breakdown amounts add up exactly to the total cost in every exponent (JPY 0, USD 2, KWD 3)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('JPY', 'USD', 'KWD'),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 9n }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }),
        (ccy, principal, spread, fixed, percentage, adjustment) => {
          fc.pre(principal + spread > 0n && fixed + percentage + adjustment >= 0n);
          const send = principal + spread;
          const fee = fixed + percentage + adjustment;
          const q = quote({
            sourceCurrency: ccy,
            sendAmountMinor: send.toString(),
            feeMinor: fee.toString(),
            totalCostMinor: (send + fee).toString(),
            sendAmount: formatAmount(send, ccy),
            fee: formatAmount(fee, ccy),
            totalCost: formatAmount(send + fee, ccy),
          });
          const view = breakdownView(q, {
            principalMinor: principal.toString(),
            spreadMinor: spread.toString(),
            feeFixedMinor: fixed.toString(),
            feePercentageMinor: percentage.toString(),
            feePercentBps: 10,
            feeAdjustmentMinor: adjustment.toString(),
          });
          const minor = (amount: string) => {
            // Negative adjustments parse by their absolute value (parseAmount takes positive amounts).
            const negative = amount.startsWith('-');
            const abs = negative ? amount.slice(1) : amount;
            const decimals = abs.split('.')[1]?.length ?? 0;
            expect(decimals).toBe({ JPY: 0, USD: 2, KWD: 3 }[ccy]);
            const value = /^0(\.0+)?$/.test(abs) ? 0n : parseAmount(abs, ccy);
            return negative ? -value : value;
          };
          expect(
            minor(view.principal) +
              minor(view.spread) +
              minor(view.feeFixed) +
              minor(view.feePercentage) +
              minor(view.feeAdjustment),
          ).toBe(minor(view.totalCost));
          expect(minor(view.feeFixed) + minor(view.feePercentage) + minor(view.feeAdjustment)).toBe(
            minor(view.fee),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
