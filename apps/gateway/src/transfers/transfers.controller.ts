import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { z } from 'zod';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { fieldErrors, invalidInput } from '../problems/problem';
import { isCompleted, toTransferView } from './transfers.dto';
import { TransfersRepository } from './transfers.repository';
import { TransferFailure, transferProblem } from './transfers.errors';
import { TransfersService } from './transfers.service';
import { decodeCursor, encodeCursor } from '../pagination/cursor';

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
    @Inject(TransfersRepository) private readonly repository: TransfersRepository,
  ) {}

  /** `GET /v1/transfers?role&status&currency&from&to&limit&cursor`: the caller's transfers, newest first. */
  @Get()
  async list(@Req() req: RawBodyRequest<FastifyRequest>, @Query() query: Record<string, string>) {
    const auth = await this.auth.authenticateRequest(req);
    const parsed = listQuerySchema.safeParse(query);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error.issues, '(query)');
      throw invalidInput('query', errors);
    }
    const q = parsed.data;
    const rows = await this.repository.list({
      participantId: auth.participant.id,
      role: q.role,
      status: q.status,
      currency: q.currency,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      before: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: q.limit,
    });
    const last = rows[rows.length - 1];
    return {
      transfers: rows.map(toTransferView),
      nextCursor: rows.length === q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }

  @Post()
  async create(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
    @Query('wait') wait?: string,
  ) {
    const auth = await this.auth.authenticateRequest(req);
    const waitMs = this.waitMs(wait);
    try {
      const { view: final, created } = await this.transfers.submit(auth, waitMs);
      void reply
        .status(created || final.status === 'accepted' ? 202 : 200)
        .header('location', `/v1/transfers/${encodeURIComponent(final.id)}`)
        .send(final);
    } catch (e) {
      if (e instanceof TransferFailure) throw transferProblem(e.error);
      throw e;
    }
  }

  @Post(':id/fulfil')
  fulfil(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('wait') wait?: string,
  ) {
    return this.complete(req, reply, id, 'fulfil', wait);
  }

  @Post(':id/abort')
  abort(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('wait') wait?: string,
  ) {
    return this.complete(req, reply, id, 'abort', wait);
  }

  private async complete(
    req: RawBodyRequest<FastifyRequest>,
    reply: FastifyReply,
    id: string,
    action: 'fulfil' | 'abort',
    wait: string | undefined,
  ) {
    const auth = await this.auth.authenticateRequest(req);
    const waitMs = this.waitMs(wait);
    try {
      const { view, sent } = await this.transfers.complete(auth, id, action);
      const final =
        sent && waitMs > 0
          ? await this.transfers.waitFor(auth.participant.id, id, waitMs, isCompleted)
          : view;
      void reply.status(sent ? 202 : 200).send(final);
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
    const auth = await this.auth.authenticateRequest(req);
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
    throw invalidInput('query', [{ field: 'wait', message: 'a whole number of milliseconds' }]);
  }
  return Math.min(Number(wait), maxWaitMs);
}

const listQuerySchema = z
  .object({
    role: z.enum(['payer', 'payee']).optional(),
    status: z
      .enum(['accepted', 'committed', 'reserved', 'fulfilled', 'aborted', 'expired', 'rejected'])
      .optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
      .optional(),
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/, 'a cursor from a previous page')
      .refine((c) => decodeCursor(c) !== undefined, 'a cursor from a previous page')
      .optional(),
  })
  .strict();
