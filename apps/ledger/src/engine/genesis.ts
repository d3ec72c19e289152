import type { GenesisCommand, TransferOutcome } from '@concord/contracts';
import { hubAccountId, positionAccountId } from './account-ids';
import { assert } from './engine.errors';
import { assertRoom } from './engine.limits';
import type { LogRecord, Posting } from './engine.types';
import type { LedgerState } from './ledger-state';
import { addParticipant } from './membership';

/**
 * Starts the chain: the signers and quorum, the block size bounds, the operator, FX and clearing keys, the
 * scheme fees, the members with their accounts, and the opening funds, each paid from the hub by double
 * entry. A genesis the schema let through but the engine cannot use (a quorum that is not a majority)
 * is a bug, and it throws before anything changes.
 */
export function applyGenesis(state: LedgerState, record: LogRecord, genesis: GenesisCommand): void {
  const postings: Posting[] = [];
  const outcomes: TransferOutcome[] = [];
  const validSigners =
    genesis.quorum <= genesis.signers.length && genesis.quorum > genesis.signers.length / 2;
  assert(validSigners, 'genesis quorum must be a majority of the signers', genesis.quorum);
  assertRoom(0, genesis.signers.length, state.limits.maxSigners, 'genesis signers exceed MAX_SIGNERS');
  state.chainId = genesis.chainId;
  state.signers = genesis.signers.map((s) => ({ id: s.id, publicKey: s.publicKey }));
  state.quorum = genesis.quorum;
  state.blockMaxEntries = genesis.blockMaxEntries;
  state.blockMaxBytes = genesis.blockMaxBytes;
  state.signerSets.push({ fromHeight: 1, signers: state.signers, quorum: state.quorum });
  state.signerSetChanged = true;
  for (const k of genesis.operators) state.operators.set(k.keyId, k.publicKey);
  for (const k of genesis.fxKeys) state.fxKeys[k.keyId] = k.publicKey;
  for (const k of genesis.settlementKeys) state.settlementKeys.set(k.keyId, k.publicKey);
  for (const f of genesis.schemeFees) state.schemeFees.set(f.currency, BigInt(f.fixedMinor));
  state.governanceThreshold = genesis.governanceThreshold;
  for (const p of genesis.participants) addParticipant(state, p);
  // Every account is in the genesis block's changes, so that a reader of finalized blocks knows them all.
  for (const id of state.accounts.keys()) state.changed.add(id);
  genesis.openingFunds.forEach((f, i) => {
    const account = state.accounts.get(positionAccountId(f.participantId, f.currency));
    assert(account, 'genesis funds an unknown account', positionAccountId(f.participantId, f.currency));
    const amount = BigInt(f.amountMinor);
    const transferId = `genesis-funds-${i}`;
    postings.push(state.move(hubAccountId(f.currency), account.id, amount, transferId));
    outcomes.push({
      transferId,
      status: 'committed',
      payer: 'hub',
      payee: f.participantId,
      amountMinor: amount.toString(),
      currency: f.currency,
    });
  });
  state.push(record, 'genesis', outcomes, postings);
}
