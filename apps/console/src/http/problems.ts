import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { CONSOLE_API_PREFIX } from '@concord/contracts';
import {
  fieldErrors,
  frameworkProblem,
  Problem,
  ProblemBody,
  ProblemFilter,
  ProblemTable,
} from '@concord/http-problems';

/** What the framework's own errors become: no route, a body that cannot be read, and bugs. */
const FRAMEWORK_PROBLEMS: ProblemTable<never> = {
  NOT_FOUND: [404, 'No such resource'],
  MALFORMED_REQUEST: [400, 'The request could not be read'],
  INTERNAL_ERROR: [500, 'Internal error'],
};

export function problemOf(exception: unknown): ProblemBody | Problem {
  if (exception instanceof Problem) return exception;
  return frameworkProblem(FRAMEWORK_PROBLEMS, exception);
}

/** The 400 answer to a request part that does not validate, naming every field at fault. */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  whole: '(query)' | '(body)' | '(path)' = '(body)',
): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
    detail: 'the request is not valid',
    errors: fieldErrors(result.error.issues, whole),
  });
}

export const notFound = (what: string) =>
  new Problem(404, 'NOT_FOUND', 'No such resource', { detail: `${what} not found` });

/**
 * Every error as RFC 9457 problem+json, except a page of the web application: a GET outside the API that
 * matched no file is the single-page app's own route, answered with its index.html (SPA fallback).
 */
export class ConsoleProblemFilter extends ProblemFilter {
  private readonly indexHtml: string | null;

  constructor(webDir: string, onBug: (error: unknown) => void) {
    super(problemOf, onBug);
    const index = join(webDir, 'index.html');
    this.indexHtml = existsSync(index) ? index : null;
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply & { sendFile?: (f: string) => void }>();
    const problem = problemOf(exception);
    if (
      problem.status === 404 &&
      this.indexHtml &&
      request.method === 'GET' &&
      !request.url.startsWith(CONSOLE_API_PREFIX) &&
      reply.sendFile
    ) {
      void reply.header('cache-control', 'no-cache');
      reply.sendFile('index.html');
      return;
    }
    super.catch(exception, host);
  }
}
