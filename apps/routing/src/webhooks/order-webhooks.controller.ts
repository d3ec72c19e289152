import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { createOrderWebhookSchema, orderWebhookDeliveriesQuerySchema } from '@concord/contracts';
import { Caller, MemberGuard } from '../auth/member.guard';
import type { Member } from '../participants/directory';
import { parseBody } from '../http/parse';
import { OrderWebhooks } from './order-webhooks';

/** An app's subscriptions to its order events (the secret is in the 201 answer only). */
@Controller('v1/webhooks')
@UseGuards(MemberGuard)
export class OrderWebhooksController {
  constructor(@Inject(OrderWebhooks) private readonly webhooks: OrderWebhooks) {}

  @Post()
  create(@Caller() caller: Member, @Body() body: unknown) {
    return this.webhooks.create(caller.id, parseBody(createOrderWebhookSchema, body));
  }

  @Get()
  list(@Caller() caller: Member) {
    return this.webhooks.list(caller.id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: Member, @Param('id') id: string) {
    await this.webhooks.delete(caller.id, id);
  }

  /** Newest first, each with the log of its attempts; `?status=dead` lists the dead letters. */
  @Get(':id/deliveries')
  deliveries(@Caller() caller: Member, @Param('id') id: string, @Query() query: unknown) {
    return this.webhooks.deliveries(caller.id, id, parseBody(orderWebhookDeliveriesQuerySchema, query));
  }
}
