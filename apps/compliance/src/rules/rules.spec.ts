import type { Party } from '@concord/contracts';
import { backtest } from './backtest';
import { evaluateRules, missingData, MonitoredTransfer, TransferHistory } from './evaluate';
import { DEFAULT_RULES, RuleSet, ruleSetSchema } from './rules';

const NONE: TransferHistory = { amounts: () => [], hasPaid: () => true };
const transfer = (over: Partial<MonitoredTransfer> = {}): MonitoredTransfer => ({
  amountMinor: 10_000n,
  currency: 'USD',
  originatorCountry: 'US',
  beneficiaryCountry: 'PH',
  originatorKey: 'a',
  beneficiaryKey: 'b',
  atMs: 1_000_000_000,
  ...over,
});
const fired = (rules: RuleSet, t: MonitoredTransfer, h: TransferHistory = NONE) =>
  evaluateRules(rules, t, h).map((f) => `${f.ruleId}:${f.outcome}`);

describe('monitoring rules', () => {
  it('validates as data: unique ids, known types, amounts as integer strings', () => {
    expect(ruleSetSchema.safeParse(DEFAULT_RULES).success).toBe(true);
    const twice = { ...DEFAULT_RULES, rules: [DEFAULT_RULES.rules[0], DEFAULT_RULES.rules[0]] };
    expect(ruleSetSchema.safeParse(twice).success).toBe(false);
    const bad = {
      rules: [
        {
          type: 'velocity',
          id: 'v',
          party: 'originator',
          currency: 'USD',
          windowMinutes: 5,
          outcome: 'hold',
        },
      ],
      dataRules: [],
    };
    expect(ruleSetSchema.safeParse(bad).success).toBe(false);
  });

  it('fires per corridor threshold, high-risk country, new recipient', () => {
    expect(fired(DEFAULT_RULES, transfer())).toEqual([]);
    expect(fired(DEFAULT_RULES, transfer({ amountMinor: 1_000_001n }))).toEqual(['large-usd:hold']);
    expect(fired(DEFAULT_RULES, transfer({ beneficiaryCountry: 'KP' }))).toEqual([
      'high-risk-countries:block',
    ]);
    const newPair: TransferHistory = { amounts: () => [], hasPaid: () => false };
    expect(fired(DEFAULT_RULES, transfer({ amountMinor: 600_000n }), newPair)).toEqual([
      'new-recipient-usd:hold',
    ]);
    expect(fired(DEFAULT_RULES, transfer({ amountMinor: 600_000n, currency: 'EUR' }), newPair)).toEqual([]);
  });

  it('counts velocity and structuring over the window only', () => {
    const sinceSeen: number[] = [];
    const busy: TransferHistory = {
      amounts: (_p, _k, _c, since) => (sinceSeen.push(since), Array(20).fill(280_000n)),
      hasPaid: () => true,
    };
    const t = transfer({ amountMinor: 285_000n });
    expect(fired(DEFAULT_RULES, t, busy)).toEqual(['sender-velocity-usd:hold', 'structuring-usd:hold']);
    expect(sinceSeen).toEqual([t.atMs - 60 * 60_000, t.atMs - 24 * 60 * 60_000]);
  });

  it('names the travel-rule fields a transfer above the threshold lacks', () => {
    const party = (over: Partial<Party> = {}): Party => ({
      kind: 'person',
      name: 'Ana Reyes',
      country: 'US',
      ...over,
    });
    const t = {
      amountMinor: 100_001n,
      currency: 'USD',
      originator: party({ birthDate: '1980-01-01' }),
      beneficiary: party(),
    };
    expect(missingData(DEFAULT_RULES.dataRules, t)).toEqual([
      'beneficiary.account',
      'originator.account',
      'originator.address',
    ]);
    expect(missingData(DEFAULT_RULES.dataRules, { ...t, amountMinor: 100_000n })).toEqual([]);
  });

  it('backtests a rule set on past transfers with their own history', () => {
    const day = 24 * 60 * 60_000;
    const past = [0, 1, 2, 3].map((i) => transfer({ amountMinor: 290_000n, atMs: i * 60_000 }));
    past.push(transfer({ amountMinor: 290_000n, atMs: 3 * day }));
    const result = backtest(DEFAULT_RULES, past);
    expect(result).toEqual({ transfers: 5, held: 2, blocked: 0, byRule: { 'structuring-usd': 2 } });
  });
});
