import fc from 'fast-check';
import { finalizedBlockSchema, type FinalizedBlock } from '@concord/contracts';
import { outcomesJson, postingsJson } from '../engine/ledger-engine';
import type { Posting } from '../engine/engine.types';
import { concatJsonArrays, finalizedJson } from './finalized-json';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/);
const posting = fc.record({
  transferId: id,
  debitAccount: text,
  creditAccount: text,
  amountMinor: fc.bigInt({ min: 1n, max: 10n ** 18n }),
  currency: fc.constantFrom('USD', 'PHP', 'EUR'),
});

describe('finalized block text', () => {
  it('concatenates JSON arrays as the concatenation of their elements', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.jsonValue(), { maxLength: 4 }), { maxLength: 5 }), (arrays) => {
        const joined = concatJsonArrays(arrays.map((a) => JSON.stringify(a)));
        expect(JSON.parse(joined)).toEqual(JSON.parse(JSON.stringify(arrays.flat())));
      }),
    );
  });

  it('reads back as the block, outcomes and postings of every entry in order', () => {
    fc.assert(
      fc.property(fc.array(fc.array(posting, { maxLength: 3 }), { maxLength: 4 }), (entries: Posting[][]) => {
        const outcomes = entries.map((postings) =>
          postings.map((p) => ({
            transferId: p.transferId,
            status: 'committed' as const,
            payer: p.debitAccount,
            payee: p.creditAccount,
            amountMinor: p.amountMinor.toString(),
            currency: p.currency,
          })),
        );
        const rest: Omit<FinalizedBlock, 'outcomes' | 'postings'> = {
          v: 1,
          header: {
            chainId: 'c',
            height: 7,
            prevHash: '0'.repeat(64),
            entriesRoot: '1'.repeat(64),
            stateRoot: '2'.repeat(64),
            blockTimeMs: 1_700_000_000_000,
            entryCount: entries.length,
            firstOffset: '10',
            lastOffset: '12',
          },
          headerHash: '3'.repeat(64),
          certificate: [{ signerId: 's1', signature: 'sig' }],
          participants: [],
          accounts: [],
          moves: [],
          proposals: [],
        };
        const message = finalizedJson(
          rest,
          concatJsonArrays(outcomes.map(outcomesJson)),
          concatJsonArrays(entries.map(postingsJson)),
        );
        const expected = {
          ...rest,
          outcomes: outcomes.flat(),
          postings: entries.flat().map((p) => ({ ...p, amountMinor: p.amountMinor.toString() })),
        };
        expect(JSON.parse(message)).toEqual(expected);
        expect(finalizedBlockSchema.parse(JSON.parse(message))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
