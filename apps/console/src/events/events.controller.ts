import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Permission } from '../auth/caller';
import { SECURITY_HEADERS } from '../http/security-headers';
import { EVENT_BUS } from '../alarms/alarms.controller';
import type { EventBus } from './event-bus';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: every event of the bus as `event: <type>` and `data: <json>`, with a comment line
 * every 15 s so that proxies keep the connection. EventSource reconnects by itself after a drop.
 */
@Controller('ops/v1/events')
export class EventsController {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  @Get()
  @Permission('read')
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 2000\n: connected\n\n`);
    const subscription = this.bus.events.subscribe(({ type, data }) => {
      raw.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
    });
    const heartbeat = setInterval(() => raw.write(`: ${Date.now()}\n\n`), HEARTBEAT_MS);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
    });
  }
}
