import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { GatewayMetrics, methodLabel, routeLabel, UNMATCHED_ROUTE } from './gateway.metrics';
import { installHttpMetrics } from './http-metrics';

@Controller('v1/transfers')
class FakeTransfersController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }

  @Post(':id/fulfil')
  @HttpCode(202)
  fulfil() {
    return {};
  }
}

/** The series of one metric in the registry, as label sets and values. */
async function series(registry: Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []) as {
    labels: Record<string, string | number>;
    value: number;
    metricName?: string;
  }[];
}

describe('HTTP request metrics through Nest on Fastify', () => {
  let app: NestFastifyApplication;
  let registry: Registry;

  beforeAll(async () => {
    const module = await Test.createTestingModule({ controllers: [FakeTransfersController] }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    registry = new Registry();
    installHttpMetrics(app.getHttpAdapter().getInstance(), new GatewayMetrics(registry));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('labels each request with its route template and status, never with the raw path', async () => {
    for (const id of ['t-1', 't-2', 'a%20very%20long%20and%20unique%20id']) {
      expect((await app.inject({ method: 'GET', url: `/v1/transfers/${id}` })).statusCode).toBe(200);
    }
    expect((await app.inject({ method: 'POST', url: '/v1/transfers/t-9/fulfil' })).statusCode).toBe(202);
    for (const junk of ['/wp-admin', '/v1/transfers', '/v1/x/y/z?q=1']) {
      expect((await app.inject({ method: 'GET', url: junk })).statusCode).toBe(404);
    }
    const counts = (await series(registry, 'gateway_http_request_duration_seconds')).filter(
      (v) => v.metricName === 'gateway_http_request_duration_seconds_count',
    );
    expect(counts.map((v) => [v.labels.method, v.labels.route, v.labels.status, v.value]).sort()).toEqual([
      ['GET', '/v1/transfers/:id', '200', 3],
      ['GET', UNMATCHED_ROUTE, '404', 3],
      ['POST', '/v1/transfers/:id/fulfil', '202', 1],
    ]);
    const text = await registry.metrics();
    expect(text).not.toContain('t-1');
    expect(text).not.toContain('wp-admin');
  });

  it('observes the duration in seconds, as Fastify measured it', async () => {
    const sums = (await series(registry, 'gateway_http_request_duration_seconds')).filter(
      (v) => v.metricName === 'gateway_http_request_duration_seconds_sum',
    );
    for (const s of sums) {
      expect(s.value).toBeGreaterThan(0);
      // Seven in-process requests take milliseconds, not seconds: a value in ms would fail this.
      expect(s.value).toBeLessThan(5);
    }
  });
});

describe('gateway metric labels', () => {
  it('keeps methods and route labels to closed sets', () => {
    expect(methodLabel('GET')).toBe('GET');
    expect(methodLabel('PROPFIND')).toBe('OTHER');
    expect(routeLabel('/v1/transfers/:id')).toBe('/v1/transfers/:id');
    expect(routeLabel(undefined)).toBe(UNMATCHED_ROUTE);
    expect(routeLabel('')).toBe(UNMATCHED_ROUTE);
  });

  it('counts finalized outcomes by status, with the reason of rejections and refusals only', async () => {
    const registry = new Registry();
    const metrics = new GatewayMetrics(registry);
    metrics.countOutcomes([
      { status: 'committed' },
      { status: 'committed' },
      { status: 'fulfilled' },
      { status: 'rejected', reason: 'INSUFFICIENT_FUNDS' },
      { status: 'rejected', reason: 'INSUFFICIENT_FUNDS' },
      { status: 'rejected', reason: 'QUOTE_EXPIRED' },
      { status: 'rejected', reason: 'NOT_AUTHORIZED', refusal: true },
      { status: 'expired', reason: 'ignored for this status' },
    ]);
    metrics.countOutcomes([{ status: 'committed' }, { status: 'aborted' }]);
    const values = (await series(registry, 'gateway_transfers_finalized_total')).map((v) => [
      v.labels.status,
      v.labels.reason,
      v.value,
    ]);
    expect(values.sort()).toEqual(
      [
        ['aborted', '', 1],
        ['committed', '', 3],
        ['expired', '', 1],
        ['fulfilled', '', 1],
        ['refused', 'NOT_AUTHORIZED', 1],
        ['rejected', 'INSUFFICIENT_FUNDS', 2],
        ['rejected', 'QUOTE_EXPIRED', 1],
      ].sort(),
    );
  });

  it('bounds reason labels: odd shapes and codes past the first hundred are OTHER', () => {
    const metrics = new GatewayMetrics(new Registry());
    expect(metrics.reasonLabel(undefined)).toBe('OTHER');
    expect(metrics.reasonLabel('free text with spaces')).toBe('OTHER');
    for (let i = 0; i < 100; i++) expect(metrics.reasonLabel(`CODE_${i}`)).toBe(`CODE_${i}`);
    expect(metrics.reasonLabel('CODE_100')).toBe('OTHER');
    expect(metrics.reasonLabel('CODE_7')).toBe('CODE_7');
  });
});
