import type { Party, RequirablePartyField } from '@concord/contracts';
import type { DataRule, Rule, RuleSet } from './rules';

/** What the rules see of a transfer: no personal data beyond the countries and the parties' blind keys. */
export interface MonitoredTransfer {
  amountMinor: bigint;
  currency: string;
  originatorCountry: string;
  beneficiaryCountry: string;
  originatorKey: string;
  beneficiaryKey: string;
  atMs: number;
}

/** The past transfers the rules look back on (the service's table, or a backtest's memory). */
export interface TransferHistory {
  /** Earlier transfers of a party as originator or beneficiary, in a currency, since a time. */
  amounts(party: 'originator' | 'beneficiary', key: string, currency: string, sinceMs: number): bigint[];
  /** Whether this originator has sent to this beneficiary before. */
  hasPaid(originatorKey: string, beneficiaryKey: string): boolean;
}

export interface RuleFinding {
  ruleId: string;
  type: Rule['type'];
  outcome: 'hold' | 'block';
  explanation: string;
}

const matchesCorridor = (pattern: string, from: string, to: string) => {
  const [a, b] = pattern.split('-');
  return (a === '*' || a === from) && (b === '*' || b === to);
};

export function corridorOf(t: Pick<MonitoredTransfer, 'originatorCountry' | 'beneficiaryCountry'>): string {
  return `${t.originatorCountry}-${t.beneficiaryCountry}`;
}

/** Every rule of the set that fires on the transfer, with why. Pure: history and time are given. */
export function evaluateRules(rules: RuleSet, t: MonitoredTransfer, history: TransferHistory): RuleFinding[] {
  const findings: RuleFinding[] = [];
  for (const rule of rules.rules) {
    const explanation = fires(rule, t, history);
    if (explanation) findings.push({ ruleId: rule.id, type: rule.type, outcome: rule.outcome, explanation });
  }
  return findings;
}

function fires(rule: Rule, t: MonitoredTransfer, history: TransferHistory): string | null {
  if (rule.type === 'high-risk-country') {
    const hit = [t.originatorCountry, t.beneficiaryCountry].filter((c) => rule.countries.includes(c));
    return hit.length > 0 ? `high-risk country ${[...new Set(hit)].join(', ')}` : null;
  }
  if ('currency' in rule && rule.currency !== t.currency) return null;
  switch (rule.type) {
    case 'amount-threshold':
      return matchesCorridor(rule.corridor, t.originatorCountry, t.beneficiaryCountry) &&
        t.amountMinor > BigInt(rule.aboveMinor)
        ? `amount ${t.amountMinor} above ${rule.aboveMinor} ${rule.currency} in corridor ${corridorOf(t)}`
        : null;
    case 'velocity':
      return velocity(rule, t, history);
    case 'structuring':
      return structuring(rule, t, history);
    case 'new-recipient':
      return t.amountMinor > BigInt(rule.aboveMinor) && !history.hasPaid(t.originatorKey, t.beneficiaryKey)
        ? `first transfer to this beneficiary, ${t.amountMinor} above ${rule.aboveMinor} ${rule.currency}`
        : null;
  }
}

function velocity(
  rule: Extract<Rule, { type: 'velocity' }>,
  t: MonitoredTransfer,
  history: TransferHistory,
): string | null {
  const key = rule.party === 'originator' ? t.originatorKey : t.beneficiaryKey;
  const past = history.amounts(rule.party, key, rule.currency, t.atMs - rule.windowMinutes * 60_000);
  const count = past.length + 1;
  const sum = past.reduce((s, a) => s + a, t.amountMinor);
  if (rule.maxCount !== undefined && count > rule.maxCount) {
    return `${rule.party}: ${count} transfers in ${rule.windowMinutes} min, more than ${rule.maxCount}`;
  }
  if (rule.maxSumMinor !== undefined && sum > BigInt(rule.maxSumMinor)) {
    return `${rule.party}: ${sum} ${rule.currency} in ${rule.windowMinutes} min, more than ${rule.maxSumMinor}`;
  }
  return null;
}

function structuring(
  rule: Extract<Rule, { type: 'structuring' }>,
  t: MonitoredTransfer,
  history: TransferHistory,
): string | null {
  const threshold = BigInt(rule.thresholdMinor);
  const floor = threshold - (threshold * BigInt(rule.marginBps)) / 10_000n;
  const justUnder = (a: bigint) => a >= floor && a < threshold;
  if (!justUnder(t.amountMinor)) return null;
  const past = history.amounts(
    'originator',
    t.originatorKey,
    rule.currency,
    t.atMs - rule.windowMinutes * 60_000,
  );
  const count = past.filter(justUnder).length + 1;
  return count >= rule.minCount
    ? `${count} amounts between ${floor} and ${threshold} ${rule.currency} within ${rule.windowMinutes} min`
    : null;
}

/** The fields the data rules require of this transfer and that it lacks, as `originator.birthDate`... */
export function missingData(
  dataRules: readonly DataRule[],
  t: { amountMinor: bigint; currency: string; originator: Party; beneficiary: Party },
): string[] {
  const missing = new Set<string>();
  for (const rule of dataRules) {
    if (rule.currency !== t.currency || t.amountMinor <= BigInt(rule.aboveMinor)) continue;
    if (!matchesCorridor(rule.corridor, t.originator.country, t.beneficiary.country)) continue;
    const check = (side: 'originator' | 'beneficiary', fields: RequirablePartyField[]) => {
      for (const f of fields) if (t[side][f] === undefined) missing.add(`${side}.${f}`);
    };
    check('originator', rule.originator);
    check('beneficiary', rule.beneficiary);
  }
  return [...missing].sort();
}

/** The strongest outcome of a set of findings. */
export function strongest(outcomes: readonly ('clear' | 'hold' | 'block')[]): 'clear' | 'hold' | 'block' {
  if (outcomes.includes('block')) return 'block';
  return outcomes.includes('hold') ? 'hold' : 'clear';
}
