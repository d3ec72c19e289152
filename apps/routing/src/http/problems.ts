import {
  DomainFailure,
  frameworkProblem,
  Problem,
  ProblemBody,
  ProblemFilter,
  ProblemTable,
} from '@concord/http-problems';

const FRAMEWORK_PROBLEMS: ProblemTable<never> = {
  NOT_FOUND: [404, 'No such resource'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

/** A thrown Problem as it is, a domain failure through its table, anything else as the framework's. */
export function problemOf(exception: unknown): ProblemBody | Problem {
  if (exception instanceof Problem) return exception;
  if (exception instanceof DomainFailure) return exception.toProblem();
  return frameworkProblem(FRAMEWORK_PROBLEMS, exception);
}

/** Every error of the routing API as RFC 9457 application/problem+json with a stable `code`. */
export class RoutingProblemFilter extends ProblemFilter {
  constructor(onBug: (error: unknown) => void) {
    super(problemOf, onBug);
  }
}
