import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { jsonSchema, problemResponses } from '../docs/schemas';
import {
  createdWebhookViewSchema,
  createWebhookSchema,
  deliveryViewSchema,
  webhookViewSchema,
} from './webhooks.dto';
import { WebhookFailure, webhookProblem } from './webhooks.errors';
import { WebhooksService } from './webhooks.service';

/**
 * `POST /v1/webhooks`, `GET /v1/webhooks`, `DELETE /v1/webhooks/{id}` and
 * `GET /v1/webhooks/{id}/deliveries`: a partner's own subscriptions to its transfers' and settlement
 * instructions' events.
 */
@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(WebhooksService) private readonly webhooks: WebhooksService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe to transfer and settlement events',
    description:
      'Events of the transfers the caller pays or receives, and of its own settlement instructions, are ' +
      'POSTed to `url`, signed with the `secret` returned here once (see the callbacks and the README, ' +
      '"Webhooks").',
  })
  @ApiBody({ schema: jsonSchema(createWebhookSchema, 'input') })
  @ApiResponse({
    status: 201,
    description: 'Created; `secret` is never shown again.',
    schema: jsonSchema(createdWebhookViewSchema),
  })
  @problemResponses(400, 401, 422, 429)
  async create(@Req() req: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply) {
    const auth = await this.auth.authenticateRequest(req);
    try {
      const view = await this.webhooks.create(auth.participant, auth.signed.body);
      void reply.status(201).header('location', `/v1/webhooks/${view.id}`).send(view);
    } catch (e) {
      if (e instanceof WebhookFailure) throw webhookProblem(e.error);
      throw e;
    }
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhooks (without their secrets)" })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { webhooks: { type: 'array', items: jsonSchema(webhookViewSchema) } },
    },
  })
  @problemResponses(401, 429)
  async list(@Req() req: RawBodyRequest<FastifyRequest>) {
    const auth = await this.auth.authenticateRequest(req);
    return { webhooks: await this.webhooks.list(auth.participant) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a webhook',
    description: 'Its pending deliveries are cancelled; its log stays.',
  })
  @ApiParam({ name: 'id', description: 'wh_...' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @problemResponses(401, 404, 429)
  async remove(@Req() req: RawBodyRequest<FastifyRequest>, @Param('id') id: string) {
    const auth = await this.auth.authenticateRequest(req);
    try {
      await this.webhooks.delete(auth.participant, id);
    } catch (e) {
      if (e instanceof WebhookFailure) throw webhookProblem(e.error);
      throw e;
    }
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "A webhook's deliveries, newest first, with every attempt",
    description: 'Attempt log: status code or error, duration and time of each attempt.',
  })
  @ApiParam({ name: 'id', description: 'wh_...' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  })
  @ApiQuery({
    name: 'status',
    required: false,
    schema: { type: 'string', enum: ['pending', 'delivered', 'dead', 'cancelled'] },
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { deliveries: { type: 'array', items: jsonSchema(deliveryViewSchema) } },
    },
  })
  @problemResponses(400, 401, 404, 429)
  async deliveries(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Param('id') id: string,
    @Query() query: Record<string, string>,
  ) {
    const auth = await this.auth.authenticateRequest(req);
    try {
      return { deliveries: await this.webhooks.deliveries(auth.participant, id, { ...query }) };
    } catch (e) {
      if (e instanceof WebhookFailure) throw webhookProblem(e.error);
      throw e;
    }
  }
}
