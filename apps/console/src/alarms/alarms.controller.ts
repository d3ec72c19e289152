import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { acknowledgeAlarmRequestSchema, alarmsQuerySchema } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { Audited, Caller, CallerOf, Permission } from '../auth/caller';
import type { EventBus } from '../events/event-bus';
import { decodePair, encodePair } from '../http/paging';
import { notFound, parseRequest } from '../http/problems';
import { AlarmsRepository } from './alarms.repository';

export const EVENT_BUS = 'CONSOLE_EVENT_BUS';

/** Alarms: the list (active, acknowledged, all) and an operator's acknowledgement. */
@Controller('ops/v1/alarms')
export class AlarmsController {
  constructor(
    @Inject(AlarmsRepository) private readonly alarms: AlarmsRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  @Get()
  @Permission('read')
  async list(@Query() query: unknown) {
    const q = parseRequest(alarmsQuerySchema, query, '(query)');
    const after = decodePair(q.cursor);
    const alarms = await this.alarms.page({
      state: q.state,
      limit: q.limit,
      after: after ? { at: new Date(after.n).toISOString(), id: after.id } : undefined,
    });
    const last = alarms[alarms.length - 1];
    return {
      alarms,
      nextCursor: alarms.length === q.limit && last ? encodePair(Date.parse(last.raisedAt), last.id) : null,
    };
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Permission('alarms.acknowledge')
  @Audited('alarm.acknowledge')
  async acknowledge(@Param('id') id: string, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { note } = parseRequest(acknowledgeAlarmRequestSchema, body ?? {});
    const alarm = await this.alarms.acknowledge(id, caller.username, note ?? null);
    if (!alarm) {
      if (await this.alarms.find(id)) {
        throw new Problem(409, 'ALREADY_ACKNOWLEDGED', 'Already acknowledged', {
          detail: `alarm ${id} was acknowledged already`,
        });
      }
      throw notFound(`alarm ${id}`);
    }
    this.bus.publish('alarm', alarm);
    return { alarm };
  }
}
