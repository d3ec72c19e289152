import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import {
  approveProposalRequestSchema,
  draftProposalRequestSchema,
  proposalsQuerySchema,
} from '@concord/contracts';
import { Audited, Caller, CallerOf, Permission } from '../auth/caller';
import { cursorNumber } from '../http/paging';
import { parseRequest } from '../http/problems';
import { GovernanceService } from './governance.service';
import { ProposalsRepository, proposalView } from './proposals.repository';

/** Governance proposals: the operator keys, the list, drafts and approvals signed in the browser. */
@Controller('ops/v1/governance')
export class GovernanceController {
  constructor(
    @Inject(GovernanceService) private readonly governance: GovernanceService,
    @Inject(ProposalsRepository) private readonly proposals: ProposalsRepository,
  ) {}

  @Get('operators')
  @Permission('read')
  async operators() {
    const g = await this.governance.genesis().catch(() => null);
    return { chainId: g?.chainId ?? null, threshold: g?.threshold ?? 0, operators: g?.operators ?? [] };
  }

  @Get('proposals')
  @Permission('read')
  async list(@Query() query: unknown) {
    const q = parseRequest(proposalsQuerySchema, query, '(query)');
    const ms = cursorNumber(q.cursor);
    const before = ms === undefined ? undefined : new Date(ms);
    const rows = await this.proposals.page({ status: q.status, beforeCreatedAt: before, limit: q.limit });
    const last = rows[rows.length - 1];
    return {
      proposals: rows.map(proposalView),
      nextCursor: rows.length === q.limit && last ? String(last.createdAt.getTime()) : null,
    };
  }

  @Get('proposals/:id')
  @Permission('read')
  async proposal(@Param('id') id: string) {
    return { proposal: await this.governance.view(id) };
  }

  @Post('proposals')
  @Permission('governance.propose')
  @Audited('governance.proposal.draft')
  async draft(@Body() body: unknown, @CallerOf() caller: Caller) {
    return { proposal: await this.governance.draft(caller, parseRequest(draftProposalRequestSchema, body)) };
  }

  @Post('proposals/:id/approvals')
  @Permission('governance.approve')
  @Audited('governance.proposal.approve')
  async approve(@Param('id') id: string, @Body() body: unknown, @CallerOf() caller: Caller) {
    return {
      proposal: await this.governance.approve(caller, id, parseRequest(approveProposalRequestSchema, body)),
    };
  }
}
