import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { installRequestIds, requestIdOf } from './request-ids';

/** A gateway-like Fastify app with request ids, logging into an array at `level`. */
async function app(level: string) {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  const fastify = Fastify({ genReqId: (request) => requestIdOf(request.headers['x-request-id']) });
  installRequestIds(fastify, log);
  fastify.post('/v1/transfers', async (_request, reply) => {
    void reply.status(202).header('location', '/v1/transfers/t-9');
    return {};
  });
  await fastify.ready();
  return { fastify, lines };
}

describe('request ids', () => {
  it("takes the caller's X-Request-Id when it is sane, and makes a UUID otherwise", () => {
    expect(requestIdOf('trace-42.a:b_c')).toBe('trace-42.a:b_c');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(requestIdOf(undefined)).toMatch(uuid);
    expect(requestIdOf('has space')).toMatch(uuid);
    expect(requestIdOf('x'.repeat(65))).toMatch(uuid);
    expect(requestIdOf(['a', 'b'])).toMatch(uuid);
  });

  it('answers with the id, and logs the request with it and the transfer at debug level', async () => {
    const { fastify, lines } = await app('debug');
    const res = await fastify.inject({
      method: 'POST',
      url: '/v1/transfers',
      headers: { 'x-request-id': 'p-1' },
    });
    expect(res.headers['x-request-id']).toBe('p-1');
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request answered',
        requestId: 'p-1',
        method: 'POST',
        url: '/v1/transfers',
        location: '/v1/transfers/t-9',
        status: 202,
      }),
    ]);
    await fastify.close();
  });

  it('logs nothing per request above debug level, and still answers with an id', async () => {
    const { fastify, lines } = await app('info');
    const res = await fastify.inject({ method: 'POST', url: '/v1/transfers' });
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(lines).toEqual([]);
    await fastify.close();
  });
});
