import { instructionsCsv } from '@concord/contracts';
import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { jsonSchema, problemResponses } from '../docs/schemas';
import {
  createConfirmationSchema,
  INSTRUCTION_STATUSES,
  instructionDetailViewSchema,
  instructionViewSchema,
  negotiateInstructionsFormat,
} from './settlement-instructions.dto';
import { SettlementFailure, settlementProblem } from './settlement-instructions.errors';
import { SettlementInstructionsService } from './settlement-instructions.service';

/**
 * `GET /v1/settlement-instructions`, `GET /v1/settlement-instructions/{id}` and
 * `POST /v1/settlement-instructions/{id}/confirmations`: the caller's own settlement instructions (what it
 * pays in or is paid out when a window closes) and its confirmations of what it was paid out.
 */
@ApiTags('settlement')
@Controller('v1/settlement-instructions')
export class SettlementInstructionsController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(SettlementInstructionsService) private readonly instructions: SettlementInstructionsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: "The caller's settlement instructions, newest first",
    description:
      "JSON, or CSV with `Accept: text/csv` (the next page's cursor in the `Next-Cursor` header). Filters: " +
      '`window` (id), `currency`, `status`; `limit` (at most 200) and `cursor` (`nextCursor` of the previous page).',
  })
  @ApiQuery({ name: 'window', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'currency', required: false, schema: { type: 'string', pattern: '^[A-Z]{3}$' } })
  @ApiQuery({ name: 'status', required: false, schema: { type: 'string', enum: [...INSTRUCTION_STATUSES] } })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'A page of instructions',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            instructions: { type: 'array', items: jsonSchema(instructionViewSchema) },
            nextCursor: { type: 'string', nullable: true },
          },
        },
      },
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'id,windowId,participantId,currency,direction,amount,confirmed,outstanding,valueDate,status\r\n' +
            'w7.hk-remit,7,hk-remit,USD,pay-in,100.00,0.00,100.00,2026-11-28,pending\r\n',
        },
      },
    },
  })
  @problemResponses(400, 401, 406, 429)
  async list(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: Record<string, string>,
  ) {
    const auth = await this.auth.authenticateRequest(req);
    try {
      const accept = req.headers.accept;
      const format = negotiateInstructionsFormat(accept);
      if (!format) throw new SettlementFailure({ kind: 'NOT_ACCEPTABLE', accept: accept ?? '' });
      const page = await this.instructions.list(auth.participant.id, { ...query });
      if (format === 'json') return page;
      void reply.header('content-type', 'text/csv; charset=utf-8');
      if (page.nextCursor) void reply.header('next-cursor', page.nextCursor);
      return instructionsCsv(page.instructions);
    } catch (e) {
      if (e instanceof SettlementFailure) throw settlementProblem(e.error);
      throw e;
    }
  }

  @Get(':id')
  @ApiOperation({
    summary: "One of the caller's settlement instructions, with its confirmations",
    description: "Anyone else's instruction is 404, as one that does not exist.",
  })
  @ApiParam({ name: 'id', description: 'the instruction id, e.g. w7.hk-remit' })
  @ApiResponse({
    status: 200,
    description: 'The instruction',
    schema: jsonSchema(instructionDetailViewSchema),
  })
  @problemResponses(401, 404, 429)
  async get(@Req() req: RawBodyRequest<FastifyRequest>, @Param('id') id: string) {
    const auth = await this.auth.authenticateRequest(req);
    try {
      return await this.instructions.get(auth.participant.id, id);
    } catch (e) {
      if (e instanceof SettlementFailure) throw settlementProblem(e.error);
      throw e;
    }
  }

  @Post(':id/confirmations')
  @ApiOperation({
    summary: 'Confirm that (part of) a pay-out was received',
    description:
      'The payee records the external settlement of its own pay-out with its bank reference; pay-ins are ' +
      'confirmed by the operator from the settlement bank (403 `CONFIRMATION_NOT_ALLOWED`). The clearing ' +
      "service records it as an operator's confirmation (partial confirmations add up, never past the " +
      'amount) and posts it to the ledger; its outcome shows on the instruction (`confirmations`, status ' +
      '`requested` until then, `refused` with the reason) and by the `settlement.instruction.confirmed` ' +
      'webhook. Idempotent by bank reference: the same reference and amount again answers 200 with the ' +
      'instruction as it stands; another amount gets 409 `CONFIRMATION_CONFLICT`.',
  })
  @ApiParam({ name: 'id', description: 'the instruction id, e.g. w7.mnl-payout' })
  @ApiBody({ schema: jsonSchema(createConfirmationSchema, 'input') })
  @ApiResponse({
    status: 202,
    description: 'Sent to the clearing service; the confirmation is `requested`',
    schema: jsonSchema(instructionDetailViewSchema),
  })
  @ApiResponse({
    status: 200,
    description: 'The bank reference was confirmed before: the instruction as it stands',
    schema: jsonSchema(instructionDetailViewSchema),
  })
  @problemResponses(400, 401, 403, 404, 409, 422, 429)
  async confirm(
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    const auth = await this.auth.authenticateRequest(req);
    let body: unknown;
    try {
      body = JSON.parse(auth.signed.body || 'null');
    } catch {
      throw settlementProblem({
        kind: 'INVALID_BODY',
        errors: [{ field: '(body)', message: 'not JSON' }],
      });
    }
    try {
      const { view, sent } = await this.instructions.confirm(auth.participant.id, id, body);
      void reply.status(sent ? 202 : 200).send(view);
    } catch (e) {
      if (e instanceof SettlementFailure) throw settlementProblem(e.error);
      throw e;
    }
  }
}
