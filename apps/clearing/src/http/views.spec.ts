import { amount, instructionsCsv } from './views';

describe('clearing API views', () => {
  it('writes instructions as RFC 4180 CSV with decimal amounts', () => {
    const csv = instructionsCsv([
      {
        id: 'w3.a',
        windowId: 3,
        participantId: 'a',
        currency: 'USD',
        direction: 'pay-in',
        amountMinor: 12_550n,
        confirmedMinor: 550n,
        valueDate: '2026-11-28',
        status: 'partially-confirmed',
      },
      {
        id: 'w3.b',
        windowId: 3,
        participantId: 'b',
        currency: 'JPY',
        direction: 'pay-out',
        amountMinor: 125n,
        confirmedMinor: 0n,
        valueDate: '2026-11-28',
        status: 'pending',
      },
    ]);
    expect(csv).toBe(
      'id,windowId,participantId,currency,direction,amount,confirmed,outstanding,valueDate,status\r\n' +
        'w3.a,3,a,USD,pay-in,125.50,5.50,120.00,2026-11-28,partially-confirmed\r\n' +
        'w3.b,3,b,JPY,pay-out,125,0,125,2026-11-28,pending\r\n',
    );
    expect(amount(-1350n, 'USD')).toBe('-13.50');
  });
});
