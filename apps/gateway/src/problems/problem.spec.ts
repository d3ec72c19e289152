import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { Problem } from '@concord/http-problems';
import { ACCOUNT_PROBLEMS, AccountFailure } from '../accounts/accounts.errors';
import { COMPLIANCE_PROBLEMS, ComplianceFailure } from '../compliance/compliance.errors';
import { AUTH_PROBLEMS, AuthFailure } from '../auth/auth.errors';
import { BOOK_PROBLEMS, BookFailure } from '../books/books.errors';
import { IDEMPOTENCY_PROBLEMS, IdempotencyFailure } from '../idempotency/idempotency.errors';
import { QUOTE_PROBLEMS, QuoteFailure } from '../quotes/quotes.errors';
import { SETTLEMENT_PROBLEMS, SettlementFailure } from '../settlement/settlement-instructions.errors';
import { STATEMENT_PROBLEMS, StatementFailure } from '../statements/statements.errors';
import { TRANSFER_PROBLEMS, TransferFailure } from '../transfers/transfers.errors';
import { WEBHOOK_PROBLEMS, WebhookFailure } from '../webhooks/webhooks.errors';
import { invalidInput, ProblemFilter, toProblem } from './problem';

/** Every domain error, as its failure: the codes and statuses are the API's and must not change. */
const FAILURES: [Error, number, string][] = [
  [new QuoteFailure({ kind: 'INVALID_BODY', errors: [] }), 400, 'INVALID_BODY'],
  [new QuoteFailure({ kind: 'FX_TIMEOUT' }), 504, 'FX_TIMEOUT'],
  [
    new QuoteFailure({ kind: 'STALE_RATE', detail: 'old', rates: { stale: true, ageing: false, legs: [] } }),
    503,
    'STALE_RATE',
  ],
  [
    new QuoteFailure({ kind: 'RATE_UNAVAILABLE', sourceCurrency: 'USD', targetCurrency: 'PHP' }),
    503,
    'RATE_UNAVAILABLE',
  ],
  [
    new QuoteFailure({ kind: 'FX_REFUSED', code: 'UNKNOWN_CORRIDOR', message: 'no' }),
    422,
    'UNKNOWN_CORRIDOR',
  ],
  [new AccountFailure({ kind: 'NOT_FOUND', account: 'p/USD' }), 404, 'ACCOUNT_NOT_FOUND'],
  [new AccountFailure({ kind: 'NO_GENESIS' }), 503, 'NO_GENESIS'],
  [new AuthFailure({ kind: 'SIGNATURE_MISSING' }), 401, 'SIGNATURE_MISSING'],
  [new AuthFailure({ kind: 'SIGNATURE_MALFORMED' }), 401, 'SIGNATURE_MALFORMED'],
  [new AuthFailure({ kind: 'SIGNATURE_COMPONENTS' }), 401, 'SIGNATURE_COMPONENTS'],
  [new AuthFailure({ kind: 'DIGEST_MISMATCH' }), 401, 'DIGEST_MISMATCH'],
  [new AuthFailure({ kind: 'UNKNOWN_KEY', keyId: 'k' }), 401, 'UNKNOWN_KEY'],
  [new AuthFailure({ kind: 'INVALID_SIGNATURE' }), 401, 'INVALID_SIGNATURE'],
  [new AuthFailure({ kind: 'STALE_SIGNATURE', ageS: 400, maxAgeS: 300 }), 401, 'STALE_SIGNATURE'],
  [new AuthFailure({ kind: 'REPLAYED_REQUEST' }), 401, 'REPLAYED_REQUEST'],
  [new AuthFailure({ kind: 'RATE_LIMITED', perSecond: 10 }), 429, 'RATE_LIMITED'],
  [
    new AuthFailure({ kind: 'PARTICIPANT_NOT_ACTIVE', participant: 'p', status: 'closed' }),
    403,
    'PARTICIPANT_NOT_ACTIVE',
  ],
  [
    new TransferFailure({ kind: 'INVALID_BODY', errors: [{ field: 'amount', message: 'x' }] }),
    400,
    'INVALID_BODY',
  ],
  [new TransferFailure({ kind: 'INVALID_QUERY', errors: [] }), 400, 'INVALID_QUERY'],
  [new TransferFailure({ kind: 'PAYER_NOT_CALLER', payer: 'p' }), 403, 'PAYER_NOT_CALLER'],
  [new TransferFailure({ kind: 'UNKNOWN_PAYEE', payee: 'p' }), 422, 'UNKNOWN_PAYEE'],
  [new TransferFailure({ kind: 'NO_ACCOUNT', participant: 'p', currency: 'USD' }), 422, 'NO_ACCOUNT'],
  [new TransferFailure({ kind: 'ID_REUSED', id: 't' }), 409, 'ID_REUSED'],
  [new TransferFailure({ kind: 'NOT_FOUND', id: 't' }), 404, 'TRANSFER_NOT_FOUND'],
  [new TransferFailure({ kind: 'AMBIGUOUS_ID', id: 't', payers: ['a', 'b'] }), 409, 'AMBIGUOUS_TRANSFER_ID'],
  [new TransferFailure({ kind: 'LEDGER_UNAVAILABLE' }), 503, 'LEDGER_UNAVAILABLE'],
  [new TransferFailure({ kind: 'ACTION_NOT_ALLOWED', id: 't', action: 'fulfil' }), 403, 'ACTION_NOT_ALLOWED'],
  [new TransferFailure({ kind: 'NOT_RESERVED', id: 't', status: 'committed' }), 409, 'NOT_RESERVED'],
  [new SettlementFailure({ kind: 'INVALID_QUERY', errors: [] }), 400, 'INVALID_QUERY'],
  [new SettlementFailure({ kind: 'INVALID_BODY', errors: [] }), 400, 'INVALID_BODY'],
  [new SettlementFailure({ kind: 'NOT_FOUND', id: 'w1.p' }), 404, 'SETTLEMENT_INSTRUCTION_NOT_FOUND'],
  [new SettlementFailure({ kind: 'NOT_ACCEPTABLE', accept: 'text/html' }), 406, 'NOT_ACCEPTABLE'],
  [new SettlementFailure({ kind: 'PAY_IN_NOT_CONFIRMABLE', id: 'w1.p' }), 403, 'CONFIRMATION_NOT_ALLOWED'],
  [
    new SettlementFailure({ kind: 'NOT_CONFIRMABLE', id: 'w1.p', status: 'cancelled' }),
    409,
    'INSTRUCTION_NOT_CONFIRMABLE',
  ],
  [new SettlementFailure({ kind: 'OVER_CONFIRMATION', outstanding: '1.00' }), 422, 'OVER_CONFIRMATION'],
  [
    new SettlementFailure({ kind: 'CONFIRMATION_CONFLICT', bankReference: 'r', amount: '1.00' }),
    409,
    'CONFIRMATION_CONFLICT',
  ],
  [new StatementFailure({ kind: 'INVALID_QUERY', errors: [] }), 400, 'INVALID_QUERY'],
  [new StatementFailure({ kind: 'ACCOUNT_NOT_FOUND', account: 'p/USD' }), 404, 'ACCOUNT_NOT_FOUND'],
  [new StatementFailure({ kind: 'STATEMENT_TOO_LARGE', max: 10 }), 422, 'STATEMENT_TOO_LARGE'],
  [new StatementFailure({ kind: 'NOT_ACCEPTABLE', accept: 'text/html' }), 406, 'NOT_ACCEPTABLE'],
  [
    new StatementFailure({ kind: 'STATEMENT_INCONSISTENT', account: 'p/USD', closing: '1', balance: '2' }),
    500,
    'STATEMENT_INCONSISTENT',
  ],
  [new WebhookFailure({ kind: 'INVALID_BODY', errors: [] }), 400, 'INVALID_BODY'],
  [new WebhookFailure({ kind: 'INVALID_QUERY', errors: [] }), 400, 'INVALID_QUERY'],
  [new WebhookFailure({ kind: 'URL_NOT_ALLOWED', reason: 'private' }), 400, 'WEBHOOK_URL_NOT_ALLOWED'],
  [new WebhookFailure({ kind: 'NOT_FOUND', id: 'wh_1' }), 404, 'WEBHOOK_NOT_FOUND'],
  [new WebhookFailure({ kind: 'TOO_MANY_WEBHOOKS', max: 3 }), 422, 'TOO_MANY_WEBHOOKS'],
  [new BookFailure({ kind: 'INVALID_BODY', errors: [] }), 400, 'INVALID_BODY'],
  [
    new BookFailure({ kind: 'BOOK_REFUSED', errors: [{ field: 'csv line 2', message: 'x' }] }),
    422,
    'BOOK_REFUSED',
  ],
  [new BookFailure({ kind: 'PERIOD_TOO_LARGE', max: 10 }), 422, 'PERIOD_TOO_LARGE'],
  [new BookFailure({ kind: 'NOT_ACCEPTABLE', accept: 'text/html' }), 406, 'NOT_ACCEPTABLE'],
  [new IdempotencyFailure({ kind: 'INVALID_KEY', reason: 'r' }), 400, 'INVALID_IDEMPOTENCY_KEY'],
  [new IdempotencyFailure({ kind: 'KEY_REUSED' }), 409, 'IDEMPOTENCY_KEY_REUSED'],
  [new IdempotencyFailure({ kind: 'IN_PROGRESS' }), 409, 'IDEMPOTENCY_KEY_IN_PROGRESS'],
  [new ComplianceFailure({ kind: 'INVALID_BODY', errors: [] }), 400, 'INVALID_BODY'],
  [
    new ComplianceFailure({
      kind: 'PARTIES_REQUIRED',
      transferId: 't',
      currency: 'USD',
      thresholdMinor: '100000',
    }),
    422,
    'PARTIES_REQUIRED',
  ],
  [new ComplianceFailure({ kind: 'COMPLIANCE_UNAVAILABLE', detail: 'down' }), 503, 'COMPLIANCE_UNAVAILABLE'],
  [new ComplianceFailure({ kind: 'SCREENING_NOT_CLEAR', ids: ['t'] }), 422, 'SCREENING_NOT_CLEAR'],
  [
    new ComplianceFailure({ kind: 'SCREENING_MISMATCH', transferId: 't', field: 'amount' }),
    422,
    'SCREENING_MISMATCH',
  ],
  [
    new ComplianceFailure({
      kind: 'COMPLIANCE_REFUSED',
      status: 422,
      code: 'MISSING_TRAVEL_RULE_DATA',
      title: 'Required originator or beneficiary data is missing',
    }),
    422,
    'MISSING_TRAVEL_RULE_DATA',
  ],
  [new ComplianceFailure({ kind: 'NOT_FOUND', transferId: 't' }), 404, 'SCREENING_NOT_FOUND'],
];

describe("the gateway's problem mapping", () => {
  it.each(FAILURES)('maps %p to its status and code', (failure, status, code) => {
    const problem = toProblem(failure);
    expect(problem).toBeInstanceOf(Problem);
    expect({ status: problem.status, code: problem.code }).toEqual({ status, code });
    expect(problem.toJSON().type).toBe(
      `https://concord.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    );
  });

  it('covers every row of every domain table (one exhaustive table per domain)', () => {
    const kinds = FAILURES.map(([f]) => `${f.constructor.name}:${(f as TransferFailure).error.kind}`);
    const rows = [
      ...Object.keys(QUOTE_PROBLEMS).map((k) => `QuoteFailure:${k}`),
      ...Object.keys(ACCOUNT_PROBLEMS).map((k) => `AccountFailure:${k}`),
      ...Object.keys(AUTH_PROBLEMS).map((k) => `AuthFailure:${k}`),
      ...Object.keys(TRANSFER_PROBLEMS).map((k) => `TransferFailure:${k}`),
      ...Object.keys(SETTLEMENT_PROBLEMS).map((k) => `SettlementFailure:${k}`),
      ...Object.keys(STATEMENT_PROBLEMS).map((k) => `StatementFailure:${k}`),
      ...Object.keys(WEBHOOK_PROBLEMS).map((k) => `WebhookFailure:${k}`),
      ...Object.keys(IDEMPOTENCY_PROBLEMS).map((k) => `IdempotencyFailure:${k}`),
      ...Object.keys(BOOK_PROBLEMS).map((k) => `BookFailure:${k}`),
      ...Object.keys(COMPLIANCE_PROBLEMS).map((k) => `ComplianceFailure:${k}`),
    ];
    expect(kinds.sort()).toEqual(rows.sort());
  });

  it('keeps the field errors, the detail and the headers of a problem', () => {
    const unavailable = toProblem(new TransferFailure({ kind: 'LEDGER_UNAVAILABLE' }));
    expect(unavailable.headers).toEqual({ 'retry-after': '1' });
    const payee = toProblem(new TransferFailure({ kind: 'UNKNOWN_PAYEE', payee: 'nobody' }));
    expect(payee.toJSON()).toEqual({
      type: 'https://concord.example/problems/unknown-payee',
      title: 'Unknown payee',
      status: 422,
      code: 'UNKNOWN_PAYEE',
      detail: 'nobody is not a member of the consortium',
      errors: [{ field: 'payee', message: 'not a member of the consortium' }],
    });
    expect(invalidInput('query', [{ field: 'limit', message: 'too big' }]).toJSON()).toMatchObject({
      status: 400,
      code: 'INVALID_QUERY',
      detail: 'limit: too big',
    });
  });

  it("maps the framework's errors by status and hides the detail of anything else", () => {
    expect(toProblem(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(toProblem(new BadRequestException('bad'))).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(toProblem(new PayloadTooLargeException())).toMatchObject({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(toProblem({ statusCode: 415, message: 'Unsupported Media Type' })).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(toProblem({ statusCode: 400, message: 'Body is not valid JSON' })).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
    });
    const bug = toProblem(new Error('secret internals'));
    expect(bug).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(bug)).not.toContain('secret');
  });

  it('is applied by the one filter, which reports only 5xx as bugs', () => {
    const bugs: unknown[][] = [];
    const sent: { status?: number; headers?: Record<string, string>; body?: string } = {};
    const reply = {
      status: (s: number) => ((sent.status = s), reply),
      headers: (h: Record<string, string>) => ((sent.headers = h), reply),
      send: (b: string) => ((sent.body = b), reply),
    };
    const request = { id: 'req-7', method: 'POST', url: '/v1/transfers' };
    const host = { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }) };
    const filter = new ProblemFilter((e, r) => bugs.push([e, r]));
    filter.catch(new TransferFailure({ kind: 'LEDGER_UNAVAILABLE' }), host as never);
    expect(sent.status).toBe(503);
    expect(sent.headers).toEqual({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(sent.body!)).toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    expect(bugs).toHaveLength(1);
    // The bug's log line names the request it happened in, by the id the caller was answered with.
    expect(bugs[0][1]).toEqual({ requestId: 'req-7', method: 'POST', url: '/v1/transfers' });
    filter.catch(new WebhookFailure({ kind: 'NOT_FOUND', id: 'wh_1' }), host as never);
    expect(sent.status).toBe(404);
    expect(bugs).toHaveLength(1);
  });
});
