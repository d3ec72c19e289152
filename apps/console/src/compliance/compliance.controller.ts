import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { caseDecisionRequestSchema, casesQuerySchema } from '@concord/contracts';
import { Audited, Caller, CallerOf, Permission } from '../auth/caller';
import { OperatorApiClient } from '../http/operator-api.client';
import { parseRequest } from '../http/problems';

export const COMPLIANCE_CLIENT = 'CONSOLE_COMPLIANCE_CLIENT';

const caseId = z.object({ id: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'a case id') });

type Json = Record<string, unknown>;

/**
 * The compliance officers' case queue through the compliance service's API: cases with their hits,
 * explanations, rules and history, and release or reject with a reason. The console user is the officer
 * (X-Officer-Id); every decision is in the audit log, and only the `compliance` role may make one.
 */
@Controller('ops/v1/compliance')
export class ComplianceController {
  constructor(@Inject(COMPLIANCE_CLIENT) private readonly compliance: OperatorApiClient) {}

  @Get('cases')
  @Permission('compliance.read')
  cases(@Query() query: unknown) {
    const { status } = parseRequest(casesQuerySchema, query, '(query)');
    return this.compliance.call<Json>('GET', `/v1/cases${status ? `?status=${status}` : ''}`);
  }

  @Get('cases/:id')
  @Permission('compliance.read')
  case(@Param() params: unknown) {
    const { id } = parseRequest(caseId, params, '(path)');
    return this.compliance.call<Json>('GET', `/v1/cases/${encodeURIComponent(id)}`);
  }

  @Post('cases/:id/release')
  @HttpCode(200)
  @Permission('compliance.decide')
  @Audited('compliance.case.release')
  release(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    return this.decide('release', params, body, caller);
  }

  @Post('cases/:id/reject')
  @HttpCode(200)
  @Permission('compliance.decide')
  @Audited('compliance.case.reject')
  reject(@Param() params: unknown, @Body() body: unknown, @CallerOf() caller: Caller) {
    return this.decide('reject', params, body, caller);
  }

  private decide(action: 'release' | 'reject', params: unknown, body: unknown, caller: Caller) {
    const { id } = parseRequest(caseId, params, '(path)');
    const { reason, signature } = parseRequest(caseDecisionRequestSchema, body);
    return this.compliance.call<Json>(
      'POST',
      `/v1/cases/${encodeURIComponent(id)}/${action}`,
      { reason },
      {
        'x-officer-id': caller.username,
        ...(signature ? { 'x-officer-signature': signature } : {}),
      },
    );
  }
}
