import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseEcbXml } from '../src/rates/providers/ecb.provider';
import { FileRateProvider, parseRatesFile } from '../src/rates/providers/file.provider';
import { RateProviderError, StoredRate } from '../src/rates/rate';
import { legAges, RateBook } from '../src/rates/rate-book';
import { decimalToRatio, equals, gcd, invert, multiply, ratio, ratioToDecimal } from '../src/rates/ratio';
import { DEMO_RATES_FILE } from '../src/fx.module';

const ecbXml = readFileSync(join(__dirname, 'fixtures/eurofxref-daily.xml'), 'utf8');

function stored(
  base: string,
  quote: string,
  value: string,
  asOf = new Date('2026-11-27T00:00:00Z'),
): StoredRate {
  const r = decimalToRatio(value);
  return { base, quote, rateNum: r.num, rateDen: r.den, source: `src-${base}`, asOf, loadedAt: asOf };
}

function providerError(fn: () => unknown): RateProviderError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RateProviderError) return e;
    throw e;
  }
  throw new Error('expected a RateProviderError');
}

describe('exact ratios', () => {
  it('reads decimals exactly and reduces by the gcd', () => {
    expect(decimalToRatio('7.7812')).toEqual({ num: 19453n, den: 2500n });
    expect(decimalToRatio('155.42')).toEqual({ num: 7771n, den: 50n });
    expect(decimalToRatio('1')).toEqual({ num: 1n, den: 1n });
    expect(() => decimalToRatio('1e3')).toThrow(RangeError);
    expect(() => decimalToRatio('-1')).toThrow(RangeError);
    expect(ratioToDecimal(ratio(1n, 3n))).toBe('0.333333333333');
    expect(ratioToDecimal(ratio(58_321_925n, 1_000_000n))).toBe('58.321925');
  });

  it('multiplies and inverts exactly, always in lowest terms', () => {
    const positive = fc.bigInt({ min: 1n, max: 10n ** 15n });
    fc.assert(
      fc.property(positive, positive, positive, positive, (a, b, c, d) => {
        const x = ratio(a, b);
        const y = ratio(c, d);
        const product = multiply(x, y);
        expect(gcd(product.num, product.den)).toBe(1n);
        expect(product.num * b * d).toBe(a * c * product.den);
        expect(equals(multiply(x, invert(x)), ratio(1n, 1n))).toBe(true);
      }),
    );
  });
});

describe('rate book: cross rates through a pivot', () => {
  const usdBook = new RateBook(
    [stored('USD', 'PHP', '58.615'), stored('USD', 'HKD', '7.7812'), stored('USD', 'EUR', '0.921')],
    'USD',
  );

  it('uses a direct rate, or its exact inverse', () => {
    expect(usdBook.path('USD', 'PHP')!.rate).toEqual(decimalToRatio('58.615'));
    const back = usdBook.path('PHP', 'USD')!;
    expect(back.rate).toEqual({ num: 200n, den: 11723n });
    expect(back.legs[0]).toMatchObject({ pair: 'USD/PHP', inverted: true });
  });

  it('crosses HKD -> PHP through USD exactly: (1 / 7.7812) x 58.615', () => {
    const path = usdBook.path('HKD', 'PHP')!;
    expect(path.legs.map((l) => l.pair)).toEqual(['USD/HKD', 'USD/PHP']);
    expect(path.rate).toEqual(ratio(58_615n * 10_000n, 77_812n * 1000n));
    expect(gcd(path.rate.num, path.rate.den)).toBe(1n);
    expect(path.source).toBe('src-USD');
  });

  it('falls back to the rates’ own base as pivot (ECB rates are EUR-based)', () => {
    const book = new RateBook(
      parseEcbXml(ecbXml).map((r) => ({ ...r, loadedAt: r.asOf })),
      'USD',
    );
    const path = book.path('USD', 'PHP')!;
    expect(path.legs.map((l) => [l.pair, l.inverted])).toEqual([
      ['EUR/USD', true],
      ['EUR/PHP', false],
    ]);
    // 62.031 / 1.0583
    expect(equals(path.rate, ratio(62_031n * 10_000n, 1000n * 10_583n))).toBe(true);
    expect(book.path('USD', 'KWD')).toBeNull(); // the ECB does not publish KWD
    expect(book.path('USD', 'USD')).toBeNull();
  });

  it('a path is as old as its oldest leg, and stale when any leg is past the max age', () => {
    const old = new Date('2026-11-20T00:00:00Z');
    const book = new RateBook([stored('USD', 'PHP', '58.615'), stored('USD', 'HKD', '7.7812', old)], 'USD');
    const path = book.path('HKD', 'PHP')!;
    expect(path.asOfMs).toBe(old.getTime());
    const now = new Date('2026-11-27T12:00:00Z').getTime();
    const ages = legAges(path, now, 24 * 3600 * 1000);
    expect(ages.map((a) => [a.pair, a.stale])).toEqual([
      ['USD/HKD', true],
      ['USD/PHP', false],
    ]);
  });
});

describe('file provider', () => {
  it('reads the demo rates file; a sheet without asOf counts as observed when loaded', async () => {
    const loadedAt = new Date('2026-11-28T10:00:00Z');
    const rates = await new FileRateProvider(DEMO_RATES_FILE, () => loadedAt).fetch();
    expect(rates.find((r) => r.quote === 'PHP')).toEqual({
      base: 'USD',
      quote: 'PHP',
      rateNum: 11723n,
      rateDen: 200n,
      source: 'concord-demo-file',
      asOf: loadedAt,
    });
    const withAsOf = parseRatesFile(
      JSON.stringify({ source: 's', asOf: '2026-11-27T00:00:00Z', base: 'USD', rates: { PHP: '58.6' } }),
      loadedAt,
    );
    expect(withAsOf[0].asOf).toEqual(new Date('2026-11-27T00:00:00Z'));
  });

  it('refuses malformed files and reports unreadable ones', async () => {
    expect(providerError(() => parseRatesFile('{', new Date())).kind).toBe('malformed');
    const numbers = JSON.stringify({ source: 's', base: 'USD', rates: { PHP: 58.6 } });
    expect(providerError(() => parseRatesFile(numbers, new Date())).kind).toBe('malformed');
    const zero = JSON.stringify({ source: 's', base: 'USD', rates: { PHP: '0.0' } });
    expect(providerError(() => parseRatesFile(zero, new Date())).kind).toBe('malformed');
    await expect(new FileRateProvider('/nonexistent/rates.json').fetch()).rejects.toMatchObject({
      kind: 'unavailable',
    });
  });
});

describe('ECB reference rates parser', () => {
  it('reads a real-format eurofxref-daily.xml: EUR-based, exact, as of the reference date', () => {
    const rates = parseEcbXml(ecbXml);
    expect(rates).toHaveLength(29);
    expect(rates.every((r) => r.base === 'EUR' && r.source === 'ecb')).toBe(true);
    expect(rates.every((r) => r.asOf.toISOString() === '2026-11-27T00:00:00.000Z')).toBe(true);
    const byQuote = Object.fromEntries(rates.map((r) => [r.quote, r]));
    expect(byQuote.USD).toMatchObject({ rateNum: 10_583n, rateDen: 10_000n });
    expect(byQuote.IDR).toMatchObject({ rateNum: 421_041n, rateDen: 25n }); // 16841.64
    expect(byQuote.GBP).toMatchObject({ rateNum: 16_729n, rateDen: 20_000n }); // 0.83645
  });

  it('takes the most recent day when the document holds several', () => {
    const twoDays = ecbXml.replace(
      "<Cube time='2026-11-27'>",
      "<Cube time='2026-11-26'><Cube currency='USD' rate='1.0500'/></Cube><Cube time='2026-11-27'>",
    );
    const rates = parseEcbXml(twoDays);
    expect(rates).toHaveLength(29);
    expect(rates[0].asOf.toISOString()).toBe('2026-11-27T00:00:00.000Z');
  });

  it('refuses anything that is not that shape', () => {
    const broken: [string, string][] = [
      ['not xml', 'not well-formed'],
      [ecbXml.replace('</gesmes:Envelope>', ''), 'not well-formed'],
      ['<?xml version="1.0"?><html><body>maintenance</body></html>', 'Envelope'],
      [ecbXml.replace("rate='1.0583'", "rate='1,0583'"), 'not a plain decimal'],
      [ecbXml.replace("rate='1.0583'", "rate='-1.0583'"), 'not a plain decimal'],
      [ecbXml.replace("rate='1.0583'", "rate='0.0000'"), 'zero'],
      [ecbXml.replace("currency='JPY'", "currency='USD'"), 'unexpected rate for USD'],
      [ecbXml.replace("currency='JPY'", "currency='yen'"), 'not an ISO 4217 code'],
      [ecbXml.replace("time='2026-11-27'", "time='2026-02-30'"), 'not a date'],
      [ecbXml.replace("time='2026-11-27'", "stamp='2026-11-27'"), 'no Cube with a time'],
    ];
    for (const [xml, message] of broken) {
      const error = providerError(() => parseEcbXml(xml));
      expect(error.kind).toBe('malformed');
      expect(error.message).toContain(message);
    }
  });

  it('does not expand entities (no XML bombs)', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      "<gesmes:Envelope xmlns:gesmes='g'><Cube><Cube time='2026-11-27'><Cube currency='USD' rate='&b;'/></Cube></Cube></gesmes:Envelope>";
    expect(() => parseEcbXml(bomb)).toThrow(RateProviderError);
  });
});
