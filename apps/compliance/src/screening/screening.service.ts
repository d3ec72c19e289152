import { randomBytes, randomUUID } from 'node:crypto';
import { Clearance, Party, partiesCommitment, ScreeningRequest, ScreeningView } from '@concord/contracts';
import { canonicalJson, sha256Hex } from '@concord/crypto';
import type { Logger } from '@concord/observability';
import { fail } from '../compliance.errors';
import type { ListsService } from '../lists/lists.service';
import type { FieldSealer } from '../privacy/field-sealer';
import { MemoryHistory } from '../rules/backtest';
import {
  corridorOf,
  evaluateRules,
  missingData,
  MonitoredTransfer,
  RuleFinding,
  strongest,
} from '../rules/evaluate';
import { DEFAULT_RULES, RuleSet } from '../rules/rules';
import type { ComplianceSigner } from '../signing/compliance-signer';
import type { Hit } from './name-index';
import { normaliseName } from './normalise';
import { NewFinding, ScreeningRepository, ScreeningRow } from './screening.repository';

export interface ScreeningOptions {
  hitThreshold: number;
  caseDeadlineMs: number;
  rescreenDays: number;
}

interface Verdict {
  hits: { side: 'originator' | 'beneficiary'; hit: Hit }[];
  findings: RuleFinding[];
  outcome: 'clear' | 'hold' | 'block';
}

const STATUS_OF = { clear: 'clear', hold: 'held', block: 'blocked' } as const;

/**
 * Screens a transfer before it goes to the ledger: required travel-rule data, both parties against the
 * lists in force, the monitoring rules of the current version over the parties' history. A clear transfer
 * gets a clearance signed by the compliance key; a held one a case for officers; a blocked one neither.
 * The parties' data is sealed field by field; only a salted commitment to it leaves the service.
 */
export class ScreeningService {
  constructor(
    private readonly repository: ScreeningRepository,
    private readonly lists: ListsService,
    private readonly sealer: FieldSealer,
    private readonly signer: ComplianceSigner,
    private readonly options: ScreeningOptions,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The rules in force: the newest version, the default set (written as version 1) on a new network. */
  async rules(): Promise<{ version: number; rules: RuleSet }> {
    const current = await this.repository.currentRules();
    if (current) return current;
    await this.repository
      .addRuleVersion(DEFAULT_RULES, 'system', 'default rules of a new network')
      .catch(() => 0);
    return (await this.repository.currentRules())!;
  }

  async screen(request: ScreeningRequest): Promise<ScreeningView> {
    const requestHash = sha256Hex(canonicalJson(request));
    const existing = await this.repository.find(request.transferId);
    if (existing) {
      if (existing.requestHash !== requestHash)
        fail({ kind: 'transfer-id-reused', transferId: request.transferId });
      return this.view(request.transferId);
    }
    const { version, rules } = await this.rules();
    const amountMinor = BigInt(request.amountMinor);
    const missing = missingData(rules.dataRules, { ...request, amountMinor });
    if (missing.length > 0) fail({ kind: 'missing-data', fields: missing });
    if (!this.lists.ready) fail({ kind: 'lists-not-loaded' });
    const at = this.now();
    const transfer = this.monitored(request, amountMinor, at);
    const verdict = await this.verdict(request, transfer, rules);
    try {
      await this.store(request, requestHash, transfer, verdict, version, at);
    } catch (e) {
      // The same transfer screened twice at once: the first one stored wins, the second answers it.
      if ((e as { code?: string }).code !== 'P2002') throw e;
      const first = await this.repository.find(request.transferId);
      if (first?.requestHash !== requestHash)
        fail({ kind: 'transfer-id-reused', transferId: request.transferId });
    }
    return this.view(request.transferId);
  }

  private monitored(request: ScreeningRequest, amountMinor: bigint, at: Date): MonitoredTransfer {
    return {
      amountMinor,
      currency: request.currency,
      originatorCountry: request.originator.country,
      beneficiaryCountry: request.beneficiary.country,
      originatorKey: this.partyKey(request.originator),
      beneficiaryKey: this.partyKey(request.beneficiary),
      atMs: at.getTime(),
    };
  }

  /** The blind key of a party: the same person across transfers, without their name in the table. */
  partyKey(party: Party): string {
    return this.sealer.blindIndex(`${normaliseName(party.name)}|${party.birthDate ?? ''}|${party.country}`);
  }

  private async verdict(request: ScreeningRequest, t: MonitoredTransfer, rules: RuleSet): Promise<Verdict> {
    const hits = (['originator', 'beneficiary'] as const).flatMap((side) =>
      this.lists.screen(request[side], this.options.hitThreshold).map((hit) => ({ side, hit })),
    );
    const longest = Math.max(0, ...rules.rules.map((r) => ('windowMinutes' in r ? r.windowMinutes : 0)));
    const past = await this.repository.history(
      t.originatorKey,
      t.beneficiaryKey,
      new Date(t.atMs - longest * 60_000),
    );
    const history = new MemoryHistory(past.paidBefore);
    for (const row of past.rows) history.record({ ...row, atMs: row.createdAt.getTime() });
    const findings = evaluateRules(rules, t, history);
    const outcome = strongest([
      ...findings.map((f) => f.outcome),
      ...(hits.length > 0 ? (['hold'] as const) : []),
    ]);
    return { hits, findings, outcome };
  }

  private async store(
    request: ScreeningRequest,
    requestHash: string,
    t: MonitoredTransfer,
    verdict: Verdict,
    ruleVersion: number,
    at: Date,
  ): Promise<void> {
    const salt = randomBytes(16).toString('hex');
    const commitment = partiesCommitment(salt, request.originator, request.beneficiary);
    const status = STATUS_OF[verdict.outcome];
    const clearance = status === 'clear' ? this.clearanceOf(request, commitment, at) : null;
    const sealed = this.sealer.sealObject(request.transferId, {
      salt,
      originator: request.originator,
      beneficiary: request.beneficiary,
    });
    const row: Omit<ScreeningRow, 'createdAt'> = {
      transferId: request.transferId,
      requestHash,
      payer: request.payer,
      payee: request.payee,
      amountMinor: t.amountMinor,
      currency: request.currency,
      corridor: corridorOf(t),
      originatorKey: t.originatorKey,
      beneficiaryKey: t.beneficiaryKey,
      status,
      commitment,
      sealed,
      clearance: clearance as unknown as ScreeningRow['clearance'],
      ruleVersion,
    };
    const caseRow =
      status === 'held'
        ? {
            id: randomUUID(),
            sanctions: verdict.hits.length > 0,
            deadline: new Date(at.getTime() + this.options.caseDeadlineMs),
          }
        : null;
    await this.repository.create(row, findingsOf(verdict, this.lists.versionsInForce()), caseRow);
    if (status !== 'clear')
      this.log.info({ transferId: request.transferId, status }, 'transfer stopped by compliance');
  }

  /** A clearance over the transfer as it was screened (the case's release issues one the same way). */
  clearanceOf(
    t: Pick<ScreeningRow, 'transferId' | 'payer' | 'payee' | 'currency'> & { amountMinor: string | bigint },
    commitment: string,
    at: Date,
  ): Clearance {
    return this.signer.clearance(
      {
        transferId: t.transferId,
        payer: t.payer,
        payee: t.payee,
        amountMinor: String(t.amountMinor),
        currency: t.currency,
        commitment,
      },
      at,
    );
  }

  /** The personal data of a screening, opened (officers' case view, reports, screening again). */
  openParties(row: Pick<ScreeningRow, 'transferId' | 'sealed'>): {
    salt: string;
    originator: Party;
    beneficiary: Party;
  } {
    return this.sealer.openObject(row.transferId, row.sealed as never) as never;
  }

  /**
   * After a list changed: the parties of the transfers of the past days that went through are screened
   * again; a new hit opens a case (an alert on a transfer that already moved, for review and reporting).
   */
  async rescreenRecent(): Promise<number> {
    const since = new Date(this.now().getTime() - this.options.rescreenDays * 24 * 60 * 60_000);
    let alerts = 0;
    for (const row of await this.repository.since(since, ['clear', 'released'])) {
      const parties = this.openParties(row);
      for (const side of ['originator', 'beneficiary'] as const) {
        const [hit] = this.lists.screen(parties[side], this.options.hitThreshold);
        if (!hit) continue;
        const finding = {
          kind: 'rescreen' as const,
          subject: side,
          score: hit.score,
          outcome: 'hold',
          explanation: hit as never,
        };
        const deadline = new Date(this.now().getTime() + this.options.caseDeadlineMs);
        if (
          await this.repository.alert(row.transferId, finding, {
            id: randomUUID(),
            sanctions: true,
            deadline,
          })
        )
          alerts++;
      }
    }
    if (alerts > 0)
      this.log.warn({ alerts }, 'a list change matched parties of past transfers: cases opened');
    return alerts;
  }

  async view(transferId: string): Promise<ScreeningView> {
    const row = await this.repository.find(transferId);
    if (!row) return fail({ kind: 'screening-not-found', transferId });
    const found = await this.repository.findings(transferId);
    const caseRow = await this.repository.caseOf(transferId);
    return {
      transferId,
      status: row.status as ScreeningView['status'],
      ...(row.clearance ? { clearance: row.clearance as unknown as Clearance } : {}),
      ...(caseRow ? { caseId: caseRow.id } : {}),
      reasons: found.map((f) =>
        f.kind === 'rule' ? `rule ${f.subject}` : `${f.kind}: ${f.subject} (score ${f.score})`,
      ),
    };
  }
}

function findingsOf(verdict: Verdict, lists: Record<string, number>): NewFinding[] {
  return [
    ...verdict.hits.map(({ side, hit }) => ({
      kind: 'sanctions' as const,
      subject: side,
      score: hit.score,
      outcome: 'hold',
      explanation: { ...hit, listVersions: lists } as unknown as NewFinding['explanation'],
    })),
    ...verdict.findings.map((f) => ({
      kind: 'rule' as const,
      subject: f.ruleId,
      score: null,
      outcome: f.outcome,
      explanation: { type: f.type, explanation: f.explanation },
    })),
  ];
}
