import {
  DomainFailure,
  frameworkProblem,
  Problem,
  ProblemBody,
  ProblemFilter,
  ProblemTable,
} from '@concord/http-problems';

/** What the framework's own errors become: no route, a body that cannot be read, and bugs. */
const FRAMEWORK_PROBLEMS: ProblemTable<never> = {
  NOT_FOUND: [404, 'No such resource'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

/**
 * Every error of the operator API as a problem: a Problem thrown at the edge (a request that does not
 * validate) as it is, a domain's typed failure through its domain's table (windows.errors.ts,
 * instructions.errors.ts), and anything else as the framework's problem or, for a bug, an internal error.
 */
export function problemOf(exception: unknown): ProblemBody | Problem {
  if (exception instanceof Problem) return exception;
  if (exception instanceof DomainFailure) return exception.toProblem();
  return frameworkProblem(FRAMEWORK_PROBLEMS, exception);
}

/** Every error of the operator API as RFC 9457 application/problem+json with a stable `code`. */
export class ClearingProblemFilter extends ProblemFilter {
  constructor(onBug: (error: unknown) => void) {
    super(problemOf, onBug);
  }
}
