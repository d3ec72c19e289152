import { evaluateRules, MonitoredTransfer, TransferHistory } from './evaluate';
import type { RuleSet } from './rules';

/**
 * Transfers held in memory as a rule's history: those replayed so far in a backtest, or those of the two
 * parties read from the table before one screening (`paidBefore` then says whether the pair has met).
 */
export class MemoryHistory implements TransferHistory {
  private readonly byParty = new Map<string, { atMs: number; currency: string; amountMinor: bigint }[]>();
  private readonly pairs = new Set<string>();

  constructor(private readonly paidBefore = false) {}

  amounts(party: 'originator' | 'beneficiary', key: string, currency: string, sinceMs: number): bigint[] {
    return (this.byParty.get(`${party}:${key}`) ?? [])
      .filter((t) => t.currency === currency && t.atMs >= sinceMs)
      .map((t) => t.amountMinor);
  }

  hasPaid(originatorKey: string, beneficiaryKey: string): boolean {
    return this.paidBefore || this.pairs.has(`${originatorKey}>${beneficiaryKey}`);
  }

  record(
    t: Pick<MonitoredTransfer, 'originatorKey' | 'beneficiaryKey' | 'atMs' | 'currency' | 'amountMinor'>,
  ): void {
    for (const [party, key] of [
      ['originator', t.originatorKey],
      ['beneficiary', t.beneficiaryKey],
    ] as const) {
      const list = this.byParty.get(`${party}:${key}`) ?? [];
      list.push({ atMs: t.atMs, currency: t.currency, amountMinor: t.amountMinor });
      this.byParty.set(`${party}:${key}`, list);
    }
    this.pairs.add(`${t.originatorKey}>${t.beneficiaryKey}`);
  }
}

export interface BacktestResult {
  transfers: number;
  held: number;
  blocked: number;
  byRule: Record<string, number>;
}

/** What a rule set would have done to past transfers, replayed in time order with their own history. */
export function backtest(rules: RuleSet, transfers: readonly MonitoredTransfer[]): BacktestResult {
  const history = new MemoryHistory();
  const result: BacktestResult = { transfers: 0, held: 0, blocked: 0, byRule: {} };
  for (const t of [...transfers].sort((a, b) => a.atMs - b.atMs)) {
    const findings = evaluateRules(rules, t, history);
    result.transfers++;
    if (findings.some((f) => f.outcome === 'block')) result.blocked++;
    else if (findings.length > 0) result.held++;
    for (const f of findings) result.byRule[f.ruleId] = (result.byRule[f.ruleId] ?? 0) + 1;
    history.record(t);
  }
  return result;
}
