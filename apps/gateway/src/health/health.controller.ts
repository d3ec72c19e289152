import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HealthCheck, runChecks } from '@concord/observability';
import { Registry } from 'prom-client';

export const HEALTH_CHECKS = 'HEALTH_CHECKS';

/** Liveness, readiness (Kafka, PostgreSQL, Redis) and Prometheus metrics. */
@Controller()
export class HealthController {
  constructor(
    @Inject(HEALTH_CHECKS) private readonly checks: Record<string, HealthCheck>,
    @Inject(Registry) private readonly registry: Registry,
  ) {}

  @Get('health')
  health() {
    return { status: 'up' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply) {
    const checks = await runChecks(this.checks);
    const ok = Object.values(checks).every((c) => c === 'up');
    void reply.status(ok ? 200 : 503).send({ status: ok ? 'up' : 'down', checks });
  }

  @Get('metrics')
  async metrics(@Res() reply: FastifyReply) {
    void reply.header('content-type', this.registry.contentType).send(await this.registry.metrics());
  }
}
