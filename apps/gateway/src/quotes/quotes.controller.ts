import { Controller, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { quoteRatesProblemSchema } from '@concord/contracts';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import { jsonSchema, problemResponses } from '../docs/schemas';
import { QuotesService } from './quotes.service';

/** `POST /v1/quotes`: a signed, time-limited FX quote for the caller. */
@ApiTags('quotes')
@Controller('v1/quotes')
@UseGuards(PartnerGuard)
export class QuotesController {
  constructor(@Inject(QuotesService) private readonly quotes: QuotesService) {}

  @Post()
  @ApiOperation({
    summary: 'A signed, time-limited FX quote for the caller',
    description:
      'Exactly one of `sendAmount` (source currency) and `receiveAmount` (target currency). The answer holds ' +
      'the signed `quote` to put in a transfer as it is, the `rate` behind it (source, as-of time, age, and ' +
      "`ageing` when the FX service's rate refresh is failing), and the `breakdown` of its total cost.",
  })
  @ApiResponse({ status: 201, description: 'The quote' })
  @ApiResponse({
    status: 503,
    description:
      '`STALE_RATE`: the rates behind the corridor are older than allowed (`rates` says which, from where, ' +
      'as of when and how old); `RATE_UNAVAILABLE`: no rate connects the currencies now. Retry after `Retry-After`.',
    content: { 'application/problem+json': { schema: jsonSchema(quoteRatesProblemSchema) } },
  })
  @problemResponses(400, 401, 422, 429)
  async create(@Partner() caller: AuthenticatedRequest, @Res() reply: FastifyReply) {
    void reply.status(201).send(await this.quotes.quote(caller.participant, caller.signed.body));
  }
}
