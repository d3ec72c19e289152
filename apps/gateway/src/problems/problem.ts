import { HttpException } from '@nestjs/common';
import {
  DomainFailure,
  fieldErrors,
  FieldProblem,
  Problem,
  ProblemFilter as HttpProblemFilter,
  sendProblem,
} from '@concord/http-problems';

export { fieldErrors, Problem, sendProblem };
export type FieldError = FieldProblem;

/** The 400 answer to a body or query that does not validate, naming every field that is wrong. */
export function invalidInput(where: 'body' | 'query', errors: FieldError[]): Problem {
  const [code, title] =
    where === 'body'
      ? ['INVALID_BODY', 'The request body is not valid']
      : ['INVALID_QUERY', 'The query is not valid'];
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new Problem(400, code, title, { detail, errors });
}

/** The framework's own refusals (no route, body too large, wrong media type), by status. */
const FRAMEWORK_PROBLEMS: Record<number, readonly [string, string]> = {
  400: ['BAD_REQUEST', 'The request is not valid'],
  404: ['NOT_FOUND', 'No such resource'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
  413: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'The body must be application/json'],
};

/**
 * Every error as the partners' API answers it. Expected outcomes arrive as a Problem or as a domain's
 * typed failure (mapped by its domain's table); framework errors (unknown route, body too large, bad
 * JSON) keep their status; anything else is a bug: 500, logged with its stack by the filter.
 */
export function toProblem(exception: unknown): Problem {
  if (exception instanceof Problem) return exception;
  if (exception instanceof DomainFailure) return exception.toProblem();
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const [code, title] = FRAMEWORK_PROBLEMS[status] ?? ['HTTP_ERROR', 'Request failed'];
    return new Problem(status, code, title, { detail: exception.message });
  }
  const fastifyError = exception as { statusCode?: number; message?: string } | null;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const known = status === 413 || status === 415 ? FRAMEWORK_PROBLEMS[status] : undefined;
    const [code, title] = known ?? ['MALFORMED_REQUEST', 'The request could not be read'];
    return new Problem(known ? status : 400, code, title, { detail: fastifyError.message });
  }
  return new Problem(500, 'INTERNAL_ERROR', 'Internal error', {
    detail: 'the error was logged; retrying with the same id is safe',
  });
}

/** The gateway's one exception filter: every error as problem+json (see toProblem). */
export class ProblemFilter extends HttpProblemFilter {
  constructor(onBug: ConstructorParameters<typeof HttpProblemFilter>[1]) {
    super(toProblem, onBug);
  }
}
