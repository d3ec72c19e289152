import { Problem } from '../problems/problem';

/**
 * Expected outcomes of idempotency keys, and the one table that maps each to its HTTP problem. The
 * mapping is exhaustive: adding an error without a row does not compile.
 */
export type IdempotencyError =
  { kind: 'INVALID_KEY'; reason: string } | { kind: 'KEY_REUSED' } | { kind: 'IN_PROGRESS' };

export function idempotencyProblem(error: IdempotencyError): Problem {
  switch (error.kind) {
    case 'INVALID_KEY':
      return new Problem(400, 'INVALID_IDEMPOTENCY_KEY', 'The Idempotency-Key is not valid', error.reason, [
        { field: 'Idempotency-Key', message: error.reason },
      ]);
    case 'KEY_REUSED':
      return new Problem(
        409,
        'IDEMPOTENCY_KEY_REUSED',
        'Idempotency-Key already used',
        'this Idempotency-Key was used with another method, path or body; use a new key for a new request',
      );
    case 'IN_PROGRESS':
      return new Problem(
        409,
        'IDEMPOTENCY_KEY_IN_PROGRESS',
        'A request with this Idempotency-Key is in progress',
        'the first request with this key has not answered yet; retry after a moment to get its answer',
        undefined,
        { 'retry-after': '1' },
      );
  }
}

export class IdempotencyFailure extends Error {
  constructor(readonly error: IdempotencyError) {
    super(error.kind);
  }
}
