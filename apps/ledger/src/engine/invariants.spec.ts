import type { GovernanceAction, TransferInstruction } from '@concord/contracts';
import {
  FIXTURE_START_MS,
  fixtureQuote,
  genesisOf,
  governanceCommand,
  LogBuilder,
  makeSpec,
  settlementCommand,
} from './engine.fixtures';
import { assert, InvariantViolation, LedgerInvariantError } from './engine.errors';
import { ENGINE_LIMITS, EngineLimits } from './engine.limits';
import type { LogRecord, TransferRecord } from './engine.types';
import { applyGenesis } from './genesis';
import { LedgerEngine } from './ledger-engine';
import { LedgerState } from './ledger-state';

/** p1 and p2 in USD and PHP with 1,000.00 each; one block per record after the genesis. */
const SPEC = makeSpec({ chainId: 'invariants', participants: 2, fundsMinor: 100_000n, blockMaxEntries: 1 });

const tr = (id: string, overrides: Partial<TransferInstruction> = {}): TransferInstruction => ({
  id,
  payer: 'p1',
  payee: 'p2',
  amount: '1.00',
  currency: 'USD',
  ...overrides,
});

/** An engine with the default bounds but `limits`, and a log whose genesis it has applied. */
function started(limits: Partial<EngineLimits> = {}, spec = SPEC) {
  const engine = new LedgerEngine({ ...ENGINE_LIMITS, ...limits });
  const log = new LogBuilder(spec);
  engine.apply(log.genesis());
  return { engine, log };
}

/** The state of a chain right after its genesis, for the operations no valid log can misuse. */
function stateAfterGenesis(): LedgerState {
  const state = new LedgerState();
  const record: LogRecord = { offset: 0n, timestampMs: FIXTURE_START_MS, value: '{}' };
  applyGenesis(state, record, genesisOf(SPEC));
  return state;
}

const governance = (log: LogBuilder, proposalId: string, action: GovernanceAction) =>
  log.raw(JSON.stringify(governanceCommand(SPEC, proposalId, action)));

describe('assert', () => {
  it('throws an InvariantViolation with the message and the detail, and nothing while the condition holds', () => {
    expect(() => assert(true, 'never')).not.toThrow();
    expect(() => assert(0, 'a count must be positive', 'c-1')).toThrow(
      new InvariantViolation('a count must be positive (c-1)'),
    );
    expect(() => assert(null, 'no detail')).toThrow(new InvariantViolation('no detail'));
  });

  it('keeps the earlier name LedgerInvariantError for the same class', () => {
    expect(new LedgerInvariantError('x')).toBeInstanceOf(InvariantViolation);
    expect(() => assert(false, 'x')).toThrow(LedgerInvariantError);
    expect(new InvariantViolation('x').name).toBe('InvariantViolation');
  });
});

describe('postings and reservations', () => {
  it('refuses a posting of zero or a negative amount, changing no balance', () => {
    const state = stateAfterGenesis();
    const before = state.mustAccount('p1/USD').balanceMinor;
    for (const amount of [0n, -100n]) {
      expect(() => state.move('p1/USD', 'p2/USD', amount, 't-bad')).toThrow(
        new InvariantViolation('a posting must move a positive amount (t-bad)'),
      );
    }
    expect(state.mustAccount('p1/USD').balanceMinor).toBe(before);
    expect(state.move('p1/USD', 'p2/USD', 1n, 't-ok').amountMinor).toBe(1n);
  });

  it('refuses a posting between two currencies and one to an unknown account', () => {
    const state = stateAfterGenesis();
    expect(() => state.move('p1/USD', 'p2/PHP', 1n, 't-fx')).toThrow(/one currency \(t-fx\)/);
    expect(() => state.move('p1/USD', 'p9/USD', 1n, 't-x')).toThrow(/unknown account \(p9\/USD\)/);
  });

  it('refuses a reservation of nothing, and a release of more than is reserved', () => {
    const state = stateAfterGenesis();
    const reserved = (amountMinor: bigint): TransferRecord => ({
      id: `r-${amountMinor}`,
      key: `p1/r-${amountMinor}`,
      terms: null,
      payer: 'p1',
      payee: 'p2',
      payerAccount: 'p1/USD',
      payeeAccount: 'p2/USD',
      amountMinor,
      currency: 'USD',
      status: 'reserved',
      reservations: [{ accountId: 'p1/USD', amountMinor }],
    });
    expect(() => state.reserve(reserved(0n))).toThrow(/positive amount \(r-0\)/);
    // Released without having been reserved: the account's reservation would go below zero.
    expect(() => state.settle(reserved(500n), 'aborted', [])).toThrow(/negative reservation \(p1\/USD\)/);
  });
});

describe('balances summing to zero per currency at every seal', () => {
  it('stops the seal after a balance changed without its other side', () => {
    const { engine, log } = started();
    engine.apply(log.transfer(tr('t1')));
    engine.accounts.get('p2/USD')!.balanceMinor += 1n;
    expect(() => engine.apply(log.transfer(tr('t2')))).toThrow(
      /the balances of a currency no longer sum to zero \(USD off by 1\)/,
    );
  });

  it('checks each currency apart: a unit taken in PHP does not make up for one given in USD', () => {
    const { engine, log } = started();
    engine.accounts.get('p1/USD')!.balanceMinor += 1n;
    engine.accounts.get('p1/PHP')!.balanceMinor -= 1n;
    expect(() => engine.apply(log.cut())).toThrow(/no longer sum to zero \((USD off by 1|PHP off by -1)\)/);
  });

  it('lets a change hashed through stateRoot() stand, as the signers fault injection needs', () => {
    // The Byzantine tests make one node's state wrong behind its engine's back and hash it at once; that
    // node must go on signing wrong state roots rather than stop.
    const { engine, log } = started();
    engine.accounts.get('p2/USD')!.balanceMinor += 1n;
    engine.stateRoot();
    expect(engine.apply(log.transfer(tr('t1')))?.header.height).toBe(2);
  });
});

describe('bounds on what grows with the log', () => {
  it('transfers: MAX_TRANSFERS', () => {
    const { engine, log } = started({ maxTransfers: 2 });
    engine.apply(log.transfer(tr('t1')));
    engine.apply(log.transfer(tr('t2', { amount: '999999.00' }))); // rejected ones are kept too
    expect(engine.transfers.size).toBe(2);
    expect(() => engine.apply(log.transfer(tr('t3')))).toThrow(
      new InvariantViolation('transfers would exceed MAX_TRANSFERS (2)'),
    );
  });

  it('pending reservations: MAX_PENDING_RESERVATIONS', () => {
    const { engine, log } = started({ maxPendingReservations: 1 });
    engine.apply(log.transfer(tr('r1', { twoPhase: true })));
    engine.apply(log.fulfil('p2', 'r1'));
    engine.apply(log.transfer(tr('r2', { twoPhase: true })));
    expect(() => engine.apply(log.transfer(tr('r3', { twoPhase: true })))).toThrow(
      /reservations would exceed MAX_PENDING_RESERVATIONS \(1\)/,
    );
  });

  it('used FX quotes: MAX_USED_QUOTES', () => {
    // p2 is the FX provider of a conversion from p1's USD to p3's PHP.
    const spec = makeSpec({
      chainId: 'invariants',
      participants: 3,
      fundsMinor: 100_000n,
      blockMaxEntries: 1,
    });
    const fields = { id: 'q1', provider: 'p2', payer: 'p1', payee: 'p3', source: 'USD', target: 'PHP' };
    const conversion = (log: LogBuilder) =>
      log.transfer(
        tr('fx1', { payee: 'p3', amount: '10.00', quote: fixtureQuote(spec, fields, 1_000n, log.nowMs) }),
      );
    const unbounded = started({}, spec);
    expect(unbounded.engine.apply(conversion(unbounded.log))?.entries[0].outcomes[0].status).toBe(
      'committed',
    );
    const { engine, log } = started({ maxUsedQuotes: 0 }, spec);
    expect(() => engine.apply(conversion(log))).toThrow(/used quotes would exceed MAX_USED_QUOTES \(0\)/);
  });

  it('settlement postings: MAX_SETTLEMENT_POSTINGS', () => {
    const { engine, log } = started({ maxSettlementPostings: 1 });
    const posting = (postingId: string) =>
      log.raw(
        JSON.stringify(
          settlementCommand(SPEC, {
            postingId,
            participantId: 'p1',
            currency: 'USD',
            direction: 'pay-in',
            amountMinor: '100',
            reference: 'w1',
          }),
        ),
      );
    engine.apply(posting('sp-1'));
    expect(() => engine.apply(posting('sp-2'))).toThrow(/MAX_SETTLEMENT_POSTINGS \(1\)/);
  });

  it('governance proposals: MAX_PROPOSALS', () => {
    const { engine, log } = started({ maxProposals: 1 });
    const limit = { kind: 'no-overdraft' } as const;
    engine.apply(governance(log, 'g1', { kind: 'set-limit', accountId: 'p1/USD', limit }));
    expect(() =>
      engine.apply(governance(log, 'g2', { kind: 'set-limit', accountId: 'p2/USD', limit })),
    ).toThrow(/proposals would exceed MAX_PROPOSALS \(1\)/);
  });

  it('pending withdrawals: MAX_PENDING_WITHDRAWALS', () => {
    const { engine, log } = started({ maxPendingWithdrawals: 1 });
    const out = (participantId: string) =>
      ({ kind: 'funds-out', participantId, currency: 'USD', amountMinor: '100' }) as const;
    engine.apply(governance(log, 'w1', out('p1')));
    expect(() => engine.apply(governance(log, 'w2', out('p2')))).toThrow(/MAX_PENDING_WITHDRAWALS \(1\)/);
  });

  it('keys of a participant: MAX_KEYS_PER_PARTICIPANT', () => {
    const { engine, log } = started({ maxKeysPerParticipant: 1 });
    const key = { keyId: 'p1-2', publicKey: 'ab'.repeat(32) };
    expect(() =>
      engine.apply(governance(log, 'k1', { kind: 'add-participant-key', participantId: 'p1', key })),
    ).toThrow(/MAX_KEYS_PER_PARTICIPANT \(1\)/);
  });

  it('signers and changes of the signer set: MAX_SIGNERS, MAX_SIGNER_SET_CHANGES', () => {
    expect(() => started({ maxSigners: 3 })).toThrow(/genesis signers exceed MAX_SIGNERS \(3\)/);
    const signer = { id: 's9', publicKey: 'cd'.repeat(32) };
    const add = { kind: 'add-signer', signer, quorum: 4 } as const;
    const full = started({ maxSigners: 4 });
    expect(() => full.engine.apply(governance(full.log, 'g-s', add))).toThrow(/MAX_SIGNERS \(4\)/);
    const once = started({ maxSignerSetChanges: 1 });
    expect(() => once.engine.apply(governance(once.log, 'g-s', add))).toThrow(/MAX_SIGNER_SET_CHANGES \(1\)/);
  });

  it('participants and accounts: MAX_PARTICIPANTS, MAX_ACCOUNTS', () => {
    expect(() => started({ maxParticipants: 1 })).toThrow(/MAX_PARTICIPANTS \(1\)/);
    // Two participants in two currencies have twelve accounts of their own and four of the hub.
    expect(() => started({ maxAccounts: 15 })).toThrow(/MAX_ACCOUNTS \(15\)/);
    expect(started({ maxAccounts: 16 }).engine.accounts.size).toBe(16);
  });

  it('records before the genesis: MAX_RECORDS_BEFORE_GENESIS', () => {
    const engine = new LedgerEngine({ ...ENGINE_LIMITS, maxRecordsBeforeGenesis: 2 });
    const log = new LogBuilder(SPEC);
    engine.apply(log.raw('not a command'));
    engine.apply(log.raw('nor this'));
    expect(() => engine.apply(log.raw('one too many'))).toThrow(/MAX_RECORDS_BEFORE_GENESIS\) \(2\)/);
  });

  it('the open block: a record pushed into a block that should have been sealed', () => {
    const state = stateAfterGenesis();
    state.height = 2;
    state.open = [];
    state.blockMaxEntries = 1;
    const record: LogRecord = { offset: 1n, timestampMs: FIXTURE_START_MS, value: '{}' };
    state.push(record, 'cut', [], []);
    expect(() => state.push({ ...record, offset: 2n }, 'cut', [], [])).toThrow(/already full/);
  });
});
