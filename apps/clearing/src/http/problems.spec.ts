import { NotFoundException } from '@nestjs/common';
import { Problem } from '@concord/http-problems';
import { InstructionError, InstructionFailure } from '../instructions/instructions.errors';
import { WindowError, WindowFailure } from '../windows/windows.errors';
import { invalidRequest } from './clearing.dto';
import { problemOf } from './problems';

/** The operator API's codes with their statuses and titles, as partners' and operators' tools know them. */
const API: Record<string, readonly [number, string]> = {
  VALIDATION_FAILED: [400, 'The request is not valid'],
  WINDOW_NOT_FOUND: [404, 'No such settlement window'],
  NO_OPEN_WINDOW: [404, 'No open settlement window in this currency'],
  INSTRUCTION_NOT_FOUND: [404, 'No such settlement instruction'],
  CONFIRMATION_NOT_FOUND: [404, 'No such confirmation'],
  WINDOW_NOT_SETTLING: [409, 'The settlement window is not settling'],
  WINDOW_SETTLED: [409, 'The settlement window is already settled'],
  WINDOW_NOT_ABORTABLE: [409, 'The settlement window cannot be aborted'],
  CONFIRMATION_CONFLICT: [409, 'The bank reference was already used differently'],
  CONFIRMATION_REVERSED: [409, 'The confirmation is already reversed'],
  CONFIRMATION_NOT_ALLOWED: [403, 'A participant confirms only what it was paid out'],
  IDEMPOTENCY_KEY_REUSED: [409, 'The Idempotency-Key was used for another request'],
  OVER_CONFIRMATION: [422, 'The confirmation exceeds the instruction'],
};

/** One error of every kind of each domain, with the detail it is answered with. */
const WINDOW_ERRORS: [WindowError, string][] = [
  [{ kind: 'WINDOW_NOT_FOUND', windowId: 'abc' }, 'no window abc'],
  [{ kind: 'NO_OPEN_WINDOW', currency: 'USD' }, 'no open USD window'],
  [
    { kind: 'WINDOW_NOT_ABORTABLE', windowId: 7, status: 'settled', confirmed: false },
    'window 7 is settled; only a settling window can be aborted',
  ],
  [
    { kind: 'WINDOW_NOT_ABORTABLE', windowId: 7, status: 'settling', confirmed: true },
    'window 7 has confirmed settlement amounts; reverse them first',
  ],
  [
    {
      kind: 'IDEMPOTENCY_KEY_REUSED',
      requestId: 'k',
      seenType: 'close-window',
      seenCurrency: 'PHP',
      currency: 'USD',
    },
    'request k was a close-window of PHP, not a close of USD',
  ],
];
const INSTRUCTION_ERRORS: [InstructionError, string][] = [
  [{ kind: 'INSTRUCTION_NOT_FOUND', instructionId: 'w1.a' }, 'no instruction w1.a'],
  [{ kind: 'WINDOW_SETTLED', windowId: 1, action: 'reverse' }, 'window 1 is settled: nothing to reverse'],
  [{ kind: 'WINDOW_NOT_SETTLING', windowId: 1, status: 'aborted' }, 'window 1 is aborted, not settling'],
  [
    { kind: 'CONFIRMATION_NOT_ALLOWED', instructionId: 'w1.a' },
    'w1.a is a pay-in: the operator confirms it when the settlement bank has the money',
  ],
  [
    { kind: 'CONFIRMATION_CONFLICT', bankReference: 'r', reversed: false, amountMinor: 5n },
    'bank reference r already confirmed 5 minor units',
  ],
  [
    { kind: 'CONFIRMATION_CONFLICT', bankReference: 'r', reversed: true, amountMinor: 5n },
    'bank reference r was confirmed and reversed; use a new reference',
  ],
  [
    { kind: 'OVER_CONFIRMATION', amountMinor: 9n, confirmedMinor: 2n, instructedMinor: 10n },
    'confirming 9 would exceed the instruction: 2 of 10 already confirmed',
  ],
  [
    { kind: 'CONFIRMATION_NOT_FOUND', instructionId: 'w1.a', bankReference: 'r' },
    'no confirmation r of w1.a',
  ],
  [{ kind: 'CONFIRMATION_REVERSED', bankReference: 'r' }, 'confirmation r is already reversed'],
  [{ kind: 'INVALID_AMOUNT', message: 'too many decimals' }, 'too many decimals'],
];

describe('clearing API problems', () => {
  it("answers every domain failure through its domain's table, with the API's codes, statuses and titles", () => {
    const failures = [
      ...WINDOW_ERRORS.map(([e, detail]) => [new WindowFailure(e), detail] as const),
      ...INSTRUCTION_ERRORS.map(([e, detail]) => [new InstructionFailure(e), detail] as const),
    ];
    const seen = new Set<string>();
    for (const [failure, detail] of failures) {
      const p = problemOf(failure) as Problem;
      const [status, title] = API[p.code];
      expect(p.toJSON()).toMatchObject({
        type: `https://concord.example/problems/${p.code.toLowerCase().replace(/_/g, '-')}`,
        status,
        title,
        detail,
      });
      // A refusal reads the same on Kafka (confirmation.refused) as over HTTP.
      expect([failure.code, failure.detail]).toEqual([p.code, detail]);
      seen.add(p.code);
    }
    // Every code of the API is some domain's (VALIDATION_FAILED also the edge's, below).
    expect([...seen].sort()).toEqual(Object.keys(API).sort());
  });

  it('names the fields of an over-confirmation and of an amount that is none', () => {
    const over = new InstructionFailure(INSTRUCTION_ERRORS[6][0]).toProblem();
    expect(over.errors).toEqual([{ field: 'amount', message: 'more than the amount still open' }]);
    const invalid = new InstructionFailure({ kind: 'INVALID_AMOUNT', message: 'not an amount' }).toProblem();
    expect(invalid.errors).toEqual([{ field: 'amount', message: 'not an amount' }]);
  });

  it('sends problems thrown at the edge as they are, and the framework errors by their own codes', () => {
    const invalid = invalidRequest([{ field: 'amount', message: 'expected string' }]);
    expect(problemOf(invalid)).toBe(invalid);
    expect(invalid.toJSON()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'the request is not valid',
      errors: [{ field: 'amount', message: 'expected string' }],
    });
    expect(problemOf(new NotFoundException())).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(problemOf({ statusCode: 400, message: 'bad json' })).toMatchObject({
      status: 400,
      code: 'MALFORMED_REQUEST',
    });
    expect(problemOf(new Error('boom'))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
