import { FieldError, fieldErrors, invalidInput, Problem } from '../problems/problem';

/**
 * Expected outcomes of the statements domain, and the one table that maps each to its HTTP problem.
 * The mapping is exhaustive: adding an error without a row does not compile.
 */
export type StatementError =
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'ACCOUNT_NOT_FOUND'; account: string }
  | { kind: 'STATEMENT_TOO_LARGE'; max: number }
  | { kind: 'NOT_ACCEPTABLE'; accept: string }
  | { kind: 'STATEMENT_INCONSISTENT'; account: string; closing: string; balance: string };

export function statementProblem(error: StatementError): Problem {
  switch (error.kind) {
    case 'INVALID_QUERY':
      return invalidInput('query', error.errors);
    case 'ACCOUNT_NOT_FOUND':
      return new Problem(
        404,
        'ACCOUNT_NOT_FOUND',
        'No such account',
        `no account ${error.account} is visible to you`,
      );
    case 'STATEMENT_TOO_LARGE':
      return new Problem(
        422,
        'STATEMENT_TOO_LARGE',
        'The statement has too many entries',
        `the window holds more than ${error.max} entries; ask for shorter windows`,
        [{ field: 'to', message: 'choose an earlier end' }],
      );
    case 'NOT_ACCEPTABLE':
      return new Problem(
        406,
        'NOT_ACCEPTABLE',
        'Not acceptable',
        `statements are served as application/json or application/xml (camt.053), not ${error.accept}`,
      );
    case 'STATEMENT_INCONSISTENT':
      // The postings do not add up to the ledger's balance: a bug; refuse rather than serve a wrong statement.
      return new Problem(
        500,
        'STATEMENT_INCONSISTENT',
        'Internal error',
        `the statement of ${error.account} closes at ${error.closing} but the ledger says ${error.balance}; this was logged`,
      );
  }
}

export class StatementFailure extends Error {
  constructor(readonly error: StatementError) {
    super(error.kind);
  }
}

/** zod issues of the query as the field errors of a problem (unknown parameters by name). */
export function queryErrors(
  issues: readonly { path: PropertyKey[]; message: string; code: string; keys?: string[] }[],
): FieldError[] {
  return fieldErrors(issues, '(query)');
}
