import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { Problem } from '../problems/problem';
import { toTransferView } from './transfers.dto';
import { TransferFailure, transferProblem } from './transfers.errors';
import { TransfersService } from './transfers.service';

export const GATEWAY_LIMITS = 'GATEWAY_LIMITS';

export interface GatewayLimits {
  maxWaitMs: number;
}

/** `POST /v1/transfers` and `GET /v1/transfers/{id}`: every request signed by the partner. */
@Controller('v1/transfers')
export class TransfersController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(TransfersService) private readonly transfers: TransfersService,
    @Inject(GATEWAY_LIMITS) private readonly limits: GatewayLimits,
  ) {}

  @Post()
  async create(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
    @Query('wait') wait?: string,
  ) {
    const body = req.rawBody?.toString('utf8') ?? '';
    const path = req.url.split('?')[0];
    const auth = await this.auth.authenticate({
      method: 'POST',
      path,
      body,
      headers: req.headers,
      nowMs: Date.now(),
    });
    const waitMs = this.waitMs(wait);
    try {
      const { view, created } = await this.transfers.submit({ auth, path, body });
      const final = waitMs > 0 ? await this.transfers.waitFor(auth.participant.id, view.id, waitMs) : view;
      void reply
        .status(created || final.status === 'accepted' ? 202 : 200)
        .header('location', `/v1/transfers/${encodeURIComponent(view.id)}`)
        .send(final);
    } catch (e) {
      if (e instanceof TransferFailure) throw transferProblem(e.error);
      throw e;
    }
  }

  @Get(':id')
  async get(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Param('id') id: string,
    @Query('wait') wait?: string,
  ) {
    const path = req.url.split('?')[0];
    const auth = await this.auth.authenticate({
      method: 'GET',
      path,
      body: '',
      headers: req.headers,
      nowMs: Date.now(),
    });
    try {
      const waitMs = this.waitMs(wait);
      if (waitMs > 0) return await this.transfers.waitFor(auth.participant.id, id, waitMs);
      return toTransferView(await this.transfers.get(auth.participant.id, id));
    } catch (e) {
      if (e instanceof TransferFailure) throw transferProblem(e.error);
      throw e;
    }
  }

  private waitMs(wait: string | undefined): number {
    return parseWaitMs(wait, this.limits.maxWaitMs);
  }
}

/** `?wait=<ms>`: a whole number of milliseconds, capped at the configured maximum. */
export function parseWaitMs(wait: string | undefined, maxWaitMs: number): number {
  if (wait === undefined) return 0;
  if (!/^\d{1,6}$/.test(wait)) {
    throw new Problem(
      400,
      'INVALID_QUERY',
      'The query is not valid',
      'wait must be a whole number of milliseconds',
      [{ field: 'wait', message: 'a whole number of milliseconds' }],
    );
  }
  return Math.min(Number(wait), maxWaitMs);
}
