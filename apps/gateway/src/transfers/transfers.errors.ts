import { invalidInput, Problem } from '../problems/problem';

/**
 * Expected outcomes of the transfers domain, and the one table that maps each to its HTTP problem.
 * The mapping is exhaustive: adding an error without a row does not compile.
 */
export type TransferError =
  | { kind: 'INVALID_BODY'; errors: { field: string; message: string }[] }
  | { kind: 'PAYER_NOT_CALLER'; payer: string }
  | { kind: 'UNKNOWN_PAYEE'; payee: string }
  | { kind: 'NO_ACCOUNT'; participant: string; currency: string }
  | { kind: 'ID_REUSED'; id: string }
  | { kind: 'NOT_FOUND'; id: string }
  | { kind: 'LEDGER_UNAVAILABLE' }
  | { kind: 'ACTION_NOT_ALLOWED'; id: string; action: 'fulfil' | 'abort' }
  | { kind: 'NOT_RESERVED'; id: string; status: string };

export function transferProblem(error: TransferError): Problem {
  switch (error.kind) {
    case 'INVALID_BODY':
      return invalidInput('body', error.errors);
    case 'PAYER_NOT_CALLER':
      return new Problem(
        403,
        'PAYER_NOT_CALLER',
        'Forbidden',
        `only ${error.payer} may instruct a transfer it pays`,
      );
    case 'UNKNOWN_PAYEE':
      return new Problem(
        422,
        'UNKNOWN_PAYEE',
        'Unknown payee',
        `${error.payee} is not a member of the consortium`,
        [{ field: 'payee', message: 'not a member of the consortium' }],
      );
    case 'NO_ACCOUNT':
      return new Problem(
        422,
        'NO_ACCOUNT',
        'No account in that currency',
        `${error.participant} holds no ${error.currency} account`,
        [{ field: 'currency', message: `${error.participant} holds no ${error.currency} account` }],
      );
    case 'ID_REUSED':
      return new Problem(
        409,
        'ID_REUSED',
        'Transfer id already used',
        `transfer ${error.id} exists with a different body`,
      );
    case 'NOT_FOUND':
      return new Problem(
        404,
        'TRANSFER_NOT_FOUND',
        'No such transfer',
        `no transfer ${error.id} is visible to you`,
      );
    case 'ACTION_NOT_ALLOWED':
      return new Problem(
        403,
        'ACTION_NOT_ALLOWED',
        'Forbidden',
        error.action === 'fulfil'
          ? `only the payee confirms the payout of ${error.id}`
          : `only the payer or the payee may abort ${error.id}`,
      );
    case 'NOT_RESERVED':
      return new Problem(
        409,
        'NOT_RESERVED',
        'The transfer is not reserved',
        `transfer ${error.id} is ${error.status}`,
      );
    case 'LEDGER_UNAVAILABLE':
      return new Problem(
        503,
        'LEDGER_UNAVAILABLE',
        'The ledger cannot take instructions now',
        'retry with the same id; nothing was lost',
        undefined,
        {
          'retry-after': '1',
        },
      );
  }
}

export class TransferFailure extends Error {
  constructor(readonly error: TransferError) {
    super(error.kind);
  }
}
