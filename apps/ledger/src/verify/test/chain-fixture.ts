import type { GenesisCommand, TransferInstruction } from '@concord/contracts';
import { signatureBase, signBytes } from '@concord/crypto';
import {
  buildGenesis,
  ConsortiumSpec,
  participantKey,
  signerKey,
} from '../../../../../libs/devtools/src/demo/consortium';
import { LedgerEngine } from '../../engine/ledger-engine';
import type { LogRecord, SealedBlock } from '../../engine/engine.types';

/**
 * A small deterministic chain for the verifier's tests, built in-process with the real engine: 4 signers
 * (quorum 3), four participants, and a few dozen signed instructions covering every transfer path
 * (one- and two-phase, fulfil, abort, expiry, batch, rejection by rule, forged and malformed commands,
 * duplicates and an unauthorized completion).
 */
export const TEST_SPEC: ConsortiumSpec = {
  chainId: 'verify-test',
  secret: 'verify-test-not-secret',
  signerCount: 4,
  quorum: 3,
  blockMaxEntries: 6,
  participants: [
    { id: 'alpha', name: 'Alpha Remit', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'beta', name: 'Beta Payout', currencies: ['USD', 'PHP'], fundsMinor: 500_000n },
    { id: 'gamma', name: 'Gamma Send', currencies: ['USD'], capMinor: 200_000n },
    // Never paid nor paying: its account never changes, so a signer stores no balances row for it.
    { id: 'delta', name: 'Delta Idle', currencies: ['PHP'] },
  ],
};

/** Distinct transfer ids the engine holds a record of after the fixture (see `buildTestChain`). */
export const TEST_TRANSFER_COUNT = 28;

const T0 = 1_760_000_000_000;

export interface TestChain {
  genesis: GenesisCommand;
  engine: LedgerEngine;
  records: LogRecord[];
  blocks: SealedBlock[];
}

export function buildTestChain(spec: ConsortiumSpec = TEST_SPEC): TestChain {
  const engine = new LedgerEngine();
  const records: LogRecord[] = [];
  const blocks: SealedBlock[] = [];
  const genesis = buildGenesis(spec);
  let offset = 0n;
  let clock = T0;

  const append = (value: unknown) => {
    const record: LogRecord = { offset: offset++, timestampMs: clock, value: JSON.stringify(value) };
    clock += 400;
    records.push(record);
    const sealed = engine.apply(record);
    if (sealed) blocks.push(sealed);
  };
  const instruct = (participantId: string, path: string, body: string, signAs = participantId) => {
    const { keyId } = participantKey(spec, participantId);
    const request = { method: 'POST' as const, path, body, created: Math.floor(clock / 1000), keyId };
    const signature = signBytes(participantKey(spec, signAs).key, signatureBase(request));
    append({ v: 1, type: 'instruction', participantId, request, signature });
  };
  const transfer = (t: TransferInstruction, signAs?: string) =>
    instruct(t.payer, '/v1/transfers', JSON.stringify(t), signAs);
  // As a signer proposes them: only when something is open (a lone cut would seal a block of its own).
  const cut = () => {
    if (engine.openEntryCount > 0) append({ v: 1, type: 'cut', height: engine.height });
  };

  append(genesis);
  const parties = [
    ['alpha', 'beta', 'USD'],
    ['beta', 'alpha', 'PHP'],
    ['alpha', 'gamma', 'USD'],
    ['gamma', 'beta', 'USD'],
    ['beta', 'gamma', 'USD'],
  ] as const;
  for (let i = 1; i <= 20; i++) {
    const [payer, payee, currency] = parties[i % parties.length];
    transfer({
      id: `t${String(i).padStart(2, '0')}`,
      payer,
      payee,
      amount: `${i}.${String((i * 7) % 100).padStart(2, '0')}`,
      currency,
    });
    if (i % 7 === 0) cut();
  }
  transfer({ id: 't21', payer: 'alpha', payee: 'beta', amount: '50.00', currency: 'USD', twoPhase: true });
  transfer({ id: 't22', payer: 'beta', payee: 'alpha', amount: '10.00', currency: 'PHP', twoPhase: true });
  transfer({
    id: 't23',
    payer: 'gamma',
    payee: 'alpha',
    amount: '5.00',
    currency: 'USD',
    twoPhase: true,
    expiresInMs: 1000,
  });
  cut();
  // Not the payee: refused, but the outcome names t21 (see the report on the transfers table).
  instruct('alpha', '/v1/transfers/t21/fulfil', '');
  instruct('beta', '/v1/transfers/t21/fulfil', '');
  instruct('beta', '/v1/transfers/t22/abort', '');
  transfer({ id: 't24', payer: 'gamma', payee: 'beta', amount: '5000.00', currency: 'USD' }); // over the cap
  transfer({ id: 't25', payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' }, 'beta'); // forged
  transfer({ id: 't26', payer: 'alpha', payee: 'beta', amount: 'abc', currency: 'USD' }); // invalid amount
  cut(); // expires t23: its block time is past the reservation's expiry
  transfer({ id: 't01', payer: 'beta', payee: 'alpha', amount: '1.07', currency: 'PHP' }); // a replay of t01
  transfer({ id: 't01', payer: 'beta', payee: 'alpha', amount: '9.99', currency: 'PHP' }); // t01 modified
  instruct(
    'beta',
    '/v1/transfer-batches',
    JSON.stringify({
      transfers: [
        { id: 't27', payer: 'beta', payee: 'alpha', amount: '3.00', currency: 'USD' },
        { id: 't28', payer: 'beta', payee: 'gamma', amount: '4.00', currency: 'USD' },
        { id: 't29', payer: 'beta', payee: 'alpha', amount: '5.00', currency: 'PHP' },
      ],
    }),
  );
  // gamma is neither payer nor payee of the committed t01: refused with NOT_AUTHORIZED.
  instruct('gamma', '/v1/transfers/t01/abort', '');
  append({ v: 1, type: 'cut', height: engine.height + 5 }); // a stale cut: a no-op, never stored
  transfer({ id: 't30', payer: 'mallory', payee: 'beta', amount: '1.00', currency: 'USD' }, 'alpha'); // unknown
  cut();
  transfer({ id: 't31', payer: 'alpha', payee: 'beta', amount: '2.00', currency: 'USD' });
  cut(); // the tip
  return { genesis, engine, records, blocks };
}

/** The certificate a quorum of signers gives a block: signatures over the hex header hash. */
export function certify(
  spec: ConsortiumSpec,
  block: Pick<SealedBlock, 'header' | 'headerHash'>,
  by = ['s1', 's2', 's3'],
) {
  return {
    height: block.header.height,
    headerHash: block.headerHash,
    signatures: by.map((signerId) => ({
      signerId,
      signature: signBytes(signerKey(spec, signerId), block.headerHash),
    })),
  };
}
