import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { caseDecisionSchema, screeningRequestSchema } from '@concord/contracts';
import { OperatorAuth } from '@concord/operator-auth';
import { CasesService } from '../cases/cases.service';
import { ReportsService } from '../cases/reports.service';
import { ListsService } from '../lists/lists.service';
import { RulesService } from '../rules/rules.service';
import { backtestSchema, newRuleVersionSchema } from '../rules/rules';
import { ScreeningService } from '../screening/screening.service';
import { casesQuery, officerHeader, parseRequest } from './compliance.dto';
import { jsonView } from './views';

/**
 * The compliance API (COMPLIANCE_PORT, bearer OPERATOR_TOKEN): screenings from the gateway, and the
 * officers' case queue, rules and lists. Officers name themselves in X-Officer-Id on every change.
 */
@Controller('v1')
@OperatorAuth()
export class ComplianceController {
  constructor(
    @Inject(ScreeningService) private readonly screening: ScreeningService,
    @Inject(CasesService) private readonly cases: CasesService,
    @Inject(ReportsService) private readonly reports: ReportsService,
    @Inject(RulesService) private readonly rules: RulesService,
    @Inject(ListsService) private readonly lists: ListsService,
  ) {}

  @Post('screenings')
  @HttpCode(200)
  async screen(@Body() body: unknown) {
    return this.screening.screen(parseRequest(screeningRequestSchema, body, '(body)'));
  }

  @Get('screenings/:transferId')
  async screeningOf(@Param('transferId') transferId: string) {
    return this.screening.view(transferId);
  }

  @Get('cases')
  async list(@Query() query: unknown) {
    return { cases: jsonView(await this.cases.list(parseRequest(casesQuery, query, '(query)').status)) };
  }

  @Get('cases/:id')
  async show(@Param('id') id: string) {
    return jsonView(await this.cases.show(id));
  }

  @Post('cases/:id/release')
  @HttpCode(200)
  async release(
    @Param('id') id: string,
    @Headers('x-officer-id') officer: string | undefined,
    @Body() body: unknown,
    @Headers('x-officer-signature') signature: string | undefined,
  ) {
    const { reason } = parseRequest(caseDecisionSchema, body, '(body)');
    return jsonView(await this.cases.release(id, officerHeader(officer), reason, signature));
  }

  @Post('cases/:id/reject')
  @HttpCode(200)
  async reject(
    @Param('id') id: string,
    @Headers('x-officer-id') officer: string | undefined,
    @Body() body: unknown,
    @Headers('x-officer-signature') signature: string | undefined,
  ) {
    const { reason } = parseRequest(caseDecisionSchema, body, '(body)');
    return jsonView(await this.cases.reject(id, officerHeader(officer), reason, signature));
  }

  @Get('cases/:id/goaml.xml')
  async goaml(
    @Param('id') id: string,
    @Headers('x-officer-id') officer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    void reply.header('content-type', 'application/xml; charset=utf-8');
    return this.reports.goaml(id, officerHeader(officer));
  }

  @Get('rules')
  async currentRules() {
    return this.rules.current();
  }

  @Get('rules/versions')
  async ruleVersions() {
    return { versions: jsonView(await this.rules.versions()) };
  }

  @Put('rules')
  async newRules(@Headers('x-officer-id') officer: string | undefined, @Body() body: unknown) {
    const { rules, note } = parseRequest(newRuleVersionSchema, body, '(body)');
    return this.rules.add(rules, officerHeader(officer), note);
  }

  @Post('rules/backtest')
  @HttpCode(200)
  async backtest(@Body() body: unknown) {
    return this.rules.backtest(parseRequest(backtestSchema, body, '(body)'));
  }

  @Get('lists')
  async listVersions() {
    return { inForce: this.lists.versionsInForce(), versions: jsonView(await this.lists.versions()) };
  }

  @Post('lists/refresh')
  @HttpCode(200)
  async refresh() {
    return { outcomes: await this.lists.refresh() };
  }
}
