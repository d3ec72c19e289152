import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** Expected outcomes of the transfers domain. */
export type TransferError =
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'PAYER_NOT_CALLER'; payer: string }
  | { kind: 'UNKNOWN_PAYEE'; payee: string }
  | { kind: 'NO_ACCOUNT'; participant: string; currency: string }
  | { kind: 'ID_REUSED'; id: string }
  | { kind: 'NOT_FOUND'; id: string }
  | { kind: 'AMBIGUOUS_ID'; id: string; payers: string[] }
  | { kind: 'LEDGER_UNAVAILABLE' }
  | { kind: 'ACTION_NOT_ALLOWED'; id: string; action: 'fulfil' | 'abort' }
  | { kind: 'NOT_RESERVED'; id: string; status: string };

/** The one table of the transfers domain's problems; exhaustive: an error without a row does not compile. */
export const TRANSFER_PROBLEMS: ProblemMap<TransferError> = {
  INVALID_BODY: (e) => invalidInput('body', e.errors),
  INVALID_QUERY: (e) => invalidInput('query', e.errors),
  PAYER_NOT_CALLER: (e) =>
    new Problem(403, 'PAYER_NOT_CALLER', 'Forbidden', {
      detail: `only ${e.payer} may instruct a transfer it pays`,
    }),
  UNKNOWN_PAYEE: (e) =>
    new Problem(422, 'UNKNOWN_PAYEE', 'Unknown payee', {
      detail: `${e.payee} is not a member of the consortium`,
      errors: [{ field: 'payee', message: 'not a member of the consortium' }],
    }),
  NO_ACCOUNT: (e) =>
    new Problem(422, 'NO_ACCOUNT', 'No account in that currency', {
      detail: `${e.participant} holds no ${e.currency} account`,
      errors: [{ field: 'currency', message: `${e.participant} holds no ${e.currency} account` }],
    }),
  ID_REUSED: (e) =>
    new Problem(409, 'ID_REUSED', 'Transfer id already used', {
      detail: `transfer ${e.id} exists with a different body`,
    }),
  NOT_FOUND: (e) =>
    new Problem(404, 'TRANSFER_NOT_FOUND', 'No such transfer', {
      detail: `no transfer ${e.id} is visible to you`,
    }),
  AMBIGUOUS_ID: (e) =>
    new Problem(409, 'AMBIGUOUS_TRANSFER_ID', 'Several payers paid you under that id', {
      detail: `transfers of ${e.payers.join(', ')} to you have the id ${e.id}: name the payer with ?payer=`,
      errors: [{ field: 'payer', message: `one of ${e.payers.join(', ')}` }],
      extensions: { payers: e.payers },
    }),
  ACTION_NOT_ALLOWED: (e) =>
    new Problem(403, 'ACTION_NOT_ALLOWED', 'Forbidden', {
      detail:
        e.action === 'fulfil'
          ? `only the payee confirms the payout of ${e.id}`
          : `only the payer or the payee may abort ${e.id}`,
    }),
  NOT_RESERVED: (e) =>
    new Problem(409, 'NOT_RESERVED', 'The transfer is not reserved', {
      detail: `transfer ${e.id} is ${e.status}`,
    }),
  LEDGER_UNAVAILABLE: () =>
    new Problem(503, 'LEDGER_UNAVAILABLE', 'The ledger cannot take instructions now', {
      detail: 'retry with the same id; nothing was lost',
      headers: { 'retry-after': '1' },
    }),
};

/** A transfer refused with an expected outcome; the filter answers it through TRANSFER_PROBLEMS. */
export class TransferFailure extends DomainFailure<TransferError> {
  toProblem(): Problem {
    return mapProblem(TRANSFER_PROBLEMS, this.error);
  }
}
