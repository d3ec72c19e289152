import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { Problem } from '../problems/problem';

/** Expected outcomes of idempotency keys. */
export type IdempotencyError =
  { kind: 'INVALID_KEY'; reason: string } | { kind: 'KEY_REUSED' } | { kind: 'IN_PROGRESS' };

/** The one table of idempotency's problems; exhaustive: an error without a row does not compile. */
export const IDEMPOTENCY_PROBLEMS: ProblemMap<IdempotencyError> = {
  INVALID_KEY: (e) =>
    new Problem(400, 'INVALID_IDEMPOTENCY_KEY', 'The Idempotency-Key is not valid', {
      detail: e.reason,
      errors: [{ field: 'Idempotency-Key', message: e.reason }],
    }),
  KEY_REUSED: () =>
    new Problem(409, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key already used', {
      detail:
        'this Idempotency-Key was used with another method, path or body; use a new key for a new request',
    }),
  IN_PROGRESS: () =>
    new Problem(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is in progress', {
      detail: 'the first request with this key has not answered yet; retry after a moment to get its answer',
      headers: { 'retry-after': '1' },
    }),
};

/** A key refused; answered through IDEMPOTENCY_PROBLEMS. */
export class IdempotencyFailure extends DomainFailure<IdempotencyError> {
  toProblem(): Problem {
    return mapProblem(IDEMPOTENCY_PROBLEMS, this.error);
  }
}
