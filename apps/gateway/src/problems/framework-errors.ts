import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { requestIdOf } from '../tracing/request-ids';
import { Problem, sendProblem } from './problem';

/** Largest accepted request body: a full batch of transfers fits well below it. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Longest path parameter routed (Fastify's default, kept explicit): every id of the API (at most 64
 * characters) fits; a longer one is answered 414 before any handler runs.
 */
export const MAX_PARAM_LENGTH = 100;

/**
 * The refusals Fastify makes before routing, when no hook, handler or Nest filter runs, as problems. Their
 * details are fixed texts: Fastify's own messages quote the offending URL, which may be thousands of
 * characters long.
 */
const FRAMEWORK_ERRORS: Record<string, Problem> = {
  FST_ERR_BAD_URL: new Problem(400, 'BAD_URL', 'The URL could not be read', {
    detail: 'a part of the URL path is not valid percent-encoded UTF-8',
  }),
  FST_ERR_MAX_PARAM_LENGTH: new Problem(414, 'URI_TOO_LONG', 'The URL is too long', {
    detail: `a path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
  }),
};
const FRAMEWORK_BUG = new Problem(500, 'INTERNAL_ERROR', 'Internal error', {
  detail: 'the request could not be routed',
});

/** Fastify's `frameworkErrors`: every error it raises before routing, as problem+json with a request id. */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void sendProblem(reply.header('x-request-id', request.id), FRAMEWORK_ERRORS[error.code] ?? FRAMEWORK_BUG);
}

/** The options of the gateway's Fastify server (main.ts hands them to its FastifyAdapter). */
export function gatewayServerOptions(): FastifyServerOptions {
  return {
    bodyLimit: MAX_BODY_BYTES,
    maxParamLength: MAX_PARAM_LENGTH,
    genReqId: (request) => requestIdOf(request.headers['x-request-id']),
    frameworkErrors: answerFrameworkError,
  };
}
