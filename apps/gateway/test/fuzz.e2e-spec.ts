import fc from 'fast-check';
import { signRequest } from '@concord/crypto';
import { ConsortiumSpec, participantKey } from '../../../libs/devtools/src/demo/consortium';
import { startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * Thousands of malformed and hostile requests against the real gateway: each must get a 4xx answer
 * (never a 5xx, never a hang), and none may change any state: no transfer stored, no balance moved.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-fuzz',
  secret: 'e2e-fuzz-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD', 'JPY'], fundsMinor: 1_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD', 'JPY'], fundsMinor: 1_000_000n },
  ],
};

jest.setTimeout(240_000);

const valid = { id: 'ok-1', payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' };

/** A valid transfer with exactly one thing wrong with it, so that it must be refused. */
const brokenTransfer = fc.oneof(
  fc
    .record({ field: fc.constantFrom('id', 'payer', 'payee', 'amount', 'currency'), value: fc.anything() })
    .map(({ field, value }) => ({
      ...valid,
      [field]: typeof value === 'string' && value !== '' ? { nested: value } : value,
    })),
  fc
    .constantFrom(
      '-1.00',
      '0',
      '0.00',
      '1.001',
      '1e3',
      ' 1.00',
      '1,00',
      'NaN',
      '99999999999999999999',
      '0x10',
      '１.00',
    )
    .map((amount) => ({ ...valid, amount })),
  fc.constantFrom('usd', 'US', 'XXX', 'USDD', '', '$$$').map((currency) => ({ ...valid, currency })),
  fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((k) => !(k in valid))
    .map((extra) => ({ ...valid, [extra]: 1 })),
  fc.constantFrom('id', 'payer', 'payee', 'amount', 'currency').map((missing) => {
    const copy: Record<string, unknown> = { ...valid };
    delete copy[missing];
    return copy;
  }),
  fc.constantFrom(
    { ...valid, payer: 'beta' },
    { ...valid, payee: 'nobody' },
    { ...valid, payee: 'alpha' },
    { ...valid, id: 'x'.repeat(65) },
    { ...valid, id: 'bad id' },
  ),
);

const hostileBody = fc.oneof(
  brokenTransfer.map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{',
    '[]',
    'null',
    '"x"',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '['.repeat(5000),
    '{"a":'.repeat(2000),
  ),
);

describe('fuzzing the signed API', () => {
  let net: TestNetwork;

  beforeAll(async () => {
    net = await startTestNetwork(spec);
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('answers thousands of malformed, hostile and unsigned requests with 4xx and changes nothing', async () => {
    const before = await net.query<{ account_id: string; balance_minor: string }>(
      `select account_id, balance_minor::text from ledger_s1.balances order by account_id`,
    );
    const { keyId, key } = participantKey(spec, 'alpha');
    const statuses = new Map<number, number>();
    const send = async (
      method: string,
      pathAndQuery: string,
      body: string,
      sign: boolean,
      extra: Record<string, string> = {},
    ) => {
      const [path, ...rest] = pathAndQuery.split('?');
      const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
      if (sign) {
        Object.assign(
          headers,
          signRequest(key, {
            method,
            path,
            query: rest.join('?'),
            body,
            created: Math.floor(Date.now() / 1000),
            keyId,
            nonce: Math.random().toString(36).slice(2, 14).padEnd(10, 'x'),
          }),
        );
      }
      const response = await fetch(net.network.gatewayUrl + pathAndQuery, {
        method,
        headers,
        body: method === 'GET' ? undefined : body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      return response.status;
    };
    const cases = fc.sample(
      fc.record({
        body: hostileBody,
        path: fc.constantFrom(
          '/v1/transfers',
          '/v1/transfer-batches',
          '/v1/transfers/ok-1/fulfil',
          '/v1/transfers/ok-1/abort',
          '/v1/quotes',
          '/v1/webhooks',
        ),
        sign: fc.boolean(),
        query: fc.constantFrom('', '?wait=abc', '?wait=-1', '?wait=99999999', '?x=%ZZ'),
        // Reused, malformed, oversized and empty keys: 400 or 409, never a 5xx or a stored change.
        idempotencyKey: fc.constantFrom(
          undefined,
          undefined,
          'fuzz-key-1',
          'fuzz-key-2',
          'has space',
          'a,b',
          'ü',
          '',
          'k'.repeat(300),
        ),
      }),
      { numRuns: 2500, seed: 20261127 },
    );
    for (let i = 0; i < cases.length; i += 25) {
      const results = await Promise.all(
        cases
          .slice(i, i + 25)
          .map((c) =>
            send(
              'POST',
              c.path + c.query,
              c.body,
              c.sign,
              c.idempotencyKey === undefined ? {} : { 'idempotency-key': c.idempotencyKey },
            ),
          ),
      );
      for (const status of results) expect(status).toBeGreaterThanOrEqual(400);
      for (const status of results) expect(status).toBeLessThan(500);
    }
    // Hostile reads, oversized bodies and wrong content types.
    for (const path of [
      '/v1/transfers/%00',
      '/v1/transfers/..%2F..%2Fetc',
      '/v1/accounts/beta/USD/proof',
      '/v1/transfers?limit=9999',
      '/v1/statements?account=beta/USD',
      // Times PostgreSQL cannot hold (year 0 was a 500, error 22008), and a cursor forged to carry one.
      '/v1/statements?account=alpha/USD&from=0000-01-01T00:00:00Z&to=2026-12-31T00:00:00Z',
      '/v1/transfers?from=0000-01-01T00:00:00Z',
      `/v1/transfers?cursor=${Buffer.from('["0000-01-01T00:00:00.000Z","t-1"]').toString('base64url')}`,
      '/v1/transfers/%ZZ',
      `/v1/transfers/${'x'.repeat(5_000)}`,
    ]) {
      const status = await send('GET', path, '', true);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
    expect(await send('POST', '/v1/transfers', 'x'.repeat(300_000), true)).toBe(413);
    const wrongType = await send('POST', '/v1/transfers', JSON.stringify(valid), true, {
      'content-type': 'text/plain',
    });
    expect(wrongType).toBeGreaterThanOrEqual(400);
    expect(wrongType).toBeLessThan(500);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Nothing changed: no transfer stored, the same balances on the ledger.
    expect(await net.query(`select id from gateway.transfers`)).toEqual([]);
    expect(
      await net.query(`select account_id, balance_minor::text from ledger_s1.balances order by account_id`),
    ).toEqual(before);
  });
});
