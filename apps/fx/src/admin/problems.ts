import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OperatorAuthError, operatorAuthProblem } from '@concord/operator-auth';
import { FxServiceError } from '../errors';
import { FieldProblem, FxAdminError, FxAdminErrorCode } from './admin.errors';

/** The one mapping of the FX admin API's error codes to HTTP statuses and titles. */
export const PROBLEMS: Record<
  | FxAdminErrorCode
  | 'INVALID_AMOUNT'
  | 'UNKNOWN_CURRENCY'
  | 'MALFORMED_REQUEST'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'INTERNAL_ERROR',
  [number, string]
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

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail?: string;
  errors?: FieldProblem[];
}

function body(code: ProblemCode, detail?: string, errors?: FieldProblem[]): ProblemBody {
  const [status, title] = PROBLEMS[code];
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
 * The service's refusals as the admin API answers them: INVALID_REQUEST is a validation failure of the
 * named field, INVALID_AMOUNT and UNKNOWN_CURRENCY keep their codes; any other code cannot come from an
 * admin call and is a bug.
 */
function serviceProblem(e: FxServiceError): ProblemBody {
  const errors = e.extra.field ? [{ field: e.extra.field, message: e.message }] : undefined;
  switch (e.code) {
    case 'INVALID_REQUEST':
      return body('VALIDATION_FAILED', e.message, errors);
    case 'INVALID_AMOUNT':
    case 'UNKNOWN_CURRENCY':
      return body(e.code, e.message, errors);
    default:
      return body('INTERNAL_ERROR', 'the error was logged');
  }
}

export function problemOf(exception: unknown): ProblemBody {
  if (exception instanceof FxAdminError) return body(exception.code, exception.message, exception.errors);
  if (exception instanceof FxServiceError) return serviceProblem(exception);
  if (exception instanceof OperatorAuthError) return operatorAuthProblem(exception);
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

/** Every error of the FX admin API as RFC 9457 application/problem+json with a stable `code`. */
@Catch()
export class FxProblemFilter implements ExceptionFilter {
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
