import { AccountLimit, ledgerCommandSchema } from '@concord/contracts';
import type { ProofStep } from '@concord/crypto';
import type { Account, LogRecord, SealedBlock, TransferRecord } from './engine.types';
import { expireReservations, nextExpiryMs } from './expiry';
import { ENGINE_LIMITS, EngineLimits } from './engine.limits';
import { applyGenesis, genesisRefusal } from './genesis';
import { applyGovernance, signerSetAt } from './governance';
import { applyInstruction } from './instructions';
import { ConsortiumSigner, LedgerState } from './ledger-state';
import { seal } from './sealing';
import { applySettlement } from './settlement';

export {
  feesAccountId,
  hubAccountId,
  hubFeesAccountId,
  positionAccountId,
  settlementAccountId,
} from './account-ids';
export { assert, InvariantViolation } from './engine.errors';
export { ENGINE_LIMITS } from './engine.limits';
export type { EngineLimits } from './engine.limits';
export { entryJson, outcomesJson, postingsJson } from './entry-json';
export { SIGNATURE_MAX_AGE_MS, SIGNATURE_MAX_SKEW_MS } from './instructions';
export { ZERO_HASH } from './ledger-state';
export type { ConsortiumSigner } from './ledger-state';
export { headerHash } from './sealing';
export { accountLeaf } from './state-root';

/**
 * The deterministic ledger state machine. It consumes the Kafka-ordered command log record by record and
 * seals blocks at cut markers or at the size bound. Same log in, same blocks out, byte for byte: it reads
 * no clock (only record timestamps), draws no randomness and uses no floating point for money.
 *
 * This class dispatches each record to the family of commands it belongs to (genesis.ts, governance.ts,
 * instructions.ts with transfers.ts and fx-transfers.ts, settlement.ts), expires reservations
 * (expiry.ts) and seals blocks (sealing.ts); the state they share is a LedgerState.
 */
export class LedgerEngine {
  private readonly state: LedgerState;

  /** `limits` are the bounds of engine.limits.ts unless a spec gives small ones to reach them. */
  constructor(limits: EngineLimits = ENGINE_LIMITS) {
    this.state = new LedgerState(limits);
  }

  /** The ledger clock: the latest log time applied (it never goes back). */
  get clockMs(): number {
    return this.state.clockMs;
  }

  get chainId(): string {
    return this.state.chainId;
  }

  get signers(): ConsortiumSigner[] {
    return this.state.signers;
  }

  get quorum(): number {
    return this.state.quorum;
  }

  get accounts(): Map<string, Account> {
    return this.state.accounts;
  }

  get transfers(): Map<string, TransferRecord> {
    return this.state.transfers;
  }

  /** Height of the block being filled; the last sealed block is `height - 1`. */
  get height(): number {
    return this.state.height;
  }

  /** The hash of the last sealed header, which the next block links to. */
  get prevHash(): string {
    return this.state.prevHash;
  }

  /** Only the signers' fault injection sets it, after hashing a header of its own making. */
  set prevHash(hash: string) {
    this.state.prevHash = hash;
  }

  get prevBlockTimeMs(): number {
    return this.state.prevBlockTimeMs;
  }

  get hasGenesis(): boolean {
    return this.state.hasGenesis;
  }

  get openEntryCount(): number {
    return this.state.open.length;
  }

  /** How full the open block is against the genesis's size bound in record characters (0 to 1, or more). */
  get openBlockFill(): number {
    return this.state.openBytes / this.state.blockMaxBytes;
  }

  /** Applies one log record; returns the sealed block when this record closed one. */
  apply(record: LogRecord): SealedBlock | null {
    const state = this.state;
    state.clockMs = Math.max(state.clockMs, record.timestampMs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value);
    } catch {
      parsed = undefined;
    }
    const command = ledgerCommandSchema.safeParse(parsed);
    if (!command.success) {
      state.push(record, 'invalid', [], [], 'MALFORMED_COMMAND');
      return this.maybeSealBySize(record);
    }
    const cmd = command.data;
    switch (cmd.type) {
      case 'cut':
        // Cuts before the genesis are ignored: the genesis block must be the first block. A cut for the
        // open height seals it, even with nothing else open (a block of the cut entry alone, with the
        // expiries it causes): so a reservation is released at its time when no other record comes, and
        // whoever reads the log can tell where blocks end without knowing the ledger's state. Signers
        // propose such a cut only when something is due.
        if (state.hasGenesis && cmd.height === state.height) {
          state.push(record, 'cut', expireReservations(state), []);
          return seal(state, record);
        }
        return null;
      case 'genesis': {
        if (state.hasGenesis) {
          state.push(record, 'genesis', [], [], 'GENESIS_ALREADY_APPLIED');
          return this.maybeSealBySize(record);
        }
        // A genesis whose quorum is not Byzantine-safe is refused as a malformed one is (the chain still
        // waits for its genesis), with the reason that says what to fix.
        const refusal = genesisRefusal(cmd);
        if (refusal) {
          state.push(record, 'invalid', [], [], refusal);
          return this.maybeSealBySize(record);
        }
        applyGenesis(state, record, cmd);
        // The genesis block holds the genesis alone, so that every chain starts the same way.
        return seal(state, record);
      }
      case 'instruction':
        applyInstruction(state, record, cmd);
        return this.maybeSealBySize(record);
      case 'governance':
        applyGovernance(state, record, cmd);
        return this.maybeSealBySize(record);
      case 'settlement':
        applySettlement(state, record, cmd);
        return this.maybeSealBySize(record);
    }
  }

  private maybeSealBySize(record: LogRecord): SealedBlock | null {
    const state = this.state;
    if (state.open.length < state.blockMaxEntries && state.openBytes < state.blockMaxBytes) return null;
    // A block sealed by size expires what is due as a cut does, so that under load (when blocks seal by
    // size before a cut marker arrives) reservations are still released at their time. The expiries are
    // recorded in the entry of the record that sealed the block, as a cut's are in the cut's entry.
    const expired = expireReservations(state);
    if (expired.length > 0) state.amendLastEntry(record, expired);
    return seal(state, record);
  }

  /** The signers and quorum that vote on block `height`. */
  signerSetAt(height: number): { signers: ConsortiumSigner[]; quorum: number } {
    return signerSetAt(this.state, height);
  }

  /** The earliest expiry of a reserved transfer, or null when none is reserved. */
  nextExpiryMs(): number | null {
    return nextExpiryMs(this.state);
  }

  /** The Merkle root over every account, in id order. */
  stateRoot(): string {
    return this.state.tree.root(this.state.accounts);
  }

  /** A proof of one account's current balance against `stateRoot()`. */
  balanceProof(accountId: string): { account: Account; proof: ProofStep[] } | null {
    const proof = this.state.tree.proof(this.state.accounts, accountId);
    if (!proof) return null;
    return { account: this.state.mustAccount(accountId), proof };
  }

  /** Balances per currency; double entry means each sums to zero at every block. */
  totalsByCurrency(): Map<string, bigint> {
    const totals = new Map<string, bigint>();
    for (const a of this.state.accounts.values())
      totals.set(a.currency, (totals.get(a.currency) ?? 0n) + a.balanceMinor);
    return totals;
  }

  limitOf(accountId: string): AccountLimit | { kind: 'unlimited' } | undefined {
    return this.state.accounts.get(accountId)?.limit;
  }
}
