import { Controller, Inject, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import { WaitMsPipe } from './transfers.controller';
import { isSettled } from './transfers.dto';
import { TransfersService } from './transfers.service';

/**
 * `POST /v1/transfer-batches`: up to MAX_BATCH_TRANSFERS (500) transfers under one signature. Each
 * transfer keeps its own id, idempotency and outcome; the batch is validated whole (400 names the element).
 */
@Controller('v1/transfer-batches')
@UseGuards(PartnerGuard)
export class TransferBatchesController {
  constructor(@Inject(TransfersService) private readonly transfers: TransfersService) {}

  @Post()
  async create(
    @Partner() caller: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Query('wait', WaitMsPipe) waitMs: number,
  ) {
    const { views, created } = await this.transfers.submitBatch(caller, waitMs);
    // As for one transfer: 202 while any is undecided, else 201 when this request made transfers, 200 when
    // every one was made before by the same ids.
    const status = !views.every((v) => isSettled(v.status)) ? 202 : created > 0 ? 201 : 200;
    void reply.status(status).send({ transfers: views });
  }
}
