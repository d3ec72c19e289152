import { FieldError, invalidInput, Problem } from '../problems/problem';

/**
 * Expected outcomes of the settlement instructions domain, and the one table that maps each to its HTTP
 * problem. The mapping is exhaustive: adding an error without a row does not compile.
 */
export type SettlementError =
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  | { kind: 'NOT_FOUND'; id: string }
  | { kind: 'NOT_ACCEPTABLE'; accept: string }
  | { kind: 'PAY_IN_NOT_CONFIRMABLE'; id: string }
  | { kind: 'NOT_CONFIRMABLE'; id: string; status: string }
  | { kind: 'OVER_CONFIRMATION'; outstanding: string }
  | { kind: 'CONFIRMATION_CONFLICT'; bankReference: string; amount: string };

export function settlementProblem(error: SettlementError): Problem {
  switch (error.kind) {
    case 'INVALID_QUERY':
      return invalidInput('query', error.errors);
    case 'INVALID_BODY':
      return invalidInput('body', error.errors);
    case 'NOT_FOUND':
      return new Problem(
        404,
        'SETTLEMENT_INSTRUCTION_NOT_FOUND',
        'No such settlement instruction',
        `no settlement instruction ${error.id} is visible to you`,
      );
    case 'NOT_ACCEPTABLE':
      return new Problem(
        406,
        'NOT_ACCEPTABLE',
        'Not acceptable',
        `settlement instructions are served as application/json or text/csv, not ${error.accept}`,
      );
    case 'PAY_IN_NOT_CONFIRMABLE':
      return new Problem(
        403,
        'CONFIRMATION_NOT_ALLOWED',
        'A participant confirms only what it was paid out',
        `${error.id} is a pay-in: the operator confirms it once the settlement bank has received the money`,
      );
    case 'NOT_CONFIRMABLE':
      return new Problem(
        409,
        'INSTRUCTION_NOT_CONFIRMABLE',
        'The settlement instruction takes no more confirmations',
        `${error.id} is ${error.status}`,
      );
    case 'OVER_CONFIRMATION':
      return new Problem(
        422,
        'OVER_CONFIRMATION',
        'The confirmation exceeds the instruction',
        `at most ${error.outstanding} is outstanding`,
        [{ field: 'amount', message: 'more than the amount still open' }],
      );
    case 'CONFIRMATION_CONFLICT':
      return new Problem(
        409,
        'CONFIRMATION_CONFLICT',
        'The bank reference was already used differently',
        `bank reference ${error.bankReference} already stands for ${error.amount}; use a new reference`,
        [{ field: 'bankReference', message: 'already used with another amount' }],
      );
  }
}

export class SettlementFailure extends Error {
  constructor(readonly error: SettlementError) {
    super(error.kind);
  }
}
