import type { GenesisCommand, TransferOutcome } from '@concord/contracts';
import { hubAccountId, positionAccountId } from './account-ids';
import { assert, RejectionReason } from './engine.errors';
import { assertRoom } from './engine.limits';
import type { LogRecord, Posting } from './engine.types';
import type { LedgerState } from './ledger-state';
import { addParticipant } from './membership';
import { quorumRefusal } from './quorum-rule';

/**
 * Why a genesis cannot start a chain although its schema holds: a quorum below floor(2n/3) + 1 of its
 * signers, or above n. It is refused as a malformed genesis is, so that the chain still waits for a valid
 * one, but with its own reason, so that whoever wrote it reads what to fix.
 */
export function genesisRefusal(genesis: GenesisCommand): RejectionReason | null {
  return quorumRefusal(genesis.signers.length, genesis.quorum);
}

/**
 * Starts the chain: the signers and quorum, the block size bounds, the operator, FX and clearing keys, the
 * scheme fees, the compliance keys and clearance thresholds, the members with their accounts, and the opening funds, each paid from the hub by double
 * entry. The caller has checked the quorum first (genesisRefusal): a genesis that reaches this point with
 * a quorum the chain cannot use is a bug, and it throws before anything changes.
 */
export function applyGenesis(state: LedgerState, record: LogRecord, genesis: GenesisCommand): void {
  const postings: Posting[] = [];
  const outcomes: TransferOutcome[] = [];
  const validSigners = quorumRefusal(genesis.signers.length, genesis.quorum) === null;
  assert(validSigners, 'genesis quorum must be Byzantine-safe', genesis.quorum);
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
  for (const k of genesis.compliance?.keys ?? []) state.clearanceKeys[k.keyId] = k.publicKey;
  for (const t of genesis.compliance?.thresholds ?? [])
    state.clearanceThresholds.set(t.currency, BigInt(t.fromMinor));
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
