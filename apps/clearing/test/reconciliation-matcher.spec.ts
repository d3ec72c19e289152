import { matchLines, OpenInstruction } from '../src/reconciliation/matching/matcher';
import { DEFAULT_MATCHING_RULES, MatchingRules } from '../src/reconciliation/matching/rules';
import type { StatementLine } from '../src/reconciliation/statement';

const rules: MatchingRules = { ...DEFAULT_MATCHING_RULES, amountToleranceMinor: { '*': '0', USD: '50' } };

let n = 0;
function line(amountMinor: bigint, refs: Partial<StatementLine> = {}): StatementLine {
  n += 1;
  return {
    lineNo: n,
    account: 'SETTLE-USD-001',
    currency: 'USD',
    bookingDate: '2026-12-07',
    valueDate: '2026-12-07',
    amountMinor,
    direction: 'credit',
    endToEndId: null,
    remittanceInfo: null,
    bankReference: `B${n}`,
    ...refs,
  };
}

function instruction(
  id: string,
  outstandingMinor: bigint,
  more: Partial<OpenInstruction> = {},
): OpenInstruction {
  return { id, currency: 'USD', direction: 'pay-in', outstandingMinor, valueDate: '2026-12-07', ...more };
}

const summary = (r: ReturnType<typeof matchLines>) => ({
  allocations: r.allocations.map((a) => [
    a.lineNo,
    a.instructionId,
    a.amountMinor,
    a.differenceMinor,
    a.rule,
  ]),
  breaks: r.breaks.map((b) => [b.lineNo, b.kind, b.instructionIds]),
});

describe('matching bank lines to settlement instructions', () => {
  beforeEach(() => (n = 0));

  it('matches one-to-one by the id in the end-to-end id or the remittance information', () => {
    const r = matchLines(
      [
        line(1000n, { endToEndId: 'w3.a' }),
        line(700n, { direction: 'debit', remittanceInfo: 'PAYOUT w3.b' }),
      ],
      [instruction('w3.a', 1000n), instruction('w3.b', 700n, { direction: 'pay-out' })],
      rules,
    );
    expect(r.rulesVersion).toBe(1);
    expect(summary(r)).toEqual({
      allocations: [
        [1, 'w3.a', 1000n, 0n, 'reference'],
        [2, 'w3.b', 700n, 0n, 'reference'],
      ],
      breaks: [],
    });
  });

  it('finds a mangled reference when it is unambiguous, and only of the right currency and direction', () => {
    const r = matchLines(
      [
        line(1000n, { remittanceInfo: 'REF W3A SETTLEMENT' }),
        line(1000n, { remittanceInfo: 'w3.b', direction: 'debit' }),
      ],
      [instruction('w3.a', 1000n), instruction('w3.b', 1000n)],
      rules,
    );
    expect(summary(r).allocations).toEqual([[1, 'w3.a', 1000n, 0n, 'reference']]);
    // w3.b is a pay-in: a debit does not pay it, and no pay-out has that amount.
    expect(summary(r).breaks).toEqual([[2, 'NO_INSTRUCTION', []]]);
    expect(
      summary(
        matchLines([line(10n, { remittanceInfo: 'W3A' })], [instruction('w3.a', 10n)], {
          ...rules,
          looseReferences: false,
          byAmountAndDate: false,
        }),
      ).breaks,
    ).toEqual([[3, 'NO_INSTRUCTION', []]]);
  });

  it('takes several lines to one instruction (a split payment), then refuses what goes past it', () => {
    const r = matchLines(
      [
        line(600n, { endToEndId: 'w3.a' }),
        line(400n, { endToEndId: 'w3.a' }),
        line(50_000n, { endToEndId: 'w3.a' }),
      ],
      [instruction('w3.a', 1000n)],
      rules,
    );
    expect(summary(r)).toEqual({
      allocations: [
        [1, 'w3.a', 600n, 0n, 'reference-split'],
        [2, 'w3.a', 400n, 0n, 'reference'],
      ],
      breaks: [[3, 'AMOUNT_DIFFERS', ['w3.a']]],
    });
  });

  it('takes one line to several instructions when their amounts add up', () => {
    const r = matchLines(
      [line(1500n, { remittanceInfo: 'BATCH w3.a w3.c' })],
      [instruction('w3.a', 1000n), instruction('w3.c', 500n)],
      rules,
    );
    expect(summary(r).allocations).toEqual([
      [1, 'w3.a', 1000n, 0n, 'reference-batch'],
      [1, 'w3.c', 500n, 0n, 'reference-batch'],
    ]);
    const short = matchLines(
      [line(1000n, { remittanceInfo: 'w3.a w3.c' })],
      [instruction('w3.a', 1000n), instruction('w3.c', 500n)],
      rules,
    );
    expect(summary(short).breaks).toEqual([[2, 'AMOUNT_DIFFERS', ['w3.a', 'w3.c']]]);
  });

  it('confirms what was instructed when bank charges stay within the tolerance, keeping the difference', () => {
    const r = matchLines(
      [line(99_970n, { endToEndId: 'w3.a' }), line(98_000n, { endToEndId: 'w3.c' })],
      [instruction('w3.a', 100_000n), instruction('w3.c', 100_000n)],
      rules,
    );
    expect(summary(r).allocations).toEqual([
      [1, 'w3.a', 100_000n, -30n, 'reference'],
      // 20.00 short is past the tolerance: one part of a payment, the rest still due.
      [2, 'w3.c', 98_000n, 0n, 'reference-split'],
    ]);
  });

  it('matches a line without reference by amount and value date when one instruction fits', () => {
    const instructions = [
      instruction('w3.a', 1000n),
      instruction('w3.c', 2000n, { valueDate: '2026-12-01' }),
      instruction('w3.d', 3000n),
      instruction('w3.e', 3000n),
    ];
    const r = matchLines([line(1000n), line(2000n), line(3000n), line(777n)], instructions, rules);
    expect(summary(r)).toEqual({
      allocations: [[1, 'w3.a', 1000n, 0n, 'amount-date']],
      breaks: [
        [2, 'NO_INSTRUCTION', []], // six days from its value date
        [3, 'AMBIGUOUS', ['w3.d', 'w3.e']],
        [4, 'NO_INSTRUCTION', []],
      ],
    });
    expect(
      summary(matchLines([line(1000n)], instructions, { ...rules, byAmountAndDate: false })).breaks,
    ).toEqual([[5, 'NO_INSTRUCTION', []]]);
  });

  it('lets referenced lines go first, so that an unreferenced line does not take their instruction', () => {
    const r = matchLines(
      [line(1000n), line(1000n, { endToEndId: 'w3.a' })],
      [instruction('w3.a', 1000n), instruction('w3.b', 1000n, { valueDate: '2026-12-06' })],
      rules,
    );
    expect(summary(r).allocations).toEqual([
      [2, 'w3.a', 1000n, 0n, 'reference'],
      [1, 'w3.b', 1000n, 0n, 'amount-date'],
    ]);
  });
});
