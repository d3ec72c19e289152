import {
  confirmationChange,
  decideConfirmation,
  decideReversal,
  Instruction,
  instructionStatus,
  reversalChange,
  windowRefusal,
} from './instruction.state';

const payOut: Instruction = {
  id: 'w3.b',
  windowId: 3,
  participantId: 'b',
  currency: 'USD',
  direction: 'pay-out',
  amountMinor: 1000n,
  confirmedMinor: 400n,
  valueDate: '2026-11-28',
  status: 'partially-confirmed',
};
const payIn: Instruction = { ...payOut, id: 'w3.a', participantId: 'a', direction: 'pay-in' };

describe('settlement instruction decisions', () => {
  it('is pending, partially confirmed or confirmed by what was confirmed of it', () => {
    expect(instructionStatus(0n, 1000n)).toBe('pending');
    expect(instructionStatus(1n, 1000n)).toBe('partially-confirmed');
    expect(instructionStatus(1000n, 1000n)).toBe('confirmed');
  });

  it('takes confirmations and reversals only while the window is settling', () => {
    expect(windowRefusal(3, 'settling', 'confirm')).toBeNull();
    expect(windowRefusal(3, 'settled', 'reverse')).toEqual({
      kind: 'WINDOW_SETTLED',
      windowId: 3,
      action: 'reverse',
    });
    expect(windowRefusal(3, 'aborted', 'confirm')).toEqual({
      kind: 'WINDOW_NOT_SETTLING',
      windowId: 3,
      status: 'aborted',
    });
  });

  it("adds an operator's confirmation up to the amount, and no further", () => {
    expect(decideConfirmation(payOut, 'r', 500n, undefined)).toEqual({
      kind: 'confirm',
      confirmedMinor: 900n,
      status: 'partially-confirmed',
      source: 'operator',
    });
    expect(decideConfirmation(payIn, 'r', 600n, undefined)).toMatchObject({ status: 'confirmed' });
    expect(decideConfirmation(payOut, 'r', 601n, undefined)).toEqual({
      kind: 'refused',
      error: { kind: 'OVER_CONFIRMATION', amountMinor: 601n, confirmedMinor: 400n, instructedMinor: 1000n },
    });
  });

  it('takes only positive amounts, as both callers read them', () => {
    expect(() => decideConfirmation(payOut, 'r', 0n, undefined)).toThrow(/must be positive/);
    expect(() => decideConfirmation(payOut, 'r', -1n, undefined)).toThrow(/must be positive/);
  });

  it('replays the same reference and amount, and refuses the reference used otherwise', () => {
    const recorded = { id: 1, amountMinor: 400n, reversed: false };
    expect(decideConfirmation(payOut, 'r', 400n, recorded)).toEqual({ kind: 'replayed' });
    expect(decideConfirmation(payOut, 'r', 300n, recorded)).toEqual({
      kind: 'refused',
      error: { kind: 'CONFIRMATION_CONFLICT', bankReference: 'r', reversed: false, amountMinor: 400n },
    });
    // A reversed reference is spent: even the same amount needs a new one.
    expect(decideConfirmation(payOut, 'r', 400n, { ...recorded, reversed: true })).toMatchObject({
      kind: 'refused',
      error: { kind: 'CONFIRMATION_CONFLICT', reversed: true },
    });
  });

  it('lets a participant confirm only the pay-outs of its own instructions', () => {
    expect(decideConfirmation(payOut, 'r', 100n, undefined, { participantId: 'b' })).toMatchObject({
      kind: 'confirm',
      source: 'participant',
    });
    // Another participant's instruction does not exist for it.
    expect(decideConfirmation(payOut, 'r', 100n, undefined, { participantId: 'a' })).toEqual({
      kind: 'refused',
      error: { kind: 'INSTRUCTION_NOT_FOUND', instructionId: 'w3.b' },
    });
    expect(decideConfirmation(payIn, 'r', 100n, undefined, { participantId: 'a' })).toEqual({
      kind: 'refused',
      error: { kind: 'CONFIRMATION_NOT_ALLOWED', instructionId: 'w3.a' },
    });
  });

  it('reverses a standing confirmation once', () => {
    const recorded = { id: 7, amountMinor: 400n, reversed: false };
    expect(decideReversal(payOut, 'r', recorded)).toEqual({
      reversed: recorded,
      confirmedMinor: 0n,
      status: 'pending',
    });
    expect(decideReversal(payOut, 'r', { ...recorded, reversed: true })).toEqual({
      error: { kind: 'CONFIRMATION_REVERSED', bankReference: 'r' },
    });
    expect(decideReversal(payOut, 'r', undefined)).toEqual({
      error: { kind: 'CONFIRMATION_NOT_FOUND', instructionId: 'w3.b', bankReference: 'r' },
    });
  });

  it('posts a confirmation to the ledger and announces it; a reversal undoes that posting', () => {
    const confirm = decideConfirmation(payOut, 'bank-1', 600n, undefined);
    if (confirm.kind !== 'confirm') throw new Error('expected a confirmation');
    const confirmed = confirmationChange(payOut, 'bank-1', 600n, 7, confirm);
    expect(confirmed).toEqual({
      confirmedMinor: 1000n,
      status: 'confirmed',
      posting: {
        postingId: 'conf-7',
        participantId: 'b',
        currency: 'USD',
        direction: 'pay-out',
        amountMinor: '600',
        reference: 'window 3 instruction w3.b bank bank-1',
      },
      event: {
        v: 1,
        type: 'instruction.confirmed',
        eventId: 'instruction.confirmed:w3.b:bank-1',
        instructionId: 'w3.b',
        windowId: 3,
        bankReference: 'bank-1',
        amountMinor: '600',
        confirmedMinor: '1000',
        status: 'confirmed',
        source: 'operator',
      },
    });
    const after = { ...payOut, confirmedMinor: 1000n };
    const reverse = decideReversal(after, 'bank-1', { id: 7, amountMinor: 600n, reversed: false });
    if ('error' in reverse) throw new Error('expected a reversal');
    expect(reversalChange(after, 'bank-1', reverse)).toEqual({
      confirmedMinor: 400n,
      status: 'partially-confirmed',
      posting: {
        postingId: 'rev-7',
        participantId: 'b',
        currency: 'USD',
        direction: 'pay-out',
        amountMinor: '600',
        reference: 'reversal: window 3 instruction w3.b bank bank-1',
        reverses: 'conf-7',
      },
      event: {
        v: 1,
        type: 'instruction.reversed',
        eventId: 'instruction.reversed:w3.b:bank-1',
        instructionId: 'w3.b',
        windowId: 3,
        bankReference: 'bank-1',
        amountMinor: '600',
        confirmedMinor: '400',
        status: 'partially-confirmed',
      },
    });
  });
});
