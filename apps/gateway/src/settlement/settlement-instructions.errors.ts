import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** Expected outcomes of the settlement instructions domain. */
export type SettlementError =
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  | { kind: 'NOT_FOUND'; id: string }
  | { kind: 'NOT_ACCEPTABLE'; accept: string }
  | { kind: 'PAY_IN_NOT_CONFIRMABLE'; id: string }
  | { kind: 'NOT_CONFIRMABLE'; id: string; status: string }
  | { kind: 'OVER_CONFIRMATION'; outstanding: string }
  | { kind: 'CONFIRMATION_CONFLICT'; bankReference: string; amount: string };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const SETTLEMENT_PROBLEMS: ProblemMap<SettlementError> = {
  INVALID_QUERY: (e) => invalidInput('query', e.errors),
  INVALID_BODY: (e) => invalidInput('body', e.errors),
  NOT_FOUND: (e) =>
    new Problem(404, 'SETTLEMENT_INSTRUCTION_NOT_FOUND', 'No such settlement instruction', {
      detail: `no settlement instruction ${e.id} is visible to you`,
    }),
  NOT_ACCEPTABLE: (e) =>
    new Problem(406, 'NOT_ACCEPTABLE', 'Not acceptable', {
      detail: `settlement instructions are served as application/json or text/csv, not ${e.accept}`,
    }),
  PAY_IN_NOT_CONFIRMABLE: (e) =>
    new Problem(403, 'CONFIRMATION_NOT_ALLOWED', 'A participant confirms only what it was paid out', {
      detail: `${e.id} is a pay-in: the operator confirms it once the settlement bank has received the money`,
    }),
  NOT_CONFIRMABLE: (e) =>
    new Problem(
      409,
      'INSTRUCTION_NOT_CONFIRMABLE',
      'The settlement instruction takes no more confirmations',
      {
        detail: `${e.id} is ${e.status}`,
      },
    ),
  OVER_CONFIRMATION: (e) =>
    new Problem(422, 'OVER_CONFIRMATION', 'The confirmation exceeds the instruction', {
      detail: `at most ${e.outstanding} is outstanding`,
      errors: [{ field: 'amount', message: 'more than the amount still open' }],
    }),
  CONFIRMATION_CONFLICT: (e) =>
    new Problem(409, 'CONFIRMATION_CONFLICT', 'The bank reference was already used differently', {
      detail: `bank reference ${e.bankReference} already stands for ${e.amount}; use a new reference`,
      errors: [{ field: 'bankReference', message: 'already used with another amount' }],
    }),
};

/** A settlement request refused with an expected outcome; answered through SETTLEMENT_PROBLEMS. */
export class SettlementFailure extends DomainFailure<SettlementError> {
  toProblem(): Problem {
    return mapProblem(SETTLEMENT_PROBLEMS, this.error);
  }
}
