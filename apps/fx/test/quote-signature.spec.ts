import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkQuote,
  FX_QUOTE_SIGNING_DOMAIN,
  FxQuote,
  fxQuoteLegs,
  fxQuoteSchema,
  quoteSigningPayload,
  verifyQuoteSignature,
} from '@concord/contracts';
import { DEMO_FX_SIGNING_KEY } from '@concord/config';
import { signingKeyFromSeed } from '@concord/crypto';
import { DEMO_CONSORTIUM, fxKey } from '../../../libs/devtools/src/demo/consortium';
import { signQuote } from '../src/quotes/quote.signer';

/** A quote signed with the demo FX key (deterministic Ed25519): a test vector for the ledger too. */
const fixture: FxQuote = fxQuoteSchema.parse(
  JSON.parse(readFileSync(join(__dirname, 'fixtures/signed-quote.json'), 'utf8')),
);
const demoKey = signingKeyFromSeed(DEMO_FX_SIGNING_KEY);
const valid = { publicKeys: demoKey.publicKeyHex, nowMs: fixture.createdAtMs + 1000 };

function resign(quote: FxQuote): FxQuote {
  const { signature: _, ...unsigned } = quote;
  return signQuote(unsigned, demoKey);
}

describe('quote signature', () => {
  it('the demo FX key is the one the demo consortium derives', () => {
    expect(fxKey(DEMO_CONSORTIUM).key.seedHex).toBe(DEMO_FX_SIGNING_KEY);
    expect(fxKey(DEMO_CONSORTIUM).keyId).toBe('fx-1');
  });

  it('signs canonical JSON of the fields that matter, display strings left out', () => {
    const payload = quoteSigningPayload(fixture);
    expect(payload).toBe(
      '{"createdAtMs":1795740000000,"domain":"' +
        FX_QUOTE_SIGNING_DOMAIN +
        '","expiresAtMs":1795740030000,"feeMinor":"110","fixedSide":"send","fxProvider":"sg-fx",' +
        '"id":"q-00000000-0000-4000-8000-000000000001","keyId":"fx-1","markupBps":25,' +
        '"midRate":{"den":"200","num":"11723"},"payee":"mnl-payout","payer":"us-send",' +
        '"rate":{"den":"80000","num":"4654031"},"rateAsOfMs":1795737600000,' +
        '"rateSource":"concord-demo-file","receiveAmountMinor":"581753","sendAmountMinor":"10000",' +
        '"sourceCurrency":"USD","spreadBps":50,"targetCurrency":"PHP","totalCostMinor":"10110","v":1}',
    );
    // The same fields in another order sign the same bytes; Ed25519 is deterministic.
    const reordered = Object.fromEntries(Object.entries(fixture).reverse()) as FxQuote;
    expect(quoteSigningPayload(reordered)).toBe(payload);
    expect(resign(fixture).signature).toBe(fixture.signature);
  });

  it('verifies the genuine quote and accepts it before its expiry', () => {
    expect(verifyQuoteSignature(fixture, demoKey.publicKeyHex)).toBe(true);
    expect(checkQuote(fixture, valid)).toEqual({ ok: true, quote: fixture });
    expect(checkQuote(fixture, { ...valid, publicKeys: { 'fx-1': demoKey.publicKeyHex } }).ok).toBe(true);
  });

  it('refuses a forged quote: another payee, another key, a mangled signature', () => {
    const otherPayee = { ...fixture, payee: 'hk-remit' };
    expect(checkQuote(otherPayee, valid)).toMatchObject({ ok: false, reason: 'QUOTE_BAD_SIGNATURE' });
    const otherKey = signQuote({ ...fixture }, signingKeyFromSeed('22'.repeat(32)));
    expect(checkQuote(otherKey, valid)).toMatchObject({ ok: false, reason: 'QUOTE_BAD_SIGNATURE' });
    const flipped = fixture.signature[0] === 'A' ? 'B' : 'A';
    const mangled = { ...fixture, signature: flipped + fixture.signature.slice(1) };
    expect(checkQuote(mangled, valid)).toMatchObject({ ok: false, reason: 'QUOTE_BAD_SIGNATURE' });
    // A longer life is a forgery too: the expiry is signed.
    const richer = { ...fixture, expiresAtMs: fixture.expiresAtMs + 3_600_000 };
    expect(checkQuote(richer, valid)).toMatchObject({ ok: false, reason: 'QUOTE_BAD_SIGNATURE' });
    expect(verifyQuoteSignature(fixture, 'not a key')).toBe(false);
  });

  it('refuses an expired quote, judged by the time given (the block time), not the wall clock', () => {
    const at = (nowMs: number) => checkQuote(fixture, { ...valid, nowMs });
    expect(at(fixture.expiresAtMs - 1).ok).toBe(true);
    expect(at(fixture.expiresAtMs)).toMatchObject({ ok: false, reason: 'QUOTE_EXPIRED' });
    expect(at(fixture.expiresAtMs + 60_000)).toMatchObject({ ok: false, reason: 'QUOTE_EXPIRED' });
  });

  it('refuses quotes whose numbers disagree, even when signed', () => {
    const cases: Partial<FxQuote>[] = [
      { receiveAmountMinor: '581754', receiveAmount: '5817.54' }, // more than floor(send x rate)
      { totalCostMinor: '10111', totalCost: '101.11' },
      { receiveAmount: '5817.50' },
      { rate: { ...fixture.rate, decimal: '58.2' } },
      { spreadBps: 40 }, // the rate is no longer mid less the margin
      { expiresAtMs: fixture.createdAtMs },
      { targetCurrency: 'USD' },
    ];
    for (const change of cases) {
      const quote = resign({ ...fixture, ...change });
      expect(checkQuote(quote, valid)).toMatchObject({ ok: false, reason: 'QUOTE_INCONSISTENT' });
    }
  });

  it('refuses malformed quotes and unknown keys with their own reasons', () => {
    expect(checkQuote({ ...fixture, sendAmountMinor: 10000 }, valid)).toMatchObject({
      ok: false,
      reason: 'QUOTE_MALFORMED',
    });
    expect(checkQuote(null, valid)).toMatchObject({ ok: false, reason: 'QUOTE_MALFORMED' });
    expect(checkQuote({ ...fixture, extra: 1 }, valid)).toMatchObject({
      ok: false,
      reason: 'QUOTE_MALFORMED',
    });
    expect(checkQuote(fixture, { ...valid, publicKeys: { 'fx-2': demoKey.publicKeyHex } })).toMatchObject({
      ok: false,
      reason: 'QUOTE_UNKNOWN_KEY',
    });
  });

  it('names the two ledger legs, binding the payer and payee the quote names', () => {
    expect(fxQuoteLegs(fixture, { payer: 'us-send', payee: 'mnl-payout' })).toEqual([
      { from: 'us-send', to: 'sg-fx', currency: 'USD', amountMinor: 10_110n },
      { from: 'sg-fx', to: 'mnl-payout', currency: 'PHP', amountMinor: 581_753n },
    ]);
    expect(fxQuoteLegs(fixture, { payer: 'hk-remit', payee: 'mnl-payout' })).toBeNull();
  });
});
