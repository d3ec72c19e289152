import {
  frameworkProblem,
  ProblemBody,
  ProblemFilter,
  problemBody,
  ProblemTable,
} from '@concord/http-problems';
import { ClearingError, ClearingErrorCode } from '../errors';

/** The one mapping of the clearing API's error codes to HTTP statuses and titles. */
export const PROBLEMS: ProblemTable<ClearingErrorCode> = {
  VALIDATION_FAILED: [400, 'The request is not valid'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  NOT_FOUND: [404, 'No such resource'],
  WINDOW_NOT_FOUND: [404, 'No such settlement window'],
  NO_OPEN_WINDOW: [404, 'No open settlement window in this currency'],
  INSTRUCTION_NOT_FOUND: [404, 'No such settlement instruction'],
  CONFIRMATION_NOT_FOUND: [404, 'No such confirmation'],
  WINDOW_NOT_SETTLING: [409, 'The settlement window is not settling'],
  WINDOW_SETTLED: [409, 'The settlement window is already settled'],
  WINDOW_NOT_ABORTABLE: [409, 'The settlement window cannot be aborted'],
  CONFIRMATION_CONFLICT: [409, 'The bank reference was already used differently'],
  CONFIRMATION_REVERSED: [409, 'The confirmation is already reversed'],
  CONFIRMATION_NOT_ALLOWED: [403, 'A participant confirms only what it was paid out'],
  IDEMPOTENCY_KEY_REUSED: [409, 'The Idempotency-Key was used for another request'],
  OVER_CONFIRMATION: [422, 'The confirmation exceeds the instruction'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

export function problemOf(exception: unknown): ProblemBody {
  if (exception instanceof ClearingError)
    return problemBody(PROBLEMS, exception.code, exception.message, exception.errors);
  return frameworkProblem(PROBLEMS, exception);
}

/** Every error of the operator API as RFC 9457 application/problem+json with a stable `code`. */
export class ClearingProblemFilter extends ProblemFilter {
  constructor(onBug: (error: unknown) => void) {
    super(problemOf, onBug);
  }
}
