import { Controller, Get, Headers, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import type { KnownParticipant } from '../auth/participants.repository';
import { problemResponses } from '../docs/schemas';
import { statementToCamt053, statementToJson } from './statement.builder';
import { StatementFailure } from './statements.errors';
import { StatementsService } from './statements.service';

export type StatementFormat = 'json' | 'camt053';

/**
 * Picks the representation from the Accept header (RFC 9110 media ranges with q-values): JSON for
 * application/json, application/* and * / * (and when there is no Accept header), camt.053 for
 * application/xml and text/xml. The highest q wins, the first listed on a tie; null when nothing fits.
 */
export function negotiateStatementFormat(accept: string | undefined): StatementFormat | null {
  if (!accept || accept.trim() === '') return 'json';
  let best: { format: StatementFormat; q: number } | null = null;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const format: StatementFormat | null =
      type === 'application/xml' || type === 'text/xml'
        ? 'camt053'
        : type === 'application/json' || type === 'application/*' || type === '*/*'
          ? 'json'
          : null;
    if (format && (!best || q > best.q)) best = { format, q };
  }
  return best?.format ?? null;
}

/** `GET /v1/statements?account&from&to`: a statement of one of the caller's own accounts. */
@ApiTags('statements')
@Controller('v1/statements')
@UseGuards(PartnerGuard)
export class StatementsController {
  constructor(@Inject(StatementsService) private readonly statements: StatementsService) {}

  @Get()
  @ApiOperation({
    summary: 'Account statement (JSON or ISO 20022 camt.053.001.08)',
    description:
      'Opening balance (every posting before `from`), the entries of the window `from <= block time < to` ' +
      '(each committed or fulfilled transfer moving the account, as a debit or a credit, with its id, ' +
      'block height and block time) and the closing balance. `Accept: application/xml` gives a ' +
      'camt.053.001.08 BkToCstmrStmt (OPBD and CLBD balances, one booked Ntry per entry, EndToEndId = ' +
      'transfer id). When the window reaches the present, the closing balance equals GET /v1/accounts.',
  })
  @ApiProduces('application/json', 'application/xml')
  @ApiResponse({
    status: 200,
    description: 'The statement',
    content: {
      // The JSON body's schema comes from the contract (statementViewSchema).
      'application/json': {},
      'application/xml': {
        schema: {
          type: 'string',
          description: 'camt.053.001.08 Document (urn:iso:std:iso:20022:tech:xsd:camt.053.001.08)',
        },
      },
    },
  })
  @problemResponses(400, 401, 404, 406, 422, 429)
  async get(
    @Partner('participant') participant: KnownParticipant,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
    @Query() query: Record<string, string>,
  ) {
    const format = negotiateStatementFormat(accept);
    if (!format) throw new StatementFailure({ kind: 'NOT_ACCEPTABLE', accept: accept ?? '' });
    const statement = await this.statements.statement(participant, { ...query });
    void reply.header('vary', 'Accept');
    if (format === 'json') return void reply.send(statementToJson(statement));
    void reply.header('content-type', 'application/xml; charset=utf-8').send(statementToCamt053(statement));
  }
}
