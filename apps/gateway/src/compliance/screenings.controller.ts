import { Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseJsonBody } from '@concord/contracts';
import { AuthenticatedRequest } from '../auth/auth.service';
import { Partner, PartnerGuard } from '../auth/partner.guard';
import { problemResponses } from '../docs/schemas';
import type { ComplianceGate } from './compliance-gate';
import { ComplianceFailure } from './compliance.errors';

export const COMPLIANCE_GATE = 'COMPLIANCE_GATE';

/** `POST /v1/screenings`: the parties of a transfer, screened before the transfer is sent. */
@ApiTags('compliance')
@Controller('v1/screenings')
@UseGuards(PartnerGuard)
export class ScreeningsController {
  constructor(@Inject(COMPLIANCE_GATE) private readonly gate: ComplianceGate | null) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Screen the parties of a transfer before sending it',
    description:
      'The originator and beneficiary (ISO 20022 pacs.008 / IVMS101 shaped) of a transfer the caller is ' +
      'about to pay: `transferId`, `payee`, `amount`, `currency`, `originator`, `beneficiary`. Needed for ' +
      'transfers at or above the consortium clearance threshold of their currency. The answer is `clear`, ' +
      '`held` (with `caseId`: the transfer will show `held` until officers decide) or `blocked`. The ' +
      'personal data stays with the compliance service; the ledger sees only a signed clearance.',
  })
  @ApiResponse({ status: 200, description: 'The screening outcome' })
  @problemResponses(400, 401, 409, 422, 429, 503)
  async screen(@Partner() caller: AuthenticatedRequest) {
    if (!this.gate) {
      throw new ComplianceFailure({
        kind: 'COMPLIANCE_UNAVAILABLE',
        detail: 'this gateway has no COMPLIANCE_URL',
      });
    }
    const json = parseJsonBody(caller.signed.body);
    if (!json.ok) throw new ComplianceFailure({ kind: 'INVALID_BODY', errors: [json.error] });
    return this.gate.screen(caller.participant.id, json.value);
  }
}
