import type { Account, Entry, Posting } from '../engine/engine.types';
import { blockMoves } from './block-moves';

const accounts: Record<string, Pick<Account, 'participantId' | 'kind'>> = {
  'a/USD': { participantId: 'a', kind: 'position' },
  'a/USD/settlement': { participantId: 'a', kind: 'settlement' },
  'b/USD': { participantId: 'b', kind: 'position' },
  'b/USD/fees': { participantId: 'b', kind: 'fees' },
  'b/PHP': { participantId: 'b', kind: 'position' },
  'c/PHP': { participantId: 'c', kind: 'position' },
  'hub/USD': { participantId: 'hub', kind: 'hub' },
  'hub/USD/fees': { participantId: 'hub', kind: 'hub-fees' },
};

const posting = (
  debitAccount: string,
  creditAccount: string,
  amountMinor: bigint,
  currency = 'USD',
): Posting => ({
  transferId: 't',
  debitAccount,
  creditAccount,
  amountMinor,
  currency,
});

const entry = (postings: Posting[]): Entry => ({
  offset: 0n,
  timestampMs: 0,
  kind: 'instruction',
  payload: '',
  outcomes: [],
  postings,
  outcomesJson: '[]',
  postingsJson: '[]',
  hash: '',
});

describe('blockMoves', () => {
  it('sums postings between participants per payer, payee and currency, legs of a conversion apart', () => {
    const moves = blockMoves(
      [
        entry([
          posting('a/USD', 'b/USD', 995n),
          posting('a/USD', 'b/USD/fees', 30n),
          posting('b/PHP', 'c/PHP', 58_321n, 'PHP'),
        ]),
        entry([posting('a/USD', 'b/USD', 100n), posting('b/USD', 'a/USD', 7n)]),
      ],
      (id) => accounts[id],
    );
    expect(moves).toEqual([
      { payer: 'a', payee: 'b', currency: 'USD', amountMinor: '1125', count: 3 },
      { payer: 'b', payee: 'a', currency: 'USD', amountMinor: '7', count: 1 },
      { payer: 'b', payee: 'c', currency: 'PHP', amountMinor: '58321', count: 1 },
    ]);
  });

  it('leaves out prefunding, settlement, scheme fees and moves within one participant', () => {
    const moves = blockMoves(
      [
        entry([
          posting('hub/USD', 'a/USD', 500n),
          posting('a/USD/settlement', 'a/USD', 300n),
          posting('a/USD', 'hub/USD/fees', 15n),
          posting('b/USD', 'b/USD/fees', 1n),
        ]),
      ],
      (id) => accounts[id],
    );
    expect(moves).toEqual([]);
  });
});
