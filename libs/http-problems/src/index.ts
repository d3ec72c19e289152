import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * RFC 9457 problem+json for every HTTP API of Concord (the partners' gateway, the clearing and FX operator
 * APIs, and those still to come): the body's shape, the one translation of zod issues into field errors,
 * typed domain failures with their exhaustive tables, and the filter that answers them all. Each app keeps
 * only its own tables of codes.
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

/** The stable `type` URI of a code: `INVALID_BODY` -> https://concord.example/problems/invalid-body. */
export function problemType(code: string): string {
  return `https://concord.example/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}

/** What a Problem carries besides status, code and title. */
export interface ProblemOptions {
  detail?: string;
  errors?: FieldProblem[];
  /** Response headers that belong to the answer (Retry-After...). */
  headers?: Record<string, string>;
  /** Extension members of the body (RFC 9457 section 3.2), after the standard ones. */
  extensions?: Record<string, unknown>;
}

/** An RFC 9457 problem, thrown where the answer is known: the filter sends it as it is. */
export class Problem extends Error {
  readonly detail?: string;
  readonly errors?: FieldProblem[];
  readonly headers: Record<string, string>;
  readonly extensions?: Record<string, unknown>;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    options: ProblemOptions = {},
  ) {
    super(options.detail ?? title);
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions;
  }

  toJSON(): ProblemBody & Record<string, unknown> {
    return {
      type: problemType(this.code),
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...this.extensions,
    };
  }
}

/** The shape of a zod issue that field errors need (zod 4's `$ZodIssue`, without depending on zod here). */
export interface ValidationIssue {
  path: readonly PropertyKey[];
  message: string;
  code: string;
  keys?: string[];
}

/**
 * The one translation of zod issues into the field errors of a problem: the path (`transfers.3.amount`),
 * or for unknown keys their names, or `whole` ('(body)', '(query)') when the issue is about the whole
 * value. `prefix` places the errors of an element inside a larger body.
 */
export function fieldErrors(issues: readonly ValidationIssue[], whole: string, prefix = ''): FieldProblem[] {
  return issues.map((i) => ({
    field:
      prefix +
      (i.path.map(String).join('.') ||
        (i.code === 'unrecognized_keys' && i.keys ? i.keys.join(', ') : whole)),
    message: i.message,
  }));
}

/**
 * Expected outcomes of a domain are values of a union discriminated by `kind`; a DomainFailure carries one
 * out of a service, and knows its domain's table. Subclasses implement `toProblem` with `mapProblem` and
 * their ProblemMap, so that the filter needs no list of domains.
 */
export abstract class DomainFailure<E extends { kind: string } = { kind: string }> extends Error {
  constructor(readonly error: E) {
    super(error.kind);
  }

  abstract toProblem(): Problem;
}

/**
 * One domain's table: a row for every kind of its error union, each making the problem of that kind.
 * Exhaustive by its type: an error kind without a row does not compile.
 */
export type ProblemMap<E extends { kind: string }> = {
  [K in E['kind']]: (error: Extract<E, { kind: K }>) => Problem;
};

/** The problem of `error` from its domain's table. */
export function mapProblem<E extends { kind: string }>(table: ProblemMap<E>, error: E): Problem {
  return (table[error.kind as E['kind']] as (e: E) => Problem)(error);
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
    type: problemType(code),
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

/** Sends a problem as `application/problem+json`, with the headers a Problem carries (Retry-After...). */
export function sendProblem(reply: FastifyReply, problem: ProblemBody | Problem): FastifyReply {
  const headers = problem instanceof Problem ? problem.headers : {};
  return reply
    .status(problem.status)
    .headers({ 'content-type': 'application/problem+json', ...headers })
    .send(JSON.stringify(problem));
}

/** The request a bug happened in, for its log line: the id it can be followed by, its method and URL. */
export interface FailedRequest {
  requestId: string;
  method: string;
  url: string;
}

/** Answers every error with the problem `problemOf` makes of it; 5xx are reported to `onBug`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly problemOf: (exception: unknown) => ProblemBody | Problem,
    private readonly onBug: (error: unknown, request?: FailedRequest) => void,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.problemOf(exception);
    if (problem.status >= 500) {
      const request = http.getRequest<{ id?: unknown; method?: string; url?: string } | undefined>();
      this.onBug(
        exception,
        request
          ? { requestId: String(request.id), method: request.method ?? '', url: request.url ?? '' }
          : undefined,
      );
    }
    void sendProblem(reply, problem);
  }
}

/** What the framework's own errors become in every service: no route, a body that cannot be read, bugs. */
const SERVICE_FRAMEWORK_PROBLEMS: ProblemTable<never> = {
  NOT_FOUND: [404, 'No such resource'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

/**
 * Every error of a service's API as a problem: a Problem thrown at the edge as it is, a domain's typed
 * failure through its domain's table, anything else as the framework's problem or, for a bug, a 500.
 */
export function serviceProblemOf(exception: unknown): ProblemBody | Problem {
  if (exception instanceof Problem) return exception;
  if (exception instanceof DomainFailure) return exception.toProblem();
  return frameworkProblem(SERVICE_FRAMEWORK_PROBLEMS, exception);
}

/** The filter of the operator and service APIs (clearing, compliance, routing): serviceProblemOf. */
export class ServiceProblemFilter extends ProblemFilter {
  constructor(onBug: (error: unknown, request?: FailedRequest) => void) {
    super(serviceProblemOf, onBug);
  }
}
