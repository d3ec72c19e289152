import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { Problem } from '../problems/problem';

/** Expected outcomes of the accounts domain. */
export type AccountError = { kind: 'NOT_FOUND'; account: string } | { kind: 'NO_GENESIS' };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const ACCOUNT_PROBLEMS: ProblemMap<AccountError> = {
  NOT_FOUND: (e) =>
    new Problem(404, 'ACCOUNT_NOT_FOUND', 'No such account', {
      detail: `no account ${e.account} is visible to you`,
    }),
  NO_GENESIS: () =>
    new Problem(503, 'NO_GENESIS', 'The chain has no finalized genesis yet', {
      detail: 'this gateway has not applied the first block; ask again shortly',
    }),
};

/** An account request refused; answered through ACCOUNT_PROBLEMS. */
export class AccountFailure extends DomainFailure<AccountError> {
  toProblem(): Problem {
    return mapProblem(ACCOUNT_PROBLEMS, this.error);
  }
}
