import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * zod issues as the field errors of a problem: the path (`transfers.3.amount`), or for unknown keys their
 * names, or `whole` ('(body)', '(query)') when the issue is about the whole value. `prefix` places the
 * errors of an element inside a larger body.
 */
export function fieldErrors(
  issues: readonly { path: PropertyKey[]; message: string; code: string; keys?: string[] }[],
  whole: string,
  prefix = '',
): FieldError[] {
  return issues.map((i) => ({
    field:
      prefix +
      (i.path.map(String).join('.') ||
        (i.code === 'unrecognized_keys' && i.keys ? i.keys.join(', ') : whole)),
    message: i.message,
  }));
}

/** The 400 answer to a body or query that does not validate, naming every field that is wrong. */
export function invalidInput(where: 'body' | 'query', errors: FieldError[]): Problem {
  const [code, title] =
    where === 'body'
      ? ['INVALID_BODY', 'The request body is not valid']
      : ['INVALID_QUERY', 'The query is not valid'];
  return new Problem(400, code, title, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

/** An RFC 9457 problem: what every error of the API looks like, with a stable machine-readable code. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }

  toJSON() {
    return {
      type: `https://concord.example/problems/${this.code.toLowerCase().replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/**
 * Turns every error into problem+json. Expected outcomes arrive as Problem; framework errors (unknown
 * route, body too large, bad JSON) keep their status; anything else is a bug: 500, logged with its stack.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly onBug: (error: unknown) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = toProblem(exception);
    if (problem.status >= 500) this.onBug(exception);
    void sendProblem(reply, problem);
  }
}

/** Sends a problem as `application/problem+json`, with its own headers (Retry-After...). */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .status(problem.status)
    .headers({ 'content-type': 'application/problem+json', ...problem.headers })
    .send(JSON.stringify(problem.toJSON()));
}

export function toProblem(exception: unknown): Problem {
  if (exception instanceof Problem) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const codes: Record<number, [string, string]> = {
      400: ['BAD_REQUEST', 'The request is not valid'],
      404: ['NOT_FOUND', 'No such resource'],
      405: ['METHOD_NOT_ALLOWED', 'Method not allowed'],
      413: ['PAYLOAD_TOO_LARGE', 'The request body is too large'],
      415: ['UNSUPPORTED_MEDIA_TYPE', 'The body must be application/json'],
    };
    const [code, title] = codes[status] ?? ['HTTP_ERROR', 'Request failed'];
    return new Problem(status, code, title, exception.message);
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    if (status === 413)
      return new Problem(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large', fastifyError.message);
    if (status === 415)
      return new Problem(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'The body must be application/json',
        fastifyError.message,
      );
    return new Problem(400, 'MALFORMED_REQUEST', 'The request could not be read', fastifyError.message);
  }
  return new Problem(
    500,
    'INTERNAL_ERROR',
    'Internal error',
    'the error was logged; retrying with the same id is safe',
  );
}
