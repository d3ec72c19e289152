import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** Expected outcomes of the statements domain. */
export type StatementError =
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'ACCOUNT_NOT_FOUND'; account: string }
  | { kind: 'STATEMENT_TOO_LARGE'; max: number }
  | { kind: 'NOT_ACCEPTABLE'; accept: string }
  | { kind: 'STATEMENT_INCONSISTENT'; account: string; closing: string; balance: string };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const STATEMENT_PROBLEMS: ProblemMap<StatementError> = {
  INVALID_QUERY: (e) => invalidInput('query', e.errors),
  ACCOUNT_NOT_FOUND: (e) =>
    new Problem(404, 'ACCOUNT_NOT_FOUND', 'No such account', {
      detail: `no account ${e.account} is visible to you`,
    }),
  STATEMENT_TOO_LARGE: (e) =>
    new Problem(422, 'STATEMENT_TOO_LARGE', 'The statement has too many entries', {
      detail: `the window holds more than ${e.max} entries; ask for shorter windows`,
      errors: [{ field: 'to', message: 'choose an earlier end' }],
    }),
  NOT_ACCEPTABLE: (e) =>
    new Problem(406, 'NOT_ACCEPTABLE', 'Not acceptable', {
      detail: `statements are served as application/json or application/xml (camt.053), not ${e.accept}`,
    }),
  // The postings do not add up to the ledger's balance: a bug; refuse rather than serve a wrong statement.
  STATEMENT_INCONSISTENT: (e) =>
    new Problem(500, 'STATEMENT_INCONSISTENT', 'Internal error', {
      detail: `the statement of ${e.account} closes at ${e.closing} but the ledger says ${e.balance}; this was logged`,
    }),
};

/** A statement refused with an expected outcome; answered through STATEMENT_PROBLEMS. */
export class StatementFailure extends DomainFailure<StatementError> {
  toProblem(): Problem {
    return mapProblem(STATEMENT_PROBLEMS, this.error);
  }
}
