import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { jsonSchema, problemResponses, quoteAnswerSchema, staleRateProblemSchema } from '../docs/schemas';
import { quoteRequestSchema, QuotesService } from './quotes.service';

/** `POST /v1/quotes`: a signed, time-limited FX quote for the caller. */
@ApiTags('quotes')
@Controller('v1/quotes')
export class QuotesController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(QuotesService) private readonly quotes: QuotesService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'A signed, time-limited FX quote for the caller',
    description:
      'Exactly one of `sendAmount` (source currency) and `receiveAmount` (target currency). The answer holds ' +
      'the signed `quote` to put in a transfer as it is, the `rate` behind it (source, as-of time, age, and ' +
      "`ageing` when the FX service's rate refresh is failing), and the `breakdown` of its total cost.",
  })
  @ApiBody({ schema: jsonSchema(quoteRequestSchema, 'input') })
  @ApiResponse({ status: 201, description: 'The quote', schema: jsonSchema(quoteAnswerSchema) })
  @ApiResponse({
    status: 503,
    description:
      '`STALE_RATE`: the rates behind the corridor are older than allowed (`rates` says which, from where, ' +
      'as of when and how old); `RATE_UNAVAILABLE`: no rate connects the currencies now. Retry after `Retry-After`.',
    content: { 'application/problem+json': { schema: staleRateProblemSchema } },
  })
  @problemResponses(400, 401, 422, 429)
  async create(@Req() req: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply) {
    const auth = await this.auth.authenticateRequest(req);
    const quote = await this.quotes.quote(auth.participant, auth.signed.body);
    void reply.status(201).send(quote);
  }
}
