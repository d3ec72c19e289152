import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { confirmInstructionRequestSchema, windowsQuerySchema } from '@concord/contracts';
import { Audited, Permission } from '../auth/caller';
import { OperatorApiClient } from '../http/operator-api.client';
import { parseRequest } from '../http/problems';

export const CLEARING_CLIENT = 'CONSOLE_CLEARING_CLIENT';

const windowId = z.object({ id: z.string().regex(/^[1-9]\d{0,9}$/, 'a window id') });
const currencyParam = z.object({ currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code') });
const instructionId = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'an instruction id') });

type Json = Record<string, unknown>;

/**
 * Clearing through its operator API: windows with net positions and who owes whom, instructions, and the
 * operator's close, abort and confirm (each recorded in the audit log).
 */
@Controller('ops/v1/clearing')
export class ClearingController {
  constructor(@Inject(CLEARING_CLIENT) private readonly clearing: OperatorApiClient) {}

  @Get('windows')
  @Permission('read')
  windows(@Query() query: unknown) {
    const q = parseRequest(windowsQuerySchema, query, '(query)');
    const search = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]));
    return this.clearing.call<Json>('GET', `/windows?${search.toString()}`);
  }

  @Get('windows/:id')
  @Permission('read')
  async window(@Param() params: unknown) {
    const { id } = parseRequest(windowId, params, '(path)');
    const [window, { instructions }] = await Promise.all([
      this.clearing.call<Json>('GET', `/windows/${id}`),
      this.clearing.call<{ instructions: Json[] }>('GET', `/windows/${id}/instructions`),
    ]);
    return { window, instructions };
  }

  @Post('windows/:currency/close')
  @HttpCode(201)
  @Permission('clearing.write')
  @Audited('clearing.window.close')
  async close(@Param() params: unknown) {
    const { currency } = parseRequest(currencyParam, params, '(path)');
    // A key of its own per close: a retry by the HTTP client inside clearing is no second close.
    const closed = await this.clearing.call<Json & { instructions?: Json[] }>(
      'POST',
      `/windows/${currency}/close`,
      undefined,
      { 'idempotency-key': `console-${randomUUID()}` },
    );
    const { instructions, ...window } = closed;
    return { window, instructions: instructions ?? [] };
  }

  @Post('windows/:id/abort')
  @HttpCode(200)
  @Permission('clearing.write')
  @Audited('clearing.window.abort')
  async abort(@Param() params: unknown) {
    const { id } = parseRequest(windowId, params, '(path)');
    return { window: await this.clearing.call<Json>('POST', `/windows/${id}/abort`) };
  }

  @Post('instructions/:id/confirm')
  @HttpCode(200)
  @Permission('clearing.write')
  @Audited('clearing.instruction.confirm')
  async confirm(@Param() params: unknown, @Body() body: unknown) {
    const { id } = parseRequest(instructionId, params, '(path)');
    const request = parseRequest(confirmInstructionRequestSchema, body);
    return {
      instruction: await this.clearing.call<Json>(
        'POST',
        `/instructions/${encodeURIComponent(id)}/confirm`,
        request,
      ),
    };
  }
}
