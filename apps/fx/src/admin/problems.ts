import {
  frameworkProblem,
  ProblemBody,
  ProblemFilter,
  problemBody,
  ProblemTable,
} from '@concord/http-problems';
import { OperatorAuthError, operatorAuthProblem } from '@concord/operator-auth';
import { FxServiceError } from '../errors';
import { FxAdminError, FxAdminErrorCode } from './admin.errors';

/** The one mapping of the FX admin API's error codes to HTTP statuses and titles. */
export const PROBLEMS: ProblemTable<
  FxAdminErrorCode | 'INVALID_AMOUNT' | 'UNKNOWN_CURRENCY' | 'UNAUTHORIZED'
> = {
  VALIDATION_FAILED: [400, 'The request is not valid'],
  INVALID_AMOUNT: [400, 'An amount is not valid'],
  UNKNOWN_CURRENCY: [400, 'The currency is not supported'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  UNAUTHORIZED: [401, 'Operator authentication required'],
  NOT_FOUND: [404, 'No such resource'],
  SPREAD_NOT_FOUND: [404, 'No spread is in force for this corridor'],
  MARKUP_NOT_FOUND: [404, 'No markup is in force for this participant'],
  FEE_SCHEDULE_NOT_FOUND: [404, 'No fee schedule is in force for this corridor'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

/**
 * The service's refusals as the admin API answers them: INVALID_REQUEST is a validation failure of the
 * named field, INVALID_AMOUNT and UNKNOWN_CURRENCY keep their codes; any other code cannot come from an
 * admin call and is a bug.
 */
function serviceProblem(e: FxServiceError): ProblemBody {
  const errors = e.extra.field ? [{ field: e.extra.field, message: e.message }] : undefined;
  switch (e.code) {
    case 'INVALID_REQUEST':
      return problemBody(PROBLEMS, 'VALIDATION_FAILED', e.message, errors);
    case 'INVALID_AMOUNT':
    case 'UNKNOWN_CURRENCY':
      return problemBody(PROBLEMS, e.code, e.message, errors);
    default:
      return problemBody(PROBLEMS, 'INTERNAL_ERROR', 'the error was logged');
  }
}

export function problemOf(exception: unknown): ProblemBody {
  if (exception instanceof FxAdminError)
    return problemBody(PROBLEMS, exception.code, exception.message, exception.errors);
  if (exception instanceof FxServiceError) return serviceProblem(exception);
  if (exception instanceof OperatorAuthError) return operatorAuthProblem(exception);
  return frameworkProblem(PROBLEMS, exception);
}

/** Every error of the FX admin API as RFC 9457 application/problem+json with a stable `code`. */
export class FxProblemFilter extends ProblemFilter {
  constructor(onBug: (error: unknown) => void) {
    super(problemOf, onBug);
  }
}
