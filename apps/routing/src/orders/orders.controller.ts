import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { orderListQuerySchema, orderRequestSchema } from '@concord/contracts';
import { Caller, MemberGuard } from '../auth/member.guard';
import type { Member } from '../participants/directory';
import { parseBody } from '../http/parse';
import { OrdersService } from './orders.service';

@Controller('v1/orders')
@UseGuards(MemberGuard)
export class OrdersController {
  constructor(@Inject(OrdersService) private readonly orders: OrdersService) {}

  /** 201 with the new order; 200 with the first one for a retry under the same key and body. */
  @Post()
  async create(
    @Caller() caller: Member,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { view, created } = await this.orders.create(caller.id, parseBody(orderRequestSchema, body), key);
    reply.status(created ? 201 : 200);
    return view;
  }

  @Get()
  list(@Caller() caller: Member, @Query() query: unknown) {
    return this.orders.list(caller.id, parseBody(orderListQuerySchema, query));
  }

  @Get(':id')
  get(@Caller() caller: Member, @Param('id') id: string) {
    return this.orders.get(caller.id, id);
  }
}
