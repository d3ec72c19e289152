import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from './gateway.metrics';

/**
 * Times every HTTP request in a Fastify `onResponse` hook: after the response is sent, so the client
 * never waits for it. Fastify already measures the time since the request arrived (`reply.elapsedTime`)
 * and knows the route template the request matched (`request.routeOptions.url`), so the hook costs one
 * histogram observation and nothing else. Add it before the routes are registered (before `app.init()`).
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: GatewayMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    done();
  });
}
