import { localTerms, partnerFee, payoutFor, price, sameCurrencyTerms, toSource } from './pricing';

const hkdPhp = {
  sourceCurrency: 'HKD',
  targetCurrency: 'PHP',
  sendMinor: 300_000n,
  // 3000 HKD at 7.1 PHP/HKD = 21300 PHP
  receiveMinor: 2_130_000n,
  feeMinor: 1_500n,
  rate: { num: 71n, den: 10n },
  midRate: { num: 72n, den: 10n },
};

describe('pricing', () => {
  it('takes the partner fee from the payout and states every cost in the send currency', () => {
    const p = price(hkdPhp, { fixedMinor: 5_000n, bps: 50 });
    // fee = 50.00 + 0.5% of 21300.00 = 50.00 + 106.50 = 156.50 PHP
    expect(p.partnerFeeMinor).toBe(15_650n);
    expect(p.recipientMinor).toBe(2_130_000n - 15_650n);
    // 21300 PHP at mid 7.2 is 2958.34 HKD (rounded up): the spread is 41.66 HKD.
    expect(p.spreadMinor).toBe(300_000n - 295_834n);
    // 156.50 PHP at mid is 21.74 HKD (rounded up).
    expect(p.partnerFeeSendMinor).toBe(2_174n);
    expect(p.networkFeeMinor).toBe(1_500n);
    expect(p.totalCostMinor).toBe(p.spreadMinor + p.partnerFeeSendMinor + p.networkFeeMinor);
    expect(p.totalPaidMinor).toBe(301_500n);
    expect(p.costBps).toBe(Number((p.totalCostMinor * 10_000n) / 300_000n));
  });

  it('finds the smallest payout that leaves the recipient the amount asked for', () => {
    for (const fee of [
      { fixedMinor: 0n, bps: 0 },
      { fixedMinor: 5_000n, bps: 50 },
      { fixedMinor: 1n, bps: 1999 },
    ]) {
      for (const want of [1n, 99n, 1_000_000n, 1_234_567n]) {
        const payout = payoutFor(want, fee);
        expect(payout - partnerFee(payout, fee)).toBeGreaterThanOrEqual(want);
        expect(payout - 1n - partnerFee(payout - 1n, fee)).toBeLessThan(want);
      }
    }
  });

  it('converts across exponents, rounding a cost up', () => {
    // 1000 JPY at 0.05 HKD per JPY... as target JPY per source HKD = 20: 1000 JPY = 50.00 HKD.
    expect(toSource(1000n, { num: 20n, den: 1n }, 'HKD', 'JPY')).toBe(5_000n);
    expect(toSource(1001n, { num: 20n, den: 1n }, 'HKD', 'JPY')).toBe(5_005n);
    expect(toSource(1n, { num: 3n, den: 1n }, 'USD', 'EUR')).toBe(1n);
  });

  it('prices locally on a sample: same rate, fee scaled to the amount', () => {
    const t = localTerms(hkdPhp, { sendMinor: 600_000n });
    expect(t.receiveMinor).toBe(4_260_000n);
    expect(t.feeMinor).toBe(3_000n);
    const r = localTerms(hkdPhp, { receiveMinor: 2_130_000n });
    expect(r.sendMinor).toBe(300_000n);
  });

  it('has no spread and no FX fee within one currency', () => {
    const p = price(sameCurrencyTerms('PHP', 100_000n), { fixedMinor: 1_000n, bps: 0 });
    expect([p.spreadMinor, p.networkFeeMinor, p.partnerFeeSendMinor, p.recipientMinor]).toEqual([
      0n,
      0n,
      1_000n,
      99_000n,
    ]);
  });
});
