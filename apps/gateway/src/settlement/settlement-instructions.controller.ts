import { instructionsCsv } from '@concord/contracts';
import { Controller, Get, Headers, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import type { KnownParticipant } from '../auth/participants.repository';
import { problemResponses } from '../docs/schemas';
import { negotiateInstructionsFormat, parseConfirmationBody } from './settlement-instructions.dto';
import { SettlementFailure } from './settlement-instructions.errors';
import { SettlementInstructionsService } from './settlement-instructions.service';

/**
 * `GET /v1/settlement-instructions`, `GET /v1/settlement-instructions/{id}` and
 * `POST /v1/settlement-instructions/{id}/confirmations`: the caller's own settlement instructions (what it
 * pays in or is paid out when a window closes) and its confirmations of what it was paid out.
 */
@ApiTags('settlement')
@Controller('v1/settlement-instructions')
@UseGuards(PartnerGuard)
export class SettlementInstructionsController {
  constructor(
    @Inject(SettlementInstructionsService) private readonly instructions: SettlementInstructionsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: "The caller's settlement instructions, newest first",
    description:
      "JSON, or CSV with `Accept: text/csv` (the next page's cursor in the `Next-Cursor` header). Filters: " +
      '`window` (id), `currency`, `status`; `limit` (at most 200) and `cursor` (`nextCursor` of the previous page).',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'A page of instructions',
    content: {
      // The JSON body's schema comes from the contract (settlementInstructionPageSchema).
      'application/json': {},
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
    @Partner('participant') participant: KnownParticipant,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: Record<string, string>,
  ) {
    const format = negotiateInstructionsFormat(accept);
    if (!format) throw new SettlementFailure({ kind: 'NOT_ACCEPTABLE', accept: accept ?? '' });
    const page = await this.instructions.list(participant.id, { ...query });
    if (format === 'json') return page;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    if (page.nextCursor) void reply.header('next-cursor', page.nextCursor);
    return instructionsCsv(page.instructions);
  }

  @Get(':id')
  @ApiOperation({
    summary: "One of the caller's settlement instructions, with its confirmations",
    description: "Anyone else's instruction is 404, as one that does not exist.",
  })
  @ApiParam({ name: 'id', description: 'the instruction id, e.g. w7.hk-remit' })
  @ApiResponse({ status: 200, description: 'The instruction' })
  @problemResponses(401, 404, 429)
  get(@Partner('participant') participant: KnownParticipant, @Param('id') id: string) {
    return this.instructions.get(participant.id, id);
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
  @ApiResponse({
    status: 202,
    description: 'Sent to the clearing service; the confirmation is `requested`',
  })
  @ApiResponse({
    status: 200,
    description: 'The bank reference was confirmed before: the instruction as it stands',
  })
  @problemResponses(400, 401, 403, 404, 409, 422, 429)
  async confirm(
    @Partner() caller: AuthenticatedRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
  ) {
    const body = parseConfirmationBody(caller.signed.body);
    const { view, sent } = await this.instructions.confirm(caller.participant.id, id, body);
    void reply.status(sent ? 202 : 200).send(view);
  }
}
