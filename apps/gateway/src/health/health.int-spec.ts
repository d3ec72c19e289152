import { createServer, Server, Socket } from 'node:net';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createKafka } from '@concord/kafka';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createTestDatabase, freePort, TEST_KAFKA_BROKERS, TEST_REDIS_URL } from '@concord/testing';
import { HEALTH_CHECKS, HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

/**
 * /health and /ready through the HTTP layer, with readiness checks against the real PostgreSQL, Redis and
 * Kafka, and against a port where nothing listens or where a server accepts and never answers.
 */
describe('health and readiness', () => {
  const TIMEOUT_MS = 500;
  let database: { url: string; drop: () => Promise<void> };
  let blackhole: Server;
  let blackholePort: number;
  const sockets: Socket[] = [];
  const closers: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // Accepts connections and never answers: a dependency that hangs.
    blackhole = createServer((socket) => void sockets.push(socket));
    blackholePort = await freePort();
    await new Promise<void>((resolve) => blackhole.listen(blackholePort, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
    await database.drop();
  });

  async function gateway(options: { postgresUrl?: string; redisUrl?: string }) {
    const prisma: ServicesPrismaClient = servicesClient(options.postgresUrl ?? database.url);
    const redis = new Redis(options.redisUrl ?? TEST_REDIS_URL, {
      maxRetriesPerRequest: 2,
      lazyConnect: false,
    });
    redis.on('error', () => undefined);
    const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'health-test', topicPrefix: '' });
    const admins = jest.spyOn(kafka, 'admin');
    const readiness = new ReadinessService(prisma, redis, kafka, TIMEOUT_MS);
    const module = await Test.createTestingModule({
      controllers: [HealthController],
      providers: [
        { provide: HEALTH_CHECKS, useValue: readiness.checks() },
        { provide: Registry, useValue: new Registry() },
      ],
    }).compile();
    const app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    closers.push(
      () => app.close(),
      () => readiness.close(),
      () => redis.disconnect(),
      () => prisma.$disconnect(),
    );
    const get = async (url: string) => {
      const started = Date.now();
      const res = await app.inject({ method: 'GET', url });
      return { status: res.statusCode, body: res.json(), ms: Date.now() - started };
    };
    return { get, admins };
  }

  it('answers /ready 200 when every dependency is up, through one Kafka admin connection', async () => {
    const { get, admins } = await gateway({});
    for (let i = 0; i < 3; i++) {
      expect(await get('/ready')).toMatchObject({
        status: 200,
        body: { status: 'up', checks: { postgres: 'up', redis: 'up', kafka: 'up' } },
      });
    }
    expect(admins).toHaveBeenCalledTimes(1);
    expect((await get('/health')).body).toEqual({ status: 'up' });
  });

  it('answers /ready 503 naming PostgreSQL when nothing listens on its port, and /health 200', async () => {
    const { get } = await gateway({
      postgresUrl: `postgresql://postgres@127.0.0.1:${await freePort()}/none`,
    });
    const ready = await get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('down');
    expect(ready.body.checks.postgres).toMatch(/^down: /);
    expect(ready.body.checks).toMatchObject({ redis: 'up', kafka: 'up' });
    expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'up' } });
  });

  it('answers /ready 503 naming Redis within the check timeout when Redis hangs or is gone', async () => {
    const hanging = await gateway({ redisUrl: `redis://127.0.0.1:${blackholePort}` });
    const ready = await hanging.get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toBe(`down: no answer within ${TIMEOUT_MS} ms`);
    expect(ready.body.checks).toMatchObject({ postgres: 'up', kafka: 'up' });
    expect(ready.ms).toBeLessThan(TIMEOUT_MS + 1000);
    const gone = await gateway({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
    const down = await gone.get('/ready');
    expect(down.status).toBe(503);
    expect(down.body.checks.redis).toMatch(/^down: /);
    expect((await gone.get('/health')).status).toBe(200);
  });
});
