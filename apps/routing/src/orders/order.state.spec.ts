import { afterFailure, onOutcome, withinPolicy } from './order.state';

describe('order state machine', () => {
  it('moves a sent order to reserved, then paid out', () => {
    expect(onOutcome('submitted', 'routed', 'reserved')).toEqual({
      kind: 'set',
      attempt: 'reserved',
      order: 'reserved',
    });
    expect(onOutcome('reserved', 'reserved', 'fulfilled')).toEqual({
      kind: 'set',
      attempt: 'fulfilled',
      order: 'paid_out',
    });
    // The reservation and the payout in one block, read in order; or the outcome before the send was recorded.
    expect(onOutcome('prepared', 'routed', 'fulfilled')).toEqual({
      kind: 'set',
      attempt: 'fulfilled',
      order: 'paid_out',
    });
  });

  it('reroutes on abort, expiry and rejection, with the reason', () => {
    expect(onOutcome('reserved', 'reserved', 'aborted')).toEqual({
      kind: 'reroute',
      attempt: 'aborted',
      reason: 'aborted',
    });
    expect(onOutcome('reserved', 'reserved', 'expired')).toMatchObject({
      kind: 'reroute',
      attempt: 'expired',
    });
    expect(onOutcome('submitted', 'routed', 'rejected', 'QUOTE_EXPIRED')).toEqual({
      kind: 'reroute',
      attempt: 'rejected',
      reason: 'rejected: QUOTE_EXPIRED',
    });
  });

  it('never moves a final attempt or a final order: an outcome read twice changes nothing', () => {
    expect(onOutcome('fulfilled', 'paid_out', 'aborted')).toEqual({ kind: 'none' });
    expect(onOutcome('aborted', 'rerouted', 'fulfilled')).toEqual({ kind: 'none' });
    expect(onOutcome('reserved', 'reserved', 'reserved')).toEqual({ kind: 'none' });
    expect(onOutcome('submitted', 'refunded', 'fulfilled')).toEqual({ kind: 'none' });
  });

  it('ends refunded if money was ever reserved, else failed', () => {
    expect(afterFailure(true)).toBe('refunded');
    expect(afterFailure(false)).toBe('failed');
  });

  it("keeps a reroute within the app's bound", () => {
    expect(withinPolicy(1000n, 900n, 100_000n, 0)).toBe(true);
    expect(withinPolicy(1000n, 1500n, 100_000n, 50)).toBe(true);
    expect(withinPolicy(1000n, 1501n, 100_000n, 50)).toBe(false);
  });
});
