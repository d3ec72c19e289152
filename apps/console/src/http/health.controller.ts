import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DependencyMonitor } from '../events/dependency.monitor';

/** Liveness (/health) and readiness (/ready: the database answers). */
@Controller()
export class HealthController {
  constructor(@Inject(DependencyMonitor) private readonly dependencies: DependencyMonitor) {}

  @Get('health')
  health() {
    return { status: 'up' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const checks = await this.dependencies.checkAll();
    const database = checks.find((c) => c.name === 'database');
    const ok = database?.up === true;
    await reply.status(ok ? 200 : 503).send({
      status: ok ? 'up' : 'down',
      checks: Object.fromEntries(checks.map((c) => [c.name, c.up ? 'up' : `down: ${c.detail}`])),
    });
  }
}
