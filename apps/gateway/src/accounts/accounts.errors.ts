import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { Problem } from '../problems/problem';

/** Expected outcomes of the accounts domain. */
export type AccountError = { kind: 'NOT_FOUND'; account: string };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const ACCOUNT_PROBLEMS: ProblemMap<AccountError> = {
  NOT_FOUND: (e) =>
    new Problem(404, 'ACCOUNT_NOT_FOUND', 'No such account', {
      detail: `no account ${e.account} is visible to you`,
    }),
};

/** An account request refused; answered through ACCOUNT_PROBLEMS. */
export class AccountFailure extends DomainFailure<AccountError> {
  toProblem(): Problem {
    return mapProblem(ACCOUNT_PROBLEMS, this.error);
  }
}
