import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ArgumentsHost } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { CONSOLE_API_PREFIX } from '@concord/contracts';
import { fieldErrors, Problem, ProblemFilter, serviceProblemOf } from '@concord/http-problems';

/** Every error of the console API as a problem, as in every service (libs/http-problems). */
export const problemOf = serviceProblemOf;

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
