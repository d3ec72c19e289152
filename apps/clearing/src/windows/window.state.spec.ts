import {
  abortEvents,
  abortRefusal,
  closeWindow,
  nextStatus,
  replayedClose,
  settleWindow,
  WindowStep,
} from './window.state';

const NOW = new Date('2026-11-27T16:00:00.000Z');
const open = { id: 4, currency: 'USD', fromHeight: 10 };
const gross = [
  { participantId: 'b', sentMinor: 300n, receivedMinor: 1000n },
  { participantId: 'a', sentMinor: 1000n, receivedMinor: 0n },
  { participantId: 'c', sentMinor: 0n, receivedMinor: 300n },
];
const bilateral = [
  { payer: 'a', payee: 'b', amountMinor: 1000n, count: 2 },
  { payer: 'b', payee: 'c', amountMinor: 300n, count: 1 },
];
const instruction = (participantId: string, status: string) => ({
  id: `w4.${participantId}`,
  windowId: 4,
  participantId,
  currency: 'USD',
  direction: 'pay-out',
  amountMinor: 100n,
  valueDate: '2026-11-28',
  status,
});

describe('settlement window transitions', () => {
  it('goes open -> closed -> settling -> settled or aborted, and nowhere else', () => {
    const statuses = ['open', 'closed', 'settling', 'settled', 'aborted'];
    const steps: WindowStep[] = ['close', 'instruct', 'settle', 'abort'];
    const allowed = statuses.flatMap((s) => steps.map((step) => [s, step, nextStatus(s, step)]));
    expect(allowed.filter(([, , to]) => to !== null)).toEqual([
      ['open', 'close', 'closed'],
      ['closed', 'instruct', 'settling'],
      ['settling', 'settle', 'settled'],
      ['settling', 'abort', 'aborted'],
    ]);
    expect(nextStatus('no such status', 'close')).toBeNull();
  });

  it('closes at the last block taken in, with its netting, value date and event', () => {
    const close = closeWindow(open, gross, bilateral, 17, {
      reason: 'operator',
      now: NOW,
      valueDateDays: 1,
      skipEmpty: false,
    })!;
    expect(close).toMatchObject({
      windowId: 4,
      fromHeight: 10,
      toHeight: 17,
      nextFromHeight: 18,
      valueDate: '2026-11-28',
      netting: { grossMinor: 1300n, netMovedMinor: 1000n, efficiencyBps: 2308 },
    });
    expect(close.event).toEqual({
      v: 1,
      type: 'window.closed',
      eventId: 'window.closed:4',
      windowId: 4,
      currency: 'USD',
      fromHeight: 10,
      toHeight: 17,
      closedAt: NOW.toISOString(),
      reason: 'operator',
      grossMinor: '1300',
      netMovedMinor: '1000',
      efficiencyBps: 2308,
      positions: [
        { participantId: 'a', sentMinor: '1000', receivedMinor: '0', netMinor: '-1000' },
        { participantId: 'b', sentMinor: '300', receivedMinor: '1000', netMinor: '700' },
        { participantId: 'c', sentMinor: '0', receivedMinor: '300', netMinor: '300' },
      ],
      bilateral: [
        { payer: 'a', payee: 'b', amountMinor: '1000', count: 2 },
        { payer: 'b', payee: 'c', amountMinor: '300', count: 1 },
      ],
    });
  });

  it('leaves an empty window open on the schedule, and closes it empty for an operator', () => {
    const request = { reason: 'schedule' as const, now: NOW, valueDateDays: 1, skipEmpty: true };
    expect(closeWindow(open, [], [], 17, request)).toBeNull();
    // A window that took no block since it opened ends just before it began; the next starts there.
    const empty = closeWindow(open, [], [], 3, { ...request, reason: 'operator', skipEmpty: false })!;
    expect(empty).toMatchObject({ toHeight: 9, nextFromHeight: 10, netting: { grossMinor: 0n } });
  });

  it('refuses to close a window whose positions do not balance', () => {
    const lost = [gross[0], gross[1]];
    const request = { reason: 'operator' as const, now: NOW, valueDateDays: 1, skipEmpty: false };
    expect(() => closeWindow(open, lost, bilateral, 17, request)).toThrow(
      'window 4 does not balance: its net positions sum to -300',
    );
  });

  it("answers a close's request id seen before with its window, or refuses it for another request", () => {
    expect(replayedClose('k', 'USD', { type: 'close-window', currency: 'USD', windowId: 3 })).toEqual({
      windowId: 3,
    });
    expect(replayedClose('k', 'USD', { type: 'close-window', currency: 'USD', windowId: null })).toEqual({
      windowId: null,
    });
    // Rows from before currencies were recorded count as this request.
    expect(replayedClose('k', 'USD', { type: 'close-window', currency: null, windowId: 3 })).toEqual({
      windowId: 3,
    });
    expect(replayedClose('k', 'USD', { type: 'close-window', currency: 'PHP', windowId: 3 })).toEqual({
      error: {
        kind: 'IDEMPOTENCY_KEY_REUSED',
        requestId: 'k',
        seenType: 'close-window',
        seenCurrency: 'PHP',
        currency: 'USD',
      },
    });
    expect(replayedClose('k', 'USD', { type: 'confirm', currency: 'USD', windowId: null })).toMatchObject({
      error: { kind: 'IDEMPOTENCY_KEY_REUSED', seenType: 'confirm' },
    });
  });

  it('settles a settling window once every instruction is confirmed, and only then', () => {
    const window = { id: 4, currency: 'USD', status: 'settling' };
    expect(
      settleWindow(window, [instruction('a', 'confirmed'), instruction('b', 'pending')], NOW),
    ).toBeNull();
    expect(settleWindow({ ...window, status: 'closed' }, [instruction('a', 'confirmed')], NOW)).toBeNull();
    const settled = settleWindow(
      window,
      [instruction('a', 'confirmed'), instruction('b', 'confirmed')],
      NOW,
    )!;
    expect(settled.settledAt).toBe(NOW);
    expect(settled.event).toMatchObject({
      type: 'window.settled',
      eventId: 'window.settled:4',
      settledAt: NOW.toISOString(),
      instructions: [
        { instructionId: 'w4.a', participantId: 'a', amountMinor: '100' },
        { instructionId: 'w4.b', participantId: 'b', amountMinor: '100' },
      ],
    });
    // Nobody pays anything: the window settles as soon as it is instructed.
    expect(settleWindow(window, [], NOW)).not.toBeNull();
  });

  it('aborts only a settling window with nothing confirmed, telling each participant first', () => {
    expect(abortRefusal(4, 'settling', 0n)).toBeNull();
    expect(abortRefusal(4, 'settling', 1n)).toEqual({
      kind: 'WINDOW_NOT_ABORTABLE',
      windowId: 4,
      status: 'settling',
      confirmed: true,
    });
    for (const status of ['open', 'closed', 'settled', 'aborted'])
      expect(abortRefusal(4, status, 0n)).toMatchObject({ kind: 'WINDOW_NOT_ABORTABLE', confirmed: false });
    const events = abortEvents(
      { id: 4, currency: 'USD' },
      [instruction('b', 'x'), instruction('a', 'x')],
      9,
      NOW,
    );
    expect(events.map((e) => [e.type, e.eventId])).toEqual([
      ['instruction.cancelled', 'instruction.cancelled:w4.a'],
      ['instruction.cancelled', 'instruction.cancelled:w4.b'],
      ['window.aborted', 'window.aborted:4'],
    ]);
    expect(events[2]).toMatchObject({ carriedToWindowId: 9, abortedAt: NOW.toISOString() });
  });
});
