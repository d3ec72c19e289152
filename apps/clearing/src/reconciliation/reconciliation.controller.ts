import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OperatorAuth } from '@concord/operator-auth';
import { MoneyError, parseAmount } from '@concord/money';
import { invalidRequest, parseRequest } from '../http/clearing.dto';
import { matchingRulesSchema } from './matching/rules';
import { ReconciliationFailure } from './reconciliation.errors';
import {
  breakIdParam,
  breakView,
  listQuery,
  operatorHeader,
  resolveBody,
  statementText,
  statementView,
  uploadQuery,
} from './reconciliation.http';
import { BreakResolution, ReconciliationService } from './reconciliation.service';

/**
 * Bank statements and breaks on the clearing operator API (bearer OPERATOR_TOKEN, problem+json). Who
 * uploads or resolves is named by the X-Operator header and recorded.
 */
@Controller()
@OperatorAuth()
export class ReconciliationController {
  constructor(@Inject(ReconciliationService) private readonly recon: ReconciliationService) {}

  /** 201 with the statement reconciled; 200 with `Idempotent-Replayed: true` for one taken in before. */
  @Post('statements')
  async upload(
    @Body() body: unknown,
    @Query() query: unknown,
    @Headers('x-operator') operator: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const by = operatorHeader(operator);
    const { format, mapping } = parseRequest(uploadQuery, query, '(query)');
    const { statement, replayed } = await this.recon.upload(statementText(body), { format, mapping }, by);
    void reply.status(replayed ? 200 : 201);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return statementView(statement);
  }

  @Get('statements')
  async statements(@Query() query: unknown) {
    const { limit } = parseRequest(listQuery.omit({ status: true }), query, '(query)');
    return { statements: (await this.recon.statements(limit)).map(statementView) };
  }

  @Get('breaks')
  async breaks(@Query() query: unknown) {
    const { status, limit } = parseRequest(listQuery, query, '(query)');
    return { breaks: (await this.recon.breaks(status, limit)).map(breakView) };
  }

  /** The rules in force (first) and every earlier version, with who wrote each. */
  @Get('matching-rules')
  async rules() {
    const versions = await this.recon.matchingRules();
    return {
      current: versions[0]?.rules ?? null,
      versions: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
    };
  }

  /** New rules (without a version): recorded as the next version, in force from the next statement. */
  @Post('matching-rules')
  async updateRules(@Body() body: unknown, @Headers('x-operator') operator: string | undefined) {
    const by = operatorHeader(operator);
    const rules = parseRequest(matchingRulesSchema.omit({ version: true }), body, '(body)');
    return this.recon.updateRules(rules, by);
  }

  @Post('breaks/:id/resolve')
  @HttpCode(200)
  async resolve(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('x-operator') operator: string | undefined,
  ) {
    const by = operatorHeader(operator);
    const breakId = breakIdParam(id);
    if (breakId === null) throw new ReconciliationFailure({ kind: 'BREAK_NOT_FOUND', breakId: id });
    const request = parseRequest(resolveBody, body, '(body)');
    const resolution: BreakResolution =
      request.action === 'write-off'
        ? request
        : { action: 'link', instructionId: request.instructionId, amountMinor: await this.amountOf(request) };
    return breakView(await this.recon.resolve(breakId, resolution, by));
  }

  /** A link's amount, read in its instruction's currency. */
  private async amountOf(request: { instructionId: string; amount?: string }): Promise<bigint | undefined> {
    if (request.amount === undefined) return undefined;
    const currency = await this.recon.currencyOf(request.instructionId);
    try {
      return parseAmount(request.amount, currency);
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      throw invalidRequest([{ field: 'amount', message: e.message }], e.message);
    }
  }
}
