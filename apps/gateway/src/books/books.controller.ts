import { bookReportCsv, parseJsonBody } from '@concord/contracts';
import { Controller, Headers, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import { problemResponses } from '../docs/schemas';
import { negotiateInstructionsFormat } from '../settlement/settlement-instructions.dto';
import { BookFailure } from './books.errors';
import { BooksService } from './books.service';

/** `POST /v1/books/reconciliations`: the partner's own book of a period against Concord's. */
@ApiTags('books')
@Controller('v1/books')
@UseGuards(PartnerGuard)
export class BooksController {
  constructor(@Inject(BooksService) private readonly books: BooksService) {}

  @Post('reconciliations')
  @HttpCode(200)
  @ApiOperation({
    summary: "Reconcile the caller's own list of its transfers of a period with Concord's",
    description:
      'The body gives the period (`from` inclusive, `to` exclusive, by when Concord took each transfer in) ' +
      "and the partner's transfers of it, as payer and as payee, each by (payer, id) with its amount, " +
      'currency and status: as JSON `transfers` or as the text of a CSV (`csv`, header ' +
      '`payer,id,amount,currency,status`), at most 2,000. The report gives each transfer of either side once: ' +
      '`matched`, `missing-at-partner`, `missing-at-concord`, `amount-differs` or `status-differs`, with both ' +
      'sides; as JSON, or as CSV with `Accept: text/csv`. A book that does not read is refused whole (422 ' +
      '`BOOK_REFUSED`, each transfer named). Nothing is written: the same book again gets the same report.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'The report',
    content: {
      // The JSON body's schema comes from the contract (bookReportSchema).
      'application/json': {},
      'text/csv': {
        schema: {
          type: 'string',
          example:
            'result,payer,id,role,partnerAmount,partnerCurrency,partnerStatus,concordAmount,concordCurrency,concordStatus\r\n' +
            'amount-differs,hk-remit,t-1,payer,100.00,USD,committed,99.00,USD,committed\r\n',
        },
      },
    },
  })
  @problemResponses(400, 401, 406, 422, 429)
  async reconcile(
    @Partner() caller: AuthenticatedRequest,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const format = negotiateInstructionsFormat(accept);
    if (!format) throw new BookFailure({ kind: 'NOT_ACCEPTABLE', accept: accept ?? '' });
    const json = parseJsonBody(caller.signed.body || 'null');
    if (!json.ok) throw new BookFailure({ kind: 'INVALID_BODY', errors: [json.error] });
    const report = await this.books.reconcile(caller.participant.id, json.value);
    if (format === 'json') return report;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    void reply.header('content-disposition', `attachment; filename="book-${caller.participant.id}.csv"`);
    return bookReportCsv(report.lines);
  }
}
