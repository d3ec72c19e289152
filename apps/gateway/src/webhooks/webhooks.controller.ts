import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import type { KnownParticipant } from '../auth/participants.repository';
import { problemResponses } from '../docs/schemas';
import { WebhooksService } from './webhooks.service';

/**
 * `POST /v1/webhooks`, `GET /v1/webhooks`, `DELETE /v1/webhooks/{id}` and
 * `GET /v1/webhooks/{id}/deliveries`: a partner's own subscriptions to its transfers' and settlement
 * instructions' events.
 */
@ApiTags('webhooks')
@Controller('v1/webhooks')
@UseGuards(PartnerGuard)
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe to transfer and settlement events',
    description:
      'Events of the transfers the caller pays or receives, and of its own settlement instructions, are ' +
      'POSTed to `url`, signed with the `secret` returned here once (see the callbacks and the README, ' +
      '"Webhooks").',
  })
  @ApiResponse({ status: 201, description: 'Created; `secret` is never shown again.' })
  @problemResponses(400, 401, 422, 429)
  async create(@Partner() caller: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const view = await this.webhooks.create(caller.participant, caller.signed.body);
    void reply.status(201).header('location', `/v1/webhooks/${view.id}`).send(view);
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhooks (without their secrets)" })
  @ApiOkResponse({ description: 'The webhooks' })
  @problemResponses(401, 429)
  async list(@Partner('participant') participant: KnownParticipant) {
    return { webhooks: await this.webhooks.list(participant) };
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
  async remove(@Partner('participant') participant: KnownParticipant, @Param('id') id: string) {
    await this.webhooks.delete(participant, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: "A webhook's deliveries, newest first, with every attempt",
    description: 'Attempt log: status code or error, duration and time of each attempt.',
  })
  @ApiParam({ name: 'id', description: 'wh_...' })
  @ApiOkResponse({ description: 'The deliveries' })
  @problemResponses(400, 401, 404, 429)
  async deliveries(
    @Partner('participant') participant: KnownParticipant,
    @Param('id') id: string,
    @Query() query: Record<string, string>,
  ) {
    return { deliveries: await this.webhooks.deliveries(participant, id, { ...query }) };
  }
}
