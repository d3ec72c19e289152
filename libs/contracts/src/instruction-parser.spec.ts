import fc from 'fast-check';
import { ID_PATTERN } from './ids';
import {
  MAX_BATCH_TRANSFERS,
  MAX_EXPIRES_IN_MS,
  MIN_EXPIRES_IN_MS,
  transferBatchInstructionSchema,
  transferInstructionSchema,
} from './instructions';
import {
  parseTransferBatchInstruction,
  parseTransferBatchInstructionJson,
  parseTransferInstruction,
  parseTransferInstructionJson,
} from './instruction-parser';

/*
 * The hand-written parsers must be indistinguishable from the zod schemas they stand in for: the same
 * inputs accepted, the same value returned (keys, key order, present-but-undefined keys, nested quote),
 * and null exactly where zod fails. Every property below compares them on generated inputs, valid ones
 * and malformed ones alike.
 */

const RUNS = { numRuns: 3000 };
/** The fast form has more corners to visit. */
const JSON_RUNS = { numRuns: 6000 };

/** Object keys at every level, in order: toStrictEqual does not look at key order. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).map(([k, v]) => [k, keyOrder(v)]);
  }
  return value;
}

function expectSameAsZod(
  schema: typeof transferInstructionSchema | typeof transferBatchInstructionSchema,
  input: unknown,
  parsed: unknown,
): void {
  const expected = schema.safeParse(input);
  if (!expected.success) {
    expect(parsed).toBeNull();
    return;
  }
  expect(parsed).toStrictEqual(expected.data);
  expect(keyOrder(parsed)).toEqual(keyOrder(expected.data));
  // A fresh value, as zod returns, never the input itself.
  expect(parsed).not.toBe(input);
}

const jsonOrUndefined = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** A quote of the right shape (fxQuoteSchema checks the shape only; checkQuote checks the rest). */
const QUOTE = {
  v: 1,
  id: 'q-1',
  keyId: 'fx-1',
  fxProvider: 'fxp',
  sourceCurrency: 'USD',
  targetCurrency: 'PHP',
  payer: 'p1',
  payee: null,
  fixedSide: 'send',
  sendAmountMinor: '10000',
  receiveAmountMinor: '560000',
  feeMinor: '0',
  totalCostMinor: '10000',
  sendAmount: '100.00',
  receiveAmount: '5600.00',
  fee: '0.00',
  totalCost: '100.00',
  rate: { num: '56', den: '1', decimal: '56' },
  midRate: { num: '56', den: '1', decimal: '56' },
  spreadBps: 0,
  markupBps: 0,
  rounding: { receive: 'floor', send: 'ceil', fee: 'ceil' },
  rateSource: 'test',
  rateAsOfMs: 1_700_000_000_000,
  createdAtMs: 1_700_000_000_000,
  expiresAtMs: 1_700_000_060_000,
  signature: 'A'.repeat(86),
};

// ---------------------------------------------------------------------------------------------------------
// Generators: valid transfers, values near every bound, and every way to get one field wrong.

const validId = fc.stringMatching(ID_PATTERN);
/** Characters next to ID_PATTERN's on either side, and a few far from it. */
const idNeighbour = fc.constantFrom(
  '/',
  ';',
  '@',
  '[',
  '`',
  '{',
  ',',
  '+',
  ' ',
  '\x7f',
  '\u0000',
  'é',
  '\ud800',
);
const idChar = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('a', 'Z', '0', '9', '.', '_', ':', '-') },
  idNeighbour,
);
/** `s` with one character (or one more at the end) taken from `neighbours`: one step outside the pattern. */
const oneOff = (base: fc.Arbitrary<string>, neighbours: fc.Arbitrary<string>) =>
  fc.tuple(base, fc.nat(), neighbours).map(([s, i, c]) => {
    const at = i % (s.length + 1);
    return s.slice(0, at) + c + s.slice(at + 1);
  });
const idLike = fc.oneof(
  { weight: 6, arbitrary: validId },
  { weight: 3, arbitrary: oneOff(validId, idNeighbour) },
  fc.constantFrom('', 'a'.repeat(64), 'a'.repeat(65), '__proto__', 'toString'),
  fc.string({ unit: idChar, minLength: 62, maxLength: 66 }),
  fc.string({ unit: 'binary', maxLength: 70 }),
);
const decimal = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 19n }), fc.integer({ min: 0, max: 4 }))
  .map(([n, places]) => {
    const digits = n.toString().padStart(places + 1, '0');
    return places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  });
/** Characters JSON writes as they are, and characters it escapes. */
const plainAmountChar = fc.constantFrom('1', '.', '-', 'é', '\u2028', ' ', '\u007f');
// JSON.stringify escapes a lone surrogate too.
const escapedAmountChar = fc.constantFrom('"', '\\', '\n', '\u001f', '\u0000', '\ud800');
const amountLike = fc.oneof(
  { weight: 6, arbitrary: decimal },
  fc.constantFrom('', '-1.00', '1e3', ' 1', '1'.repeat(40), '1'.repeat(41), 'é'.repeat(40), '"', '\\', '\n'),
  { weight: 3, arbitrary: fc.string({ unit: plainAmountChar, minLength: 39, maxLength: 42 }) },
  oneOff(fc.string({ unit: plainAmountChar, maxLength: 40 }), escapedAmountChar),
  fc.string({ unit: 'binary', maxLength: 45 }),
  fc.string({ unit: 'binary-ascii', maxLength: 45 }),
);
/** The characters just outside A-Z, and a few others. */
const currencyNeighbour = fc.constantFrom('@', '[', 'a', 'z', '`', '{', 'É', '1', ' ');
const currencyLike = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('USD', 'PHP', 'HKD', 'SGD', 'JPY', 'KWD', 'XYZ') },
  { weight: 3, arbitrary: oneOff(fc.constantFrom('USD', 'AZZ', 'ZAA'), currencyNeighbour) },
  fc.constantFrom('usd', 'US', 'USDX', 'ÜSD', 'U D', ''),
  fc.string({ unit: 'binary-ascii', maxLength: 4 }),
);
const expiresLike = fc.oneof(
  fc.integer({ min: MIN_EXPIRES_IN_MS, max: MAX_EXPIRES_IN_MS }),
  fc.constantFrom(
    MIN_EXPIRES_IN_MS - 1,
    MIN_EXPIRES_IN_MS,
    MAX_EXPIRES_IN_MS,
    MAX_EXPIRES_IN_MS + 1,
    999_999_999,
    1_000_000_000,
    1000.5,
    -0,
    -5000,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_SAFE_INTEGER + 2,
    '5000',
    null,
    undefined,
  ),
  fc.double(),
);
const quoteLike = fc.oneof(
  { weight: 3, arbitrary: fc.constant(QUOTE) },
  fc.constantFrom(undefined, null, {}, { ...QUOTE, extra: 1 }, { ...QUOTE, v: 2 }, 'quote'),
);
const junk = fc.anything({ maxDepth: 1 });

/** A transfer with a mix of present, absent and present-but-undefined optional fields. */
const transferLike = fc.record(
  {
    id: fc.oneof({ weight: 5, arbitrary: validId }, idLike),
    payer: fc.oneof({ weight: 5, arbitrary: validId }, idLike),
    payee: fc.oneof({ weight: 5, arbitrary: validId }, idLike),
    amount: fc.oneof({ weight: 5, arbitrary: decimal }, amountLike),
    currency: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('USD', 'PHP') }, currencyLike),
    twoPhase: fc.oneof(
      { weight: 4, arbitrary: fc.boolean() },
      fc.constantFrom(undefined, 0, 1, 'true', null),
    ),
    expiresInMs: expiresLike,
    quote: quoteLike,
  },
  { requiredKeys: ['id', 'payer', 'payee', 'amount', 'currency'] },
);

type Mutation =
  | { kind: 'drop'; key: string }
  | { kind: 'set' | 'extra'; key: string; value: unknown }
  | { kind: 'replace'; value: unknown };

/** One malformation at a time, so that each one has to be caught on its own. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('drop' as const),
    key: fc.constantFrom('id', 'payer', 'payee', 'amount', 'currency'),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom('id', 'payer', 'payee', 'amount', 'currency', 'twoPhase', 'expiresInMs', 'quote'),
    value: junk,
  }),
  fc.record({
    kind: fc.constant('extra' as const),
    key: fc.oneof(
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'memo',
        'Id',
        'transfers',
        '',
      ),
      fc.string({ maxLength: 8 }),
    ),
    value: junk,
  }),
  fc.record({ kind: fc.constant('replace' as const), value: junk }),
);

/** Adds an own enumerable key; an assignment to `__proto__` would set the prototype instead. */
function addKey(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(t: Record<string, unknown>, m: Mutation): unknown {
  const out: Record<string, unknown> = { ...t };
  switch (m.kind) {
    case 'drop':
      delete out[m.key];
      return out;
    case 'set':
      out[m.key] = m.value;
      return out;
    case 'extra':
      addKey(out, m.key, m.value);
      return out;
    case 'replace':
      return m.value;
  }
}

const transferInput = fc.oneof(
  { weight: 3, arbitrary: transferLike },
  { weight: 3, arbitrary: fc.tuple(transferLike, mutation).map(([t, m]) => mutate(t, m)) },
  junk,
);

const batchInput = fc.oneof(
  { weight: 4, arbitrary: fc.array(transferInput, { maxLength: 6 }).map((transfers) => ({ transfers })) },
  {
    weight: 2,
    arbitrary: fc.array(transferLike, { minLength: 1, maxLength: 6 }).map((transfers) => ({ transfers })),
  },
  fc
    .tuple(fc.array(transferLike, { maxLength: 3 }), fc.string({ maxLength: 10 }), junk)
    .map(([transfers, key, v]) => {
      const body: Record<string, unknown> = { transfers };
      addKey(body, key, v);
      return body;
    }),
  junk.map((transfers) => ({ transfers })),
  junk,
);

// ---------------------------------------------------------------------------------------------------------

describe('the schemas the parsers stand in for', () => {
  it('still have the fields and patterns the parsers were written for', () => {
    // A failure here means the schema changed: update instruction-parser.ts to match, then this test.
    expect(Object.keys(transferInstructionSchema.shape)).toEqual([
      'id',
      'payer',
      'payee',
      'amount',
      'currency',
      'twoPhase',
      'expiresInMs',
      'quote',
    ]);
    expect(Object.keys(transferBatchInstructionSchema.shape)).toEqual(['transfers']);
    expect(ID_PATTERN.source).toBe('^[A-Za-z0-9._:-]{1,64}$');
    expect(ID_PATTERN.flags).toBe('');
  });
});

describe('parseTransferInstruction', () => {
  it('accepts what transferInstructionSchema accepts and returns the same value', () => {
    fc.assert(
      fc.property(transferInput, (input) => {
        expectSameAsZod(transferInstructionSchema, input, parseTransferInstruction(input));
      }),
      RUNS,
    );
  });

  it('agrees with zod on the corner cases of objects', () => {
    const valid = { id: 't1', payer: 'p1', payee: 'p2', amount: '1.00', currency: 'USD' };
    const inputs: unknown[] = [
      valid,
      { ...valid, twoPhase: undefined, expiresInMs: undefined, quote: undefined },
      { ...valid, twoPhase: true, expiresInMs: 5000, quote: QUOTE },
      { ...valid, quote: { ...QUOTE, rounding: { receive: 'floor', send: 'ceil', fee: 'floor' } } },
      JSON.parse('{"id":"t1","payer":"p1","payee":"p2","amount":"1","currency":"USD","__proto__":{}}'),
      JSON.parse('{"__proto__":{"id":"t1"},"payer":"p1","payee":"p2","amount":"1","currency":"USD"}'),
      Object.assign(Object.create(null), valid),
      // Inherited fields: zod reads through the prototype and for...in lists them, so it accepts this.
      Object.create(valid),
      Object.create({ memo: 'x' }, Object.getOwnPropertyDescriptors(valid)),
      Object.assign(Object.create({ twoPhase: 'no' }), valid),
      Object.assign([], valid),
      new Date(0),
      new Map(Object.entries(valid)),
      null,
      undefined,
      'transfer',
      42,
    ];
    for (const input of inputs)
      expectSameAsZod(transferInstructionSchema, input, parseTransferInstruction(input));
  });
});

describe('parseTransferBatchInstruction', () => {
  it('accepts what transferBatchInstructionSchema accepts and returns the same value', () => {
    fc.assert(
      fc.property(batchInput, (input) => {
        expectSameAsZod(transferBatchInstructionSchema, input, parseTransferBatchInstruction(input));
      }),
      RUNS,
    );
  });

  it(`takes 1 to ${MAX_BATCH_TRANSFERS} transfers, like the schema`, () => {
    const t = (i: number) => ({ id: `t${i}`, payer: 'p1', payee: 'p2', amount: '1.00', currency: 'USD' });
    for (const n of [0, 1, MAX_BATCH_TRANSFERS, MAX_BATCH_TRANSFERS + 1]) {
      const body = { transfers: Array.from({ length: n }, (_, i) => t(i)) };
      const parsed = parseTransferBatchInstruction(body);
      expectSameAsZod(transferBatchInstructionSchema, body, parsed);
      expect(parsed === null).toBe(n === 0 || n > MAX_BATCH_TRANSFERS);
      const text = JSON.stringify(body);
      expectSameAsZod(transferBatchInstructionSchema, body, parseTransferBatchInstructionJson(text));
    }
    // A sparse array reads as undefined elements, which zod refuses too.
    const sparse = { transfers: [t(0), , t(2)] }; // eslint-disable-line no-sparse-arrays
    expectSameAsZod(transferBatchInstructionSchema, sparse, parseTransferBatchInstruction(sparse));
  });
});

// ---------------------------------------------------------------------------------------------------------
// From JSON text: the same as zod after JSON.parse, whether the text takes the fast path or not.

/** Texts near the fast form: JSON.stringify output, then one small edit of the text. */
const edit = fc.oneof(
  fc.constant((s: string) => s),
  fc.constant((s: string) => JSON.stringify(JSON.parse(s), null, 1)),
  fc.constant((s: string) => ` ${s}`),
  fc.constant((s: string) => `${s} `),
  fc.constant((s: string) => `${s}x`),
  fc.constant((s: string) => s.slice(0, -1)),
  fc.constant((s: string) => s.replace('"id":"', '"id":"\\u0041')),
  fc.constant((s: string) => s.replace('"amount":"', '"amount":"\\"')),
  fc.constant((s: string) => s.replace('"amount":"', '"amount":"\\\\')),
  fc.constant((s: string) => s.replace('"amount":"', '"amount":"\ud800')),
  // Raw control characters, which JSON.parse refuses inside a string.
  fc
    .constantFrom('\u0000', '\t', '\n', '\u001f')
    .map((c) => (s: string) => s.replace('"amount":"', `"amount":"${c}`)),
  fc.constant((s: string) => s.replace(/"currency":"[^"]*"/, '$&,"currency":"EUR"')),
  fc.constant((s: string) => s.replace(/"id":"[^"]*"/, '$&,"id":"dup"')),
  fc.constant((s: string) => s.replace(/\{"id":("[^"]*"),("payer":"[^"]*")/, '{$2,"id":$1')),
  fc.constant((s: string) => s.replace(/("expiresInMs":)(\d+)/, '$1$2.0')),
  fc.constant((s: string) => s.replace(/("expiresInMs":)(\d+)/, '$11e4')),
  fc.constant((s: string) => s.replace(/("expiresInMs":)(\d+)/, '$1-0')),
  fc.constant((s: string) => s.replace(/("expiresInMs":)(\d+)/, '$10$2')),
  fc.constant((s: string) => s.replace('"twoPhase":true', '"twoPhase":1')),
  fc.constant((s: string) => s.replace('}', ',"__proto__":{}}')),
  fc.constant((s: string) => s.replace('}]}', '},]}')),
  fc.constant((s: string) => s.replace('[', '[null,')),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary-ascii', maxLength: 2 })).map(
    ([at, text]) =>
      (s: string) =>
        s.slice(0, at % (s.length + 1)) + text + s.slice(at % (s.length + 1)),
  ),
  fc.tuple(fc.nat(), fc.nat({ max: 3 })).map(
    ([at, n]) =>
      (s: string) =>
        s.slice(0, at % (s.length + 1)) + s.slice((at % (s.length + 1)) + n),
  ),
);

/** A valid transfer in the schema's key order, the form the fast path reads. */
const validTransfer = fc.record(
  {
    id: validId,
    payer: validId,
    payee: validId,
    amount: decimal,
    currency: fc.constantFrom('USD', 'PHP', 'JPY'),
    twoPhase: fc.boolean(),
    expiresInMs: fc.integer({ min: MIN_EXPIRES_IN_MS, max: MAX_EXPIRES_IN_MS }),
  },
  { requiredKeys: ['id', 'payer', 'payee', 'amount', 'currency'] },
);

/** Values at or one step beyond the bounds the fast form checks. */
const idNearBound = fc.oneof(
  { weight: 4, arbitrary: oneOff(validId, idNeighbour) },
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '.', '_', ':', '-'), minLength: 62, maxLength: 66 }),
  fc.constantFrom('', 'a'.repeat(64), 'a'.repeat(65)),
);
const amountNearBound = fc.oneof(
  fc.string({ unit: plainAmountChar, minLength: 39, maxLength: 42 }),
  // zod counts code points: 40 of them may take up to 80 UTF-16 units.
  fc.string({ unit: fc.constantFrom('1', '😀'), minLength: 20, maxLength: 42 }),
  oneOff(fc.string({ unit: plainAmountChar, maxLength: 40 }), escapedAmountChar),
);
const currencyNearBound = oneOff(fc.constantFrom('USD', 'AZZ', 'ZAA'), currencyNeighbour);

/** Transfers in the fast form, most with one field at or just beyond a bound. */
const fastFormTransfer = fc
  .tuple(
    validTransfer,
    fc.option(
      fc.oneof(
        { weight: 2, arbitrary: fc.record({ key: fc.constant('id'), value: idNearBound }) },
        { weight: 2, arbitrary: fc.record({ key: fc.constant('payer'), value: idNearBound }) },
        { weight: 2, arbitrary: fc.record({ key: fc.constant('payee'), value: idNearBound }) },
        { weight: 3, arbitrary: fc.record({ key: fc.constant('amount'), value: amountNearBound }) },
        { weight: 2, arbitrary: fc.record({ key: fc.constant('currency'), value: currencyNearBound }) },
        fc.record({ key: fc.constant('twoPhase'), value: fc.constantFrom('true', 1, null) }),
        { weight: 2, arbitrary: fc.record({ key: fc.constant('expiresInMs'), value: expiresLike }) },
        fc.record({ key: fc.constant('quote'), value: quoteLike }),
      ),
      { freq: 6 },
    ),
  )
  .map(([t, change]) => (change ? { ...t, [change.key]: change.value } : t));

describe('parseTransferInstructionJson and parseTransferBatchInstructionJson', () => {
  let jsonParse: jest.SpyInstance;
  beforeEach(() => {
    jsonParse = jest.spyOn(JSON, 'parse');
  });
  afterEach(() => jsonParse.mockRestore());

  it('equal the schemas after JSON.parse on single transfers', () => {
    fc.assert(
      fc.property(fc.oneof(fastFormTransfer, transferInput), edit, (t, change) => {
        const text = JSON.stringify(t) ?? 'undefined';
        const changed = jsonOrUndefined(text) === undefined ? text : change(text);
        expectSameAsZod(
          transferInstructionSchema,
          jsonOrUndefined(changed),
          parseTransferInstructionJson(changed),
        );
      }),
      JSON_RUNS,
    );
  });

  it('equal the schemas after JSON.parse on batches', () => {
    const batchText = fc.oneof(
      fc
        .array(fastFormTransfer, { minLength: 1, maxLength: 5 })
        .map((transfers) => JSON.stringify({ transfers })),
      batchInput.map((b) => JSON.stringify(b) ?? 'undefined'),
    );
    fc.assert(
      fc.property(batchText, edit, (text, change) => {
        const changed = jsonOrUndefined(text) === undefined ? text : change(text);
        expectSameAsZod(
          transferBatchInstructionSchema,
          jsonOrUndefined(changed),
          parseTransferBatchInstructionJson(changed),
        );
      }),
      JSON_RUNS,
    );
  });

  it('read the compact form without JSON.parse, and everything else with it', () => {
    const transfers = [
      { id: 't1', payer: 'p1', payee: 'p2', amount: '990.31', currency: 'USD' },
      {
        id: 't2',
        payer: 'p1',
        payee: 'p3',
        amount: '5',
        currency: 'PHP',
        twoPhase: true,
        expiresInMs: 60_000,
      },
      {
        id: 'x'.repeat(64),
        payer: 'p1',
        payee: 'p2',
        amount: 'é\u2028'.repeat(20),
        currency: 'ABC',
        twoPhase: false,
      },
    ];
    const fast = [JSON.stringify({ transfers }), ...transfers.map((t) => JSON.stringify(t))];
    jsonParse.mockClear();
    expect(parseTransferBatchInstructionJson(fast[0])).toStrictEqual({ transfers });
    for (let i = 0; i < transfers.length; i++) {
      expect(parseTransferInstructionJson(fast[i + 1])).toStrictEqual(transfers[i]);
    }
    expect(jsonParse).not.toHaveBeenCalled();

    const general = [
      JSON.stringify({ transfers }, null, 2),
      JSON.stringify({ transfers: [{ ...transfers[0], quote: QUOTE }] }),
      JSON.stringify({ transfers: [{ currency: 'USD', id: 't1', payer: 'p1', payee: 'p2', amount: '1' }] }),
      JSON.stringify({ transfers: [{ ...transfers[0], amount: 'a"b' }] }),
      JSON.stringify({ transfers: [{ ...transfers[1], expiresInMs: MAX_EXPIRES_IN_MS + 1 }] }),
    ];
    for (const text of general) {
      jsonParse.mockClear();
      expectSameAsZod(
        transferBatchInstructionSchema,
        JSON.parse(text),
        parseTransferBatchInstructionJson(text),
      );
      expect(jsonParse).toHaveBeenCalled();
    }
  });
});
