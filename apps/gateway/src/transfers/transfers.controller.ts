import {
  Controller,
  Get,
  Inject,
  Injectable,
  Param,
  PipeTransform,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ID_PATTERN, WAIT_MS_PATTERN } from '@concord/contracts';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import type { KnownParticipant } from '../auth/participants.repository';
import { isCompleted, isSettled, toTransferView, transferListFilter, transferPage } from './transfers.dto';
import { TransferFailure } from './transfers.errors';
import { TransfersRepository } from './transfers.repository';
import { TransfersService } from './transfers.service';

export const GATEWAY_LIMITS = 'GATEWAY_LIMITS';

export interface GatewayLimits {
  maxWaitMs: number;
}

/** `?wait=<ms>`: a whole number of milliseconds (the contract's pattern), capped at the configured maximum. */
export function parseWaitMs(wait: string | undefined, maxWaitMs: number): number {
  if (wait === undefined) return 0;
  if (!WAIT_MS_PATTERN.test(wait)) {
    throw new TransferFailure({
      kind: 'INVALID_QUERY',
      errors: [{ field: 'wait', message: 'a whole number of milliseconds' }],
    });
  }
  return Math.min(Number(wait), maxWaitMs);
}

/** `?payer=<id>`: whose transfer the id in the path is, when the caller is not its payer. */
export function parsePayer(payer: string | undefined): string | undefined {
  if (payer === undefined) return undefined;
  if (typeof payer !== 'string' || !ID_PATTERN.test(payer)) {
    throw new TransferFailure({
      kind: 'INVALID_QUERY',
      errors: [{ field: 'payer', message: 'a participant id, once' }],
    });
  }
  return payer;
}

/** `@Query('wait', WaitMsPipe)`: the wait of a transfer operation in milliseconds (0: answer at once). */
@Injectable()
export class WaitMsPipe implements PipeTransform<string | undefined, number> {
  constructor(@Inject(GATEWAY_LIMITS) private readonly limits: GatewayLimits) {}

  transform(wait: string | undefined): number {
    return parseWaitMs(wait, this.limits.maxWaitMs);
  }
}

/** `/v1/transfers`: submit, list, read, fulfil and abort the caller's transfers. */
@Controller('v1/transfers')
@UseGuards(PartnerGuard)
export class TransfersController {
  constructor(
    @Inject(TransfersService) private readonly transfers: TransfersService,
    @Inject(TransfersRepository) private readonly repository: TransfersRepository,
  ) {}

  /** `GET /v1/transfers?role&status&currency&from&to&limit&cursor`: the caller's transfers, newest first. */
  @Get()
  async list(@Partner() caller: AuthenticatedRequest, @Query() query: Record<string, string>) {
    const filter = transferListFilter(caller.participant.id, query);
    return transferPage(await this.repository.list(filter), filter.limit);
  }

  @Post()
  async create(
    @Partner() caller: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Query('wait', WaitMsPipe) waitMs: number,
  ) {
    const { view, created } = await this.transfers.submit(caller, waitMs);
    // 202 while the ledger has not decided; once it has, 201 for the transfer this request made (final
    // within its wait), 200 for one the same id made before.
    const status = !isSettled(view.status) ? 202 : created ? 201 : 200;
    void reply
      .status(status)
      .header('location', `/v1/transfers/${encodeURIComponent(view.id)}`)
      .send(view);
  }

  @Post(':id/fulfil')
  fulfil(
    @Partner() caller: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('wait', WaitMsPipe) waitMs: number,
  ) {
    return this.complete(caller, reply, id, 'fulfil', waitMs);
  }

  @Post(':id/abort')
  abort(
    @Partner() caller: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('wait', WaitMsPipe) waitMs: number,
  ) {
    return this.complete(caller, reply, id, 'abort', waitMs);
  }

  /**
   * `GET /v1/transfers/{id}?payer&wait`: the caller's own transfer with that id, else the one paid to it
   * with that id; `payer` chooses (see TransfersService.get).
   */
  @Get(':id')
  async get(
    @Partner('participant') participant: KnownParticipant,
    @Param('id') id: string,
    @Query('wait', WaitMsPipe) waitMs: number,
    @Query('payer') payer: string | undefined,
  ) {
    const of = parsePayer(payer);
    if (waitMs > 0) return this.transfers.waitFor(participant.id, id, waitMs, undefined, of);
    return toTransferView(await this.transfers.get(participant.id, id, of));
  }

  /**
   * Fulfil or abort; with a wait, answers the decided state: 200 once the fulfil or abort is decided (now
   * or before), 202 while the instruction sent now is still pending.
   */
  private async complete(
    caller: AuthenticatedRequest,
    reply: FastifyReply,
    id: string,
    action: 'fulfil' | 'abort',
    waitMs: number,
  ) {
    const { view, sent } = await this.transfers.complete(caller, id, action);
    const final =
      sent && waitMs > 0
        ? await this.transfers.waitFor(caller.participant.id, id, waitMs, isCompleted, view.payer)
        : view;
    void reply.status(sent && !isCompleted(final.status) ? 202 : 200).send(final);
  }
}
