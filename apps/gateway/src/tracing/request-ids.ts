import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@concord/observability';

/** What a caller's X-Request-Id may be to be used as the request's id; anything else gets a new one. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id a request is logged under: the caller's X-Request-Id when it has a sane one (so a partner's own
 * trace id can be followed into Concord's logs), else a new UUID. Every answer carries it back.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

/**
 * X-Request-Id on every answer and, when the gateway logs at debug level, one line per request with its id,
 * the participant's transfer (from the URL or the Location of a new one), status and time: with the
 * transfer id, the signers' and clearing's lines about the same transfer. Without debug, no hook per
 * response is installed at all.
 */
export function installRequestIds(fastify: FastifyInstance, log: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  if (!log.isLevelEnabled('debug')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    log.debug(
      {
        requestId: request.id,
        method: request.method,
        url: request.url,
        location: reply.getHeader('location'),
        status: reply.statusCode,
        responseTimeMs: Math.round(reply.elapsedTime),
      },
      'request answered',
    );
    done();
  });
}
