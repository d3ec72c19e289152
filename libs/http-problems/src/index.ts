import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * RFC 9457 problem+json for the operator HTTP APIs (clearing, FX admin): each app keeps its one table of
 * codes to statuses and titles and its domain errors; the body's shape, the framework's own errors and
 * the filter that answers them are the same everywhere, and live here.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface ProblemBody<C extends string = string> {
  type: string;
  title: string;
  status: number;
  code: C;
  detail?: string;
  errors?: FieldProblem[];
}

/** The codes every operator API answers framework errors with. */
export type CommonProblemCode = 'NOT_FOUND' | 'MALFORMED_REQUEST' | 'INTERNAL_ERROR';

export type ProblemTable<C extends string> = Record<C | CommonProblemCode, readonly [number, string]>;

/** The body of `code` from its table: a stable `type` URI derived from the code, its status and title. */
export function problemBody<C extends string>(
  table: ProblemTable<C>,
  code: C | CommonProblemCode,
  detail?: string,
  errors?: FieldProblem[],
): ProblemBody<C | CommonProblemCode> {
  const [status, title] = table[code];
  return {
    type: `https://concord.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    code,
    ...(detail ? { detail } : {}),
    ...(errors ? { errors } : {}),
  };
}

/**
 * What an error that is no domain error becomes: the framework's 404 (no route), its other 4xx (a body
 * that cannot be read, a wrong content type) and, for anything else, an internal error whose detail is
 * not shown (it is a bug, logged by the filter).
 */
export function frameworkProblem<C extends string>(
  table: ProblemTable<C>,
  exception: unknown,
): ProblemBody<C | CommonProblemCode> {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return problemBody(table, 'NOT_FOUND', exception.message);
    if (status < 500) return problemBody(table, 'MALFORMED_REQUEST', exception.message);
    return problemBody(table, 'INTERNAL_ERROR');
  }
  const fastifyError = exception as { statusCode?: number; message?: string } | null;
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500)
    return problemBody(table, 'MALFORMED_REQUEST', fastifyError.message);
  return problemBody(table, 'INTERNAL_ERROR', 'the error was logged');
}

/** Answers every error with the problem `problemOf` makes of it; 5xx are reported to `onBug`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly problemOf: (exception: unknown) => ProblemBody,
    private readonly onBug: (error: unknown) => void,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.problemOf(exception);
    if (problem.status >= 500) this.onBug(exception);
    void reply
      .status(problem.status)
      .header('content-type', 'application/problem+json')
      .send(JSON.stringify(problem));
  }
}
