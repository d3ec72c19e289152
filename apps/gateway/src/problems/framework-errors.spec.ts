import Fastify, { FastifyInstance } from 'fastify';
import { gatewayServerOptions } from './framework-errors';

/**
 * Fastify refuses some requests before any route, hook or Nest filter runs (a URL it cannot decode, a path
 * parameter longer than its limit); those answers must be problem+json like every other error of the API.
 */
describe("the gateway's server options", () => {
  let server: FastifyInstance;

  beforeAll(async () => {
    server = Fastify(gatewayServerOptions());
    server.get('/v1/transfers/:id', async (request) => request.params);
    await server.ready();
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers a bad percent-encoding with a 400 problem', async () => {
    const answer = await server.inject({ method: 'GET', url: '/v1/transfers/%ZZ' });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.json()).toMatchObject({ status: 400, code: 'BAD_URL', title: expect.any(String) });
    expect(answer.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('answers a path parameter over the limit with a 414 problem', async () => {
    const answer = await server.inject({ method: 'GET', url: `/v1/transfers/${'x'.repeat(5_000)}` });
    expect(answer.statusCode).toBe(414);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.json()).toMatchObject({ status: 414, code: 'URI_TOO_LONG' });
    // The problem does not echo the 5,000 characters back.
    expect(answer.body.length).toBeLessThan(1_000);
  });

  it('still routes an id of the longest allowed length', async () => {
    const id = 'x'.repeat(64);
    const answer = await server.inject({ method: 'GET', url: `/v1/transfers/${id}` });
    expect(answer.json()).toEqual({ id });
  });
});
