import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ListsService } from '../lists/lists.service';
import { CompliancePrisma } from '../prisma';

export const PRISMA = 'PRISMA';

/** Liveness and readiness: ready once PostgreSQL answers and a list is in force (nothing is cleared before). */
@Controller()
export class HealthController {
  constructor(
    @Inject(PRISMA) private readonly prisma: CompliancePrisma,
    @Inject(ListsService) private readonly lists: ListsService,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    let postgres = 'ok';
    try {
      await this.prisma.$queryRawUnsafe('select 1');
    } catch (e) {
      postgres = e instanceof Error ? e.message : String(e);
    }
    const lists = this.lists.ready ? 'ok' : 'no list loaded';
    const ok = postgres === 'ok' && lists === 'ok';
    void reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not ready', checks: { postgres, lists } };
  }
}
