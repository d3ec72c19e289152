import type { Clearance, ScreeningView } from '@concord/contracts';
import { ComplianceClient } from './compliance.client';
import { ComplianceFailure } from './compliance.errors';
import { screeningFrom } from './compliance-gate';

const json = (status: number, body: unknown) =>
  Promise.resolve(
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
  );

const clientAnswering = (answer: () => Promise<Response>) =>
  new ComplianceClient('http://compliance.test', 'token', 1000, (() => answer()) as typeof fetch);

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ComplianceFailure) return e.toProblem().code;
    throw e;
  }
  return 'answered';
};

describe('ComplianceClient', () => {
  it('never takes silence, a failure or its own refusal of the gateway for an answer', async () => {
    const down = clientAnswering(() => Promise.reject(new TypeError('fetch failed')));
    expect(await codeOf(down.status('t1'))).toBe('COMPLIANCE_UNAVAILABLE');
    expect(await codeOf(clientAnswering(() => json(500, { code: 'INTERNAL' })).status('t1'))).toBe(
      'COMPLIANCE_UNAVAILABLE',
    );
    expect(await codeOf(clientAnswering(() => json(401, { code: 'UNAUTHORIZED' })).status('t1'))).toBe(
      'COMPLIANCE_UNAVAILABLE',
    );
    expect(
      await codeOf(clientAnswering(() => json(503, { code: 'LISTS_NOT_LOADED' })).screen({} as never)),
    ).toBe('COMPLIANCE_UNAVAILABLE');
    const slow = new ComplianceClient(
      'http://compliance.test',
      'token',
      50,
      ((_: string, init: RequestInit) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason as Error)),
        )) as unknown as typeof fetch,
    );
    expect(await codeOf(slow.status('t1'))).toBe('COMPLIANCE_UNAVAILABLE');
  });

  it("passes the service's refusals on, and reads an unknown screening as none", async () => {
    const missing = clientAnswering(() =>
      json(422, {
        code: 'MISSING_TRAVEL_RULE_DATA',
        title: 'missing',
        errors: [{ field: 'originator.birthDate' }],
      }),
    );
    expect(await codeOf(missing.screen({} as never))).toBe('MISSING_TRAVEL_RULE_DATA');
    expect(await clientAnswering(() => json(404, { code: 'SCREENING_NOT_FOUND' })).status('t1')).toBeNull();
  });
});

describe('screeningFrom', () => {
  const t = { id: 't1', payer: 'p1', payee: 'p2', amountMinor: 150_000n, currency: 'USD' };
  const clearance = {
    transferId: 't1',
    payer: 'p1',
    payee: 'p2',
    amountMinor: '150000',
    currency: 'USD',
  } as Clearance;
  const view = (status: ScreeningView['status'], c?: Clearance): ScreeningView => ({
    transferId: 't1',
    status,
    reasons: [],
    ...(c ? { clearance: c } : {}),
  });

  it('clears with the clearance, holds, and rejects what is blocked or rejected', () => {
    expect(screeningFrom(view('clear', clearance), t)).toEqual({ kind: 'cleared', clearance });
    expect(screeningFrom(view('released', clearance), t)).toEqual({ kind: 'cleared', clearance });
    expect(screeningFrom(view('held'), t)).toEqual({ kind: 'held' });
    expect(screeningFrom(view('blocked'), t)).toEqual({ kind: 'rejected' });
    expect(screeningFrom(view('rejected'), t)).toEqual({ kind: 'rejected' });
  });

  it('refuses a clearance for another payee or amount instead of sending one the ledger would refuse', () => {
    for (const [field, change] of [
      ['payee', { payee: 'p3' }],
      ['amount', { amountMinor: '1' }],
      ['currency', { currency: 'PHP' }],
    ] as const) {
      const problem = (() => {
        try {
          screeningFrom(view('clear', { ...clearance, ...change }), t);
        } catch (e) {
          return (e as ComplianceFailure).toProblem().toJSON();
        }
        return null;
      })();
      expect(problem).toMatchObject({ code: 'SCREENING_MISMATCH', errors: [{ field }] });
    }
  });
});
