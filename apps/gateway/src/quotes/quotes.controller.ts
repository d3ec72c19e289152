import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { QuotesService } from './quotes.service';

/** `POST /v1/quotes`: a signed, time-limited FX quote for the caller. */
@Controller('v1/quotes')
export class QuotesController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(QuotesService) private readonly quotes: QuotesService,
  ) {}

  @Post()
  async create(@Req() req: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply) {
    const auth = await this.auth.authenticateRequest(req);
    const quote = await this.quotes.quote(auth.participant, auth.signed.body);
    void reply.status(201).send(quote);
  }
}
