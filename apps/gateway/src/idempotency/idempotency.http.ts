import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth.service';
import { sendProblem, toProblem } from '../problems/problem';
import { IDEMPOTENCY_HEADER, IdempotencyService, StoredResponse } from './idempotency.service';

/** Headers of a stored response that are sent again with it. */
const KEPT_HEADERS = ['content-type', 'location'];

/**
 * `Idempotency-Key` for every POST under /v1, in one place for every controller: a `preHandler` hook
 * authenticates the request (AuthService answers the handler the same result later), then claims the key
 * or answers the stored response without running the handler; an `onSend` hook stores what the handler
 * answered. Server errors (5xx) are not stored: the claim is dropped so that a retry runs again, which is
 * safe because every write is idempotent by its own id too. Add it before the routes are registered.
 */
export function installIdempotency(
  fastify: FastifyInstance,
  auth: AuthService,
  idempotency: IdempotencyService,
  onBug: (error: unknown) => void,
): void {
  const running = new WeakMap<FastifyRequest, (response: StoredResponse | undefined) => Promise<void>>();

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' || !request.url.startsWith('/v1/')) return;
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined || request.routeOptions.url === undefined) return;
    // An unauthenticated request never reads or claims a key: the handler refuses it as without a key.
    const caller = await auth
      .authenticateRequest(request as FastifyRequest & { rawBody?: Buffer })
      .catch(() => undefined);
    if (!caller) return;
    try {
      const key = IdempotencyService.parseKey(header)!;
      const begun = await idempotency.begin(caller.participant.id, key, {
        method: request.method,
        path: request.url.split('?')[0],
        body: caller.signed.body,
      });
      if (begun.kind === 'run') {
        running.set(request, begun.finish);
        return;
      }
      const { statusCode, headers, body } = begun.response;
      return reply.status(statusCode).headers(headers).header('idempotent-replayed', 'true').send(body);
    } catch (error) {
      const problem = toProblem(error);
      if (problem.status >= 500) onBug(error);
      return sendProblem(reply, problem);
    }
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const finish = running.get(request);
    if (!finish) return payload;
    running.delete(request);
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : undefined;
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    try {
      await finish(
        reply.statusCode < 500 && body !== undefined
          ? { statusCode: reply.statusCode, headers, body }
          : undefined,
      );
    } catch (error) {
      // The response itself is right; a retry with the key finds the claim and, after it expires, runs again.
      onBug(error);
    }
    return payload;
  });
}
