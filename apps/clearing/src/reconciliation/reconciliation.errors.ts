import { mapProblem, Problem, ProblemMap } from '@concord/http-problems';
import { ClearingError } from '../clearing.errors';

/** Expected outcomes of statements and breaks. */
export type ReconciliationError =
  /** A file that does not parse: refused whole, naming where and why. */
  | { kind: 'STATEMENT_REFUSED'; format: string; location: string; reason: string }
  | { kind: 'BREAK_NOT_FOUND'; breakId: string }
  | { kind: 'BREAK_RESOLVED'; breakId: number; status: string }
  /** Two edits of the rules at once: the second is refused, to be made again on the new version. */
  | { kind: 'RULES_CHANGED'; version: number };

export const RECONCILIATION_PROBLEMS: ProblemMap<ReconciliationError> = {
  STATEMENT_REFUSED: (e) =>
    new Problem(422, 'STATEMENT_REFUSED', 'The statement was refused whole', {
      detail: `${e.format} ${e.location}: ${e.reason}; nothing of it was applied`,
      errors: [{ field: e.location, message: e.reason }],
    }),
  BREAK_NOT_FOUND: (e) =>
    new Problem(404, 'BREAK_NOT_FOUND', 'No such break', { detail: `no break ${e.breakId}` }),
  BREAK_RESOLVED: (e) =>
    new Problem(409, 'BREAK_RESOLVED', 'The break is already resolved', {
      detail: `break ${e.breakId} is ${e.status}`,
    }),
  RULES_CHANGED: (e) =>
    new Problem(409, 'RULES_CHANGED', 'The matching rules changed meanwhile', {
      detail: `version ${e.version} was replaced while this edit was made; read the rules again`,
    }),
};

export class ReconciliationFailure extends ClearingError<ReconciliationError> {
  toProblem(): Problem {
    return mapProblem(RECONCILIATION_PROBLEMS, this.error);
  }
}
