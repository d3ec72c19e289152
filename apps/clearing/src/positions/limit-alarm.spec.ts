import { limitCheck, PositionAccount } from './limit-alarm';

const account = (
  positionMinor: bigint,
  alarmed: boolean,
  capMinor: bigint | null = 1000n,
): PositionAccount => ({
  id: 'a/USD',
  participantId: 'a',
  currency: 'USD',
  positionMinor,
  capMinor,
  height: 6,
  alarmed,
});

describe('limit alarms of position accounts', () => {
  it('alarms once below the share of the cap, and re-arms back above it', () => {
    // 80 % of a 10.00 cap: the threshold is -8.00.
    expect(limitCheck(account(-700n, false), 8000, 'h6')).toEqual({
      alarmed: null,
      crossing: null,
      event: null,
    });
    const alarm = limitCheck(account(-900n, false), 8000, 'h6');
    expect(alarm.alarmed).toBe(true);
    expect(alarm.crossing).toMatchObject({ kind: 'alarm', thresholdMinor: -800n, capMinor: 1000n });
    expect(alarm.event).toEqual({
      v: 1,
      type: 'limit.alarm',
      eventId: 'limit.alarm:a/USD:h6',
      participantId: 'a',
      currency: 'USD',
      accountId: 'a/USD',
      height: 6,
      positionMinor: '-900',
      capMinor: '1000',
      thresholdMinor: '-800',
    });
    expect(limitCheck(account(-950n, true), 8000, 'h7').event).toBeNull();
    const clear = limitCheck(account(-800n, true), 8000, 'h8');
    expect([clear.alarmed, clear.crossing?.kind, clear.event?.type]).toEqual([
      false,
      'clear',
      'limit.cleared',
    ]);
  });

  it('re-arms an alarmed account silently when its cap is gone', () => {
    expect(limitCheck(account(-5000n, true, null), 8000, 'h9')).toEqual({
      alarmed: false,
      crossing: null,
      event: null,
    });
    expect(limitCheck(account(-5000n, false, null), 8000, 'h9')).toEqual({
      alarmed: null,
      crossing: null,
      event: null,
    });
  });
});
