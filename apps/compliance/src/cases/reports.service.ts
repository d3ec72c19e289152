import { fail } from '../compliance.errors';
import type { ScreeningRepository } from '../screening/screening.repository';
import type { ScreeningService } from '../screening/screening.service';
import type { CasesRepository } from './cases.repository';
import { goamlReport } from './goaml';

/** Suspicious transaction reports of cases, in goAML XML. */
export class ReportsService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly screenings: ScreeningRepository,
    private readonly screening: ScreeningService,
    private readonly reportingEntityId: string,
  ) {}

  async goaml(caseId: string, officerId: string): Promise<string> {
    const row = (await this.cases.get(caseId)) ?? fail({ kind: 'case-not-found', caseId });
    const transfer = (await this.screenings.find(row.transferId))!;
    const parties = this.screening.openParties(transfer);
    const findings = await this.screenings.findings(row.transferId);
    const decisions = await this.cases.decisions(caseId);
    return goamlReport({
      reportingEntityId: this.reportingEntityId,
      officerId,
      transferId: transfer.transferId,
      amountMinor: transfer.amountMinor,
      currency: transfer.currency,
      date: transfer.createdAt,
      originator: parties.originator,
      beneficiary: parties.beneficiary,
      reasons: findings.map((f) => `${f.kind} ${f.subject}: ${JSON.stringify(f.explanation)}`),
      action: `case ${row.status}; ${decisions.map((d) => `${d.action} by ${d.officerId}: ${d.reason}`).join('; ') || 'no decision yet'}`,
    });
  }
}
