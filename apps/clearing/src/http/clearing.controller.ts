import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OperatorAuth } from '@concord/operator-auth';
import { ClearingService } from '../clearing.service';
import {
  confirmBody,
  currencyParam,
  idempotencyKeyHeader,
  parseRequest,
  reverseBody,
  windowIdParam,
  windowsQuery,
} from './clearing.dto';
import {
  closedWindowView,
  confirmationView,
  instructionDetailView,
  instructionsCsv,
  instructionView,
  windowDetailView,
  windowView,
} from './views';

/**
 * The operator API of the clearing service (CLEARING_PORT, bearer OPERATOR_TOKEN): settlement windows
 * with their net positions, bilateral obligations and netting efficiency; settlement instructions as JSON
 * or CSV; closes, aborts and the settlement bank's confirmations. Amounts are decimal strings in the
 * window's currency. Refusals are typed failures that ClearingProblemFilter answers as problem+json.
 */
@Controller()
@OperatorAuth()
export class ClearingController {
  constructor(@Inject(ClearingService) private readonly clearing: ClearingService) {}

  @Get('windows')
  async list(@Query() query: unknown) {
    const windows = await this.clearing.windows.list(parseRequest(windowsQuery, query, '(query)'));
    return { windows: windows.map(windowView) };
  }

  @Get('windows/:id')
  async get(@Param('id') id: string) {
    return windowDetailView(await this.clearing.windows.detail(windowIdParam(id)));
  }

  @Get('windows/:id/instructions.csv')
  async csv(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const rows = await this.clearing.windows.instructionsOf(windowIdParam(id));
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="window-${id}-instructions.csv"`);
    return instructionsCsv(rows);
  }

  @Get('windows/:id/instructions')
  async instructions(@Param('id') id: string) {
    return {
      instructions: (await this.clearing.windows.instructionsOf(windowIdParam(id))).map(instructionView),
    };
  }

  /**
   * Closes the open window of a currency. With an `Idempotency-Key`, a retry closes nothing more and
   * answers the window the first request closed, with `Idempotent-Replayed: true`; the same key for
   * another currency is refused (409).
   */
  @Post('windows/:currency/close')
  @HttpCode(201)
  async close(
    @Param('currency') currency: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const closed = await this.clearing.windows.closeByOperator(
      currencyParam(currency),
      idempotencyKeyHeader(idempotencyKey),
    );
    if (closed.replayed) void reply.header('idempotent-replayed', 'true');
    return closedWindowView(closed);
  }

  @Post('windows/:id/abort')
  @HttpCode(200)
  async abort(@Param('id') id: string) {
    return windowDetailView(await this.clearing.windows.abort(windowIdParam(id)));
  }

  @Get('instructions/:id')
  async instruction(@Param('id') id: string) {
    return instructionDetailView(await this.clearing.instructions.find(id));
  }

  @Post('instructions/:id/confirm')
  @HttpCode(200)
  async confirm(@Param('id') id: string, @Body() body: unknown) {
    const { bankReference, amount } = parseRequest(confirmBody, body, '(body)');
    return confirmationView(await this.clearing.instructions.confirmAmount(id, bankReference, amount));
  }

  @Post('instructions/:id/reverse')
  @HttpCode(200)
  async reverse(@Param('id') id: string, @Body() body: unknown) {
    const { bankReference } = parseRequest(reverseBody, body, '(body)');
    return instructionView(await this.clearing.instructions.reverse(id, bankReference));
  }
}
