import fc from 'fast-check';
import { checkQuote, FxQuote, fxSpreadMinor, quoteInconsistency } from '@concord/contracts';
import type { TransferInstruction, TransferOutcome } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import { formatAmount } from '@concord/money';
import { fxKey } from '../../../../libs/devtools/src/demo/consortium';
import { calculateQuote, FeeSchedule, FixedSide } from '../../../fx/src/quotes/quote-calculator';
import { buildQuote, signQuote } from '../../../fx/src/quotes/quote.signer';
import { FIXTURE_START_MS, LogBuilder, makeSpec } from './engine.fixtures';
import type { Entry, LogRecord } from './engine.types';
import { LedgerEngine } from './ledger-engine';

const CURRENCIES = ['USD', 'PHP', 'JPY', 'KWD'];

/**
 * p1 pays, p2 is paid, p3 is the FX provider: three different participants, each with USD, PHP, JPY and
 * KWD (exponents 2, 2, 0, 3) and 100,000,000 minor units of each. Every record seals its own block.
 */
const SPEC = makeSpec({
  chainId: 'ledger-quotes-spec',
  participants: 3,
  currencies: CURRENCIES,
  blockMaxEntries: 1,
});
const FUNDS_MINOR = 100_000_000n;
const PROVIDER = 'p3';

/** Mid rates (target per source, major units) between the currencies, as the FX service would cross them. */
const MID: Record<string, { num: bigint; den: bigint }> = {
  'USD/PHP': { num: 58_615n, den: 1000n },
  'USD/JPY': { num: 15_542n, den: 100n },
  'USD/KWD': { num: 30_745n, den: 100_000n },
  'JPY/KWD': { num: 30_745n * 100n, den: 100_000n * 15_542n },
  'KWD/PHP': { num: 58_615n * 100_000n, den: 1000n * 30_745n },
  'JPY/USD': { num: 100n, den: 15_542n },
  'KWD/JPY': { num: 15_542n * 100_000n, den: 100n * 30_745n },
  'PHP/USD': { num: 1000n, den: 58_615n },
};

class Harness {
  readonly engine = new LedgerEngine();
  readonly log = new LogBuilder(SPEC);

  constructor() {
    this.engine.apply(this.log.genesis());
  }

  entry(record: LogRecord): Entry {
    const block = this.engine.apply(record);
    const entry = block?.entries.find((e) => e.offset === record.offset);
    if (!entry) throw new Error(`record ${record.offset} sealed no block with its entry`);
    return entry;
  }

  outcome(record: LogRecord): TransferOutcome {
    const entry = this.entry(record);
    expect(entry.outcomes).toHaveLength(1);
    return entry.outcomes[0];
  }

  balance(accountId: string): bigint {
    return this.engine.accounts.get(accountId)?.balanceMinor ?? 0n;
  }

  reserved(accountId: string): bigint {
    return this.engine.accounts.get(accountId)?.reservedMinor ?? 0n;
  }

  /** Every account's balance, to compare before and after a refusal. */
  balances(): Record<string, string> {
    return Object.fromEntries(
      [...this.engine.accounts.values()].map((a) => [a.id, `${a.balanceMinor}/${a.reservedMinor}`]),
    );
  }

  expectZeroTotals(): void {
    for (const [currency, total] of this.engine.totalsByCurrency()) {
      expect([currency, total]).toEqual([currency, 0n]);
    }
  }
}

interface QuoteOptions {
  id?: string;
  source?: string;
  target?: string;
  fixedSide?: FixedSide;
  amountMinor?: bigint;
  spreadBps?: number;
  markupBps?: number;
  fee?: FeeSchedule;
  payer?: string | null;
  payee?: string | null;
  createdAtMs?: number;
  expiresAtMs?: number;
  keyId?: string;
  /** The key that signs; the genesis FX key unless a test forges with another. */
  seedHex?: string;
}

/** A quote as the FX service makes it (its own calculator and signer), for p1 paying p2 through p3. */
function quoteFor(o: QuoteOptions = {}): FxQuote {
  const source = o.source ?? 'USD';
  const target = o.target ?? 'PHP';
  const fixedSide = o.fixedSide ?? 'send';
  const spreadBps = o.spreadBps ?? 50;
  const markupBps = o.markupBps ?? 0;
  const calc = calculateQuote({
    sourceCurrency: source,
    targetCurrency: target,
    fixedSide,
    amountMinor: o.amountMinor ?? 10_000n,
    midRate: MID[`${source}/${target}`],
    spreadBps,
    markupBps,
    fee: o.fee ?? { fixedMinor: 25n, percentBps: 10, minMinor: 0n, maxMinor: null },
  });
  const genesisKey = fxKey(SPEC);
  const key = o.seedHex ? signingKeyFromSeed(o.seedHex) : genesisKey.key;
  const createdAtMs = o.createdAtMs ?? FIXTURE_START_MS;
  return signQuote(
    buildQuote(calc, {
      id: o.id ?? 'q-1',
      keyId: o.keyId ?? genesisKey.keyId,
      fxProvider: PROVIDER,
      sourceCurrency: source,
      targetCurrency: target,
      payer: o.payer === undefined ? 'p1' : o.payer,
      payee: o.payee === undefined ? 'p2' : o.payee,
      fixedSide,
      spreadBps,
      markupBps,
      rateSource: 'spec',
      rateAsOfMs: createdAtMs,
      createdAtMs,
      expiresAtMs: o.expiresAtMs ?? createdAtMs + 30_000,
    }),
    key,
  );
}

/** The transfer that uses a quote: p1 pays its send amount in its source currency to p2. */
const fxTransfer = (id: string, quote: FxQuote, overrides: Partial<TransferInstruction> = {}) => ({
  id,
  payer: 'p1',
  payee: 'p2',
  amount: formatAmount(BigInt(quote.sendAmountMinor), quote.sourceCurrency),
  currency: quote.sourceCurrency,
  quote,
  ...overrides,
});

const genesisKeys = () => ({ [fxKey(SPEC).keyId]: fxKey(SPEC).key.publicKeyHex });

/**
 * Expects the ledger to refuse the quote with QUOTE_INVALID and move nothing, and checkQuote (which the
 * ledger calls) to give `reason` for it: the refusal comes from the check named, not an earlier one.
 */
function expectRefused(h: Harness, id: string, quote: FxQuote, reason: string): void {
  const nowMs = h.log.nowMs;
  expect(checkQuote(quote, { publicKeys: genesisKeys(), nowMs })).toMatchObject({ ok: false, reason });
  const before = h.balances();
  const outcome = h.outcome(h.log.transfer(fxTransfer(id, quote)));
  expect([outcome.status, outcome.reason]).toEqual(['rejected', 'QUOTE_INVALID']);
  expect(h.balances()).toEqual(before);
}

describe('LedgerEngine: FX quotes', () => {
  describe('refuses a quote whose signed fields were changed, even when its numbers still add up', () => {
    // Each change leaves the quote consistent (checkQuote's re-derivation passes), so only the signature
    // can catch it.
    const changes: [string, (q: FxQuote) => FxQuote][] = [
      ['its expiry moved an hour later', (q) => ({ ...q, expiresAtMs: q.expiresAtMs + 3_600_000 })],
      ['a new id, to get past single use', (q) => ({ ...q, id: `${q.id}-again` })],
      ['another payee', (q) => ({ ...q, payee: 'p1' })],
      ['no payer (usable by anyone)', (q) => ({ ...q, payer: null })],
      ['another FX provider', (q) => ({ ...q, fxProvider: 'p2' })],
      [
        'another rate source and as-of time',
        (q) => ({ ...q, rateSource: 'x', rateAsOfMs: q.rateAsOfMs + 1 }),
      ],
      ['an earlier creation time', (q) => ({ ...q, createdAtMs: q.createdAtMs - 1 })],
    ];
    for (const [what, change] of changes) {
      it(what, () => {
        const h = new Harness();
        const quote = quoteFor({ id: 'q-forged' });
        const forged = change(quote);
        expect(quoteInconsistency(forged)).toBeNull();
        expectRefused(h, 'fx-forged', forged, 'QUOTE_BAD_SIGNATURE');
        // The refusal did not use the genuine quote up: it still commits.
        expect(h.outcome(h.log.transfer(fxTransfer('fx-genuine', quote))).status).toBe('committed');
        h.expectZeroTotals();
      });
    }

    it('an expired quote whose expiry was moved an hour later is refused, not revived', () => {
      const h = new Harness();
      const expired = quoteFor({
        id: 'q-old',
        createdAtMs: h.log.nowMs - 60_000,
        expiresAtMs: h.log.nowMs - 30_000,
      });
      expect(h.outcome(h.log.transfer(fxTransfer('fx-old', expired)))).toMatchObject({
        status: 'rejected',
        reason: 'QUOTE_EXPIRED',
      });
      const revived = { ...expired, expiresAtMs: expired.expiresAtMs + 3_600_000 };
      expect(quoteInconsistency(revived)).toBeNull();
      expectRefused(h, 'fx-revived', revived, 'QUOTE_BAD_SIGNATURE');
      h.expectZeroTotals();
    });
  });

  it('refuses a quote signed by a key that is not in the genesis, under the genesis key id', () => {
    const h = new Harness();
    const quote = quoteFor({ id: 'q-other-key', seedHex: '42'.repeat(32) });
    expect(quote.keyId).toBe(fxKey(SPEC).keyId);
    expectRefused(h, 'fx-other-key', quote, 'QUOTE_BAD_SIGNATURE');
    h.expectZeroTotals();
  });

  it('refuses a quote under a key id the genesis does not name, whatever key signed it', () => {
    const h = new Harness();
    // Names that an object lookup would find on Object.prototype are unknown too.
    for (const keyId of ['fx-2', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expectRefused(
        h,
        `fx-${keyId}`,
        quoteFor({ id: `q-${keyId}`, keyId, seedHex: '43'.repeat(32) }),
        'QUOTE_UNKNOWN_KEY',
      );
      // The genesis key itself under an unknown id: still unknown.
      expectRefused(h, `fx-g-${keyId}`, quoteFor({ id: `q-g-${keyId}`, keyId }), 'QUOTE_UNKNOWN_KEY');
    }
    h.expectZeroTotals();
  });

  it('refuses a quote used before: by a committed transfer, by a two-phase prepare even once aborted, and within one batch', () => {
    const h = new Harness();
    const quote = quoteFor({ id: 'q-once' });
    expect(h.outcome(h.log.transfer(fxTransfer('fx-first', quote))).status).toBe('committed');
    let before = h.balances();
    expect(h.outcome(h.log.transfer(fxTransfer('fx-second', quote)))).toMatchObject({
      status: 'rejected',
      reason: 'QUOTE_ALREADY_USED',
    });
    expect(h.balances()).toEqual(before);

    // A prepare holds the quote: aborting it releases the money, not the quote.
    const held = quoteFor({ id: 'q-held' });
    expect(h.outcome(h.log.transfer(fxTransfer('fx-held', held, { twoPhase: true }))).status).toBe(
      'reserved',
    );
    expect(h.outcome(h.log.abort('p1', 'fx-held')).status).toBe('aborted');
    before = h.balances();
    expect(h.outcome(h.log.transfer(fxTransfer('fx-held-again', held)))).toMatchObject({
      status: 'rejected',
      reason: 'QUOTE_ALREADY_USED',
    });
    expect(h.balances()).toEqual(before);

    // Two members of one batch with the same quote: the first uses it, the second is refused.
    const shared = quoteFor({ id: 'q-batch' });
    const batch = h.entry(h.log.batch('p1', [fxTransfer('fx-b1', shared), fxTransfer('fx-b2', shared)]));
    expect(batch.outcomes.map((o) => [o.transferId, o.status, o.reason])).toEqual([
      ['fx-b1', 'committed', undefined],
      ['fx-b2', 'rejected', 'QUOTE_ALREADY_USED'],
    ]);
    h.expectZeroTotals();
  });

  it('a retry with the same quote is the same transfer; with another quote or none, DUPLICATE_MODIFIED', () => {
    const h = new Harness();
    const quote = quoteFor({ id: 'q-retry' });
    const first = h.outcome(h.log.transfer(fxTransfer('fx-retry', quote)));
    expect(first.status).toBe('committed');
    const before = h.balances();
    expect(h.entry(h.log.transfer(fxTransfer('fx-retry', quote)))).toMatchObject({
      outcomes: [first],
      postings: [],
    });
    // The same amounts under another quote id, then the same transfer without its quote.
    const other = quoteFor({ id: 'q-retry-other' });
    expect(other.sendAmountMinor).toBe(quote.sendAmountMinor);
    for (const retry of [
      fxTransfer('fx-retry', other),
      fxTransfer('fx-retry', quote, { quote: undefined }),
    ]) {
      expect(h.outcome(h.log.transfer(retry))).toMatchObject({
        status: 'rejected',
        reason: 'DUPLICATE_MODIFIED',
      });
    }
    expect(h.balances()).toEqual(before);
    // The other quote was not used by the refused retry.
    expect(h.outcome(h.log.transfer(fxTransfer('fx-other', other))).status).toBe('committed');
    h.expectZeroTotals();
  });

  it('pays a payee that is not the FX provider exactly the quoted amount, and the provider principal, spread and fee', () => {
    const h = new Harness();
    const quote = quoteFor({ id: 'q-third' });
    // 100.00 USD at 58.615 less 0.5 % buys 5832.19 PHP; at mid those cost 99.50 USD (rounded up), so 0.50
    // is spread; the fee is 0.25 + 0.1 % of 100.00 = 0.35.
    expect([quote.receiveAmountMinor, quote.feeMinor, quote.totalCostMinor]).toEqual([
      '583219',
      '35',
      '10035',
    ]);
    expect(fxSpreadMinor(quote)).toBe(50n);
    const entry = h.entry(h.log.transfer(fxTransfer('fx-third', quote)));
    expect(entry.outcomes[0]).toMatchObject({ status: 'committed' });
    expect(
      entry.postings.map((p) => [p.transferId, p.debitAccount, p.creditAccount, p.amountMinor, p.currency]),
    ).toEqual([
      ['p1/fx-third', 'p1/USD', 'p3/USD', 9950n, 'USD'],
      ['p1/fx-third:spread', 'p1/USD', 'p3/USD/fees', 50n, 'USD'],
      ['p1/fx-third:fee', 'p1/USD', 'p3/USD/fees', 35n, 'USD'],
      ['p1/fx-third', 'p3/PHP', 'p2/PHP', 583_219n, 'PHP'],
    ]);
    expect(h.balance('p2/PHP')).toBe(FUNDS_MINOR + 583_219n);
    expect(h.balance('p2/USD')).toBe(FUNDS_MINOR); // the payee's source-currency account is untouched
    expect(h.balance('p1/USD')).toBe(FUNDS_MINOR - 10_035n);
    expect(h.balance('p1/PHP')).toBe(FUNDS_MINOR);
    expect(h.balance('p3/USD')).toBe(FUNDS_MINOR + 9950n);
    expect(h.balance('p3/USD/fees')).toBe(85n);
    expect(h.balance('p3/PHP')).toBe(FUNDS_MINOR - 583_219n);
    h.expectZeroTotals();
  });

  it('for every exponent (0, 2, 3), fixed side and fee schedule, the payee gets exactly the quote, the provider the rest, and every currency sums to zero', () => {
    const pair = fc.constantFrom(...Object.keys(MID)).map((p) => p.split('/') as [string, string]);
    const fee = fc
      .tuple(
        fc.bigInt({ min: 0n, max: 500n }),
        fc.integer({ min: 0, max: 300 }),
        fc.bigInt({ min: 0n, max: 800n }),
        fc.option(fc.bigInt({ min: 0n, max: 2000n }), { nil: null }),
      )
      .map(([fixedMinor, percentBps, minMinor, extra]) => ({
        fixedMinor,
        percentBps,
        minMinor,
        maxMinor: extra === null ? null : minMinor + extra,
      }));
    fc.assert(
      fc.property(
        pair,
        fc.constantFrom<FixedSide>('send', 'receive'),
        fc.bigInt({ min: 1n, max: 5_000_000n }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 100 }),
        fee,
        fc.boolean(),
        ([source, target], fixedSide, amountMinor, spreadBps, markupBps, schedule, twoPhase) => {
          let quote: FxQuote;
          try {
            quote = quoteFor({
              id: 'q-p',
              source,
              target,
              fixedSide,
              amountMinor,
              spreadBps,
              markupBps,
              fee: schedule,
            });
          } catch {
            return; // buys less than one minor unit: the FX service quotes nothing
          }
          const send = BigInt(quote.sendAmountMinor);
          const receive = BigInt(quote.receiveAmountMinor);
          const feeMinor = BigInt(quote.feeMinor);
          const spread = fxSpreadMinor(quote);
          fc.pre(send + feeMinor <= FUNDS_MINOR && receive <= FUNDS_MINOR);
          const h = new Harness();
          const before = h.balances();
          const first = h.outcome(
            h.log.transfer(fxTransfer('fx-p', quote, twoPhase ? { twoPhase: true } : {})),
          );
          if (twoPhase) {
            expect(first.status).toBe('reserved');
            expect(h.reserved(`p1/${source}`)).toBe(send + feeMinor);
            expect(h.reserved(`${PROVIDER}/${target}`)).toBe(receive);
            expect(h.balances()['p2/' + target]).toBe(before['p2/' + target]);
            expect(h.outcome(h.log.fulfil('p2', 'fx-p')).status).toBe('fulfilled');
          } else {
            expect(first.status).toBe('committed');
          }
          expect(h.balance(`p2/${target}`)).toBe(FUNDS_MINOR + receive);
          expect(h.balance(`p1/${source}`)).toBe(FUNDS_MINOR - send - feeMinor);
          expect(h.balance(`${PROVIDER}/${source}`)).toBe(FUNDS_MINOR + send - spread);
          expect(h.balance(`${PROVIDER}/${source}/fees`)).toBe(spread + feeMinor);
          expect(h.balance(`${PROVIDER}/${target}`)).toBe(FUNDS_MINOR - receive);
          for (const account of [`p1/${source}`, `${PROVIDER}/${target}`])
            expect(h.reserved(account)).toBe(0n);
          // Nothing else moved.
          const after = h.balances();
          const moved = Object.keys(after).filter((k) => after[k] !== before[k]);
          expect(moved.sort()).toEqual(
            [`p1/${source}`, `p2/${target}`, `${PROVIDER}/${source}`, `${PROVIDER}/${target}`]
              .concat(spread + feeMinor > 0n ? [`${PROVIDER}/${source}/fees`] : [])
              .sort(),
          );
          h.expectZeroTotals();
        },
      ),
      { numRuns: 60 },
    );
  });
});
