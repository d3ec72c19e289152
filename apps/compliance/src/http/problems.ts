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

/** Every error of the compliance API as a problem: edge problems as they are, domain failures by table. */
export function problemOf(exception: unknown): ProblemBody | Problem {
  if (exception instanceof Problem) return exception;
  if (exception instanceof DomainFailure) return exception.toProblem();
  return frameworkProblem(FRAMEWORK_PROBLEMS, exception);
}

export class ComplianceProblemFilter extends ProblemFilter {
  constructor(onBug: (error: unknown) => void) {
    super(problemOf, onBug);
  }
}
