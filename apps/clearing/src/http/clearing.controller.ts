import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { MoneyError, parseAmount } from '@concord/money';
import { OperatorAuth } from '@concord/operator-auth';
import { ClearingError } from '../errors';
import { ClearingRepository } from '../windows/clearing.repository';
import { ClearingService } from '../windows/clearing.service';
import { instructionsCsv, instructionView, windowDetailView, windowView } from './views';

const bankReference = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,64}$/, 'letters, digits and . _ : / - only, 1 to 64');
/** The request id of a close: the close-window command's alphabet (libs/contracts). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const confirmBody = z.object({ bankReference, amount: z.string().max(40) }).strict();
const reverseBody = z.object({ bankReference }).strict();
const windowsQuery = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
      .optional(),
    status: z.enum(['open', 'closed', 'settling', 'settled', 'aborted']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ClearingError(
    'VALIDATION_FAILED',
    'the request is not valid',
    result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  );
}

function windowId(id: string): number {
  if (!/^[1-9]\d{0,9}$/.test(id) || Number(id) > 2_147_483_647)
    throw new ClearingError('WINDOW_NOT_FOUND', `no window ${id}`);
  return Number(id);
}

/**
 * The operator API of the clearing service (CLEARING_PORT, bearer OPERATOR_TOKEN): settlement windows with their net positions,
 * bilateral obligations and netting efficiency; settlement instructions as JSON or CSV; closes and the
 * settlement bank's confirmations. Amounts are decimal strings in the window's currency.
 */
@Controller()
@OperatorAuth()
export class ClearingController {
  constructor(
    @Inject(ClearingRepository) private readonly repo: ClearingRepository,
    @Inject(ClearingService) private readonly clearing: ClearingService,
  ) {}

  @Get('windows')
  async list(@Query() query: unknown) {
    const q = parse(windowsQuery, query);
    return { windows: (await this.repo.windows(q)).map(windowView) };
  }

  @Get('windows/:id')
  async get(@Param('id') id: string) {
    const detail = await this.repo.windowDetail(windowId(id));
    if (!detail) throw new ClearingError('WINDOW_NOT_FOUND', `no window ${id}`);
    return windowDetailView(detail.window, detail.netting, detail.bilateral);
  }

  @Get('windows/:id/instructions.csv')
  async csv(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const rows = await this.instructionRows(id);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="window-${id}-instructions.csv"`);
    return instructionsCsv(rows);
  }

  @Get('windows/:id/instructions')
  async instructions(@Param('id') id: string) {
    return { instructions: (await this.instructionRows(id)).map(instructionView) };
  }

  private async instructionRows(id: string) {
    const wid = windowId(id);
    const window = await this.repo.window(wid);
    if (!window || window.currency === '') throw new ClearingError('WINDOW_NOT_FOUND', `no window ${id}`);
    return this.repo.instructions(wid);
  }

  /**
   * Closes the open window of a currency. With an `Idempotency-Key` (the close-window command's
   * `requestId`: one namespace for both), a retry closes nothing more and answers the window the first
   * request closed, with `Idempotent-Replayed: true`; the same key for another currency is refused (409).
   */
  @Post('windows/:currency/close')
  @HttpCode(201)
  async close(
    @Param('currency') currency: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!/^[A-Z]{3}$/.test(currency))
      throw new ClearingError('VALIDATION_FAILED', 'not a currency', [
        { field: 'currency', message: 'an ISO 4217 code' },
      ]);
    if (idempotencyKey !== undefined && !REQUEST_ID.test(idempotencyKey))
      throw new ClearingError('VALIDATION_FAILED', 'not an idempotency key', [
        { field: 'Idempotency-Key', message: 'letters, digits and . _ : - only, 1 to 64' },
      ]);
    const closed = await this.clearing.close(currency, 'operator', idempotencyKey);
    if (!closed) throw new ClearingError('NO_OPEN_WINDOW', `no open ${currency} window`);
    if (closed.replayed) void reply.header('idempotent-replayed', 'true');
    const detail = (await this.repo.windowDetail(closed.windowId))!;
    return {
      ...windowDetailView(detail.window, detail.netting, detail.bilateral),
      instructions: (await this.repo.instructions(closed.windowId)).map(instructionView),
    };
  }

  @Post('windows/:id/abort')
  @HttpCode(200)
  async abort(@Param('id') id: string) {
    const wid = windowId(id);
    await this.clearing.abort(wid);
    const detail = (await this.repo.windowDetail(wid))!;
    return windowDetailView(detail.window, detail.netting, detail.bilateral);
  }

  @Get('instructions/:id')
  async instruction(@Param('id') id: string) {
    const found = await this.repo.instruction(id);
    if (!found) throw new ClearingError('INSTRUCTION_NOT_FOUND', `no instruction ${id}`);
    return {
      ...instructionView(found.instruction),
      confirmations: found.confirmations.map((c) => ({
        bankReference: c.bankReference,
        amount: instructionView({ ...found.instruction, amountMinor: c.amountMinor }).amount,
        at: c.createdAt.toISOString(),
        reversedAt: c.reversedAt?.toISOString() ?? null,
      })),
    };
  }

  @Post('instructions/:id/confirm')
  @HttpCode(200)
  async confirm(@Param('id') id: string, @Body() body: unknown) {
    const b = parse(confirmBody, body);
    const found = await this.repo.instruction(id);
    if (!found) throw new ClearingError('INSTRUCTION_NOT_FOUND', `no instruction ${id}`);
    let minor: bigint;
    try {
      minor = parseAmount(b.amount, found.instruction.currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      throw new ClearingError('VALIDATION_FAILED', e.message, [{ field: 'amount', message: e.message }]);
    }
    const result = await this.clearing.confirm(id, b.bankReference, minor);
    const window = await this.repo.window(result.instruction.windowId);
    return {
      ...instructionView(result.instruction),
      windowStatus: window?.status,
      replayed: result.replayed,
    };
  }

  @Post('instructions/:id/reverse')
  @HttpCode(200)
  async reverse(@Param('id') id: string, @Body() body: unknown) {
    const b = parse(reverseBody, body);
    return instructionView(await this.clearing.reverse(id, b.bankReference));
  }
}
