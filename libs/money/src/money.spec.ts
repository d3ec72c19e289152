import fc from 'fast-check';
import {
  CURRENCIES,
  currencyExponent,
  divRound,
  formatAmount,
  isCurrency,
  MAX_AMOUNT_MINOR,
  MoneyError,
  MoneyErrorCode,
  mulDiv,
  parseAmount,
  Rounding,
  sumMinor,
  assertMinor,
} from './index';

const anyAmount = { allowNegative: true, allowZero: true };

// Runs `fn` and returns the MoneyError it throws, so a test can assert both the code and the message.
function moneyError(fn: () => unknown): MoneyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MoneyError) return e;
    throw e;
  }
  throw new Error('expected a MoneyError, but nothing was thrown');
}

function expectCode(fn: () => unknown, code: MoneyErrorCode): MoneyError {
  const error = moneyError(fn);
  expect(error.code).toBe(code);
  return error;
}

describe('currencies', () => {
  it('has the expected exponents', () => {
    const expected: Record<string, number> = {
      USD: 2, EUR: 2, GBP: 2, HKD: 2, PHP: 2, SGD: 2, JPY: 0, KRW: 0, INR: 2, MXN: 2, IDR: 2,
      AUD: 2, CAD: 2, CHF: 2, CNY: 2, THB: 2, VND: 0, KWD: 3, BHD: 3, JOD: 3, OMR: 3, TND: 3,
    }; // prettier-ignore
    for (const [code, exponent] of Object.entries(expected)) {
      expect(currencyExponent(code)).toBe(exponent);
      expect(CURRENCIES[code as keyof typeof CURRENCIES].code).toBe(code);
    }
    for (const info of Object.values(CURRENCIES)) expect(info.numeric).toMatch(/^[0-9]{3}$/);
    expect(CURRENCIES.AUD.numeric).toBe('036');
  });

  it('recognises only supported codes, not inherited property names', () => {
    expect(isCurrency('USD')).toBe(true);
    expect(isCurrency('usd')).toBe(false);
    expect(isCurrency('XXX')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
    expect(isCurrency('__proto__')).toBe(false);
    expectCode(() => currencyExponent('ABC'), 'UNKNOWN_CURRENCY');
    // currencyExponent answers exactly for the codes isCurrency accepts.
    const names = [...Object.keys(CURRENCIES), 'toString', '__proto__', 'constructor', 'valueOf', 'usd', ''];
    for (const name of [...names, ...Object.getOwnPropertyNames(Object.prototype)]) {
      if (isCurrency(name)) expect(currencyExponent(name)).toBe(CURRENCIES[name].exponent);
      else expectCode(() => currencyExponent(name), 'UNKNOWN_CURRENCY');
    }
    expectCode(() => currencyExponent(840 as unknown as string), 'UNKNOWN_CURRENCY');
  });

  it('cannot be modified at run time', () => {
    expect(Object.isFrozen(CURRENCIES)).toBe(true);
    expect(Object.isFrozen(CURRENCIES.USD)).toBe(true);
  });
});

describe('parseAmount', () => {
  it('reads decimal strings into minor units', () => {
    expect(parseAmount('12.50', 'USD')).toBe(1250n);
    expect(parseAmount('12.5', 'USD')).toBe(1250n);
    expect(parseAmount('12', 'USD')).toBe(1200n);
    expect(parseAmount('0.01', 'USD')).toBe(1n);
    expect(parseAmount('1234', 'JPY')).toBe(1234n);
    expect(parseAmount('1.005', 'KWD')).toBe(1005n);
    expect(parseAmount('-3.2', 'BHD', { allowNegative: true })).toBe(-3200n);
    expect(parseAmount('0', 'USD', { allowZero: true })).toBe(0n);
    expect(parseAmount('0.00', 'USD', { allowZero: true })).toBe(0n);
    expect(parseAmount('9999999999999999.99', 'USD')).toBe(MAX_AMOUNT_MINOR);
    expect(parseAmount('-999999999999999999', 'JPY', anyAmount)).toBe(-MAX_AMOUNT_MINOR);
  });

  it('refuses JavaScript numbers, explaining why', () => {
    for (const value of [12.5, 0.1 + 0.2, 12, 0, NaN, Infinity]) {
      const error = expectCode(() => parseAmount(value, 'USD', anyAmount), 'NOT_A_DECIMAL_STRING');
      expect(error.message).toMatch(/decimal strings/);
      expect(error.message).toMatch(/floating-point/);
    }
    expect(moneyError(() => parseAmount(0.1 + 0.2, 'USD')).message).toContain('0.30000000000000004');
  });

  it('refuses bigints and other non-strings', () => {
    for (const value of [1250n, null, undefined, {}, ['12'], true]) {
      expectCode(() => parseAmount(value, 'USD', anyAmount), 'NOT_A_DECIMAL_STRING');
    }
  });

  it('refuses anything but a plain decimal', () => {
    const refused = [
      '', ' ', '1e3', '1E3', '+1', ' 1', '1 ', '1.', '.5', '-.5', '007', '00', '01.5', '--1', '1,000',
      '1_000', '0x10', 'Infinity', 'NaN', '١٢', '1.2.3', '-', '12\n',
    ]; // prettier-ignore
    for (const value of refused) {
      expectCode(() => parseAmount(value, 'USD', anyAmount), 'NOT_A_DECIMAL_STRING');
    }
  });

  it('refuses more decimals than the currency has, trailing zeros included', () => {
    const error = expectCode(() => parseAmount('12.345', 'USD'), 'TOO_MANY_DECIMALS');
    expect(error.message).toBe('amount "12.345" has 3 decimals but USD allows at most 2');
    expectCode(() => parseAmount('1.000', 'USD'), 'TOO_MANY_DECIMALS');
    expectCode(() => parseAmount('1.0005', 'KWD'), 'TOO_MANY_DECIMALS');
    const jpy = expectCode(() => parseAmount('100.0', 'JPY'), 'TOO_MANY_DECIMALS');
    expect(jpy.message).toBe('amount "100.0" has 1 decimal but JPY allows no decimals');
  });

  it('refuses negative amounts unless allowed', () => {
    const error = expectCode(() => parseAmount('-1.00', 'USD'), 'NEGATIVE');
    expect(error.message).toBe('amount "-1.00" must not be negative');
    expectCode(() => parseAmount('-1', 'USD', { allowZero: true }), 'NEGATIVE');
  });

  it('refuses zero unless allowed, whatever its spelling', () => {
    for (const value of ['0', '0.00', '-0', '-0.0']) {
      expectCode(() => parseAmount(value, 'USD'), 'ZERO');
      expectCode(() => parseAmount(value, 'USD', { allowNegative: true }), 'ZERO');
      expect(parseAmount(value, 'USD', { allowZero: true })).toBe(0n);
    }
  });

  it('refuses amounts beyond MAX_AMOUNT_MINOR', () => {
    expectCode(() => parseAmount('10000000000000000', 'USD'), 'OUT_OF_RANGE');
    expectCode(() => parseAmount('1000000000000000000', 'JPY'), 'OUT_OF_RANGE');
    expectCode(() => parseAmount('-1000000000000000', 'KWD', anyAmount), 'OUT_OF_RANGE');
    const huge = expectCode(() => parseAmount('9'.repeat(100_000), 'USD'), 'OUT_OF_RANGE');
    // The message must not echo a huge input back in full.
    expect(huge.message.length).toBeLessThan(200);
  });

  it('refuses unknown currencies before looking at the amount', () => {
    expectCode(() => parseAmount('1', 'XYZ'), 'UNKNOWN_CURRENCY');
    expectCode(() => parseAmount(1, 'XYZ'), 'UNKNOWN_CURRENCY');
  });
});

describe('parseAmount fast path', () => {
  /**
   * parseAmount as it was before its fast path (the regex, BigInt of the digits, then the range, sign
   * and zero rules), kept here as the oracle: the result, or the code of the refusal.
   */
  function reference(
    value: string,
    currency: string,
    opts: { allowNegative?: boolean; allowZero?: boolean },
  ) {
    const exponent = currencyExponent(currency);
    const match = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(value);
    if (match === null) return 'NOT_A_DECIMAL_STRING';
    const [, sign, integerPart, fraction = ''] = match;
    if (fraction.length > exponent) return 'TOO_MANY_DECIMALS';
    const digits = integerPart + fraction.padEnd(exponent, '0');
    if (digits.length > 18 || BigInt(digits) > MAX_AMOUNT_MINOR) return 'OUT_OF_RANGE';
    const minor = sign === '-' ? -BigInt(digits) : BigInt(digits);
    if (minor < 0n && opts.allowNegative !== true) return 'NEGATIVE';
    if (minor === 0n && opts.allowZero !== true) return 'ZERO';
    return minor;
  }

  function actual(value: string, currency: string, opts: { allowNegative?: boolean; allowZero?: boolean }) {
    try {
      return parseAmount(value, currency, opts);
    } catch (e) {
      if (e instanceof MoneyError) return e.code;
      throw e;
    }
  }

  const options = fc.record({ allowNegative: fc.boolean(), allowZero: fc.boolean() }, { requiredKeys: [] });
  const currency = fc.constantFrom('USD', 'JPY', 'KWD');
  // Strings of the characters a decimal is made of, and of a few that it must not contain.
  const decimalish = fc.string({
    unit: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom('0', '1', '5', '9') },
      { weight: 2, arbitrary: fc.constant('.') },
      fc.constantFrom('-', '+', 'e', ' ', '/', ':', '٣'),
    ),
    maxLength: 22,
  });
  // Amounts whose minor units are near 2^53, where the fast path hands over to BigInt.
  const nearSafe = fc
    .tuple(fc.bigInt({ min: -1000n, max: 1000n }), currency)
    .map(([delta, ccy]) => [formatAmount(BigInt(Number.MAX_SAFE_INTEGER) + delta, ccy), ccy] as const);

  it('gives the result or refusal the general path gives, on any near-decimal string', () => {
    fc.assert(
      fc.property(decimalish, currency, options, (value, ccy, opts) => {
        expect(actual(value, ccy, opts)).toBe(reference(value, ccy, opts));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the general path around 2^53 minor units and at the range bounds', () => {
    fc.assert(
      fc.property(nearSafe, options, ([value, ccy], opts) => {
        expect(actual(value, ccy, opts)).toBe(reference(value, ccy, opts));
      }),
    );
    const edges = [
      '90071992547409.91', '90071992547409.92', '90071992547409.9', '9007199254740991', '9007199254740992',
      '9999999999999999.99', '10000000000000000', '0.01', '0.1', '0.001', '00.1', '0.', '1.', '.1', '-0.01',
    ]; // prettier-ignore
    for (const value of edges) {
      for (const ccy of ['USD', 'JPY', 'KWD']) {
        for (const opts of [{}, { allowNegative: true, allowZero: true }]) {
          expect(actual(value, ccy, opts)).toBe(reference(value, ccy, opts));
        }
      }
    }
    expect(parseAmount('90071992547409.91', 'USD')).toBe(9007199254740991n);
    expect(parseAmount('90071992547409.92', 'USD')).toBe(9007199254740992n);
  });
});

describe('formatAmount', () => {
  it('writes exactly the currency exponent in decimals', () => {
    expect(formatAmount(123450n, 'USD')).toBe('1234.50');
    expect(formatAmount(1n, 'USD')).toBe('0.01');
    expect(formatAmount(-1n, 'USD')).toBe('-0.01');
    expect(formatAmount(0n, 'USD')).toBe('0.00');
    expect(formatAmount(1234n, 'JPY')).toBe('1234');
    expect(formatAmount(-1234n, 'JPY')).toBe('-1234');
    expect(formatAmount(1005n, 'KWD')).toBe('1.005');
    expect(formatAmount(-5n, 'KWD')).toBe('-0.005');
  });

  it('refuses anything but a bigint', () => {
    expectCode(() => formatAmount(12 as unknown as bigint, 'USD'), 'NOT_AN_INTEGER');
    expectCode(() => formatAmount('12' as unknown as bigint, 'USD'), 'NOT_AN_INTEGER');
    expectCode(() => formatAmount(1n, 'XYZ'), 'UNKNOWN_CURRENCY');
  });
});

describe('parse/format round trip', () => {
  const inRange = fc.bigInt({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR });
  // One currency per exponent: the conversion depends on nothing else.
  const byExponent: Array<[number, string]> = [
    [0, 'JPY'],
    [2, 'USD'],
    [3, 'KWD'],
  ];

  it.each(byExponent)('parseAmount(formatAmount(x)) === x for exponent %i (%s)', (exponent, currency) => {
    fc.assert(
      fc.property(inRange, (minor) => {
        const text = formatAmount(minor, currency);
        const decimals = text.includes('.') ? text.split('.')[1].length : 0;
        expect(decimals).toBe(exponent);
        expect(parseAmount(text, currency, anyAmount)).toBe(minor);
      }),
    );
  });

  it.each(byExponent)(
    'formatAmount(parseAmount(s)) === s for canonical strings, exponent %i',
    (exponent, currency) => {
      const canonical = inRange.map((minor) => formatAmount(minor, currency));
      fc.assert(
        fc.property(canonical, (text) => {
          expect(formatAmount(parseAmount(text, currency, anyAmount), currency)).toBe(text);
        }),
      );
    },
  );

  it('agrees with the exponents of every supported currency', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(CURRENCIES)), inRange, (currency, minor) => {
        expect(parseAmount(formatAmount(minor, currency), currency, anyAmount)).toBe(minor);
      }),
    );
  });

  it('reads fewer decimals as padded with zeros', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
        fc.integer({ min: 0, max: 9 }),
        (whole, tenth) => {
          expect(parseAmount(`${whole}.${tenth}`, 'USD', anyAmount)).toBe(whole * 100n + BigInt(tenth) * 10n);
          expect(parseAmount(`${whole}`, 'KWD', anyAmount)).toBe(whole * 1000n);
        },
      ),
    );
  });
});

describe('assertMinor', () => {
  it('accepts bigints within range', () => {
    expect(assertMinor(0n)).toBe(0n);
    expect(assertMinor(MAX_AMOUNT_MINOR)).toBe(MAX_AMOUNT_MINOR);
    expect(assertMinor(-MAX_AMOUNT_MINOR)).toBe(-MAX_AMOUNT_MINOR);
  });

  it('refuses non-bigints and out-of-range values, naming the field', () => {
    const error = expectCode(() => assertMinor(12, 'fee'), 'NOT_AN_INTEGER');
    expect(error.message).toContain('fee');
    expectCode(() => assertMinor('12'), 'NOT_AN_INTEGER');
    expectCode(() => assertMinor(null), 'NOT_AN_INTEGER');
    expectCode(() => assertMinor(MAX_AMOUNT_MINOR + 1n), 'OUT_OF_RANGE');
    expectCode(() => assertMinor(-MAX_AMOUNT_MINOR - 1n), 'OUT_OF_RANGE');
  });
});

describe('sumMinor', () => {
  it('adds amounts exactly', () => {
    expect(sumMinor([])).toBe(0n);
    expect(sumMinor([1n, 2n, -3n])).toBe(0n);
    expect(sumMinor([MAX_AMOUNT_MINOR, MAX_AMOUNT_MINOR])).toBe(2n * MAX_AMOUNT_MINOR);
    // 0.1 + 0.2 in cents, where floating point would already be wrong in major units.
    expect(sumMinor([10n, 20n])).toBe(30n);
  });

  it('is independent of order and agrees with a plain reduce', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR })), (values) => {
        const total = values.reduce((a, b) => a + b, 0n);
        expect(sumMinor(values)).toBe(total);
        expect(sumMinor([...values].reverse())).toBe(total);
      }),
    );
  });

  it('refuses elements that are not amounts, since "+" would concatenate strings', () => {
    const error = expectCode(() => sumMinor([1n, '2' as unknown as bigint]), 'NOT_AN_INTEGER');
    expect(error.message).toContain('values[1]');
    expectCode(() => sumMinor([1n, MAX_AMOUNT_MINOR + 1n]), 'OUT_OF_RANGE');
  });
});

describe('divRound', () => {
  const numerator = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
  const denominator = fc.oneof(fc.bigInt({ min: 1n, max: 20n }), fc.bigInt({ min: 1n, max: 10n ** 20n }));

  it('brackets the exact quotient: floor <= n/d <= ceil, at most one apart', () => {
    fc.assert(
      fc.property(numerator, denominator, (n, d) => {
        const floor = divRound(n, d, 'floor');
        const ceil = divRound(n, d, 'ceil');
        // floor <= n/d <= ceil, multiplied through by the positive d to stay exact.
        expect(floor * d <= n).toBe(true);
        expect(n <= ceil * d).toBe(true);
        // floor is the greatest such integer and ceil the least.
        expect((floor + 1n) * d > n).toBe(true);
        expect((ceil - 1n) * d < n).toBe(true);
        expect(ceil - floor).toBe(n % d === 0n ? 0n : 1n);
      }),
    );
  });

  it('half-even is the nearest integer, and even on ties', () => {
    fc.assert(
      fc.property(numerator, denominator, (n, d) => {
        const rounded = divRound(n, d, 'half-even');
        const floor = divRound(n, d, 'floor');
        expect([floor, floor + 1n]).toContain(rounded);
        // |n/d - rounded| <= 1/2, again multiplied through by 2d.
        const error = n - rounded * d;
        const twice = 2n * (error < 0n ? -error : error);
        expect(twice <= d).toBe(true);
        if (twice === d) expect(rounded % 2n).toBe(0n);
      }),
    );
  });

  it('half-even takes exact ties to the even neighbour', () => {
    // Random operands rarely land on a tie, so ties are built on purpose: (k * 2m + m) / 2m is exactly k + 1/2.
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (k, m) => {
          const d = 2n * m;
          const rounded = divRound(k * d + m, d, 'half-even');
          expect(rounded).toBe(k % 2n === 0n ? k : k + 1n);
        },
      ),
    );
  });

  it('handles signs symmetrically', () => {
    fc.assert(
      fc.property(numerator, denominator, (n, d) => {
        expect(divRound(-n, d, 'floor')).toBe(-divRound(n, d, 'ceil'));
        expect(divRound(-n, d, 'ceil')).toBe(-divRound(n, d, 'floor'));
        expect(divRound(-n, d, 'half-even')).toBe(-divRound(n, d, 'half-even'));
      }),
    );
  });

  it('matches Math.floor and Math.ceil where numbers are exact', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: 1, max: 100 }), (n, d) => {
        expect(divRound(BigInt(n), BigInt(d), 'floor')).toBe(BigInt(Math.floor(n / d)));
        expect(divRound(BigInt(n), BigInt(d), 'ceil')).toBe(BigInt(Math.ceil(n / d)));
      }),
    );
  });

  it.each<[bigint, bigint, Rounding, bigint]>([
    [7n, 2n, 'floor', 3n],
    [7n, 2n, 'ceil', 4n],
    [-7n, 2n, 'floor', -4n],
    [-7n, 2n, 'ceil', -3n],
    [-1n, 3n, 'floor', -1n],
    [-1n, 3n, 'ceil', 0n],
    [6n, 3n, 'floor', 2n],
    [-6n, 3n, 'ceil', -2n],
    [1n, 2n, 'half-even', 0n],
    [3n, 2n, 'half-even', 2n],
    [5n, 2n, 'half-even', 2n],
    [7n, 2n, 'half-even', 4n],
    [-1n, 2n, 'half-even', 0n],
    [-3n, 2n, 'half-even', -2n],
    [-5n, 2n, 'half-even', -2n],
    [-7n, 2n, 'half-even', -4n],
    [15n, 10n, 'half-even', 2n],
    [25n, 10n, 'half-even', 2n],
    [26n, 10n, 'half-even', 3n],
    [24n, 10n, 'half-even', 2n],
    [-25n, 10n, 'half-even', -2n],
    [-26n, 10n, 'half-even', -3n],
    [1n, 3n, 'half-even', 0n],
    [2n, 3n, 'half-even', 1n],
    [-2n, 3n, 'half-even', -1n],
    [0n, 7n, 'half-even', 0n],
  ])('divRound(%p, %p, %p) === %p', (n, d, rounding, expected) => {
    expect(divRound(n, d, rounding)).toBe(expected);
  });

  it('refuses a non-positive denominator and an unknown rounding mode', () => {
    expect(() => divRound(1n, 0n, 'floor')).toThrow(RangeError);
    expect(() => divRound(1n, -2n, 'floor')).toThrow(RangeError);
    expect(() => divRound(4n, 2n, 'up' as Rounding)).toThrow(RangeError);
  });
});

describe('mulDiv', () => {
  it('rounds once, after the multiplication', () => {
    // 1.00 USD at 0.915 EUR/USD expressed as 915/1000: 91.5 cents, a tie that half-even takes to 92.
    expect(mulDiv(100n, 915n, 1000n, 'half-even')).toBe(92n);
    expect(mulDiv(100n, 925n, 1000n, 'half-even')).toBe(92n);
    expect(mulDiv(-100n, 915n, 1000n, 'floor')).toBe(-92n);
    expect(mulDiv(-100n, 915n, 1000n, 'ceil')).toBe(-91n);
  });

  it('equals divRound of the exact product', () => {
    const big = fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n });
    fc.assert(
      fc.property(big, big, fc.bigInt({ min: 1n, max: 10n ** 12n }), (a, num, den) => {
        for (const rounding of ['floor', 'ceil', 'half-even'] as const) {
          expect(mulDiv(a, num, den, rounding)).toBe(divRound(a * num, den, rounding));
        }
      }),
    );
  });
});
