import fc from 'fast-check';
import { clearanceSigningPayload, DEFAULT_BLOCK_MAX_BYTES, transferKey } from '@concord/contracts';
import type {
  AccountLimit,
  Clearance,
  GovernanceAction,
  TransferInstruction,
  TransferOutcome,
} from '@concord/contracts';
import {
  complianceKey,
  derivedKey,
  fxKey,
  governanceCommand,
  settlementCommand,
} from '../../../../libs/devtools/src/demo/consortium';
import { calculateQuote } from '../../../fx/src/quotes/quote-calculator';
import { buildQuote, signQuote } from '../../../fx/src/quotes/quote.signer';
import {
  canonicalJson,
  merkleRoot,
  sha256Hex,
  signatureBase,
  signBytes,
  SignedRequestParts,
  signingKeyFromSeed,
  verifyMerkleProof,
} from '@concord/crypto';
import { formatAmount } from '@concord/money';
import {
  emitOp,
  FIXTURE_START_MS,
  generateWorkload,
  genesisOf,
  LogBuilder,
  makeSpec,
  Op,
  signInstruction,
} from './engine.fixtures';
import { REJECTION_REASONS, RejectionReason } from './engine.errors';
import { quorumRefusal } from './quorum-rule';
import type { Entry, LogRecord, SealedBlock } from './engine.types';
import {
  accountLeaf,
  entryJson,
  headerHash,
  LedgerEngine,
  outcomesJson,
  postingsJson,
  ZERO_HASH,
} from './ledger-engine';

/**
 * p1: USD and PHP, 1,000.00 each, no overdraft. p2: USD and PHP, 1,000.00 each, net debit cap 500.00.
 * p3: USD only, no funds, no overdraft. With blockMaxEntries 1 every record after the genesis seals its own
 * block, so that each example can look at its entry right away.
 */
const SPEC = makeSpec({
  chainId: 'engine-spec',
  participants: 3,
  currencies: (i) => (i === 2 ? ['USD'] : ['USD', 'PHP']),
  fundsMinor: (i) => (i === 2 ? undefined : 100_000n),
  capMinor: (i) => (i === 1 ? 50_000n : undefined),
  blockMaxEntries: 1,
});
const SPEC_100 = { ...SPEC, blockMaxEntries: 100 };

/** Every rejection reason some example produced; the last example checks the list is complete. */
const seenReasons = new Set<string>();

class Harness {
  readonly engine = new LedgerEngine();
  readonly log: LogBuilder;
  readonly blocks: SealedBlock[] = [];

  constructor(spec = SPEC) {
    this.log = new LogBuilder(spec);
  }

  apply(record: LogRecord): SealedBlock | null {
    const block = this.engine.apply(record);
    if (block) {
      this.blocks.push(block);
      for (const entry of block.entries) {
        if (entry.rejection) seenReasons.add(entry.rejection);
        for (const o of entry.outcomes) if (o.reason) seenReasons.add(o.reason);
      }
    }
    return block;
  }

  /** Applies a record that seals a block and returns the record's entry in it. */
  entry(record: LogRecord): Entry {
    const block = this.apply(record);
    if (!block) throw new Error(`record ${record.offset} sealed no block`);
    const entry = block.entries.find((e) => e.offset === record.offset);
    if (!entry) throw new Error(`record ${record.offset} is not in the sealed block`);
    return entry;
  }

  outcome(record: LogRecord): TransferOutcome {
    const entry = this.entry(record);
    expect(entry.outcomes).toHaveLength(1);
    return entry.outcomes[0];
  }

  balance(accountId: string): bigint {
    return this.engine.accounts.get(accountId)!.balanceMinor;
  }

  reserved(accountId: string): bigint {
    return this.engine.accounts.get(accountId)!.reservedMinor;
  }

  /** The record of a transfer, by its payer (p1 unless said) and id. */
  record(transferId: string, payer = 'p1') {
    return this.engine.transfers.get(transferKey(payer, transferId));
  }

  /** The status of the transfer with that id, whoever paid it (ids are unique in the examples that use this). */
  status(transferId: string) {
    return [...this.engine.transfers.values()].find((r) => r.id === transferId)?.status;
  }
}

function started(spec = SPEC): Harness {
  const h = new Harness(spec);
  h.apply(h.log.genesis());
  return h;
}

const tr = (id: string, overrides: Partial<TransferInstruction> = {}): TransferInstruction => ({
  id,
  payer: 'p1',
  payee: 'p2',
  amount: '10.00',
  currency: 'USD',
  ...overrides,
});

function expectRejected(outcome: TransferOutcome, reason: RejectionReason, amountMinor?: string): void {
  expect(outcome.status).toBe('rejected');
  expect(outcome.reason).toBe(reason);
  if (amountMinor !== undefined) expect(outcome.amountMinor).toBe(amountMinor);
}

function expectZeroTotals(engine: LedgerEngine): void {
  for (const [currency, total] of engine.totalsByCurrency())
    expect([currency, total]).toEqual([currency, 0n]);
}

describe('LedgerEngine', () => {
  describe('genesis', () => {
    it('seals block 1 alone, opens the accounts and funds them from the hub by double entry', () => {
      const h = new Harness();
      const block = h.apply(h.log.genesis())!;
      expect(block.header).toEqual({
        chainId: 'engine-spec',
        height: 1,
        prevHash: ZERO_HASH,
        entriesRoot: merkleRoot([Buffer.from(block.entries[0].hash, 'hex')]).toString('hex'),
        stateRoot: h.engine.stateRoot(),
        blockTimeMs: FIXTURE_START_MS,
        entryCount: 1,
        firstOffset: '0',
        lastOffset: '0',
      });
      expect(block.entries[0].kind).toBe('genesis');
      expect(block.entries[0].rejection).toBeUndefined();
      expect(block.entries[0].outcomes.map((o) => [o.transferId, o.status, o.payee, o.currency])).toEqual([
        ['genesis-funds-0', 'committed', 'p1', 'USD'],
        ['genesis-funds-1', 'committed', 'p1', 'PHP'],
        ['genesis-funds-2', 'committed', 'p2', 'USD'],
        ['genesis-funds-3', 'committed', 'p2', 'PHP'],
      ]);
      expect(block.entries[0].postings[0]).toEqual({
        transferId: 'genesis-funds-0',
        debitAccount: 'hub/USD',
        creditAccount: 'p1/USD',
        amountMinor: 100_000n,
        currency: 'USD',
      });
      // Per participant and currency a position, a settlement and a fee account; per currency the hub's
      // settlement account and its scheme fee income.
      const accountIds = [...h.engine.accounts.keys()].sort();
      expect(accountIds).toEqual([
        'hub/PHP',
        'hub/PHP/fees',
        'hub/USD',
        'hub/USD/fees',
        'p1/PHP',
        'p1/PHP/fees',
        'p1/PHP/settlement',
        'p1/USD',
        'p1/USD/fees',
        'p1/USD/settlement',
        'p2/PHP',
        'p2/PHP/fees',
        'p2/PHP/settlement',
        'p2/USD',
        'p2/USD/fees',
        'p2/USD/settlement',
        'p3/USD',
        'p3/USD/fees',
        'p3/USD/settlement',
      ]);
      expect([...h.engine.accounts.values()].map((a) => `${a.id}:${a.kind}`)).toEqual(
        expect.arrayContaining([
          'hub/USD:hub',
          'hub/USD/fees:hub-fees',
          'p1/USD/settlement:settlement',
          'p1/USD/fees:fees',
        ]),
      );
      expect(h.balance('hub/USD')).toBe(-200_000n);
      expect(h.balance('hub/PHP')).toBe(-200_000n);
      expect(h.balance('p1/USD')).toBe(100_000n);
      expect(h.balance('p3/USD')).toBe(0n);
      expect(h.engine.accounts.get('p1/USD')!.floorMinor).toBe(0n);
      expect(h.engine.accounts.get('p2/USD')!.floorMinor).toBe(-50_000n);
      expect(h.engine.accounts.get('hub/USD')!.floorMinor).toBeNull();
      expect(h.engine.limitOf('p2/PHP')).toEqual({ kind: 'net-debit-cap', capMinor: '50000' });
      expect(block.changedAccounts.map((a) => a.id)).toEqual([...h.engine.accounts.keys()].sort());
      expect(block.participantsChanged.map((p) => p.id)).toEqual(['p1', 'p2', 'p3']);
      expect(block.signerSet?.quorum).toBe(3);
      expect(h.engine.quorum).toBe(3);
      expect(h.engine.signers.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
      expect(h.engine.height).toBe(2);
      expectZeroTotals(h.engine);
    });

    it('refuses a second genesis and keeps the first', () => {
      const h = started();
      const stateRoot = h.engine.stateRoot();
      const entry = h.entry(h.log.genesis({ chainId: 'other-chain' }));
      expect(entry.kind).toBe('genesis');
      expect(entry.rejection).toBe('GENESIS_ALREADY_APPLIED');
      expect(entry.outcomes).toEqual([]);
      expect(entry.postings).toEqual([]);
      expect(h.engine.chainId).toBe('engine-spec');
      expect(h.engine.stateRoot()).toBe(stateRoot);
    });

    it('refuses a genesis whose quorum is not Byzantine-safe (INVALID_QUORUM), as a malformed one, and waits for a valid one', () => {
      const h = new Harness();
      const five = { ...SPEC, signerCount: 5, quorum: 4 };
      // Five signers with quorum three was accepted as a majority: two quorums of three share one signer only.
      const refused = [
        h.log.raw(JSON.stringify(genesisOf(five, { quorum: 3 }))),
        h.log.raw(JSON.stringify(genesisOf(SPEC, { quorum: 2 }))),
        h.log.raw(JSON.stringify(genesisOf(SPEC, { quorum: 5 }))),
      ];
      for (const record of refused) expect(h.apply(record)).toBeNull();
      expect(h.engine.hasGenesis).toBe(false);
      expect(h.engine.accounts.size).toBe(0);
      const ok = h.apply(h.log.raw(JSON.stringify(genesisOf(five))))!;
      expect(ok.entries.map((e) => [e.offset, e.kind, e.rejection])).toEqual([
        ...refused.map((r) => [r.offset, 'invalid', 'INVALID_QUORUM']),
        [refused[2].offset + 1n, 'genesis', undefined],
      ]);
      expect([h.engine.signers.length, h.engine.quorum]).toEqual([5, 4]);
    });

    it('accepts exactly the quorums from floor(2n/3) + 1 to n', () => {
      const accepted = (n: number) =>
        Array.from({ length: n }, (_, i) => i + 1).filter((q) => quorumRefusal(n, q) === null);
      expect([1, 2, 3, 4, 5, 6, 7].map((n) => accepted(n)[0])).toEqual([1, 2, 3, 3, 4, 5, 5]);
      expect(accepted(6)).toEqual([5, 6]);
      expect(quorumRefusal(4, 2)).toBe('INVALID_QUORUM');
      expect(quorumRefusal(4, 5)).toBe('INVALID_QUORUM');
    });

    it('refuses a genesis whose governance threshold exceeds its operator keys: it could never be governed', () => {
      const h = new Harness();
      const genesis = genesisOf(SPEC);
      const value = JSON.stringify({ ...genesis, governanceThreshold: genesis.operators.length + 1 });
      const refused = h.log.raw(value);
      expect(h.apply(refused)).toBeNull();
      expect(h.engine.hasGenesis).toBe(false);
      // The same operators with a threshold they can reach make a chain; its first block records the refusal.
      const ok = h.apply(h.log.genesis({ governanceThreshold: genesis.operators.length }))!;
      expect(ok.entries.map((e) => [e.offset, e.kind, e.rejection])).toEqual([
        [refused.offset, 'invalid', 'MALFORMED_COMMAND'],
        [refused.offset + 1n, 'genesis', undefined],
      ]);
      expect(h.engine.hasGenesis).toBe(true);
    });
  });

  describe('rejections: whole commands', () => {
    it('MALFORMED_COMMAND: anything that is not a ledger command', () => {
      const h = started();
      for (const value of [
        'not json',
        '',
        'null',
        '{"v":1,"type":"transfer"}',
        '{"v":2,"type":"cut","height":2}',
        '{"v":1,"type":"cut","height":"2"}',
        JSON.stringify({ ...signInstruction(SPEC, 'p1', req('/v1/transfers', tr('mc'))), extra: 1 }),
      ]) {
        const entry = h.entry(h.log.raw(value));
        expect([value, entry.kind, entry.rejection, entry.outcomes]).toEqual([
          value,
          'invalid',
          'MALFORMED_COMMAND',
          [],
        ]);
      }
      expect(h.engine.transfers.size).toBe(0);
    });

    it('NO_GENESIS: an instruction before the genesis is refused and does not take its id', () => {
      const h = new Harness();
      const early = h.log.transfer(tr('early'));
      expect(h.apply(early)).toBeNull();
      const block = h.apply(h.log.genesis())!;
      // The refused entry lands in the genesis block: nothing can be sealed before there is a chain.
      const entry = block.entries.find((e) => e.offset === early.offset)!;
      expect(entry.rejection).toBe('NO_GENESIS');
      expect(entry.outcomes).toEqual([
        {
          transferId: 'early',
          status: 'rejected',
          reason: 'NO_GENESIS',
          refusal: true,
          payer: 'p1',
          payee: 'p2',
          amountMinor: '0',
          currency: 'USD',
        },
      ]);
      expect(h.outcome(h.log.transfer(tr('early'))).status).toBe('committed');
    });

    it('UNKNOWN_PARTICIPANT: the instructing participant is not a member', () => {
      const h = started();
      const entry = h.entry(h.log.transfer(tr('g1', { payer: 'ghost' })));
      expect(entry.rejection).toBe('UNKNOWN_PARTICIPANT');
      expect(entry.outcomes).toEqual([
        {
          transferId: 'g1',
          status: 'rejected',
          reason: 'UNKNOWN_PARTICIPANT',
          refusal: true,
          payer: 'ghost',
          payee: 'p2',
          amountMinor: '0',
          currency: 'USD',
        },
      ]);
      expect(h.record('g1') !== undefined).toBe(false);
    });

    it('UNKNOWN_KEY: a key id the participant does not have, even one of another participant', () => {
      const h = started();
      expect(h.entry(h.log.transfer(tr('k1'), { keyId: 'p1-2' })).rejection).toBe('UNKNOWN_KEY');
      expect(h.entry(h.log.transfer(tr('k2'), { signWith: 'p2', keyId: 'p2-1' })).rejection).toBe(
        'UNKNOWN_KEY',
      );
      expect(h.balance('p1/USD')).toBe(100_000n);
    });

    it('INVALID_SIGNATURE: a foreign key, a changed body, path or created, or a garbage signature', () => {
      const h = started();
      const tamperings: ((r: SignedRequestParts) => SignedRequestParts)[] = [
        (r) => ({ ...r, body: r.body.replace('"10.00"', '"99.00"') }),
        (r) => ({ ...r, path: '/v1/transfer-batches' }),
        (r) => ({ ...r, created: r.created - 1 }),
      ];
      const forged = h.entry(h.log.transfer(tr('sig0'), { signWith: 'p2' }));
      expect(forged.rejection).toBe('INVALID_SIGNATURE');
      expect(forged.outcomes[0]).toMatchObject({
        transferId: 'sig0',
        status: 'rejected',
        reason: 'INVALID_SIGNATURE',
      });
      tamperings.forEach((tamper, i) => {
        expect(h.entry(h.log.transfer(tr(`sig${i + 1}`), { tamper })).rejection).toBe('INVALID_SIGNATURE');
      });
      const command = signInstruction(SPEC, 'p1', req('/v1/transfers', tr('sig9')));
      for (const signature of ['x', command.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))]) {
        expect(h.entry(h.log.raw(JSON.stringify({ ...command, signature }))).rejection).toBe(
          'INVALID_SIGNATURE',
        );
      }
      expect(h.balance('p1/USD')).toBe(100_000n);
      expect(h.engine.transfers.size).toBe(0);
    });

    it('SIGNATURE_TOO_OLD: created more than 10 minutes before or 60 s after the record time', () => {
      const h = started();
      const at = (ms: number) => {
        h.log.nowMs = ms;
        return ms / 1000;
      };
      const t0 = FIXTURE_START_MS + 3_600_000;
      expect(h.outcome(h.log.transfer(tr('old-ok'), { created: at(t0) - 600 })).status).toBe('committed');
      const old = h.entry(h.log.transfer(tr('old-no'), { created: at(t0) - 601 }));
      expect(old.rejection).toBe('SIGNATURE_TOO_OLD');
      expectRejected(old.outcomes[0], 'SIGNATURE_TOO_OLD', '0');
      expect(h.outcome(h.log.transfer(tr('new-ok'), { created: at(t0) + 60 })).status).toBe('committed');
      expect(h.entry(h.log.transfer(tr('new-no'), { created: at(t0) + 61 })).rejection).toBe(
        'SIGNATURE_TOO_OLD',
      );
      expect(h.balance('p1/USD')).toBe(100_000n - 2_000n);
    });

    it('UNKNOWN_INSTRUCTION: a signed request to a path the ledger does not know', () => {
      const h = started();
      for (const path of ['/v1/payments', '/v1/transfers/x1/cancel', '/v1/transfers/']) {
        const entry = h.entry(h.log.instruction('p1', path, tr('x1')));
        expect([path, entry.rejection, entry.outcomes]).toEqual([path, 'UNKNOWN_INSTRUCTION', []]);
      }
    });

    it('MALFORMED_INSTRUCTION: bodies that are not valid for their path', () => {
      const h = started();
      const cases: [string, string][] = [
        ['/v1/transfers', 'nope'],
        ['/v1/transfers', ''],
        ['/v1/transfers', '{}'],
        ['/v1/transfers', JSON.stringify({ ...tr('m1'), memo: 'extra' })],
        ['/v1/transfers', JSON.stringify({ ...tr('m2'), amount: 10 })],
        ['/v1/transfers', JSON.stringify({ ...tr('m3'), twoPhase: true, expiresInMs: 999 })],
        ['/v1/transfers', JSON.stringify(tr('has space'))],
        ['/v1/transfers', JSON.stringify({ transfers: [tr('m4')] })],
        ['/v1/transfer-batches', JSON.stringify({ transfers: [] })],
        [
          '/v1/transfer-batches',
          JSON.stringify({ transfers: Array.from({ length: 501 }, (_, i) => tr(`m5-${i}`)) }),
        ],
        ['/v1/transfer-batches', JSON.stringify(tr('m6'))],
        ['/v1/transfers/m7/fulfil', '{"x":1}'],
        ['/v1/transfers/m7/abort', 'null'],
      ];
      for (const [path, body] of cases) {
        const entry = h.entry(h.log.instruction('p1', path, body));
        expect([path, body.slice(0, 40), entry.rejection, entry.outcomes]).toEqual([
          path,
          body.slice(0, 40),
          'MALFORMED_INSTRUCTION',
          [],
        ]);
      }
      expect(h.engine.transfers.size).toBe(0);
      expect(h.balance('p1/USD')).toBe(100_000n);
    });
  });

  describe('rejections: single transfers', () => {
    it('INVALID_AMOUNT: zero, negative, too many decimals, not a plain decimal, unknown currency', () => {
      const h = started();
      const bad: Partial<TransferInstruction>[] = [
        { amount: '0' },
        { amount: '0.00' },
        { amount: '-5.00' },
        { amount: '1.001' },
        { amount: '1e3' },
        { amount: '01.00' },
        { amount: ' 10' },
        { amount: '1000000000000000000' },
        { currency: 'XXX' },
      ];
      bad.forEach((overrides, i) => {
        const outcome = h.outcome(h.log.transfer(tr(`amt${i}`, overrides)));
        expect([overrides, outcome.status, outcome.reason, outcome.amountMinor]).toEqual([
          overrides,
          'rejected',
          'INVALID_AMOUNT',
          '0',
        ]);
      });
      // The id is not taken: the same id with a valid amount goes through.
      expect(h.outcome(h.log.transfer(tr('amt0'))).status).toBe('committed');
    });

    it('PAYER_NOT_SIGNER: a participant may only pay from its own account', () => {
      const h = started();
      const entry = h.entry(h.log.transfer(tr('w1'), { signer: 'p2' }));
      expect(entry.rejection).toBeUndefined();
      expectRejected(entry.outcomes[0], 'PAYER_NOT_SIGNER', '1000');
      expect(entry.postings).toEqual([]);
      expect(h.balance('p1/USD')).toBe(100_000n);
      expect(h.balance('p2/USD')).toBe(100_000n);
    });

    it('SAME_PARTICIPANT, UNKNOWN_PARTICIPANT (payee), UNKNOWN_ACCOUNT', () => {
      const h = started();
      expectRejected(h.outcome(h.log.transfer(tr('s1', { payee: 'p1' }))), 'SAME_PARTICIPANT');
      expectRejected(h.outcome(h.log.transfer(tr('u1', { payee: 'ghost' }))), 'UNKNOWN_PARTICIPANT', '1000');
      expect(h.status('u1')).toBe('rejected');
      // p3 has no PHP account; nobody has a JPY account; p3 cannot pay in PHP either.
      expectRejected(
        h.outcome(h.log.transfer(tr('a1', { payee: 'p3', currency: 'PHP' }))),
        'UNKNOWN_ACCOUNT',
      );
      expectRejected(
        h.outcome(h.log.transfer(tr('a2', { currency: 'JPY', amount: '100' }))),
        'UNKNOWN_ACCOUNT',
      );
      expectRejected(
        h.outcome(h.log.transfer(tr('a3', { payer: 'p3', payee: 'p1', currency: 'PHP' }))),
        'UNKNOWN_ACCOUNT',
      );
      expect(h.balance('p1/USD')).toBe(100_000n);
      expect(h.balance('p1/PHP')).toBe(100_000n);
      expectZeroTotals(h.engine);
    });

    it('INSUFFICIENT_FUNDS: above the balance (no overdraft) or above the net debit cap', () => {
      const h = started();
      expectRejected(
        h.outcome(h.log.transfer(tr('f1', { amount: '1000.01' }))),
        'INSUFFICIENT_FUNDS',
        '100001',
      );
      expect(h.outcome(h.log.transfer(tr('f2', { amount: '1000.00' }))).status).toBe('committed');
      expect(h.balance('p1/USD')).toBe(0n);
      expectRejected(h.outcome(h.log.transfer(tr('f3', { amount: '0.01' }))), 'INSUFFICIENT_FUNDS');
      // p2 holds 2,000.00 now and may go 500.00 below zero.
      const p2 = { payer: 'p2', payee: 'p1' };
      expectRejected(h.outcome(h.log.transfer(tr('f4', { ...p2, amount: '2500.01' }))), 'INSUFFICIENT_FUNDS');
      expect(h.outcome(h.log.transfer(tr('f5', { ...p2, amount: '2500.00' }))).status).toBe('committed');
      expect(h.balance('p2/USD')).toBe(-50_000n);
      expectRejected(h.outcome(h.log.transfer(tr('f6', { ...p2, amount: '0.01' }))), 'INSUFFICIENT_FUNDS');
      expectZeroTotals(h.engine);
    });
  });

  describe('double entry', () => {
    it('posts one debit and one equal credit in the same currency', () => {
      const h = started();
      const entry = h.entry(h.log.transfer(tr('d1', { amount: '250.00' })));
      expect(entry.outcomes).toEqual([
        {
          transferId: 'd1',
          status: 'committed',
          payer: 'p1',
          payee: 'p2',
          amountMinor: '25000',
          currency: 'USD',
        },
      ]);
      expect(entry.postings).toEqual([
        {
          transferId: 'p1/d1',
          debitAccount: 'p1/USD',
          creditAccount: 'p2/USD',
          amountMinor: 25_000n,
          currency: 'USD',
        },
      ]);
      expect(h.balance('p1/USD')).toBe(75_000n);
      expect(h.balance('p2/USD')).toBe(125_000n);
      expect(h.balance('p1/PHP')).toBe(100_000n);
      const block = h.blocks[h.blocks.length - 1];
      expect(block.changedAccounts.map((a) => [a.id, a.balanceMinor, a.reservedMinor])).toEqual([
        ['p1/USD', 75_000n, 0n],
        ['p2/USD', 125_000n, 0n],
      ]);
      expectZeroTotals(h.engine);
    });

    it('applies the transfers of a batch in order, each against the balance the previous ones left', () => {
      const h = started();
      const entry = h.entry(
        h.log.batch('p1', [
          tr('b1', { amount: '900.00' }),
          tr('b2', { payee: 'p3', amount: '200.00' }),
          tr('b3', { payee: 'p3', amount: '100.00' }),
        ]),
      );
      expect(entry.outcomes.map((o) => [o.transferId, o.status, o.reason])).toEqual([
        ['b1', 'committed', undefined],
        ['b2', 'rejected', 'INSUFFICIENT_FUNDS'],
        ['b3', 'committed', undefined],
      ]);
      expect(entry.postings.map((p) => [p.creditAccount, p.amountMinor])).toEqual([
        ['p2/USD', 90_000n],
        ['p3/USD', 10_000n],
      ]);
      expect(h.balance('p1/USD')).toBe(0n);
      expect(h.balance('p2/USD')).toBe(190_000n);
      expect(h.balance('p3/USD')).toBe(10_000n);
      expectZeroTotals(h.engine);
    });

    it('rejects the transfers of a batch signed by someone else than their payer, one by one', () => {
      const h = started();
      const entry = h.entry(
        h.log.batch('p1', [tr('bb1'), tr('bb2', { payer: 'p2', payee: 'p1' }), tr('bb3')]),
      );
      expect(entry.outcomes.map((o) => o.reason ?? o.status)).toEqual([
        'committed',
        'PAYER_NOT_SIGNER',
        'committed',
      ]);
      expect(h.balance('p1/USD')).toBe(98_000n);
      expect(h.balance('p2/USD')).toBe(102_000n);
    });
  });

  describe('two-phase transfers', () => {
    it('reserves without posting, and the reservation counts against the headroom', () => {
      const h = started();
      const entry = h.entry(h.log.transfer(tr('r1', { amount: '300.00', twoPhase: true })));
      expect(entry.outcomes[0]).toMatchObject({ transferId: 'r1', status: 'reserved', amountMinor: '30000' });
      expect(entry.postings).toEqual([]);
      expect(h.balance('p1/USD')).toBe(100_000n);
      expect(h.reserved('p1/USD')).toBe(30_000n);
      expect(h.blocks[h.blocks.length - 1].changedAccounts.map((a) => [a.id, a.reservedMinor])).toEqual([
        ['p1/USD', 30_000n],
      ]);
      expectRejected(h.outcome(h.log.transfer(tr('r2', { amount: '700.01' }))), 'INSUFFICIENT_FUNDS');
      expectRejected(
        h.outcome(h.log.transfer(tr('r3', { amount: '700.01', twoPhase: true }))),
        'INSUFFICIENT_FUNDS',
      );
      expect(h.outcome(h.log.transfer(tr('r4', { amount: '700.00' }))).status).toBe('committed');
      expect(h.balance('p1/USD') - h.reserved('p1/USD')).toBe(0n);
    });

    it('fulfil: only the payee confirms; it posts once, a repeat changes nothing, abort is then refused', () => {
      const h = started();
      h.apply(h.log.transfer(tr('r1', { amount: '300.00', twoPhase: true })));
      expectRejected(h.outcome(h.log.fulfil('p1', 'r1')), 'NOT_AUTHORIZED', '30000');
      // A third party names the payer to reach the transfer at all; without it, p3 has no r1 of its own.
      expectRejected(h.outcome(h.log.fulfil('p3', 'r1', { query: 'payer=p1' })), 'NOT_AUTHORIZED');
      expectRejected(h.outcome(h.log.abort('p3', 'r1', { query: 'payer=p1' })), 'NOT_AUTHORIZED');
      expectRejected(h.outcome(h.log.abort('p3', 'r1')), 'UNKNOWN_TRANSFER');
      expect(h.status('r1')).toBe('reserved');
      expect(h.reserved('p1/USD')).toBe(30_000n);

      const done = h.entry(h.log.fulfil('p2', 'r1'));
      expect(done.outcomes).toEqual([
        {
          transferId: 'r1',
          status: 'fulfilled',
          payer: 'p1',
          payee: 'p2',
          amountMinor: '30000',
          currency: 'USD',
        },
      ]);
      expect(done.postings).toEqual([
        {
          transferId: 'p1/r1',
          debitAccount: 'p1/USD',
          creditAccount: 'p2/USD',
          amountMinor: 30_000n,
          currency: 'USD',
        },
      ]);
      expect([h.balance('p1/USD'), h.reserved('p1/USD'), h.balance('p2/USD')]).toEqual([
        70_000n,
        0n,
        130_000n,
      ]);

      const again = h.entry(h.log.fulfil('p2', 'r1'));
      expect(again.outcomes).toEqual(done.outcomes);
      expect(again.postings).toEqual([]);
      expectRejected(h.outcome(h.log.abort('p1', 'r1')), 'NOT_RESERVED');
      expect(h.status('r1')).toBe('fulfilled');
      expect([h.balance('p1/USD'), h.reserved('p1/USD'), h.balance('p2/USD')]).toEqual([
        70_000n,
        0n,
        130_000n,
      ]);
      expectZeroTotals(h.engine);
    });

    it('abort: payer or payee releases the reservation without posting; fulfil is then refused', () => {
      const h = started();
      h.apply(h.log.transfer(tr('r1', { amount: '300.00', twoPhase: true })));
      h.apply(h.log.transfer(tr('r2', { amount: '200.00', twoPhase: true })));
      expect(h.reserved('p1/USD')).toBe(50_000n);
      const byPayer = h.entry(h.log.abort('p1', 'r1'));
      expect(byPayer.outcomes[0]).toMatchObject({ transferId: 'r1', status: 'aborted' });
      expect(byPayer.postings).toEqual([]);
      expect(h.reserved('p1/USD')).toBe(20_000n);
      expect(h.outcome(h.log.abort('p2', 'r2')).status).toBe('aborted');
      expect(h.reserved('p1/USD')).toBe(0n);
      expect(h.outcome(h.log.abort('p2', 'r1')).status).toBe('aborted');
      expectRejected(h.outcome(h.log.fulfil('p2', 'r1')), 'NOT_RESERVED');
      expect([h.status('r1'), h.status('r2')]).toEqual(['aborted', 'aborted']);
      expect([h.balance('p1/USD'), h.balance('p2/USD')]).toEqual([100_000n, 100_000n]);
    });

    it('NOT_RESERVED and UNKNOWN_TRANSFER: completing a one-phase, rejected or unknown transfer', () => {
      const h = started();
      h.apply(h.log.transfer(tr('one')));
      h.apply(h.log.transfer(tr('poor', { amount: '5000.00', twoPhase: true })));
      expect(h.status('poor')).toBe('rejected');
      expectRejected(h.outcome(h.log.fulfil('p2', 'one', { query: 'payer=p1' })), 'NOT_RESERVED');
      // Only two-phase transfers are found by their payee and id alone (the ones a payee completes).
      expectRejected(h.outcome(h.log.fulfil('p2', 'one')), 'UNKNOWN_TRANSFER');
      expectRejected(h.outcome(h.log.abort('p1', 'poor')), 'NOT_RESERVED');
      expect(h.outcome(h.log.fulfil('p2', 'nope'))).toEqual({
        transferId: 'nope',
        status: 'rejected',
        reason: 'UNKNOWN_TRANSFER',
        refusal: true,
        payer: '',
        payee: '',
        amountMinor: '0',
        currency: 'XXX',
      });
      expect(h.status('one')).toBe('committed');
    });

    it('expires at the first cut whose block time reaches expiresAt, not one millisecond earlier', () => {
      const h = started(SPEC_100);
      const reserve = h.log.transfer(tr('e1', { amount: '100.00', twoPhase: true, expiresInMs: 5000 }));
      expect(h.apply(reserve)).toBeNull();
      const expiresAt = reserve.timestampMs + 5000;
      expect(h.record('e1')!.expiresAtMs).toBe(expiresAt);

      h.log.nowMs = expiresAt - 2;
      const early = h.apply(h.log.cut())!;
      expect(early.header.blockTimeMs).toBe(expiresAt - 2);
      expect(early.entries.map((e) => [e.kind, e.outcomes.length])).toEqual([
        ['instruction', 1],
        ['cut', 0],
      ]);
      expect(h.status('e1')).toBe('reserved');

      h.apply(h.log.transfer(tr('pad', { amount: '1.00' })));
      h.log.nowMs = expiresAt;
      const due = h.apply(h.log.cut())!;
      expect(due.header.blockTimeMs).toBe(expiresAt);
      const cut = due.entries[due.entries.length - 1];
      expect(cut.kind).toBe('cut');
      expect(cut.outcomes).toEqual([
        {
          transferId: 'e1',
          status: 'expired',
          payer: 'p1',
          payee: 'p2',
          amountMinor: '10000',
          currency: 'USD',
        },
      ]);
      expect(cut.postings).toEqual([]);
      expect(h.status('e1')).toBe('expired');
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([99_900n, 0n]);
      expect(due.changedAccounts.find((a) => a.id === 'p1/USD')!.reservedMinor).toBe(0n);

      h.apply(h.log.fulfil('p2', 'e1'));
      const after = h.apply(h.log.cut())!;
      expectRejected(after.entries[0].outcomes[0], 'NOT_RESERVED');
      expect(h.balance('p2/USD')).toBe(100_100n);
    });

    it('expires in a block sealed by size too, and a fulfilment past the time ends the transfer expired', () => {
      const h = started({ ...SPEC, blockMaxEntries: 2 });
      h.apply(h.log.transfer(tr('e2', { twoPhase: true, expiresInMs: 1000 })));
      h.log.advance(60_000);
      // No cut marker: the block seals by size, and its sealing record's entry records the expiry.
      const sealed = h.apply(h.log.transfer(tr('pad')))!;
      expect(sealed.entries.map((e) => e.kind)).toEqual(['instruction', 'instruction']);
      expect(sealed.entries[1].outcomes.map((o) => [o.transferId, o.status])).toEqual([
        ['pad', 'committed'],
        ['e2', 'expired'],
      ]);
      expect(h.status('e2')).toBe('expired');
      expect(h.reserved('p1/USD')).toBe(0n);

      // A reservation whose time passed before any block released it cannot be fulfilled any more.
      h.apply(h.log.transfer(tr('e3', { twoPhase: true, expiresInMs: 1000 })));
      h.log.advance(1000);
      const next = h.apply(h.log.fulfil('p2', 'e3'))!;
      expect(next.entries.map((e) => e.kind)).toEqual(['instruction', 'instruction']);
      expect(next.entries[1].outcomes.map((o) => [o.transferId, o.status])).toEqual([['e3', 'expired']]);
      expect(next.entries[1].postings).toEqual([]);
      expect(h.reserved('p1/USD')).toBe(0n);
      // Only 'pad' (1,000.00) moved: neither reservation paid anything.
      expect(h.balance('p2/USD')).toBe(101_000n);
    });

    it('expires at a lone cut, without other traffic, and tells signers when the next expiry is due', () => {
      const h = started(SPEC_100);
      h.apply(h.log.transfer(tr('quiet', { twoPhase: true, expiresInMs: 5_000 })));
      h.apply(h.log.cut());
      expect(h.engine.nextExpiryMs()).toBe(h.record('quiet')!.expiresAtMs);
      // A lone cut before the time seals a block that expires nothing.
      expect(h.apply(h.log.cut())!.entries.map((e) => e.outcomes)).toEqual([[]]);
      expect(h.status('quiet')).toBe('reserved');
      h.log.advance(5_000);
      const block = h.apply(h.log.cut())!;
      expect(block.entries.map((e) => [e.kind, e.outcomes.map((o) => [o.transferId, o.status])])).toEqual([
        ['cut', [['quiet', 'expired']]],
      ]);
      expect(h.reserved('p1/USD')).toBe(0n);
      expect(h.engine.nextExpiryMs()).toBeNull();
    });

    it('expires several reservations in id order at one cut and defaults expiry to 24 hours', () => {
      const h = started(SPEC_100);
      h.apply(h.log.transfer(tr('x-b', { twoPhase: true, expiresInMs: 1000 })));
      h.apply(h.log.transfer(tr('x-a', { twoPhase: true, expiresInMs: 1500 })));
      const c = h.log.transfer(tr('x-c', { twoPhase: true }));
      h.apply(c);
      expect(h.record('x-c')!.expiresAtMs).toBe(c.timestampMs + 24 * 3600 * 1000);
      h.log.advance(2000);
      const block = h.apply(h.log.cut())!;
      expect(block.entries[block.entries.length - 1].outcomes.map((o) => [o.transferId, o.status])).toEqual([
        ['x-a', 'expired'],
        ['x-b', 'expired'],
      ]);
      expect(h.status('x-c')).toBe('reserved');
      expect(h.reserved('p1/USD')).toBe(1_000n);
      h.log.nowMs = c.timestampMs + 24 * 3600 * 1000 - 10;
      h.apply(h.log.transfer(tr('pad')));
      h.log.nowMs = c.timestampMs + 24 * 3600 * 1000;
      const later = h.apply(h.log.cut())!;
      expect(later.entries[later.entries.length - 1].outcomes.map((o) => o.transferId)).toEqual(['x-c']);
      expect(h.reserved('p1/USD')).toBe(0n);
    });

    it('uses a clock that never goes back, for block times and for expiry', () => {
      const h = started(SPEC_100);
      h.apply(h.log.transfer(tr('pad')));
      h.log.advance(100_000);
      const first = h.apply(h.log.cut())!;
      const blockTime = first.header.blockTimeMs;
      // A record stamped earlier than the last block: the ledger's clock stays at the block time, so the
      // reservation runs from there, and the next block does not go back in time either.
      h.log.nowMs = blockTime - 50_000;
      h.apply(h.log.transfer(tr('late', { twoPhase: true, expiresInMs: 1000 })));
      expect(h.record('late')!.expiresAtMs).toBe(blockTime + 1000);
      h.log.nowMs = blockTime - 40_000;
      const second = h.apply(h.log.cut())!;
      expect(second.header.blockTimeMs).toBe(blockTime);
      expect(h.status('late')).toBe('reserved');
      h.log.nowMs = blockTime + 1000;
      h.apply(h.log.transfer(tr('pad2')));
      h.apply(h.log.cut());
      expect(h.status('late')).toBe('expired');
    });
  });

  describe('idempotency', () => {
    it('the same id with the same content gives the same outcome and no new effect', () => {
      const h = started();
      const first = h.log.transfer(tr('i1'));
      const committed = h.outcome(first);
      expect(committed.status).toBe('committed');
      // "10" and "10.00" USD are the same amount, so the same content.
      const retry = h.entry(h.log.transfer(tr('i1', { amount: '10' })));
      expect(retry.outcomes).toEqual([committed]);
      expect(retry.postings).toEqual([]);
      // The very same signed record delivered twice.
      const replay = h.entry(h.log.raw(first.value));
      expect(replay.outcomes).toEqual([committed]);
      expect(replay.postings).toEqual([]);
      expect([h.balance('p1/USD'), h.balance('p2/USD')]).toEqual([99_000n, 101_000n]);
    });

    it('DUPLICATE_MODIFIED: the same id with other content is refused and the original is untouched', () => {
      const h = started();
      h.apply(h.log.transfer(tr('i1')));
      const original = structuredClone(h.record('i1'));
      const changes: Partial<TransferInstruction>[] = [
        { amount: '11.00' },
        { payee: 'p3' },
        { currency: 'PHP' },
        { twoPhase: true },
        { expiresInMs: 5000 },
      ];
      for (const change of changes) {
        const outcome = h.outcome(h.log.transfer(tr('i1', change)));
        expect([change, outcome.status, outcome.reason]).toEqual([change, 'rejected', 'DUPLICATE_MODIFIED']);
      }
      expect(h.outcome(h.log.transfer(tr('i1', { amount: '11.00' }))).amountMinor).toBe('1100');
      expect(h.record('i1')).toEqual(original);
      expect([h.balance('p1/USD'), h.balance('p2/USD'), h.balance('p3/USD')]).toEqual([
        99_000n,
        101_000n,
        0n,
      ]);
    });

    it('a repeated two-phase instruction reserves once and then reports the current status', () => {
      const h = started();
      const reserve = tr('i2', { amount: '100.00', twoPhase: true });
      h.apply(h.log.transfer(reserve));
      expect(h.outcome(h.log.transfer(reserve)).status).toBe('reserved');
      expect(h.reserved('p1/USD')).toBe(10_000n);
      h.apply(h.log.fulfil('p2', 'i2'));
      const after = h.entry(h.log.transfer(reserve));
      expect(after.outcomes[0].status).toBe('fulfilled');
      expect(after.postings).toEqual([]);
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([90_000n, 0n]);
    });

    it('a rejected transfer keeps its id: a retry with the same content gets the same rejection', () => {
      const h = started();
      const big = tr('i3', { amount: '1500.00' });
      expectRejected(h.outcome(h.log.transfer(big)), 'INSUFFICIENT_FUNDS');
      h.apply(h.log.transfer(tr('topup', { payer: 'p2', payee: 'p1', amount: '600.00' })));
      expect(h.balance('p1/USD')).toBe(160_000n);
      expectRejected(h.outcome(h.log.transfer(big)), 'INSUFFICIENT_FUNDS');
      expectRejected(h.outcome(h.log.transfer({ ...big, amount: '1500.01' })), 'DUPLICATE_MODIFIED');
      expect(h.balance('p1/USD')).toBe(160_000n);
    });

    it('refused commands and invalid amounts do not take the id', () => {
      const h = started();
      expect(h.entry(h.log.transfer(tr('i4'), { signWith: 'p3' })).rejection).toBe('INVALID_SIGNATURE');
      expectRejected(h.outcome(h.log.transfer(tr('i5', { amount: '0' }))), 'INVALID_AMOUNT');
      expect(h.outcome(h.log.transfer(tr('i4'))).status).toBe('committed');
      expect(h.outcome(h.log.transfer(tr('i5'))).status).toBe('committed');
    });

    it('deduplicates inside one batch too', () => {
      const h = started();
      const entry = h.entry(h.log.batch('p1', [tr('i6'), tr('i6'), tr('i6', { amount: '12.00' })]));
      expect(entry.outcomes.map((o) => o.reason ?? o.status)).toEqual([
        'committed',
        'committed',
        'DUPLICATE_MODIFIED',
      ]);
      expect(entry.postings).toHaveLength(1);
      expect(h.balance('p1/USD')).toBe(99_000n);
    });
  });

  describe('blocks', () => {
    it('seals by size at blockMaxEntries entries', () => {
      const h = started({ ...SPEC, blockMaxEntries: 3 });
      const records = [h.log.transfer(tr('z1')), h.log.transfer(tr('z2')), h.log.transfer(tr('z3'))];
      expect(h.apply(records[0])).toBeNull();
      expect(h.apply(records[1])).toBeNull();
      expect(h.engine.openEntryCount).toBe(2);
      const block = h.apply(records[2])!;
      expect(block.header).toMatchObject({
        height: 2,
        entryCount: 3,
        firstOffset: '1',
        lastOffset: '3',
        blockTimeMs: records[2].timestampMs,
        prevHash: h.blocks[0].headerHash,
      });
      expect(block.entries.map((e) => e.offset)).toEqual([1n, 2n, 3n]);
      expect(h.engine.openEntryCount).toBe(0);
      expect(h.engine.height).toBe(3);
      expect(h.engine.height).toBe(h.log.openHeight);
    });

    it('seals by size after the record that reaches blockMaxBytes characters', () => {
      const h = started({ ...SPEC_100, blockMaxBytes: 1024 });
      // Signed transfer records of a few hundred characters each: the block closes with the first record
      // that brings the open block to the bound (not before it), whatever the exact record sizes.
      let chars = 0;
      for (let i = 1; ; i++) {
        const record = h.log.transfer(tr(`y${i}`));
        chars += record.value.length;
        const block = h.apply(record);
        if (chars < 1024) {
          expect(block).toBeNull();
          // How full the open block is, which the signers' cut timing reads (see minOpenMs).
          expect(h.engine.openBlockFill).toBeCloseTo(chars / 1024, 10);
          continue;
        }
        expect(i).toBeGreaterThan(1);
        expect(block!.header.entryCount).toBe(i);
        break;
      }
      expect(h.engine.openEntryCount).toBe(0);
      expect(h.engine.openBlockFill).toBe(0);
      expect(h.engine.height).toBe(h.log.openHeight);
    });

    it('takes the default block size bound when a genesis names none (chains from before it)', () => {
      const h = new Harness(SPEC_100);
      const genesis = JSON.parse(h.log.genesis().value) as Record<string, unknown>;
      delete genesis.blockMaxBytes;
      const record = { offset: 0n, timestampMs: FIXTURE_START_MS, value: JSON.stringify(genesis) };
      expect(h.engine.apply(record)?.header.height).toBe(1);
      expect(h.engine.hasGenesis).toBe(true);
      const big = 'x'.repeat(DEFAULT_BLOCK_MAX_BYTES);
      // A malformed record is an entry too: one of the default size seals the block on its own.
      expect(h.engine.apply({ offset: 1n, timestampMs: FIXTURE_START_MS + 1, value: big })).not.toBeNull();
    });

    it('seals at a cut for the open height, even a lone one, and ignores stale and future cuts', () => {
      const h = started(SPEC_100);
      // A cut with nothing else open makes a block of its own entry.
      const lone = h.apply(h.log.cut(2))!;
      expect([lone.header.height, lone.entries.map((e) => e.kind)]).toEqual([2, ['cut']]);
      const t1 = h.log.transfer(tr('c1'));
      expect(h.apply(t1)).toBeNull();
      expect(h.apply(h.log.cut(2))).toBeNull();
      expect(h.apply(h.log.cut(4))).toBeNull();
      expect(h.engine.openEntryCount).toBe(1);
      const cut = h.log.cut(3);
      const block = h.apply(cut)!;
      expect(block.header).toMatchObject({
        height: 3,
        entryCount: 2,
        firstOffset: t1.offset.toString(),
        lastOffset: cut.offset.toString(),
      });
      expect(block.entries.map((e) => e.kind)).toEqual(['instruction', 'cut']);
      expect(h.apply(h.log.cut(3))).toBeNull();
      expect(h.engine.height).toBe(4);
    });

    it('chains headers: consecutive heights, prevHash links, hashes and roots that match their content', () => {
      const spec = makeSpec({ chainId: 'chain-spec', participants: 5, blockMaxEntries: 16 });
      const log = new LogBuilder(spec);
      log.genesis();
      generateWorkload(log, { seed: 7, instructions: 300, cutEvery: 25, maxBatch: 20 });
      const engine = new LedgerEngine();
      const blocks: SealedBlock[] = [];
      for (const [i, record] of log.records.entries()) {
        const block = engine.apply(record);
        expect(engine.height).toBe(log.openHeights[i]);
        if (block) {
          expect(block.header.stateRoot).toBe(engine.stateRoot());
          // From scratch, not through the engine's cached leaves: every account's leaf hashed again.
          const ids = [...engine.accounts.keys()].sort();
          expect(block.header.stateRoot).toBe(
            merkleRoot(ids.map((id) => accountLeaf(engine.accounts.get(id)!))).toString('hex'),
          );
          blocks.push(block);
        }
      }
      expect(engine.height).toBe(log.openHeight);
      expect(blocks.length).toBeGreaterThan(20);
      let prev: SealedBlock | null = null;
      for (const block of blocks) {
        const { header } = block;
        expect(header.height).toBe(prev ? prev.header.height + 1 : 1);
        expect(header.prevHash).toBe(prev ? prev.headerHash : ZERO_HASH);
        expect(block.headerHash).toBe(headerHash(header));
        expect(block.headerHash).toBe(sha256Hex(canonicalJson(header)));
        expect(header.entryCount).toBe(block.entries.length);
        expect(header.entriesRoot).toBe(
          merkleRoot(block.entries.map((e) => Buffer.from(e.hash, 'hex'))).toString('hex'),
        );
        expect(header.firstOffset).toBe(block.entries[0].offset.toString());
        expect(header.lastOffset).toBe(block.entries[block.entries.length - 1].offset.toString());
        expect(new Set(block.entries.map((e) => e.hash)).size).toBe(block.entries.length);
        for (const entry of block.entries) expect(entry.hash).toBe(referenceEntryHash(entry));
        if (prev) {
          expect(BigInt(header.firstOffset)).toBeGreaterThan(BigInt(prev.header.lastOffset));
          expect(header.blockTimeMs).toBeGreaterThanOrEqual(prev.header.blockTimeMs);
        }
        prev = block;
      }
      const stateRoot = blocks[blocks.length - 1].header.stateRoot;
      for (const id of engine.accounts.keys()) {
        const { account, proof } = engine.balanceProof(id)!;
        expect(verifyMerkleProof(accountLeaf(account), proof, stateRoot)).toBe(true);
        expect(
          verifyMerkleProof(
            accountLeaf({ ...account, balanceMinor: account.balanceMinor + 1n }),
            proof,
            stateRoot,
          ),
        ).toBe(false);
      }
    });

    it('the realistic workload produces what it claims (the bench relies on it)', () => {
      const spec = makeSpec({ chainId: 'mix-spec', participants: 5, blockMaxEntries: 50 });
      const log = new LogBuilder(spec);
      log.genesis();
      const plan = generateWorkload(log, { seed: 3, instructions: 400, cutEvery: 20, cutAdvanceMs: 1000 });
      const engine = new LedgerEngine();
      const reasons = new Map<string, number>();
      const statuses = new Map<string, number>();
      let transfers = 0;
      for (const [i, record] of log.records.entries()) {
        const block = engine.apply(record);
        for (const entry of block?.entries ?? []) {
          const kind = log.kinds[Number(entry.offset)];
          if (kind === 'transfer' || kind === 'batch') transfers += entry.outcomes.length;
          if (entry.rejection) reasons.set(entry.rejection, (reasons.get(entry.rejection) ?? 0) + 1);
          for (const o of entry.outcomes) {
            statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
            if (o.reason && !entry.rejection) reasons.set(o.reason, (reasons.get(o.reason) ?? 0) + 1);
          }
        }
        expect([i, engine.height]).toEqual([i, log.openHeights[i]]);
      }
      expect(engine.openEntryCount).toBe(0);
      expect(transfers).toBe(plan.transfers);
      expect(plan.hotPayerTransfers / plan.transfers).toBeGreaterThan(0.6);
      expect(plan.hotPayerTransfers / plan.transfers).toBeLessThan(0.8);
      for (const status of ['committed', 'reserved', 'fulfilled', 'aborted', 'expired', 'rejected']) {
        expect([status, (statuses.get(status) ?? 0) > 0]).toEqual([status, true]);
      }
      for (const reason of [
        'INSUFFICIENT_FUNDS',
        'UNKNOWN_PARTICIPANT',
        'PAYER_NOT_SIGNER',
        'DUPLICATE_MODIFIED',
        'MALFORMED_INSTRUCTION',
        'INVALID_SIGNATURE',
        'NOT_AUTHORIZED',
      ]) {
        expect([reason, (reasons.get(reason) ?? 0) > 0]).toEqual([reason, true]);
      }
      expectZeroTotals(engine);
    });
  });

  /* Defects found by these tests and since fixed; each stays as a regression test. */
  describe('ids and cuts', () => {
    it('a wrong-signer instruction does not take the payer’s transfer id (PAYER_NOT_SIGNER)', () => {
      const h = started();
      expectRejected(h.outcome(h.log.transfer(tr('pay-42'), { signer: 'p3' })), 'PAYER_NOT_SIGNER');
      // The refusal is not recorded under p1's id: p1's own transfer with that id still goes through.
      expect(h.outcome(h.log.transfer(tr('pay-42'))).status).toBe('committed');
    });

    it('a wrong-signer instruction is not answered with the payer’s transfer outcome', () => {
      const h = started();
      expect(h.outcome(h.log.transfer(tr('pay-43'))).status).toBe('committed');
      // The signer check comes before the duplicate lookup: p3 learns nothing about p1's transfer.
      expectRejected(h.outcome(h.log.transfer(tr('pay-43'), { signer: 'p3' })), 'PAYER_NOT_SIGNER');
    });

    it('a cut before the genesis seals no block (there is no chain yet)', () => {
      const h = new Harness();
      h.apply(h.log.raw('garbage'));
      // Otherwise block 1 would carry chainId '' (not a valid header) and the genesis would be block 2.
      expect(h.apply(h.log.cut(1))).toBeNull();
    });
  });

  describe('governance (M-of-N operator approvals)', () => {
    const govern = (h: Harness, proposalId: string, action: GovernanceAction, approvers?: string[]) =>
      h.entry(h.log.raw(JSON.stringify(governanceCommand(SPEC, proposalId, action, approvers))));

    it('refuses a proposal without enough distinct valid operator approvals, and a replayed one', () => {
      const h = started();
      const action: GovernanceAction = {
        kind: 'funds-in',
        participantId: 'p3',
        currency: 'USD',
        amountMinor: '500',
      };
      expect(govern(h, 'g-1', action, ['operator-1']).rejection).toBe('GOVERNANCE_NOT_APPROVED');
      expect(govern(h, 'g-1', action, ['operator-1', 'operator-1']).rejection).toBe(
        'GOVERNANCE_NOT_APPROVED',
      );
      const forged = governanceCommand(SPEC, 'g-1', action);
      forged.approvals[1].signature = forged.approvals[0].signature;
      expect(h.entry(h.log.raw(JSON.stringify(forged))).rejection).toBe('GOVERNANCE_NOT_APPROVED');
      expect(h.balance('p3/USD')).toBe(0n);
      const ok = govern(h, 'g-1', action);
      expect(ok.rejection).toBeUndefined();
      expect(ok.outcomes[0]).toMatchObject({
        transferId: 'funds-in:g-1',
        status: 'committed',
        payer: 'hub',
        payee: 'p3',
      });
      expect(h.balance('p3/USD')).toBe(500n);
      expect(govern(h, 'g-1', action).rejection).toBe('DUPLICATE_PROPOSAL');
      expect(h.balance('p3/USD')).toBe(500n);
      expectZeroTotals(h.engine);
    });

    it('adds a participant with its accounts, and suspends one so that it can neither pay nor be paid', () => {
      const h = started();
      // The fixture's blocks hold one entry each, so the proposal seals its own block.
      const sealed = h.apply(
        h.log.raw(
          JSON.stringify(
            governanceCommand(SPEC, 'g-add', {
              kind: 'add-participant',
              participant: {
                id: 'p9',
                name: 'Newcomer',
                keys: [{ keyId: 'p9-1', publicKey: 'ab'.repeat(32) }],
                accounts: [{ currency: 'EUR', limit: { kind: 'no-overdraft' } }],
              },
            }),
          ),
        ),
      )!;
      expect(sealed.participantsChanged.map((p) => p.id)).toEqual(['p9']);
      expect(sealed.changedAccounts.map((a) => a.id)).toEqual([
        'hub/EUR',
        'hub/EUR/fees',
        'p9/EUR',
        'p9/EUR/fees',
        'p9/EUR/settlement',
      ]);
      expect(
        govern(h, 'g-add-again', {
          kind: 'add-participant',
          participant: {
            id: 'p9',
            name: 'Again',
            keys: [{ keyId: 'p9-2', publicKey: 'ef'.repeat(32) }],
            accounts: [{ currency: 'EUR', limit: { kind: 'no-overdraft' } }],
          },
        }).rejection,
      ).toBe('INVALID_PROPOSAL');
      expect(
        govern(h, 'g-sus', { kind: 'set-participant-status', participantId: 'p2', status: 'suspended' })
          .rejection,
      ).toBeUndefined();
      expectRejected(h.outcome(h.log.transfer(tr('to-suspended'))), 'PARTICIPANT_NOT_ACTIVE');
      expect(h.entry(h.log.transfer(tr('from-suspended', { payer: 'p2', payee: 'p1' }))).rejection).toBe(
        'PARTICIPANT_NOT_ACTIVE',
      );
    });

    it('changes a limit: a net debit cap lets the position go below zero down to the cap, not further', () => {
      const h = started();
      const p3 = (id: string, amount: string) => tr(id, { payer: 'p3', payee: 'p1', amount });
      expectRejected(h.outcome(h.log.transfer(p3('cap-0', '1.00'), { signer: 'p3' })), 'INSUFFICIENT_FUNDS');
      expect(
        govern(h, 'g-cap', {
          kind: 'set-limit',
          accountId: 'p3/USD',
          limit: { kind: 'net-debit-cap', capMinor: '1000' },
        }).rejection,
      ).toBeUndefined();
      expect(h.outcome(h.log.transfer(p3('cap-1', '10.00'), { signer: 'p3' })).status).toBe('committed');
      expectRejected(h.outcome(h.log.transfer(p3('cap-2', '0.01'), { signer: 'p3' })), 'INSUFFICIENT_FUNDS');
      expect(h.balance('p3/USD')).toBe(-1000n);
      expect(
        govern(h, 'g-cap-bad', { kind: 'set-limit', accountId: 'hub/USD', limit: { kind: 'no-overdraft' } })
          .rejection,
      ).toBe('INVALID_PROPOSAL');
    });

    it('adds and removes signers from the next block on, keeping the quorum Byzantine-safe', () => {
      const h = started();
      const before = h.engine.height;
      const newSigner = { id: 's5', publicKey: 'cd'.repeat(32) };
      expect(govern(h, 'g-s5-bad', { kind: 'add-signer', signer: newSigner, quorum: 2 }).rejection).toBe(
        'INVALID_QUORUM',
      );
      // A majority of five that was accepted before: two quorums of three may share one signer only.
      expect(govern(h, 'g-s5-major', { kind: 'add-signer', signer: newSigner, quorum: 3 }).rejection).toBe(
        'INVALID_QUORUM',
      );
      expect(govern(h, 'g-s5-high', { kind: 'add-signer', signer: newSigner, quorum: 6 }).rejection).toBe(
        'INVALID_QUORUM',
      );
      expect(h.engine.signers).toHaveLength(4);
      expect(
        govern(h, 'g-s5', { kind: 'add-signer', signer: newSigner, quorum: 4 }).rejection,
      ).toBeUndefined();
      const changedAt = h.engine.height - 1;
      expect(h.blocks[h.blocks.length - 1].signerSet?.signers.map((s) => s.id)).toEqual([
        's1',
        's2',
        's3',
        's4',
        's5',
      ]);
      expect(h.engine.signerSetAt(changedAt).quorum).toBe(3);
      expect(h.engine.signerSetAt(changedAt + 1)).toMatchObject({ quorum: 4 });
      expect(h.engine.signerSetAt(before).signers).toHaveLength(4);
      expect(
        govern(h, 'g-rm', { kind: 'remove-signer', signerId: 's1', quorum: 3 }).rejection,
      ).toBeUndefined();
      expect(h.engine.signers.map((s) => s.id)).toEqual(['s2', 's3', 's4', 's5']);
      expect(govern(h, 'g-rm-low', { kind: 'remove-signer', signerId: 's2', quorum: 2 }).rejection).toBe(
        'INVALID_QUORUM',
      );
      expect(govern(h, 'g-rm-ghost', { kind: 'remove-signer', signerId: 's1', quorum: 3 }).rejection).toBe(
        'INVALID_PROPOSAL',
      );
    });

    it('rotates a participant key: a new key signs from the next record, a revoked one no more, never the last', () => {
      const h = started();
      const second = signingKeyFromSeed('2b'.repeat(32));
      // A transfer signed with p1's second key, sent as p1 under key id p1-2.
      const signedWith = (id: string) => {
        const request = {
          method: 'POST' as const,
          path: '/v1/transfers',
          body: JSON.stringify(tr(id)),
          created: h.log.nowSeconds,
          keyId: 'p1-2',
        };
        const signature = signBytes(second, signatureBase(request));
        return h.log.raw(
          JSON.stringify({ v: 1, type: 'instruction', participantId: 'p1', request, signature }),
        );
      };
      expect(h.entry(signedWith('k-before')).rejection).toBe('UNKNOWN_KEY');
      const key = { keyId: 'p1-2', publicKey: second.publicKeyHex };
      const added = govern(h, 'g-key', { kind: 'add-participant-key', participantId: 'p1', key });
      expect(added.rejection).toBeUndefined();
      // The change reaches readers of finalized blocks with the participant's keys.
      const announced = h.blocks[h.blocks.length - 1].participantsChanged.find((p) => p.id === 'p1')!;
      expect(announced.keys.map((k) => k.keyId).sort()).toEqual(['p1-1', 'p1-2']);
      expect(h.entry(signedWith('k-during')).outcomes[0].status).toBe('committed');
      expect(h.outcome(h.log.transfer(tr('k-old'))).status).toBe('committed');
      // A key id already in use (by anyone) cannot be added again.
      const taken = { keyId: 'p2-1', publicKey: second.publicKeyHex };
      expect(
        govern(h, 'g-key-taken', { kind: 'add-participant-key', participantId: 'p1', key: taken }).rejection,
      ).toBe('INVALID_PROPOSAL');
      expect(
        govern(h, 'g-revoke', { kind: 'revoke-participant-key', participantId: 'p1', keyId: 'p1-1' })
          .rejection,
      ).toBeUndefined();
      expectRejected(h.outcome(h.log.transfer(tr('k-revoked'))), 'UNKNOWN_KEY');
      expect(h.entry(signedWith('k-after')).outcomes[0].status).toBe('committed');
      // The last key stays: a participant without one could not even complete what it reserved.
      expect(
        govern(h, 'g-revoke-last', { kind: 'revoke-participant-key', participantId: 'p1', keyId: 'p1-2' })
          .rejection,
      ).toBe('INVALID_PROPOSAL');
      expect(
        govern(h, 'g-revoke-ghost', { kind: 'revoke-participant-key', participantId: 'p9', keyId: 'p9-1' })
          .rejection,
      ).toBe('INVALID_PROPOSAL');
    });

    it('adds a currency to a member, which keeps its id and keys; refuses one it holds or a stranger', () => {
      const h = started();
      const eur = (id: string) => tr(id, { currency: 'EUR', amount: '1.00' });
      const account = { currency: 'EUR', limit: { kind: 'net-debit-cap' as const, capMinor: '10000' } };
      const add = (id: string, participantId: string) =>
        govern(h, id, { kind: 'add-participant-account', participantId, account });
      expect(h.outcome(h.log.transfer(eur('eur-before'))).status).toBe('rejected');
      expect(add('g-eur-p1', 'p1').rejection).toBeUndefined();
      const announced = h.blocks[h.blocks.length - 1].participantsChanged.find((p) => p.id === 'p1')!;
      expect(announced.currencies).toContain('EUR');
      expect(add('g-eur-p2', 'p2').rejection).toBeUndefined();
      expect(h.outcome(h.log.transfer(eur('eur-after'))).status).toBe('committed');
      expect(h.balance('p1/EUR')).toBe(-100n);
      expect(h.balance('p2/EUR')).toBe(100n);
      expect(add('g-eur-again', 'p1').rejection).toBe('INVALID_PROPOSAL');
      expect(add('g-eur-ghost', 'p9').rejection).toBe('INVALID_PROPOSAL');
    });

    it('withdraws prefunded liquidity in two phases, only from what is there', () => {
      const h = started();
      const out = (id: string, amountMinor: string) =>
        govern(h, id, { kind: 'funds-out', participantId: 'p1', currency: 'USD', amountMinor });
      const complete = (id: string, fundsOutProposalId: string, outcome: 'paid' | 'cancelled') =>
        govern(h, id, { kind: 'funds-out-complete', fundsOutProposalId, outcome });
      expect(out('g-out-big', '100001').rejection).toBe('INSUFFICIENT_FUNDS');
      // The withdrawal first reserves: the money stays, but cannot be spent while the bank pays it out.
      expect(out('g-out', '40000').outcomes[0]).toMatchObject({
        transferId: 'funds-out:g-out',
        status: 'reserved',
        payer: 'p1',
        payee: 'hub',
        amountMinor: '40000',
      });
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([100_000n, 40_000n]);
      expectRejected(h.outcome(h.log.transfer(tr('t-spend', { amount: '600.01' }))), 'INSUFFICIENT_FUNDS');
      expect(out('g-out-2', '60001').rejection).toBe('INSUFFICIENT_FUNDS');
      // A participant cannot complete or abort a withdrawal through the partner API.
      expectRejected(h.outcome(h.log.abort('p1', 'funds-out:g-out')), 'UNKNOWN_TRANSFER');
      // Paid: the reservation becomes the posting to the hub.
      const paid = complete('g-paid', 'g-out', 'paid');
      expect(paid.outcomes[0]).toMatchObject({ transferId: 'funds-out:g-out', status: 'fulfilled' });
      expect(paid.postings.map((p) => [p.debitAccount, p.creditAccount, p.amountMinor])).toEqual([
        ['p1/USD', 'hub/USD', 40_000n],
      ]);
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([60_000n, 0n]);
      expect(complete('g-paid-again', 'g-out', 'paid').rejection).toBe('INVALID_PROPOSAL');
      // Cancelled: the reservation is released and nothing moves.
      out('g-out-3', '10000');
      const cancelled = complete('g-cancel', 'g-out-3', 'cancelled');
      expect(cancelled.outcomes[0]).toMatchObject({ transferId: 'funds-out:g-out-3', status: 'aborted' });
      expect(cancelled.postings).toEqual([]);
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([60_000n, 0n]);
      expectZeroTotals(h.engine);
    });
  });

  describe('cross-currency transfers (FX quotes)', () => {
    // p2 is the FX provider here: it holds USD and PHP. p1 pays USD, p2 receives... so the payee is p2's
    // counterpart in PHP: p1 sends USD to p2 as payee in PHP would make the provider its own payee, so
    // the examples pay p1 -> p2 with p2 also providing; the legs still cross currencies and balance.
    const quoteFor = (
      id: string,
      overrides: { sendMinor?: bigint; expiresAtMs?: number; payer?: string; payee?: string } = {},
    ) => {
      const calc = calculateQuote({
        sourceCurrency: 'USD',
        targetCurrency: 'PHP',
        fixedSide: 'send',
        amountMinor: overrides.sendMinor ?? 1_000n,
        midRate: { num: 58615n, den: 1000n },
        spreadBps: 50,
        markupBps: 0,
        fee: { fixedMinor: 25n, percentBps: 0, minMinor: 0n, maxMinor: null },
      });
      const { keyId, key } = fxKey(SPEC);
      return signQuote(
        buildQuote(calc, {
          id,
          keyId,
          fxProvider: 'p2',
          sourceCurrency: 'USD',
          targetCurrency: 'PHP',
          payer: overrides.payer ?? 'p1',
          payee: overrides.payee ?? 'p2',
          fixedSide: 'send',
          spreadBps: 50,
          markupBps: 0,
          rateSource: 'spec',
          rateAsOfMs: 1_800_000_000_000,
          createdAtMs: 1_800_000_000_000,
          expiresAtMs: overrides.expiresAtMs ?? 1_800_000_100_000,
        }),
        key,
      );
    };
    const fxTransfer = (id: string, quote: ReturnType<typeof quoteFor>) =>
      tr(id, { amount: formatAmount(BigInt(quote.sendAmountMinor), 'USD'), currency: 'USD', quote });

    it('posts every leg or none: principal, spread and fee to the provider in USD, the quote to the payee in PHP', () => {
      const h = started();
      const quote = quoteFor('q-1');
      const entry = h.entry(h.log.transfer(fxTransfer('fx-1', quote)));
      expect(entry.outcomes[0].status).toBe('committed');
      // 10.00 USD at 58.615 less 0.5 % buys 583.21 PHP; at the mid rate that costs 9.95 USD (rounded up),
      // so 0.05 USD is spread income, booked apart from the principal, and so is the 0.25 USD fee.
      expect(quote.receiveAmountMinor).toBe('58321');
      expect(
        entry.postings.map((p) => [p.transferId, p.debitAccount, p.creditAccount, p.amountMinor, p.currency]),
      ).toEqual([
        ['p1/fx-1', 'p1/USD', 'p2/USD', 995n, 'USD'],
        ['p1/fx-1:spread', 'p1/USD', 'p2/USD/fees', 5n, 'USD'],
        ['p1/fx-1:fee', 'p1/USD', 'p2/USD/fees', 25n, 'USD'],
        ['p1/fx-1', 'p2/PHP', 'p2/PHP', 58_321n, 'PHP'],
      ]);
      expect(h.balance('p1/USD')).toBe(100_000n - 1_025n);
      expect(h.balance('p2/USD/fees')).toBe(30n);
      expectZeroTotals(h.engine);
    });

    it('prepares a two-phase conversion by reserving both sides, and posts every leg only on fulfilment', () => {
      const h = started();
      // p2 is both the provider and the payee in this consortium, which still shows every leg.
      const q = quoteFor('q-2p');
      const prepared = h.outcome(h.log.transfer({ ...fxTransfer('fx-2p', q), twoPhase: true }));
      expect(prepared.status).toBe('reserved');
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([100_000n, 1_025n]);
      expect(h.reserved('p2/PHP')).toBe(58_321n);
      // The quote is used by the prepare: no other transfer can take it.
      expectRejected(h.outcome(h.log.transfer(fxTransfer('fx-2p-again', q))), 'QUOTE_ALREADY_USED');
      const fulfilled = h.entry(h.log.fulfil('p2', 'fx-2p'));
      expect(fulfilled.outcomes[0].status).toBe('fulfilled');
      expect(fulfilled.postings.map((p) => [p.transferId, p.amountMinor])).toEqual([
        ['p1/fx-2p', 995n],
        ['p1/fx-2p:spread', 5n],
        ['p1/fx-2p:fee', 25n],
        ['p1/fx-2p', 58_321n],
      ]);
      expect([h.balance('p1/USD'), h.reserved('p1/USD'), h.reserved('p2/PHP')]).toEqual([98_975n, 0n, 0n]);
      // An aborted one releases both reservations and posts nothing.
      h.outcome(h.log.transfer({ ...fxTransfer('fx-2a', quoteFor('q-2a')), twoPhase: true }));
      const aborted = h.entry(h.log.abort('p1', 'fx-2a'));
      expect([aborted.outcomes[0].status, aborted.postings]).toEqual(['aborted', []]);
      expect([h.reserved('p1/USD'), h.reserved('p2/PHP')]).toEqual([0n, 0n]);
      expectZeroTotals(h.engine);
    });

    it('judges a quote by the ledger clock: a record stamped before the last block cannot revive it', () => {
      const h = started();
      const quote = quoteFor('q-clock', { expiresAtMs: h.log.nowMs + 5_000 });
      h.log.advance(10_000);
      h.apply(h.log.transfer(tr('pad')));
      h.apply(h.log.cut());
      // Stamped before the quote's expiry, but the ledger's clock already passed it.
      h.log.nowMs -= 8_000;
      expectRejected(h.outcome(h.log.transfer(fxTransfer('fx-clock', quote))), 'QUOTE_EXPIRED');
      expectZeroTotals(h.engine);
    });

    it('refuses a reused, expired, forged or mismatched quote, each with its own reason, moving nothing', () => {
      const h = started();
      const quote = quoteFor('q-2');
      expect(h.outcome(h.log.transfer(fxTransfer('fx-2', quote))).status).toBe('committed');
      const before = h.balance('p1/USD');
      expectRejected(h.outcome(h.log.transfer(fxTransfer('fx-3', quote))), 'QUOTE_ALREADY_USED');
      expectRejected(
        h.outcome(h.log.transfer(fxTransfer('fx-4', quoteFor('q-4', { expiresAtMs: 1_800_000_000_001 })))),
        'QUOTE_EXPIRED',
      );
      const forged = { ...quoteFor('q-5'), receiveAmountMinor: '999999' };
      expectRejected(h.outcome(h.log.transfer(fxTransfer('fx-5', forged))), 'QUOTE_INVALID');
      expectRejected(
        h.outcome(h.log.transfer(fxTransfer('fx-6', quoteFor('q-6', { payee: 'p3' })))),
        'QUOTE_MISMATCH',
      );
      expectRejected(
        h.outcome(h.log.transfer({ ...fxTransfer('fx-7', quoteFor('q-7')), amount: '9.99' })),
        'QUOTE_MISMATCH',
      );
      expectRejected(
        h.outcome(h.log.transfer(fxTransfer('fx-8', quoteFor('q-8', { sendMinor: 200_000n })))),
        'INSUFFICIENT_FUNDS',
      );
      expect(h.balance('p1/USD')).toBe(before);
      expectZeroTotals(h.engine);
    });
  });

  describe('settlement postings (from clearing)', () => {
    const post = (h: Harness, fields: Parameters<typeof settlementCommand>[1], spec = SPEC) =>
      h.entry(h.log.raw(JSON.stringify(settlementCommand(spec, fields))));
    const payIn = {
      participantId: 'p2',
      currency: 'USD',
      direction: 'pay-in' as const,
      reference: 'w1/i1/BANK-1',
    };

    it('moves a confirmed pay-in or pay-out between position and settlement account, once', () => {
      const h = started();
      h.outcome(h.log.transfer(tr('t-net', { payer: 'p2', payee: 'p1', amount: '300.00' })));
      // p2 owes 300.00 net; the bank confirms its pay-in, and its position is back where it started.
      const entry = post(h, { ...payIn, postingId: 'sp-1', amountMinor: '30000' });
      expect(entry.kind).toBe('settlement');
      expect(entry.postings.map((p) => [p.debitAccount, p.creditAccount, p.amountMinor])).toEqual([
        ['p2/USD/settlement', 'p2/USD', 30_000n],
      ]);
      expect(entry.outcomes[0]).toMatchObject({ transferId: 'settlement:sp-1', payer: 'p2', payee: 'hub' });
      expect([h.balance('p2/USD'), h.balance('p2/USD/settlement')]).toEqual([100_000n, -30_000n]);
      const out = post(h, {
        ...payIn,
        postingId: 'sp-2',
        participantId: 'p1',
        direction: 'pay-out',
        amountMinor: '30000',
      });
      expect(out.postings.map((p) => [p.debitAccount, p.creditAccount])).toEqual([
        ['p1/USD', 'p1/USD/settlement'],
      ]);
      expect(h.balance('p1/USD')).toBe(100_000n);
      const repeat = post(h, { ...payIn, postingId: 'sp-1', amountMinor: '30000' });
      expect(repeat.rejection).toBe('DUPLICATE_POSTING');
      // The refusal reaches clearing as an outcome of the posting's id that moved nothing.
      expect(repeat.outcomes).toEqual([
        expect.objectContaining({
          transferId: 'settlement:sp-1',
          status: 'rejected',
          reason: 'DUPLICATE_POSTING',
          refusal: true,
        }),
      ]);
      expect(repeat.postings).toEqual([]);
      expect(h.balance('p2/USD')).toBe(100_000n);
      expectZeroTotals(h.engine);
    });

    it('reverses a posting once, when it matches; refuses unsigned, forged and unknown-account postings', () => {
      const h = started();
      post(h, { ...payIn, postingId: 'sp-1', amountMinor: '500' });
      expect(h.balance('p2/USD')).toBe(100_500n);
      const mismatch = post(h, { ...payIn, postingId: 'sp-r0', amountMinor: '400', reverses: 'sp-1' });
      expect(mismatch.rejection).toBe('INVALID_REVERSAL');
      const reversal = post(h, { ...payIn, postingId: 'sp-r1', amountMinor: '500', reverses: 'sp-1' });
      expect(reversal.postings.map((p) => [p.debitAccount, p.creditAccount, p.amountMinor])).toEqual([
        ['p2/USD', 'p2/USD/settlement', 500n],
      ]);
      expect([h.balance('p2/USD'), h.balance('p2/USD/settlement')]).toEqual([100_000n, 0n]);
      expect(post(h, { ...payIn, postingId: 'sp-r2', amountMinor: '500', reverses: 'sp-1' }).rejection).toBe(
        'INVALID_REVERSAL',
      );
      expect(post(h, { ...payIn, postingId: 'sp-r3', amountMinor: '500', reverses: 'sp-r1' }).rejection).toBe(
        'INVALID_REVERSAL',
      );
      const forged = settlementCommand(SPEC, { ...payIn, postingId: 'sp-f', amountMinor: '500' });
      const tampered = { ...forged, amountMinor: '5000000' };
      expect(h.entry(h.log.raw(JSON.stringify(tampered))).rejection).toBe('SETTLEMENT_NOT_AUTHORIZED');
      const otherChain = { ...SPEC, secret: 'someone-else' };
      expect(post(h, { ...payIn, postingId: 'sp-o', amountMinor: '1' }, otherChain).rejection).toBe(
        'SETTLEMENT_NOT_AUTHORIZED',
      );
      expect(
        post(h, { ...payIn, postingId: 'sp-u', participantId: 'p3', currency: 'PHP', amountMinor: '1' })
          .rejection,
      ).toBe('UNKNOWN_ACCOUNT');
      expectZeroTotals(h.engine);
    });
  });

  describe('scheme fees (operator fee income)', () => {
    const feeSpec = { ...SPEC, chainId: 'engine-spec-fees' };
    const withFees = () => {
      const h = new Harness(feeSpec);
      h.apply(h.log.genesis({ schemeFees: [{ currency: 'USD', fixedMinor: '15' }] }));
      return h;
    };

    it('charges the payer the scheme fee in the hub fee account, counted in its headroom', () => {
      const h = withFees();
      const entry = h.entry(h.log.transfer(tr('t-fee')));
      expect(
        entry.postings.map((p) => [p.transferId, p.debitAccount, p.creditAccount, p.amountMinor]),
      ).toEqual([
        ['p1/t-fee', 'p1/USD', 'p2/USD', 1_000n],
        ['p1/t-fee:scheme-fee', 'p1/USD', 'hub/USD/fees', 15n],
      ]);
      expect(h.balance('hub/USD/fees')).toBe(15n);
      // 1,000.00 USD less 10.15 leaves 989.85: 989.85 is payable with its fee only if the fee fits too.
      expectRejected(h.outcome(h.log.transfer(tr('t-all', { amount: '989.85' }))), 'INSUFFICIENT_FUNDS');
      expect(h.outcome(h.log.transfer(tr('t-most', { amount: '989.70' }))).status).toBe('committed');
      expect(h.balance('p1/USD')).toBe(0n);
      // PHP has no scheme fee.
      expect(h.entry(h.log.transfer(tr('t-php', { currency: 'PHP' }))).postings).toHaveLength(1);
      expectZeroTotals(h.engine);
    });

    it('reserves amount and fee for a two-phase transfer and posts both on fulfilment', () => {
      const h = withFees();
      h.outcome(h.log.transfer(tr('t-2p', { twoPhase: true })));
      expect(h.reserved('p1/USD')).toBe(1_015n);
      const entry = h.entry(h.log.fulfil('p2', 't-2p'));
      expect(entry.postings.map((p) => p.amountMinor)).toEqual([1_000n, 15n]);
      expect([h.reserved('p1/USD'), h.balance('p1/USD'), h.balance('hub/USD/fees')]).toEqual([
        0n,
        98_985n,
        15n,
      ]);
    });
  });

  describe('continuous gross settlement participants', () => {
    // g1 settles gross on 100.00 of prefunded USD; n2 is a net participant on a 500.00 cap; n3 is net
    // without funds. Blocks of one entry each, as in SPEC.
    const GROSS = makeSpec({
      chainId: 'engine-gross',
      participants: 3,
      currencies: ['USD'],
      fundsMinor: (i) => (i === 0 ? 10_000n : undefined),
      capMinor: (i) => (i === 1 ? 50_000n : undefined),
      settlement: (i) => (i === 0 ? 'gross' : undefined),
      blockMaxEntries: 1,
    });
    const govern = (h: Harness, proposalId: string, action: GovernanceAction) =>
      h.entry(h.log.raw(JSON.stringify(governanceCommand(GROSS, proposalId, action))));
    const pay = (id: string, amount: string, overrides: Partial<TransferInstruction> = {}) =>
      tr(id, { payer: 'p1', payee: 'p2', amount, ...overrides });

    it('announces each participant settlement model in the genesis block', () => {
      const h = new Harness(GROSS);
      const genesis = h.apply(h.log.genesis())!;
      expect(genesis.participantsChanged.map((p) => [p.id, p.settlement])).toEqual([
        ['p1', 'gross'],
        ['p2', 'net'],
        ['p3', 'net'],
      ]);
      expect(h.engine.limitOf('p1/USD')).toEqual({ kind: 'no-overdraft' });
    });

    it('pays only from its prefunding, each transfer final at once: nothing waits for a window', () => {
      const h = started(GROSS);
      expect(h.outcome(h.log.transfer(pay('g-1', '60.00'))).status).toBe('committed');
      // Its position went down at once by what it paid; no settlement account or hub account moved.
      expect([h.balance('p1/USD'), h.balance('p2/USD')]).toEqual([4_000n, 6_000n]);
      expectRejected(h.outcome(h.log.transfer(pay('g-2', '40.01'))), 'INSUFFICIENT_FUNDS');
      // A reservation counts against the prefunding as well.
      expect(h.outcome(h.log.transfer(pay('g-3', '30.00', { twoPhase: true }))).status).toBe('reserved');
      expectRejected(h.outcome(h.log.transfer(pay('g-4', '10.01'))), 'INSUFFICIENT_FUNDS');
      expect(h.outcome(h.log.transfer(pay('g-5', '10.00'))).status).toBe('committed');
      expect(h.outcome(h.log.fulfil('p2', 'g-3')).status).toBe('fulfilled');
      expect([h.balance('p1/USD'), h.reserved('p1/USD')]).toEqual([0n, 0n]);
      expectRejected(h.outcome(h.log.transfer(pay('g-6', '0.01'))), 'INSUFFICIENT_FUNDS');
      // What it receives is spendable at once, and so is new prefunding.
      h.outcome(h.log.transfer(tr('n-1', { payer: 'p2', payee: 'p1', amount: '5.00' }), { signer: 'p2' }));
      expect(
        govern(h, 'g-in', { kind: 'funds-in', participantId: 'p1', currency: 'USD', amountMinor: '700' })
          .rejection,
      ).toBeUndefined();
      expect(h.outcome(h.log.transfer(pay('g-7', '12.00'))).status).toBe('committed');
      expect([h.balance('p1/USD'), h.balance('p1/USD/settlement'), h.balance('hub/USD')]).toEqual([
        0n,
        0n,
        -10_700n,
      ]);
      expectZeroTotals(h.engine);
    });

    it('refuses a genesis that gives a gross participant a net debit cap, as malformed', () => {
      const h = new Harness(GROSS);
      const genesis = genesisOf(GROSS);
      genesis.participants[0].accounts[0].limit = { kind: 'net-debit-cap', capMinor: '1000' };
      expect(h.apply(h.log.raw(JSON.stringify(genesis)))).toBeNull();
      expect(h.engine.hasGenesis).toBe(false);
      expect(h.apply(h.log.genesis())!.entries.map((e) => [e.kind, e.rejection])).toEqual([
        ['invalid', 'MALFORMED_COMMAND'],
        ['genesis', undefined],
      ]);
    });

    it('refuses governance that would give a gross participant credit', () => {
      const h = started(GROSS);
      const newcomer = (settlement: 'net' | 'gross', limit: AccountLimit) => ({
        kind: 'add-participant' as const,
        participant: {
          id: `p-${settlement}-${limit.kind}`,
          name: 'Newcomer',
          keys: [{ keyId: `k-${settlement}-${limit.kind}`, publicKey: 'ab'.repeat(32) }],
          accounts: [{ currency: 'USD', limit }],
          settlement,
        },
      });
      const cap: AccountLimit = { kind: 'net-debit-cap', capMinor: '1000' };
      expect(govern(h, 'g-add-capped', newcomer('gross', cap)).rejection).toBe('INVALID_PROPOSAL');
      expect(h.engine.accounts.has('p-gross-net-debit-cap/USD')).toBe(false);
      const added = h.apply(
        h.log.raw(
          JSON.stringify(governanceCommand(GROSS, 'g-add', newcomer('gross', { kind: 'no-overdraft' }))),
        ),
      )!;
      expect(added.participantsChanged.map((p) => [p.id, p.settlement])).toEqual([
        ['p-gross-no-overdraft', 'gross'],
      ]);
      expect(govern(h, 'g-add-net', newcomer('net', cap)).rejection).toBeUndefined();
      expect(govern(h, 'g-cap', { kind: 'set-limit', accountId: 'p1/USD', limit: cap }).rejection).toBe(
        'INVALID_PROPOSAL',
      );
      expect(
        govern(h, 'g-cap-0', {
          kind: 'set-limit',
          accountId: 'p1/USD',
          limit: { kind: 'net-debit-cap', capMinor: '0' },
        }).rejection,
      ).toBe('INVALID_PROPOSAL');
      expect(h.engine.limitOf('p1/USD')).toEqual({ kind: 'no-overdraft' });
      expect(
        govern(h, 'g-no-od', { kind: 'set-limit', accountId: 'p1/USD', limit: { kind: 'no-overdraft' } })
          .rejection,
      ).toBeUndefined();
      // A net participant's cap still changes as before.
      expect(govern(h, 'g-cap-net', { kind: 'set-limit', accountId: 'p3/USD', limit: cap }).rejection).toBe(
        undefined,
      );
      expect(h.outcome(h.log.transfer(pay('g-over', '100.01'))).reason).toBe('INSUFFICIENT_FUNDS');
    });
  });

  describe('participant status', () => {
    const govern = (h: Harness, proposalId: string, action: GovernanceAction) =>
      h.entry(h.log.raw(JSON.stringify(governanceCommand(SPEC, proposalId, action))));
    const setStatus = (
      h: Harness,
      id: string,
      participantId: string,
      status: 'active' | 'suspended' | 'closed',
    ) => govern(h, id, { kind: 'set-participant-status', participantId, status }).rejection;

    it('suspended: no new transfers to or from it, but it completes what it reserved and is settled', () => {
      const h = started();
      // Reserved before the suspension: p2 pays p1, p1 pays p2.
      expect(
        h.outcome(h.log.transfer(tr('by-p2', { payer: 'p2', payee: 'p1', twoPhase: true }), { signer: 'p2' }))
          .status,
      ).toBe('reserved');
      expect(h.outcome(h.log.transfer(tr('to-p2', { twoPhase: true }))).status).toBe('reserved');
      expect(h.outcome(h.log.transfer(tr('to-p2-b', { twoPhase: true }))).status).toBe('reserved');
      expect(setStatus(h, 'g-sus', 'p2', 'suspended')).toBeUndefined();
      // New transfers: refused as payer (single and batch, with the ids it claimed) and as payee.
      const single = h.entry(h.log.transfer(tr('new-1', { payer: 'p2', payee: 'p1' }), { signer: 'p2' }));
      expect(single.rejection).toBe('PARTICIPANT_NOT_ACTIVE');
      expect(single.outcomes.map((o) => [o.transferId, o.reason])).toEqual([
        ['new-1', 'PARTICIPANT_NOT_ACTIVE'],
      ]);
      const batch = h.entry(
        h.log.batch('p2', [
          tr('new-2', { payer: 'p2', payee: 'p1' }),
          tr('new-3', { payer: 'p2', payee: 'p3' }),
        ]),
      );
      expect([batch.rejection, batch.outcomes.length]).toEqual(['PARTICIPANT_NOT_ACTIVE', 2]);
      expectRejected(h.outcome(h.log.transfer(tr('new-4'))), 'PARTICIPANT_NOT_ACTIVE');
      expect(h.record('new-1') !== undefined).toBe(false);
      // Completions: it aborts what it pays, fulfils what it is paid; the other side may too.
      expect(h.outcome(h.log.abort('p2', 'by-p2')).status).toBe('aborted');
      expect(h.outcome(h.log.fulfil('p2', 'to-p2')).status).toBe('fulfilled');
      expect(h.outcome(h.log.abort('p1', 'to-p2-b')).status).toBe('aborted');
      expect([h.balance('p2/USD'), h.reserved('p2/USD')]).toEqual([101_000n, 0n]);
      // Settlement continues: the window's pay-out to it is posted.
      const settled = h.entry(
        h.log.raw(
          JSON.stringify(
            settlementCommand(SPEC, {
              postingId: 'conf-sus',
              participantId: 'p2',
              currency: 'USD',
              direction: 'pay-out',
              amountMinor: '1000',
              reference: 'window 1',
            }),
          ),
        ),
      );
      expect([settled.rejection, h.balance('p2/USD')]).toEqual([undefined, 100_000n]);
      // Back to active, it pays again.
      expect(setStatus(h, 'g-act', 'p2', 'active')).toBeUndefined();
      expect(
        h.outcome(h.log.transfer(tr('new-5', { payer: 'p2', payee: 'p1' }), { signer: 'p2' })).status,
      ).toBe('committed');
      expectZeroTotals(h.engine);
    });

    it('closed: only with nothing in its positions or reserved to or from it, then final and refusing everything', () => {
      const h = started();
      // p3 (USD, no funds) is paid 10.00, and is the payee of a reservation.
      h.outcome(h.log.transfer(tr('to-p3', { payee: 'p3' })));
      expect(setStatus(h, 'g-close-1', 'p3', 'closed')).toBe('INVALID_PROPOSAL');
      h.outcome(h.log.transfer(tr('back', { payer: 'p3', payee: 'p1' }), { signer: 'p3' }));
      expect(h.balance('p3/USD')).toBe(0n);
      h.outcome(h.log.transfer(tr('held', { payee: 'p3', twoPhase: true })));
      // Its position is zero, but closing now would leave the reservation with a payee that cannot act.
      expect(setStatus(h, 'g-close-2', 'p3', 'closed')).toBe('INVALID_PROPOSAL');
      h.outcome(h.log.abort('p1', 'held'));
      // Its own pending withdrawal holds its position too.
      expect(
        govern(h, 'g-in', { kind: 'funds-in', participantId: 'p3', currency: 'USD', amountMinor: '500' })
          .rejection,
      ).toBeUndefined();
      expect(
        govern(h, 'g-out', { kind: 'funds-out', participantId: 'p3', currency: 'USD', amountMinor: '500' })
          .rejection,
      ).toBeUndefined();
      expect(setStatus(h, 'g-close-3', 'p3', 'closed')).toBe('INVALID_PROPOSAL');
      expect(
        govern(h, 'g-paid', { kind: 'funds-out-complete', fundsOutProposalId: 'g-out', outcome: 'paid' })
          .rejection,
      ).toBeUndefined();
      expect(setStatus(h, 'g-close', 'p3', 'closed')).toBeUndefined();
      expect(h.blocks[h.blocks.length - 1].participantsChanged.map((p) => [p.id, p.status])).toEqual([
        ['p3', 'closed'],
      ]);
      // Every instruction refused, completions included; no payments to it; no new money.
      expect(h.entry(h.log.fulfil('p3', 'held')).rejection).toBe('PARTICIPANT_NOT_ACTIVE');
      expect(
        h.entry(h.log.transfer(tr('from-closed', { payer: 'p3', payee: 'p1' }), { signer: 'p3' })).rejection,
      ).toBe('PARTICIPANT_NOT_ACTIVE');
      expectRejected(h.outcome(h.log.transfer(tr('to-closed', { payee: 'p3' }))), 'PARTICIPANT_NOT_ACTIVE');
      expect(
        govern(h, 'g-in-2', { kind: 'funds-in', participantId: 'p3', currency: 'USD', amountMinor: '1' })
          .rejection,
      ).toBe('INVALID_PROPOSAL');
      // Closed is final.
      for (const status of ['active', 'suspended', 'closed'] as const)
        expect(setStatus(h, `g-reopen-${status}`, 'p3', status)).toBe('INVALID_PROPOSAL');
      expect(h.balance('p3/USD')).toBe(0n);
      expectZeroTotals(h.engine);
    });
  });

  describe('transfer ids are per payer', () => {
    it('two payers may use one id: each is its own transfer, and duplicates are found per payer', () => {
      const h = started();
      const mine = h.entry(h.log.transfer(tr('t-1')));
      expect(mine.outcomes[0]).toMatchObject({ transferId: 't-1', payer: 'p1', status: 'committed' });
      // Another payer's t-1 with another body is not a modified duplicate of p1's: it is a transfer of its own.
      const theirs = h.entry(h.log.transfer(tr('t-1', { payer: 'p2', payee: 'p1', amount: '5.00' })));
      expect(theirs.outcomes[0]).toMatchObject({ transferId: 't-1', payer: 'p2', status: 'committed' });
      expect([mine, theirs].map((e) => e.postings.map((p) => p.transferId))).toEqual([
        ['p1/t-1'],
        ['p2/t-1'],
      ]);
      expect([h.record('t-1', 'p1')!.amountMinor, h.record('t-1', 'p2')!.amountMinor]).toEqual([
        1_000n,
        500n,
      ]);
      // Within one payer's ids a repeat gets the recorded answer and a changed body is refused, as before.
      const again = h.entry(h.log.transfer(tr('t-1')));
      expect([again.outcomes[0].status, again.postings]).toEqual(['committed', []]);
      expectRejected(h.outcome(h.log.transfer(tr('t-1', { amount: '11.00' }))), 'DUPLICATE_MODIFIED');
      const theirsAgain = h.entry(h.log.transfer(tr('t-1', { payer: 'p2', payee: 'p1', amount: '5.00' })));
      expect([theirsAgain.outcomes[0].status, theirsAgain.postings]).toEqual(['committed', []]);
      expectRejected(
        h.outcome(h.log.transfer(tr('t-1', { payer: 'p2', payee: 'p1', amount: '10.00' }))),
        'DUPLICATE_MODIFIED',
      );
      // A rejected transfer keeps its id for its payer only.
      expectRejected(
        h.outcome(h.log.transfer(tr('r-1', { payer: 'p3', amount: '1.00' }))),
        'INSUFFICIENT_FUNDS',
      );
      expect(h.outcome(h.log.transfer(tr('r-1'))).status).toBe('committed');
      expect([h.balance('p1/USD'), h.balance('p2/USD')]).toEqual([98_500n, 101_500n]);
      expectZeroTotals(h.engine);
    });

    it('a payee completes a transfer by id alone, and names the payer when two payers used the id', () => {
      const h = started();
      const two = (id: string, payer: string, payee: string, amount: string) =>
        h.log.transfer(tr(id, { payer, payee, amount, twoPhase: true }));
      expect(h.outcome(two('tp', 'p1', 'p3', '10.00')).status).toBe('reserved');
      // While one payer used `tp` towards p3, p3 needs no payer; a second payer's `tp` makes it ambiguous.
      expect(h.outcome(two('tp', 'p2', 'p3', '20.00')).status).toBe('reserved');
      const ambiguous = h.outcome(h.log.fulfil('p3', 'tp'));
      expect(ambiguous).toMatchObject({
        transferId: 'tp',
        reason: 'AMBIGUOUS_TRANSFER',
        refusal: true,
        payer: '',
      });
      expect([h.reserved('p1/USD'), h.reserved('p2/USD')]).toEqual([1_000n, 2_000n]);
      const fulfilled = h.entry(h.log.fulfil('p3', 'tp', { query: 'payer=p2' }));
      expect(fulfilled.outcomes[0]).toMatchObject({ status: 'fulfilled', payer: 'p2', amountMinor: '2000' });
      expect(fulfilled.postings.map((p) => [p.transferId, p.debitAccount, p.creditAccount])).toEqual([
        ['p2/tp', 'p2/USD', 'p3/USD'],
      ]);
      // Other parameters of the signed query (`wait`) are ignored; the payer may be percent-encoded.
      const aborted = h.outcome(h.log.abort('p3', 'tp', { query: 'wait=2000&payer=%70%31' }));
      expect(aborted).toMatchObject({ status: 'aborted', payer: 'p1', amountMinor: '1000' });
      // The payer finds its own transfer without naming itself; the abort is done already.
      expect(h.outcome(h.log.abort('p1', 'tp'))).toMatchObject({ status: 'aborted', payer: 'p1' });
      expect([h.reserved('p1/USD'), h.reserved('p2/USD'), h.balance('p3/USD')]).toEqual([0n, 0n, 2_000n]);
      // A query read two ways is refused whole: the payer twice, or a value that is no id.
      for (const query of ['payer=p1&payer=p2', 'payer=p1%2Fx', 'payer', 'payer=%E0%A4%A'])
        expect(h.entry(h.log.fulfil('p3', 'tp', { query })).rejection).toBe('MALFORMED_INSTRUCTION');
    });

    it("a participant's own transfer comes first, so another's choice of id never blocks it", () => {
      const h = started();
      h.apply(h.log.transfer(tr('mine', { payer: 'p2', payee: 'p1', twoPhase: true })));
      h.apply(h.log.transfer(tr('mine', { payer: 'p1', payee: 'p2', amount: '3.00', twoPhase: true })));
      // p2 is the payer of one `mine` and the payee of the other: without a payer it means its own.
      expectRejected(h.outcome(h.log.fulfil('p2', 'mine')), 'NOT_AUTHORIZED');
      expect(h.outcome(h.log.fulfil('p2', 'mine', { query: 'payer=p1' }))).toMatchObject({
        status: 'fulfilled',
        payer: 'p1',
      });
      expect(h.outcome(h.log.abort('p2', 'mine'))).toMatchObject({ status: 'aborted', payer: 'p2' });
      expect([h.record('mine', 'p1')!.status, h.record('mine', 'p2')!.status]).toEqual([
        'fulfilled',
        'aborted',
      ]);
    });

    it('expires reservations of one id by several payers in payer order', () => {
      const h = started(SPEC_100);
      h.apply(h.log.transfer(tr('x', { payer: 'p2', payee: 'p1', twoPhase: true, expiresInMs: 1000 })));
      h.apply(h.log.transfer(tr('x', { twoPhase: true, expiresInMs: 1000 })));
      h.log.advance(2000);
      const block = h.apply(h.log.cut())!;
      expect(block.entries[block.entries.length - 1].outcomes.map((o) => [o.payer, o.status])).toEqual([
        ['p1', 'expired'],
        ['p2', 'expired'],
      ]);
    });
  });

  describe('compliance clearances (interception enforced by the ledger)', () => {
    const complianceSpec = { ...SPEC, chainId: 'engine-spec-compliance' };
    // USD transfers of 100.00 or more need a clearance; every PHP transfer does ("0").
    const thresholds = [
      { currency: 'USD', fromMinor: '10000' },
      { currency: 'PHP', fromMinor: '0' },
    ];
    const signer = complianceKey(complianceSpec);
    const withCompliance = () => {
      const h = new Harness(complianceSpec);
      const keys = [{ keyId: signer.keyId, publicKey: signer.key.publicKeyHex }];
      h.apply(h.log.genesis({ compliance: { keys, thresholds } }));
      return h;
    };
    const clearanceFor = (
      t: TransferInstruction,
      fields: Partial<Clearance> = {},
      key = signer.key,
    ): Clearance => {
      const unsigned = {
        transferId: t.id,
        payer: t.payer,
        payee: t.payee,
        amountMinor: String(Math.round(Number(t.amount) * 100)),
        currency: t.currency,
        commitment: sha256Hex('salt:parties'),
        keyId: signer.keyId,
        issuedAt: new Date(FIXTURE_START_MS).toISOString(),
        ...fields,
      };
      return { ...unsigned, signature: signBytes(key, clearanceSigningPayload(unsigned)) };
    };
    const big = (id: string, overrides: Partial<TransferInstruction> = {}) =>
      tr(id, { amount: '250.00', ...overrides });

    it('commits a transfer at or above the threshold with a valid clearance, and refuses one without', () => {
      const h = withCompliance();
      const t = big('c-ok');
      const committed = h.outcome(h.log.transfer(t, { clearances: [clearanceFor(t)] }));
      expect(committed.status).toBe('committed');
      expect(h.balance('p1/USD')).toBe(100_000n - 25_000n);
      // Exactly the threshold needs one too.
      const atThreshold = big('c-none', { amount: '100.00' });
      const refused = h.outcome(h.log.transfer(atThreshold));
      expectRejected(refused, 'CLEARANCE_REQUIRED', '10000');
      expect(refused.refusal).toBe(true);
      expect(h.balance('p1/USD')).toBe(75_000n);
      // Refused without taking the id: the same transfer with its clearance (a held one released) follows.
      expect(h.status('c-none')).toBeUndefined();
      const released = h.outcome(h.log.transfer(atThreshold, { clearances: [clearanceFor(atThreshold)] }));
      expect(released.status).toBe('committed');
      // A repeat of a recorded transfer moves nothing and answers its outcome, clearance or not.
      expect(h.outcome(h.log.transfer(t)).status).toBe('committed');
      expect(h.balance('p1/USD')).toBe(65_000n);
      expectZeroTotals(h.engine);
    });

    it('refuses a forged clearance, one for another amount, payee, payer, currency or id, and an unknown key', () => {
      const h = withCompliance();
      const t = big('c-bad');
      const forger = derivedKey('someone-else', 'compliance:clearance-signer');
      const bad: [string, Clearance][] = [
        ['forged', clearanceFor(t, {}, forger)],
        ['amount', clearanceFor(t, { amountMinor: '24999' })],
        ['payee', clearanceFor(t, { payee: 'p3' })],
        ['payer', clearanceFor(t, { payer: 'p2' })],
        ['currency', clearanceFor(t, { currency: 'PHP' })],
        ['unknown key', clearanceFor(t, { keyId: 'compliance-9' })],
        ['tampered', { ...clearanceFor(t), amountMinor: '1' }],
      ];
      for (const [what, clearance] of bad) {
        const outcome = h.outcome(h.log.transfer(t, { clearances: [clearance] }));
        expect([what, outcome.status, outcome.reason]).toEqual([what, 'rejected', 'CLEARANCE_INVALID']);
      }
      // A clearance of another transfer id is no clearance of this one.
      const other = clearanceFor(big('c-other'));
      expectRejected(h.outcome(h.log.transfer(t, { clearances: [other] })), 'CLEARANCE_REQUIRED');
      expect(h.balance('p1/USD')).toBe(100_000n);
      expect(h.outcome(h.log.transfer(t, { clearances: [other, clearanceFor(t)] })).status).toBe('committed');
    });

    it('needs nothing under the threshold, in an unlisted currency, or without compliance in the genesis', () => {
      const h = withCompliance();
      expect(h.outcome(h.log.transfer(tr('c-small', { amount: '99.99' }))).status).toBe('committed');
      // Every PHP transfer needs one ("0").
      expectRejected(
        h.outcome(h.log.transfer(tr('c-php', { currency: 'PHP', amount: '0.01' }))),
        'CLEARANCE_REQUIRED',
      );
      const plain = started();
      expect(plain.outcome(plain.log.transfer(big('c-plain'))).status).toBe('committed');
    });

    it('checks each transfer of a batch against its own clearance', () => {
      const h = withCompliance();
      const cleared = big('b-cleared');
      const entry = h.entry(
        h.log.batch('p1', [cleared, big('b-uncleared'), tr('b-small', { amount: '5.00' })], {
          clearances: [clearanceFor(cleared)],
        }),
      );
      expect(entry.outcomes.map((o) => [o.transferId, o.status, o.reason])).toEqual([
        ['b-cleared', 'committed', undefined],
        ['b-uncleared', 'rejected', 'CLEARANCE_REQUIRED'],
        ['b-small', 'committed', undefined],
      ]);
      expect(h.balance('p1/USD')).toBe(100_000n - 25_000n - 500n);
      expectZeroTotals(h.engine);
    });

    it('takes a held transfer released hours after it was signed, with a clearance issued at the release', () => {
      const h = withCompliance();
      const t = big('c-held');
      const signedAt = h.log.nowSeconds;
      h.log.advance(3 * 3600 * 1000);
      const releasedAt = new Date(h.log.nowMs).toISOString();
      const late = { created: signedAt };
      // Without a clearance, or with the one issued before the hold, the request is just too old.
      expect(h.entry(h.log.transfer(t, late)).rejection).toBe('SIGNATURE_TOO_OLD');
      const stale = clearanceFor(t, { issuedAt: new Date(signedAt * 1000).toISOString() });
      expect(h.entry(h.log.transfer(t, { ...late, clearances: [stale] })).rejection).toBe(
        'SIGNATURE_TOO_OLD',
      );
      // A transfer under the threshold gets no such grace.
      const small = tr('c-held-small', { amount: '5.00' });
      const smallClearance = clearanceFor(small, { amountMinor: '500', issuedAt: releasedAt });
      expect(h.entry(h.log.transfer(small, { ...late, clearances: [smallClearance] })).rejection).toBe(
        'SIGNATURE_TOO_OLD',
      );
      const fresh = clearanceFor(t, { issuedAt: releasedAt });
      expect(h.outcome(h.log.transfer(t, { ...late, clearances: [fresh] })).status).toBe('committed');
      // Past HELD_MAX_AGE_MS (30 days) nothing revives it.
      const old = big('c-too-old');
      const oldSignedAt = h.log.nowSeconds;
      h.log.advance(31 * 24 * 3600 * 1000);
      const revived = clearanceFor(old, { issuedAt: new Date(h.log.nowMs).toISOString() });
      expect(h.entry(h.log.transfer(old, { created: oldSignedAt, clearances: [revived] })).rejection).toBe(
        'SIGNATURE_TOO_OLD',
      );
    });

    it('the compliance section is part of the genesis block: another section makes another chain', () => {
      const a = withCompliance();
      const b = new Harness(complianceSpec);
      b.apply(
        b.log.genesis({
          compliance: {
            keys: [{ keyId: signer.keyId, publicKey: signer.key.publicKeyHex }],
            thresholds: [{ currency: 'USD', fromMinor: '20000' }],
          },
        }),
      );
      expect(a.blocks[0].headerHash).not.toBe(b.blocks[0].headerHash);
    });
  });

  it('every rejection reason is reachable', () => {
    const unseen = Object.keys(REJECTION_REASONS).filter((r) => !seenReasons.has(r));
    expect(unseen).toEqual([]);
  });
});

/** The entry hash as the engine defined it first, through the generic canonicalJson. */
function referenceEntryHash(entry: Entry): string {
  return sha256Hex(
    canonicalJson({
      offset: entry.offset.toString(),
      timestampMs: entry.timestampMs,
      payload: sha256Hex(entry.payload),
      rejection: entry.rejection ?? null,
      outcomes: entry.outcomes,
      postings: entry.postings.map((p) => ({ ...p, amountMinor: p.amountMinor.toString() })),
    }),
  );
}

describe('hand-written canonical JSON of hashed shapes', () => {
  // Any text, including quotes, backslashes, control characters, lone surrogates and non-BMP characters.
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
  const outcomeArb: fc.Arbitrary<TransferOutcome> = fc
    .record({
      transferId: text,
      status: fc.constantFrom(
        'committed',
        'reserved',
        'fulfilled',
        'aborted',
        'expired',
        'rejected' as const,
      ),
      reason: fc.option(text, { nil: undefined }),
      refusal: fc.option(fc.constant(true as const), { nil: undefined }),
      payer: text,
      payee: text,
      amountMinor: fc.bigInt().map(String),
      currency: text,
    })
    .map(({ reason, refusal, ...o }) => ({
      ...o,
      ...(reason === undefined ? {} : { reason }),
      ...(refusal === undefined ? {} : { refusal }),
    }));
  const postingArb = fc.record({
    transferId: text,
    debitAccount: text,
    creditAccount: text,
    amountMinor: fc.bigInt(),
    currency: text,
  });

  it('entryJson, outcomesJson and postingsJson equal canonicalJson of the entry and its arrays for any content', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 63n }),
        fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
        fc.option(fc.constantFrom(...(Object.keys(REJECTION_REASONS) as RejectionReason[])), {
          nil: undefined,
        }),
        fc.array(outcomeArb, { maxLength: 4 }),
        fc.array(postingArb, { maxLength: 4 }),
        text,
        (offset, timestampMs, rejection, outcomes, postings, payload) => {
          const expected = canonicalJson({
            offset: offset.toString(),
            timestampMs,
            payload,
            rejection: rejection ?? null,
            outcomes,
            postings: postings.map((p) => ({ ...p, amountMinor: p.amountMinor.toString() })),
          });
          expect(outcomesJson(outcomes)).toBe(canonicalJson(outcomes));
          expect(postingsJson(postings)).toBe(
            canonicalJson(postings.map((p) => ({ ...p, amountMinor: p.amountMinor.toString() }))),
          );
          const texts = [outcomesJson(outcomes), postingsJson(postings)] as const;
          expect(entryJson({ offset, timestampMs }, payload, rejection, ...texts)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a NaN or infinite timestamp like canonicalJson does', () => {
    for (const timestampMs of [NaN, Infinity, -Infinity]) {
      expect(() => canonicalJson({ timestampMs })).toThrow();
      expect(() => entryJson({ offset: 0n, timestampMs }, '', undefined, '[]', '[]')).toThrow();
    }
  });
});

function req(path: string, body: object) {
  return { method: 'POST', path, body: JSON.stringify(body), created: FIXTURE_START_MS / 1000 };
}

// ---------------------------------------------------------------------------------------------------------
// Properties over small generated logs
// ---------------------------------------------------------------------------------------------------------

/**
 * p1: USD and PHP, 200.00 each, no overdraft. p2: USD and PHP, 50.00, net debit cap 30.00. p3: USD only,
 * nothing, no overdraft. Small funds and a small id pool make rejections, duplicates and completions of
 * existing transfers frequent; blockMaxEntries 5 mixes size seals with cuts.
 */
const PROP_SPEC = makeSpec({
  chainId: 'prop-spec',
  participants: 3,
  currencies: (i) => (i === 2 ? ['USD'] : ['USD', 'PHP']),
  fundsMinor: (i) => [20_000n, 5_000n, undefined][i],
  capMinor: (i) => (i === 1 ? 3_000n : undefined),
  blockMaxEntries: 5,
});
/** The floors the genesis promises, written out independently of the engine. */
const FLOORS: Record<string, bigint> = {
  'p1/USD': 0n,
  'p1/PHP': 0n,
  'p2/USD': -3_000n,
  'p2/PHP': -3_000n,
  'p3/USD': 0n,
};

const MEMBERS = ['p1', 'p2', 'p3'];
const member = fc.constantFrom(...MEMBERS);
/** Mostly another member; now and then the payer itself or a stranger. */
const payeeOffset = fc.oneof(
  { arbitrary: fc.constantFrom(1, 2), weight: 8 },
  { arbitrary: fc.constantFrom(0, -1), weight: 1 },
);
const amountMinor = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 2_500 }), weight: 20 },
  { arbitrary: fc.constant(0), weight: 1 },
);
/** A transfer without its id: `buildLog` numbers new transfers, so that ids repeat only on purpose. */
const transferArb: fc.Arbitrary<TransferInstruction> = fc
  .record({
    payer: fc.nat(2),
    payee: payeeOffset,
    currency: fc.constantFrom('USD', 'USD', 'USD', 'PHP'),
    minor: amountMinor,
    twoPhase: fc.boolean(),
    expiresInMs: fc.option(fc.integer({ min: 1000, max: 6000 }), { nil: undefined }),
  })
  .map(({ payer, payee, minor, twoPhase, expiresInMs, currency }) => ({
    id: '',
    payer: MEMBERS[payer],
    payee: payee < 0 ? 'ghost' : MEMBERS[(payer + payee) % 3],
    amount: formatAmount(BigInt(minor), currency),
    currency,
    ...(twoPhase ? { twoPhase, ...(expiresInMs ? { expiresInMs } : {}) } : {}),
  }));

/** Operations whose target is an earlier transfer of the same log, picked by `ref` when the log is built. */
type GenOp =
  | Op
  | { kind: 'complete'; action: 'fulfil' | 'abort'; who: 'payer' | 'payee' | 'stranger'; ref: number }
  | { kind: 'resend'; ref: number; newMinor?: number };

const genOpArb: fc.Arbitrary<GenOp> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(transferArb, fc.integer({ min: 0, max: 9 }), member)
      .map(([transfer, n, other]): GenOp => ({
        kind: 'transfer',
        signer: n < 9 ? transfer.payer : other,
        transfer,
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(member, fc.array(transferArb, { minLength: 1, maxLength: 4 }))
      .map(([signer, ts]): GenOp => ({
        kind: 'batch',
        signer,
        transfers: ts.map((t) => ({ ...t, payer: signer, payee: t.payee === signer ? t.payer : t.payee })),
      })),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({
        action: fc.constantFrom('fulfil' as const, 'abort' as const),
        who: fc.constantFrom('payee' as const, 'payee' as const, 'payer' as const, 'stranger' as const),
        ref: fc.nat(),
      })
      .map((c): GenOp => ({ kind: 'complete', ...c })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ ref: fc.nat(), newMinor: fc.option(fc.integer({ min: 1, max: 2_500 }), { nil: undefined }) })
      .map((r): GenOp => ({ kind: 'resend', ...r })),
  },
  { weight: 4, arbitrary: fc.constant<GenOp>({ kind: 'cut' }) },
  { weight: 1, arbitrary: fc.constant<GenOp>({ kind: 'cut', stale: true }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4000 }).map((ms): GenOp => ({ kind: 'advance', ms })) },
  {
    weight: 1,
    arbitrary: fc.tuple(transferArb, member).map(([transfer, forgeWith]): GenOp => ({
      kind: 'transfer',
      signer: transfer.payer,
      transfer,
      forgeWith,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<GenOp>(
      { kind: 'garbage', value: '{' },
      { kind: 'malformed', signer: 'p1', body: '{}' },
    ),
  },
);
const opsArb = fc.array(genOpArb, { minLength: 1, maxLength: 30, size: 'max' });

function buildLog(ops: GenOp[]): LogBuilder {
  const log = new LogBuilder(PROP_SPEC);
  const sent: TransferInstruction[] = [];
  const fresh = (t: TransferInstruction) => {
    const numbered = { ...t, id: `t${sent.length}` };
    sent.push(numbered);
    return numbered;
  };
  log.genesis();
  for (const op of ops) {
    if (op.kind === 'transfer') emitOp(log, { ...op, transfer: fresh(op.transfer) });
    else if (op.kind === 'batch') emitOp(log, { ...op, transfers: op.transfers.map(fresh) });
    else if (op.kind === 'complete' || op.kind === 'resend') {
      if (sent.length === 0) continue;
      const t = sent[op.ref % sent.length];
      if (op.kind === 'resend') {
        const amount = op.newMinor === undefined ? t.amount : formatAmount(BigInt(op.newMinor), t.currency);
        emitOp(log, { kind: 'transfer', signer: t.payer, transfer: { ...t, amount } });
      } else {
        const stranger = MEMBERS.find((p) => p !== t.payer && p !== t.payee)!;
        const signer = op.who === 'payer' ? t.payer : op.who === 'payee' ? t.payee : stranger;
        emitOp(log, { kind: op.action, signer, transferId: t.id });
      }
    } else emitOp(log, op);
  }
  log.cut();
  return log;
}

const NUM_RUNS = 50;

describe('LedgerEngine properties', () => {
  it('(a) balances of each currency sum to zero after every sealed block', () => {
    // Twice the runs of the other properties: besides the property, this one checks that the generator
    // makes transfers in most runs (about 70 %), and with 50 runs a random seed fell to half about once in
    // a few hundred runs of the suite (seen once in fresh-clone-check); with 100, about once in 50,000.
    const runs = 2 * NUM_RUNS;
    let runsWithTransfers = 0;
    fc.assert(
      fc.property(opsArb, (ops) => {
        const engine = new LedgerEngine();
        let postings = 0;
        for (const record of buildLog(ops).records) {
          const block = engine.apply(record);
          if (!block) continue;
          postings += block.entries.reduce(
            (n, e) => n + (e.kind === 'instruction' ? e.postings.length : 0),
            0,
          );
          const totals = engine.totalsByCurrency();
          expect([...totals.keys()].sort()).toEqual(['PHP', 'USD']);
          for (const total of totals.values()) expect(total).toBe(0n);
          // The postings of the block explain the change of every changed account.
          for (const account of block.changedAccounts) {
            expect(account.balanceMinor).toBe(engine.accounts.get(account.id)!.balanceMinor);
          }
        }
        expect(engine.openEntryCount).toBe(0);
        if (postings > 0) runsWithTransfers += 1;
      }),
      { numRuns: runs },
    );
    expect(runsWithTransfers).toBeGreaterThan(runs / 2);
  });

  it('(b) no position account ever goes below its floor, and reservations add up', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const engine = new LedgerEngine();
        for (const record of buildLog(ops).records) {
          engine.apply(record);
          const reservedBy = new Map<string, bigint>();
          for (const t of engine.transfers.values()) {
            if (t.status !== 'reserved') continue;
            expect(t.reservations).toBeDefined();
            for (const r of t.reservations!)
              reservedBy.set(r.accountId, (reservedBy.get(r.accountId) ?? 0n) + r.amountMinor);
          }
          for (const account of engine.accounts.values()) {
            expect(account.reservedMinor).toBe(reservedBy.get(account.id) ?? 0n);
            if (account.kind !== 'position') continue;
            const floor = FLOORS[account.id];
            expect(floor).toBeDefined();
            if (account.balanceMinor - account.reservedMinor < floor) {
              throw new Error(`${account.id}: ${account.balanceMinor} - ${account.reservedMinor} < ${floor}`);
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(c) is deterministic: a fresh engine, and a replay of the stored entries, give the same blocks', () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const { records } = buildLog(ops);
        const run = (input: LogRecord[]) => {
          const engine = new LedgerEngine();
          const blocks = input.map((r) => engine.apply(r)).filter((b): b is SealedBlock => b !== null);
          return { engine, blocks };
        };
        const first = run(records);
        const second = run(records);
        // Recovery replays only what was stored: the entries of the sealed blocks (no-op cuts are not there).
        const stored = first.blocks.flatMap((b) =>
          b.entries.map((e) => ({ offset: e.offset, timestampMs: e.timestampMs, value: e.payload })),
        );
        const replay = run(stored);
        const summary = (blocks: SealedBlock[]) =>
          blocks.map((b) => [
            b.header.height,
            b.headerHash,
            b.header.stateRoot,
            b.entries.map((e) => e.hash),
          ]);
        expect(first.blocks.length).toBeGreaterThan(0);
        expect(summary(second.blocks)).toEqual(summary(first.blocks));
        expect(summary(replay.blocks)).toEqual(summary(first.blocks));
        expect(replay.engine.stateRoot()).toBe(first.engine.stateRoot());
        expect([...replay.engine.transfers.values()]).toEqual([...first.engine.transfers.values()]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('(d) a two-phase transfer ends in at most one of fulfilled/aborted/expired, and no status goes back', () => {
    const NEXT: Record<string, string[]> = {
      committed: ['committed'],
      rejected: ['rejected'],
      reserved: ['reserved', 'fulfilled', 'aborted', 'expired'],
      fulfilled: ['fulfilled'],
      aborted: ['aborted'],
      expired: ['expired'],
    };
    const endings = new Map<string, number>();
    fc.assert(
      fc.property(opsArb, (ops) => {
        const engine = new LedgerEngine();
        const last = new Map<string, string>();
        const terminal = new Map<string, Set<string>>();
        const postingsOf = new Map<string, number>();
        for (const record of buildLog(ops).records) {
          const block = engine.apply(record);
          for (const [id, t] of engine.transfers) {
            const before = last.get(id);
            if (before !== undefined && !NEXT[before].includes(t.status)) {
              throw new Error(`${id} went from ${before} to ${t.status}`);
            }
            last.set(id, t.status);
          }
          for (const entry of block?.entries ?? []) {
            for (const o of entry.outcomes) {
              if (o.status === 'fulfilled' || o.status === 'aborted' || o.status === 'expired') {
                const key = transferKey(o.payer, o.transferId);
                terminal.set(key, (terminal.get(key) ?? new Set()).add(o.status));
              }
            }
            for (const p of entry.postings)
              postingsOf.set(p.transferId, (postingsOf.get(p.transferId) ?? 0) + 1);
          }
        }
        for (const [id, t] of engine.transfers) {
          const ends = [...(terminal.get(id) ?? [])];
          expect(ends.length).toBeLessThanOrEqual(1);
          if (ends.length === 1) expect([id, t.status]).toEqual([id, ends[0]]);
          else if (t.expiresAtMs !== undefined) expect([id, t.status]).toEqual([id, 'reserved']);
          const moved = t.status === 'committed' || t.status === 'fulfilled' ? 1 : 0;
          expect([id, t.status, postingsOf.get(id) ?? 0]).toEqual([id, t.status, moved]);
          endings.set(t.status, (endings.get(t.status) ?? 0) + 1);
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // The generated logs do reach every ending, so the property is not vacuous.
    for (const status of ['committed', 'reserved', 'fulfilled', 'aborted', 'expired', 'rejected']) {
      expect([status, (endings.get(status) ?? 0) > 0]).toEqual([status, true]);
    }
  });
});
