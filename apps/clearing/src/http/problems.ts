import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClearingError, ClearingErrorCode } from '../errors';

/** The one mapping of the clearing API's error codes to HTTP statuses and titles. */
export const PROBLEMS: Record<
  ClearingErrorCode | 'NOT_FOUND' | 'MALFORMED_REQUEST' | 'INTERNAL_ERROR',
  [number, string]
> = {
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
  OVER_CONFIRMATION: [422, 'The confirmation exceeds the instruction'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export function problemOf(exception: unknown): ProblemBody {
  const body = (code: ProblemCode, detail?: string, errors?: { field: string; message: string }[]) => {
    const [status, title] = PROBLEMS[code];
    return {
      type: `https://concord.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
      title,
      status,
      code,
      ...(detail ? { detail } : {}),
      ...(errors ? { errors } : {}),
    };
  };
  if (exception instanceof ClearingError) return body(exception.code, exception.message, exception.errors);
  if (exception instanceof HttpException) {
    return exception.getStatus() === 404
      ? body('NOT_FOUND', exception.message)
      : exception.getStatus() < 500
        ? body('MALFORMED_REQUEST', exception.message)
        : body('INTERNAL_ERROR');
  }
  const fastifyError = exception as { statusCode?: number; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500)
    return body('MALFORMED_REQUEST', fastifyError.message);
  return body('INTERNAL_ERROR', 'the error was logged');
}

/** Every error of the operator API as RFC 9457 application/problem+json with a stable `code`. */
@Catch()
export class ClearingProblemFilter implements ExceptionFilter {
  constructor(private readonly onBug: (error: unknown) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = problemOf(exception);
    if (problem.status >= 500) this.onBug(exception);
    void reply
      .status(problem.status)
      .header('content-type', 'application/problem+json')
      .send(JSON.stringify(problem));
  }
}
