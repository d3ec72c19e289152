import { Controller, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { GATEWAY_LIMITS, GatewayLimits, parseWaitMs } from './transfers.controller';
import { TransferFailure, transferProblem } from './transfers.errors';
import { TransfersService } from './transfers.service';

/**
 * `POST /v1/transfer-batches`: up to MAX_BATCH_TRANSFERS (500) transfers under one signature. Each
 * transfer keeps its own id, idempotency and outcome; the batch is validated whole (400 names the element).
 */
@Controller('v1/transfer-batches')
export class TransferBatchesController {
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
    const auth = await this.auth.authenticateRequest(req);
    const waitMs = parseWaitMs(wait, this.limits.maxWaitMs);
    try {
      const { views: final, created } = await this.transfers.submitBatch(auth, waitMs);
      void reply.status(created > 0 ? 202 : 200).send({ transfers: final });
    } catch (e) {
      if (e instanceof TransferFailure) throw transferProblem(e.error);
      throw e;
    }
  }
}
