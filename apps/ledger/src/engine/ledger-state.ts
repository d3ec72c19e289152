import { SettlementModel, transferKey, TransferOutcome } from '@concord/contracts';
import { assert, RejectionReason } from './engine.errors';
import { assertRoom, ENGINE_LIMITS, EngineLimits } from './engine.limits';
import type { Account, Entry, LogRecord, Posting, TransferRecord } from './engine.types';
import { entryJson, outcomesJson, postingsJson, sha256HexOf } from './entry-json';
import { StateTree } from './state-root';

export const ZERO_HASH = '0'.repeat(64);

export interface ConsortiumSigner {
  id: string;
  publicKey: string;
}

export interface Participant {
  id: string;
  name: string;
  keys: Map<string, string>;
  status: 'active' | 'suspended' | 'closed';
  /** Fixed when the participant is added: a gross participant's positions are no-overdraft for good. */
  settlement: SettlementModel;
}

/** A settlement posting as applied, kept to refuse its id again and to check a reversal against it. */
export interface AppliedSettlementPosting {
  participantId: string;
  currency: string;
  direction: string;
  amountMinor: bigint;
  reversed: boolean;
}

/**
 * Everything the ledger knows, and the few operations on it that every family of commands shares: moving
 * money by double entry, reserving and releasing it, and recording entries in the open block. The
 * families (genesis.ts, governance.ts, transfers.ts, ...) are functions over this state; LedgerEngine
 * owns one and dispatches log records to them. Nothing outside the engine folder uses it directly.
 */
export class LedgerState {
  constructor(readonly limits: EngineLimits = ENGINE_LIMITS) {}

  chainId = '';
  signers: ConsortiumSigner[] = [];
  quorum = 0;
  readonly accounts = new Map<string, Account>();
  /** Every partner's transfer by its key, `<payer>/<id>` (transferKey): ids are unique per payer only. */
  readonly transfers = new Map<string, TransferRecord>();
  /**
   * Two-phase transfers by `<payee>/<id>`, for a payee's fulfil or abort that names no payer: the one
   * transfer to that payee with that id, or null once several payers used the id towards it (the payee
   * must then name the payer, see completeTransfer).
   */
  readonly incoming = new Map<string, TransferRecord | null>();
  readonly participants = new Map<string, Participant>();
  /** Reserved two-phase transfers, by key: the ones an expiry may end. */
  readonly reserved = new Map<string, TransferRecord>();
  /** The accounts in id order and their cached leaves, from which each seal computes the state root. */
  readonly tree = new StateTree();

  /** Height of the block being filled; the last sealed block is `height - 1`. */
  height = 1;
  prevHash = ZERO_HASH;
  prevBlockTimeMs = 0;
  /**
   * The ledger's clock: the latest log time seen, so that it never goes back even when a record carries
   * an earlier timestamp than one before it. Expiries of quotes and reservations and the age of signatures
   * are judged against it, and a block's time is its value when the block is sealed.
   */
  clockMs = 0;
  open: Entry[] = [];
  changed = new Set<string>();
  participantsChanged = new Set<string>();
  signerSetChanged = false;
  /** Operator keys (key id -> public key) and how many must approve a governance proposal. */
  readonly operators = new Map<string, string>();
  governanceThreshold = 1;
  readonly proposals = new Set<string>();
  /** FX quote keys (key id -> public key) from the genesis, and the quotes already used. */
  readonly fxKeys: Record<string, string> = {};
  readonly usedQuotes = new Set<string>();
  /** Clearing keys (key id -> public key) for settlement postings, and the postings applied. */
  readonly settlementKeys = new Map<string, string>();
  readonly settlementPostings = new Map<string, AppliedSettlementPosting>();
  /**
   * Compliance interception from the genesis: the clearance keys (key id -> public key) and per currency
   * the amount at or above which a transfer needs a clearance. Empty: no transfer needs one.
   */
  readonly clearanceKeys: Record<string, string> = {};
  readonly clearanceThresholds = new Map<string, bigint>();
  /** The operator's scheme fee per currency, charged to payers. */
  readonly schemeFees = new Map<string, bigint>();
  /** Withdrawals reserved by a `funds-out` proposal and not completed yet, by proposal id. */
  readonly fundsOuts = new Map<string, TransferRecord>();
  /** Which signers vote on which heights: a change sealed in block h applies from block h + 1. */
  readonly signerSets: { fromHeight: number; signers: ConsortiumSigner[]; quorum: number }[] = [];

  /** Size bounds of a block in entries and in log record characters, from the genesis. */
  blockMaxEntries = Number.MAX_SAFE_INTEGER;
  blockMaxBytes = Number.MAX_SAFE_INTEGER;
  /** Characters of the log records in the open block. */
  openBytes = 0;

  get hasGenesis(): boolean {
    return this.chainId !== '';
  }

  mustAccount(id: string): Account {
    const account = this.accounts.get(id);
    assert(account, 'unknown account', id);
    return account;
  }

  hasHeadroom(account: Account, amount: bigint): boolean {
    if (account.floorMinor === null) return true;
    return account.balanceMinor - account.reservedMinor - amount >= account.floorMinor;
  }

  /**
   * Moves money by double entry: one account debited, another in the same currency credited alike. Every
   * balance changes here and nowhere else, which is what keeps each currency's balances summing to zero
   * (checked at every seal, see StateTree).
   */
  move(debit: string, credit: string, amount: bigint, transferId: string): Posting {
    // Schemas refuse zero and negative amounts before they get here, so one here is a bug: a negative
    // posting would move money the other way under a debit's name.
    assert(amount > 0n, 'a posting must move a positive amount', transferId);
    const from = this.mustAccount(debit);
    const to = this.mustAccount(credit);
    assert(from.currency === to.currency, 'a posting must stay in one currency', transferId);
    from.balanceMinor -= amount;
    to.balanceMinor += amount;
    this.changed.add(from.id);
    this.changed.add(to.id);
    return {
      transferId,
      debitAccount: debit,
      creditAccount: credit,
      amountMinor: amount,
      currency: from.currency,
    };
  }

  /** Holds what a reserved transfer needs against its accounts' limits until it ends. */
  reserve(record: TransferRecord): void {
    for (const r of record.reservations ?? []) {
      assert(r.amountMinor > 0n, 'a reservation must hold a positive amount', record.id);
      const account = this.mustAccount(r.accountId);
      account.reservedMinor += r.amountMinor;
      this.changed.add(account.id);
    }
  }

  /** Ends a reserved transfer: releases what it held and, when fulfilled, posts its legs. */
  settle(record: TransferRecord, status: 'fulfilled' | 'aborted' | 'expired', postings: Posting[]): void {
    for (const r of record.reservations ?? []) {
      const account = this.mustAccount(r.accountId);
      account.reservedMinor -= r.amountMinor;
      assert(account.reservedMinor >= 0n, 'a release must not leave a negative reservation', account.id);
      this.changed.add(account.id);
    }
    this.reserved.delete(record.key);
    if (status === 'fulfilled') {
      for (const leg of record.legs ?? []) {
        postings.push(this.move(leg.debit, leg.credit, leg.amountMinor, leg.postingId));
      }
    }
    record.status = status;
    record.legs = undefined;
    record.reservations = undefined;
  }

  /** Keeps a new transfer under its key for the life of the chain, so that a retry gets its answer. */
  recordTransfer(record: TransferRecord): void {
    assertRoom(this.transfers.size, 1, this.limits.maxTransfers, 'transfers would exceed MAX_TRANSFERS');
    this.transfers.set(record.key, record);
  }

  /** Makes a reserved two-phase transfer findable by its payee and id (see `incoming`). */
  indexIncoming(record: TransferRecord): void {
    const byPayee = transferKey(record.payee, record.id);
    this.incoming.set(byPayee, this.incoming.has(byPayee) ? null : record);
  }

  outcomeOf(record: TransferRecord): TransferOutcome {
    const outcome: TransferOutcome = {
      transferId: record.id,
      status: record.status,
      payer: record.payer,
      payee: record.payee,
      amountMinor: record.amountMinor.toString(),
      currency: record.currency,
    };
    if (record.reason) outcome.reason = record.reason;
    return outcome;
  }

  /** Records an applied log record as the next entry of the open block. */
  push(
    record: LogRecord,
    kind: Entry['kind'],
    outcomes: TransferOutcome[],
    postings: Posting[],
    rejection?: RejectionReason,
  ): void {
    // After the genesis the engine seals as soon as the open block reaches its bound, so a full one here
    // is a missed seal; the genesis block also holds the records refused before the genesis.
    const maxEntries = this.height === 1 ? this.limits.maxRecordsBeforeGenesis : this.blockMaxEntries;
    assert(
      this.open.length < maxEntries,
      'the open block is already full (blockMaxEntries, or MAX_RECORDS_BEFORE_GENESIS)',
      maxEntries,
    );
    const outcomesText = outcomesJson(outcomes);
    const postingsText = postingsJson(postings);
    const hash = sha256HexOf(
      entryJson(record, sha256HexOf(record.value), rejection, outcomesText, postingsText),
    );
    this.openBytes += record.value.length;
    this.open.push({
      offset: record.offset,
      timestampMs: record.timestampMs,
      kind,
      payload: record.value,
      rejection,
      outcomes,
      postings,
      outcomesJson: outcomesText,
      postingsJson: postingsText,
      hash,
    });
  }

  /** Adds outcomes to the open block's last entry (the record just applied) and hashes it again. */
  amendLastEntry(record: LogRecord, outcomes: TransferOutcome[]): void {
    const last = this.open[this.open.length - 1];
    last.outcomes = [...last.outcomes, ...outcomes];
    last.outcomesJson = outcomesJson(last.outcomes);
    last.hash = sha256HexOf(
      entryJson(record, sha256HexOf(record.value), last.rejection, last.outcomesJson, last.postingsJson),
    );
  }
}
