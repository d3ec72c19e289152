import { Body, Controller, Get, Inject, Param, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { setFeeRequestSchema, setMarkupRequestSchema, setSpreadRequestSchema } from '@concord/contracts';
import { Problem } from '@concord/http-problems';
import { Audited, Caller, CallerOf, Permission } from '../auth/caller';
import { OperatorApiClient } from '../http/operator-api.client';
import { parseRequest } from '../http/problems';

export const FX_CLIENT = 'CONSOLE_FX_CLIENT';

const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const corridor = z.object({ sourceCurrency: currency, targetCurrency: currency });
const participant = z.object({
  participantId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'a participant id'),
});
const pricingQuery = z.object({ participantId: participant.shape.participantId.optional() }).strict();

type Json = Record<string, unknown>;

/** What is in force, or null when the FX service has nothing (its 404). */
async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (e) {
    if (e instanceof Problem && e.status === 404) return null;
    throw e;
  }
}

/** FX through its operator API: rates with source and age, pricing in force, and audited changes. */
@Controller('ops/v1/fx')
export class FxController {
  constructor(@Inject(FX_CLIENT) private readonly fx: OperatorApiClient) {}

  @Get('rates')
  @Permission('read')
  rates() {
    return this.fx.call<Json>('GET', '/rates');
  }

  @Get('pricing/:sourceCurrency/:targetCurrency')
  @Permission('read')
  async pricing(@Param() params: unknown, @Query() query: unknown) {
    const { sourceCurrency: s, targetCurrency: t } = parseRequest(corridor, params, '(path)');
    const { participantId } = parseRequest(pricingQuery, query, '(query)');
    const [spread, fee, markup] = await Promise.all([
      orNull(this.fx.call<{ spread: Json }>('GET', `/spreads/${s}/${t}`)),
      orNull(this.fx.call<{ fee: Json }>('GET', `/fees/${s}/${t}`)),
      participantId ? orNull(this.fx.call<{ markup: Json }>('GET', `/markups/${participantId}`)) : null,
    ]);
    return { spread: spread?.spread ?? null, fee: fee?.fee ?? null, markup: markup?.markup ?? null };
  }

  @Put('spreads/:sourceCurrency/:targetCurrency')
  @Permission('fx.write')
  @Audited('fx.spread.set')
  setSpread(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { sourceCurrency: s, targetCurrency: t } = parseRequest(corridor, params, '(path)');
    const request = parseRequest(setSpreadRequestSchema, body);
    return this.fx.call<Json>('PUT', `/spreads/${s}/${t}`, { ...request, requestedBy: caller.username });
  }

  @Put('markups/:participantId')
  @Permission('fx.write')
  @Audited('fx.markup.set')
  setMarkup(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { participantId } = parseRequest(participant, params, '(path)');
    const request = parseRequest(setMarkupRequestSchema, body);
    return this.fx.call<Json>('PUT', `/markups/${participantId}`, {
      ...request,
      requestedBy: caller.username,
    });
  }

  @Put('fees/:sourceCurrency/:targetCurrency')
  @Permission('fx.write')
  @Audited('fx.fee.set')
  setFee(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    const { sourceCurrency: s, targetCurrency: t } = parseRequest(corridor, params, '(path)');
    const request = parseRequest(setFeeRequestSchema, body);
    return this.fx.call<Json>('PUT', `/fees/${s}/${t}`, { ...request, requestedBy: caller.username });
  }
}
