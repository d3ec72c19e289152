import fc from 'fast-check';
import { checkQuote, FxQuote, fxSpreadMinor, quoteInconsistency } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import { MAX_AMOUNT_MINOR } from '@concord/money';
import { FxServiceError } from '../src/errors';
import {
  calculateQuote,
  computeFee,
  computeFeeParts,
  customerRate,
  receiveFor,
  sendFor,
} from '../src/quotes/quote-calculator';
import { buildQuote, signQuote } from '../src/quotes/quote.signer';
import { decimalToRatio, invert, ratio } from '../src/rates/ratio';
import { amountMinor, bps, currencyPair, feeSchedule, midRate } from './arbitraries';

const noFee = { fixedMinor: 0n, percentBps: 0, minMinor: 0n, maxMinor: null };
const key = signingKeyFromSeed('11'.repeat(32));

describe('quote calculator: examples', () => {
  it('quotes 100.00 USD to PHP at 58.615 less 50 bps, fee 1.00 + 0.1%', () => {
    const calc = calculateQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      fixedSide: 'send',
      amountMinor: 10_000n,
      midRate: decimalToRatio('58.6150'),
      spreadBps: 50,
      markupBps: 0,
      fee: { fixedMinor: 100n, percentBps: 10, minMinor: 100n, maxMinor: 5000n },
    });
    // 58.615 x 0.995 = 58.321925 exactly; 100 USD buy 5832.1925 PHP, the payee gets the floor.
    expect(calc.rate).toEqual(ratio(58_321_925n, 1_000_000n));
    expect(calc.receiveMinor).toBe(583_219n);
    expect(calc.feeMinor).toBe(110n);
    expect(calc.totalCostMinor).toBe(10_110n);
  });

  it('for a fixed receive amount the payer pays the ceiling', () => {
    const calc = calculateQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      fixedSide: 'receive',
      amountMinor: 583_219n,
      midRate: decimalToRatio('58.615'),
      spreadBps: 40,
      markupBps: 10,
      fee: noFee,
    });
    // 5832.19 / 58.321925 = 99.99999571... USD: the payer pays 100.00.
    expect(calc.sendMinor).toBe(10_000n);
    expect(calc.receiveMinor).toBe(583_219n);
  });

  it('handles exponent 0 and 3 currencies (JPY to KWD)', () => {
    // USD/KWD 0.30745 over USD/JPY 155.42, unreduced: KWD per JPY.
    const mid = { num: 30_745n * 100n, den: 100_000n * 15_542n };
    const calc = calculateQuote({
      sourceCurrency: 'JPY',
      targetCurrency: 'KWD',
      fixedSide: 'send',
      amountMinor: 100_000n, // 100000 JPY
      midRate: mid,
      spreadBps: 0,
      markupBps: 0,
      fee: noFee,
    });
    // 100000 x 0.30745 / 155.42 = 197.818813...; in fils (3 decimals): 197818 fils, rounded down.
    expect(calc.receiveMinor).toBe(197_818n);
    expect(calc.midRate).toEqual(ratio(mid.num, mid.den));
  });

  it('refuses amounts that buy nothing, and amounts out of range, as INVALID_AMOUNT', () => {
    const base = {
      sourceCurrency: 'JPY',
      targetCurrency: 'KWD',
      fixedSide: 'send' as const,
      midRate: decimalToRatio('0.0001'), // 1 JPY buys 0.1 fils
      spreadBps: 0,
      markupBps: 0,
      fee: noFee,
    };
    for (const amountMinor of [1n, 0n, MAX_AMOUNT_MINOR + 1n]) {
      let error: unknown;
      try {
        calculateQuote({ ...base, amountMinor });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FxServiceError);
      expect((error as FxServiceError).code).toBe('INVALID_AMOUNT');
    }
  });

  it('refuses a margin of 100% or more', () => {
    expect(() => customerRate(ratio(1n, 1n), 6000, 4000)).toThrow(RangeError);
    expect(() => customerRate(ratio(1n, 1n), -1, 0)).toThrow(RangeError);
  });

  it("breaks the total cost into principal, spread and the fee's parts, which add up exactly", () => {
    const calc = calculateQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      fixedSide: 'send',
      amountMinor: 10_000n,
      midRate: decimalToRatio('58.6150'),
      spreadBps: 50,
      markupBps: 0,
      fee: { fixedMinor: 100n, percentBps: 10, minMinor: 100n, maxMinor: 5000n },
    });
    // The payee's 5832.19 PHP cost 99.49996... USD at mid, 99.50 rounded up: the spread is 0.50.
    expect(calc.spreadMinor).toBe(50n);
    expect(calc.principalMinor).toBe(9950n);
    expect(calc.feeParts).toEqual({
      fixedMinor: 100n,
      percentageMinor: 10n,
      adjustmentMinor: 0n,
      feeMinor: 110n,
    });
    expect(calc.principalMinor + calc.spreadMinor + calc.feeMinor).toBe(calc.totalCostMinor);
  });

  it('a fee raised to the minimum or cut to the maximum shows the difference as its adjustment', () => {
    const schedule = { fixedMinor: 100n, percentBps: 100, minMinor: 150n, maxMinor: 1000n };
    expect(computeFeeParts(1n, schedule)).toEqual({
      fixedMinor: 100n,
      percentageMinor: 1n,
      adjustmentMinor: 49n,
      feeMinor: 150n,
    });
    expect(computeFeeParts(10n ** 9n, schedule)).toEqual({
      fixedMinor: 100n,
      percentageMinor: 10_000_000n,
      adjustmentMinor: 1000n - 10_000_100n,
      feeMinor: 1000n,
    });
    expect(computeFeeParts(10_000n, schedule).adjustmentMinor).toBe(0n);
  });

  it('clamps fees to the schedule', () => {
    const schedule = { fixedMinor: 100n, percentBps: 100, minMinor: 150n, maxMinor: 1000n };
    expect(computeFee(1n, schedule)).toBe(150n); // 100 + ceil(0.01) = 101 -> min 150
    expect(computeFee(10_000n, schedule)).toBe(200n); // 100 + 100
    expect(computeFee(10_001n, schedule)).toBe(201n); // 100 + ceil(100.01)
    expect(computeFee(10n ** 9n, schedule)).toBe(1000n); // max
  });
});

describe('quote calculator: properties', () => {
  it('converting and converting back never creates money (A -> B -> A <= A), at mid and customer rates', () => {
    fc.assert(
      fc.property(currencyPair, midRate, bps(500), amountMinor, ([a, b], mid, spread, amount) => {
        const there = receiveFor(amount, mid, a, b);
        expect(receiveFor(there, invert(mid), b, a) <= amount).toBe(true);
        const customerThere = customerRate(mid, spread, 0);
        const customerBack = customerRate(invert(mid), spread, 0);
        const there2 = receiveFor(amount, customerThere, a, b);
        expect(receiveFor(there2, customerBack, b, a) <= amount).toBe(true);
      }),
    );
  });

  it('send and receive quotes agree: the payee gets exactly the quoted amount, the payer pays no more than needed', () => {
    fc.assert(
      fc.property(
        currencyPair,
        midRate,
        bps(1000),
        bps(1000),
        amountMinor,
        ([source, target], mid, spread, markup, amount) => {
          const common = {
            sourceCurrency: source,
            targetCurrency: target,
            midRate: mid,
            spreadBps: spread,
            markupBps: markup,
            fee: noFee,
          };
          const rate = customerRate(mid, spread, markup);
          // Out of range either way (a huge amount at an extreme rate) is refused, not quoted.
          fc.pre(sendFor(amount, rate, source, target) <= MAX_AMOUNT_MINOR);
          fc.pre(receiveFor(amount, rate, source, target) <= MAX_AMOUNT_MINOR);
          // Fixed receive amount R: the quote says R, and the send amount it asks buys at least R ...
          const byReceive = calculateQuote({ ...common, fixedSide: 'receive', amountMinor: amount });
          expect(byReceive.receiveMinor).toBe(amount);
          expect(receiveFor(byReceive.sendMinor, byReceive.rate, source, target) >= amount).toBe(true);
          // ... and one minor unit less would not.
          expect(receiveFor(byReceive.sendMinor - 1n, byReceive.rate, source, target) < amount).toBe(true);
          // Fixed send amount S: the receive amount is what S buys, and quoting that receive amount
          // never asks more than S.
          let bySend;
          try {
            bySend = calculateQuote({ ...common, fixedSide: 'send', amountMinor: amount });
          } catch (e) {
            expect((e as FxServiceError).code).toBe('INVALID_AMOUNT'); // buys less than one minor unit
            expect(receiveFor(amount, rate, source, target)).toBe(0n);
            return;
          }
          expect(bySend.receiveMinor).toBe(receiveFor(amount, bySend.rate, source, target));
          const back = calculateQuote({ ...common, fixedSide: 'receive', amountMinor: bySend.receiveMinor });
          expect(back.sendMinor <= amount).toBe(true);
        },
      ),
    );
  });

  it('rounds in the provider’s favour for every exponent: payee floor, payer ceil', () => {
    fc.assert(
      fc.property(currencyPair, midRate, bps(1000), amountMinor, ([source, target], mid, spread, amount) => {
        const rate = customerRate(mid, spread, 0);
        const eS = 10n ** BigInt({ JPY: 0, KWD: 3 }[source as 'JPY'] ?? 2);
        const eT = 10n ** BigInt({ JPY: 0, KWD: 3 }[target as 'JPY'] ?? 2);
        // In minor units the exact amount is amount * num * eT / (den * eS).
        const num = rate.num * eT;
        const den = rate.den * eS;
        const receive = receiveFor(amount, rate, source, target);
        expect(receive * den <= amount * num).toBe(true);
        expect(amount * num < (receive + 1n) * den).toBe(true);
        const send = sendFor(amount, rate, source, target);
        expect(send * num >= amount * den).toBe(true);
        expect((send - 1n) * num < amount * den).toBe(true);
      }),
    );
  });

  it('the customer rate is never better than the mid rate, and worse with every basis point', () => {
    fc.assert(
      fc.property(midRate, bps(2000), bps(2000), (mid, spread, markup) => {
        const c = customerRate(mid, spread, markup);
        expect(c.num * mid.den <= mid.num * c.den).toBe(true);
        if (spread + markup > 0) expect(c.num * mid.den < mid.num * c.den).toBe(true);
      }),
    );
  });

  it('fees stay within [min, max] and include the fixed part and the percentage when unclamped', () => {
    fc.assert(
      fc.property(amountMinor, feeSchedule, (send, schedule) => {
        const fee = computeFee(send, schedule);
        expect(fee >= schedule.minMinor).toBe(true);
        if (schedule.maxMinor !== null) expect(fee <= schedule.maxMinor).toBe(true);
        const raw = schedule.fixedMinor + (send * BigInt(schedule.percentBps) + 9999n) / 10_000n;
        const clamped =
          raw < schedule.minMinor
            ? schedule.minMinor
            : schedule.maxMinor !== null && raw > schedule.maxMinor
              ? schedule.maxMinor
              : raw;
        expect(fee).toBe(clamped);
      }),
    );
  });

  it("principal + spread + fee parts = total cost exactly, for exponents 0, 2 and 3, and the spread is the ledger's", () => {
    // Every source exponent (JPY 0, USD 2, KWD 3) against every target exponent.
    const pair = fc
      .tuple(fc.constantFrom('JPY', 'USD', 'KWD'), fc.constantFrom('JPY', 'USD', 'KWD', 'PHP'))
      .filter(([a, b]) => a !== b);
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        pair,
        midRate,
        bps(1000),
        bps(1000),
        amountMinor,
        feeSchedule,
        fc.constantFrom('send' as const, 'receive' as const),
        ([source, target], mid, spread, markup, amount, fee, fixedSide) => {
          let calc;
          try {
            calc = calculateQuote({
              sourceCurrency: source,
              targetCurrency: target,
              fixedSide,
              amountMinor: amount,
              midRate: mid,
              spreadBps: spread,
              markupBps: markup,
              fee,
            });
          } catch (e) {
            expect((e as FxServiceError).code).toBe('INVALID_AMOUNT');
            return;
          }
          seen.add(source);
          const { principalMinor, spreadMinor, feeParts } = calc;
          expect(principalMinor >= 0n && spreadMinor >= 0n).toBe(true);
          expect(feeParts.fixedMinor >= 0n && feeParts.percentageMinor >= 0n).toBe(true);
          expect(feeParts.fixedMinor + feeParts.percentageMinor + feeParts.adjustmentMinor).toBe(
            calc.feeMinor,
          );
          expect(principalMinor + spreadMinor).toBe(calc.sendMinor);
          expect(
            principalMinor +
              spreadMinor +
              feeParts.fixedMinor +
              feeParts.percentageMinor +
              feeParts.adjustmentMinor,
          ).toBe(calc.totalCostMinor);
          // A spread margin never makes the spread negative, and no margin makes (almost) none: what the
          // send amount rounds up to at most one minor unit of the target at mid.
          if (spread + markup === 0) expect(spreadMinor <= sendFor(1n, mid, source, target)).toBe(true);
          // The spread the partner sees is the entry the ledger posts for the signed quote.
          const quote = buildQuote(calc, {
            id: 'q-1',
            keyId: 'fx-1',
            fxProvider: 'sg-fx',
            sourceCurrency: source,
            targetCurrency: target,
            payer: null,
            payee: null,
            fixedSide,
            spreadBps: spread,
            markupBps: markup,
            rateSource: 'test',
            rateAsOfMs: 0,
            createdAtMs: 1000,
            expiresAtMs: 31_000,
          });
          expect(spreadMinor).toBe(fxSpreadMinor({ ...quote, signature: 'x'.repeat(86) }));
        },
      ),
      { numRuns: 500 },
    );
    expect([...seen].sort()).toEqual(['JPY', 'KWD', 'USD']);
  });

  it('every calculated quote passes the ledger’s consistency check (checkQuote) and verifies', () => {
    fc.assert(
      fc.property(
        currencyPair,
        midRate,
        bps(1000),
        bps(1000),
        amountMinor,
        feeSchedule,
        fc.constantFrom('send' as const, 'receive' as const),
        ([source, target], mid, spread, markup, amount, fee, fixedSide) => {
          let calc;
          try {
            calc = calculateQuote({
              sourceCurrency: source,
              targetCurrency: target,
              fixedSide,
              amountMinor: amount,
              midRate: mid,
              spreadBps: spread,
              markupBps: markup,
              fee,
            });
          } catch (e) {
            expect((e as FxServiceError).code).toBe('INVALID_AMOUNT');
            return;
          }
          const quote: FxQuote = signQuote(
            buildQuote(calc, {
              id: 'q-1',
              keyId: 'fx-1',
              fxProvider: 'sg-fx',
              sourceCurrency: source,
              targetCurrency: target,
              payer: null,
              payee: null,
              fixedSide,
              spreadBps: spread,
              markupBps: markup,
              rateSource: 'test',
              rateAsOfMs: 0,
              createdAtMs: 1000,
              expiresAtMs: 31_000,
            }),
            key,
          );
          expect(quoteInconsistency(quote)).toBeNull();
          expect(checkQuote(quote, { publicKeys: key.publicKeyHex, nowMs: 2000 })).toEqual({
            ok: true,
            quote,
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
