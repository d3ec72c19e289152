import {
  AccountLimit,
  BlockHeader,
  GenesisCommand,
  GovernanceCommand,
  governanceSigningPayload,
  checkQuote,
  fxQuoteLegs,
  fxSpreadMinor,
  SettlementCommand,
  settlementSigningPayload,
  InstructionCommand,
  ParticipantSpec,
  participantSpecProblem,
  SettlementModel,
  ledgerCommandSchema,
  routeInstruction,
  TransferInstruction,
  parseTransferBatchInstructionJson,
  parseTransferInstructionJson,
  TransferOutcome,
  emptyInstructionSchema,
} from '@concord/contracts';
import {
  accountLeafHash,
  canonicalJson,
  merkleProof,
  merkleRoot,
  ProofStep,
  sha256Hex,
  verifyBytes,
  verifyRequestSignature,
} from '@concord/crypto';
import { parseAmount } from '@concord/money';
import { hash as oneShotHash } from 'node:crypto';
import { LedgerInvariantError, RejectionReason } from './engine.errors';
import {
  Account,
  Entry,
  Leg,
  LogRecord,
  ParticipantInfo,
  Posting,
  SealedBlock,
  TransferRecord,
  TransferTerms,
} from './engine.types';

export const ZERO_HASH = '0'.repeat(64);
/** A signed request may reach the log at most this long after it was created (replay window). */
export const SIGNATURE_MAX_AGE_MS = 10 * 60 * 1000;
/** Tolerated clock skew of a partner ahead of the log's clock. */
export const SIGNATURE_MAX_SKEW_MS = 60 * 1000;

export interface ConsortiumSigner {
  id: string;
  publicKey: string;
}

interface Participant {
  id: string;
  name: string;
  keys: Map<string, string>;
  status: 'active' | 'suspended' | 'closed';
  /** Fixed when the participant is added: a gross participant's positions are no-overdraft for good. */
  settlement: SettlementModel;
}

export function positionAccountId(participantId: string, currency: string): string {
  return `${participantId}/${currency}`;
}
export function settlementAccountId(participantId: string, currency: string): string {
  return `${participantId}/${currency}/settlement`;
}
export function feesAccountId(participantId: string, currency: string): string {
  return `${participantId}/${currency}/fees`;
}
/** The hub's settlement account of a currency: the other side of prefunding and withdrawals. */
export function hubAccountId(currency: string): string {
  return `hub/${currency}`;
}
/** The operator's scheme fee income of a currency. */
export function hubFeesAccountId(currency: string): string {
  return `hub/${currency}/fees`;
}

/** The state-root leaf of an account: its id, balance and reservation. */
export function accountLeaf(account: Pick<Account, 'id' | 'balanceMinor' | 'reservedMinor'>): Buffer {
  return accountLeafHash(account.id, account.balanceMinor.toString(), account.reservedMinor.toString());
}

export function headerHash(header: BlockHeader): string {
  return sha256Hex(canonicalJson(header));
}

/*
 * The canonical JSON of the engine's own hashed shapes, written out. Every entry hash serializes all the
 * outcomes and postings of its entry, and `canonicalize` (recursive, reduce and template strings per key)
 * was the largest single cost of applying a batch. These functions give byte for byte the text that
 * `canonicalJson` gives for the same objects: keys in sorted order, strings and numbers through
 * JSON.stringify as `canonicalize` does, NaN and infinities refused, undefined members left out. The
 * type checks below stop compiling when a hashed shape gains or loses a field; the spec compares both
 * ways of hashing on generated logs.
 */
type SameKeys<T, K extends PropertyKey> = [Exclude<keyof T, K>, Exclude<K, keyof T>] extends [never, never]
  ? true
  : false;
const _outcomeKeys: SameKeys<
  TransferOutcome,
  'amountMinor' | 'currency' | 'payee' | 'payer' | 'reason' | 'refusal' | 'status' | 'transferId'
> = true;
const _postingKeys: SameKeys<
  Posting,
  'amountMinor' | 'creditAccount' | 'currency' | 'debitAccount' | 'transferId'
> = true;
const _transferKeys: SameKeys<
  TransferInstruction,
  'amount' | 'currency' | 'expiresInMs' | 'id' | 'payee' | 'payer' | 'quote' | 'twoPhase'
> = true;

/** What JSON.stringify escapes in a string: quote, backslash, control characters and surrogates. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** = JSON.stringify(s); ids, codes and amounts need no escaping, so they skip the general path. */
const jsonString = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

/**
 * sha256Hex of a string through node:crypto's one-shot `hash` (Node >= 20.12) when there is one: the same
 * digest without a Hash object per call, which counts at one content hash per transfer.
 */
const sha256HexOf: (text: string) => string =
  typeof oneShotHash === 'function' ? (text) => oneShotHash('sha256', text, 'hex') : sha256Hex;

function jsonNumber(n: number): string {
  if (typeof n === 'number' && Number.isNaN(n)) throw new Error('NaN is not allowed');
  if (typeof n === 'number' && !Number.isFinite(n)) throw new Error('Infinity is not allowed');
  return JSON.stringify(n);
}

/** The terms of a transfer instruction that its record keeps (see TransferRecord). */
function termsOf(t: TransferInstruction): TransferTerms {
  return { twoPhase: t.twoPhase ?? false, expiresInMs: t.expiresInMs ?? null, quoteId: t.quote?.id ?? null };
}

/**
 * Whether an instruction repeats the transfer recorded under its id: made by an instruction, and the same
 * payer, payee, amount in minor units ("10" and "10.00" USD are one amount), currency, phases, expiry and
 * quote. Anything else under a known id is DUPLICATE_MODIFIED. Compared field by field: every transfer of
 * every batch is looked up, and a content hash per transfer cost the signers about a tenth of their CPU.
 */
function repeats(existing: TransferRecord, t: TransferInstruction, amount: bigint): boolean {
  const terms = existing.terms;
  return (
    terms !== null &&
    existing.payer === t.payer &&
    existing.payee === t.payee &&
    existing.amountMinor === amount &&
    existing.currency === t.currency &&
    terms.twoPhase === (t.twoPhase ?? false) &&
    terms.expiresInMs === (t.expiresInMs ?? null) &&
    terms.quoteId === (t.quote?.id ?? null)
  );
}

/** = canonicalJson(outcome). */
function outcomeJson(o: TransferOutcome): string {
  return (
    `{"amountMinor":${jsonString(o.amountMinor)},"currency":${jsonString(o.currency)},` +
    `"payee":${jsonString(o.payee)},"payer":${jsonString(o.payer)},` +
    (o.reason === undefined ? '' : `"reason":${jsonString(o.reason)},`) +
    (o.refusal === undefined ? '' : `"refusal":${JSON.stringify(o.refusal)},`) +
    `"status":${jsonString(o.status)},"transferId":${jsonString(o.transferId)}}`
  );
}

/** = canonicalJson({ ...posting, amountMinor: posting.amountMinor.toString() }). */
function postingJson(p: Posting): string {
  return (
    `{"amountMinor":${jsonString(p.amountMinor.toString())},"creditAccount":${jsonString(p.creditAccount)},` +
    `"currency":${jsonString(p.currency)},"debitAccount":${jsonString(p.debitAccount)},` +
    `"transferId":${jsonString(p.transferId)}}`
  );
}

/** = canonicalJson(outcomes). */
export function outcomesJson(outcomes: readonly TransferOutcome[]): string {
  // join makes one flat string; appending piece by piece would leave a tree of thousands of pieces in
  // the entry until its block is stored.
  return `[${outcomes.map(outcomeJson).join(',')}]`;
}

/** = canonicalJson(postings) with the amounts as strings. */
export function postingsJson(postings: readonly Posting[]): string {
  return `[${postings.map(postingJson).join(',')}]`;
}

/**
 * = canonicalJson({ offset, timestampMs, payload, rejection: rejection ?? null, outcomes, postings }) with
 * the postings' amounts as strings: the text an entry hash commits to. The outcomes and postings come as
 * their texts (`outcomesJson`, `postingsJson`), which the entry keeps for its signer to store.
 */
export function entryJson(
  record: Pick<LogRecord, 'offset' | 'timestampMs'>,
  payloadHash: string,
  rejection: RejectionReason | undefined,
  outcomes: string,
  postings: string,
): string {
  return (
    `{"offset":${jsonString(record.offset.toString())},"outcomes":${outcomes},` +
    `"payload":${jsonString(payloadHash)},"postings":${postings},` +
    `"rejection":${rejection === undefined ? 'null' : jsonString(rejection)},` +
    `"timestampMs":${jsonNumber(record.timestampMs)}}`
  );
}

/**
 * The deterministic ledger state machine. It consumes the Kafka-ordered command log record by record and
 * seals blocks at cut markers or at the size bound. Same log in, same blocks out, byte for byte: it reads
 * no clock (only record timestamps), draws no randomness and uses no floating point for money.
 */
export class LedgerEngine {
  chainId = '';
  signers: ConsortiumSigner[] = [];
  quorum = 0;
  readonly accounts = new Map<string, Account>();
  readonly transfers = new Map<string, TransferRecord>();
  private readonly participants = new Map<string, Participant>();
  private readonly reserved = new Map<string, TransferRecord>();
  private sortedAccountIds: string[] = [];
  /**
   * Each account's last state-root leaf with the balances it hashed: a block changes a few accounts, so
   * the others' leaves are reused instead of hashed again at every seal (a leaf depends only on the id
   * and the two balances compared here).
   */
  private readonly leafCache = new Map<
    string,
    { balanceMinor: bigint; reservedMinor: bigint; leaf: Buffer }
  >();

  /** Height of the block being filled; the last sealed block is `height - 1`. */
  height = 1;
  prevHash = ZERO_HASH;
  prevBlockTimeMs = 0;
  /**
   * The ledger's clock: the latest log time seen, so that it never goes back even when a record carries
   * an earlier timestamp than one before it. Expiries of quotes and reservations and the age of signatures
   * are judged against it, and a block's time is its value when the block is sealed.
   */
  private clockMs = 0;
  private open: Entry[] = [];
  private changed = new Set<string>();
  private participantsChanged = new Set<string>();
  private signerSetChanged = false;
  /** Operator keys (key id -> public key) and how many must approve a governance proposal. */
  private readonly operators = new Map<string, string>();
  private governanceThreshold = 1;
  private readonly proposals = new Set<string>();
  /** FX quote keys (key id -> public key) from the genesis, and the quotes already used. */
  private readonly fxKeys: Record<string, string> = {};
  private readonly usedQuotes = new Set<string>();
  /** Clearing keys (key id -> public key) for settlement postings, and the postings applied. */
  private readonly settlementKeys = new Map<string, string>();
  private readonly settlementPostings = new Map<
    string,
    { participantId: string; currency: string; direction: string; amountMinor: bigint; reversed: boolean }
  >();
  /** The operator's scheme fee per currency, charged to payers. */
  private readonly schemeFees = new Map<string, bigint>();
  /** Withdrawals reserved by a `funds-out` proposal and not completed yet, by proposal id. */
  private readonly fundsOuts = new Map<string, TransferRecord>();
  /** Which signers vote on which heights: a change sealed in block h applies from block h + 1. */
  private readonly signerSets: { fromHeight: number; signers: ConsortiumSigner[]; quorum: number }[] = [];

  /** Size bounds of a block in entries and in log record characters, from the genesis. */
  private blockMaxEntries = Number.MAX_SAFE_INTEGER;
  private blockMaxBytes = Number.MAX_SAFE_INTEGER;
  /** Characters of the log records in the open block. */
  private openBytes = 0;

  get hasGenesis(): boolean {
    return this.chainId !== '';
  }

  get openEntryCount(): number {
    return this.open.length;
  }

  /** How full the open block is against the genesis's size bound in record characters (0 to 1, or more). */
  get openBlockFill(): number {
    return this.openBytes / this.blockMaxBytes;
  }

  /** Applies one log record; returns the sealed block when this record closed one. */
  apply(record: LogRecord): SealedBlock | null {
    this.clockMs = Math.max(this.clockMs, record.timestampMs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value);
    } catch {
      parsed = undefined;
    }
    const command = ledgerCommandSchema.safeParse(parsed);
    if (!command.success) {
      this.push(record, 'invalid', [], [], 'MALFORMED_COMMAND');
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
        if (this.hasGenesis && cmd.height === this.height) {
          this.push(record, 'cut', this.expireReservations(), []);
          return this.seal(record);
        }
        return null;
      case 'genesis':
        if (this.hasGenesis) {
          this.push(record, 'genesis', [], [], 'GENESIS_ALREADY_APPLIED');
          return this.maybeSealBySize(record);
        }
        this.applyGenesis(record, cmd);
        // The genesis block holds the genesis alone, so that every chain starts the same way.
        return this.seal(record);
      case 'instruction':
        this.applyInstruction(record, cmd);
        return this.maybeSealBySize(record);
      case 'governance':
        this.applyGovernance(record, cmd);
        return this.maybeSealBySize(record);
      case 'settlement':
        this.applySettlement(record, cmd);
        return this.maybeSealBySize(record);
    }
  }

  private maybeSealBySize(record: LogRecord): SealedBlock | null {
    if (this.open.length < this.blockMaxEntries && this.openBytes < this.blockMaxBytes) return null;
    // A block sealed by size expires what is due as a cut does, so that under load (when blocks seal by
    // size before a cut marker arrives) reservations are still released at their time. The expiries are
    // recorded in the entry of the record that sealed the block, as a cut's are in the cut's entry.
    const expired = this.expireReservations();
    if (expired.length > 0) this.amendLastEntry(record, expired);
    return this.seal(record);
  }

  /** Adds outcomes to the open block's last entry (the record just applied) and hashes it again. */
  private amendLastEntry(record: LogRecord, outcomes: TransferOutcome[]): void {
    const last = this.open[this.open.length - 1];
    last.outcomes = [...last.outcomes, ...outcomes];
    last.outcomesJson = outcomesJson(last.outcomes);
    last.hash = sha256HexOf(
      entryJson(record, sha256HexOf(record.value), last.rejection, last.outcomesJson, last.postingsJson),
    );
  }

  private applyGenesis(record: LogRecord, genesis: GenesisCommand): void {
    const postings: Posting[] = [];
    const outcomes: TransferOutcome[] = [];
    const validSigners =
      genesis.quorum <= genesis.signers.length && genesis.quorum > genesis.signers.length / 2;
    if (!validSigners) throw new LedgerInvariantError('genesis quorum must be a majority of the signers');
    this.chainId = genesis.chainId;
    this.signers = genesis.signers.map((s) => ({ id: s.id, publicKey: s.publicKey }));
    this.quorum = genesis.quorum;
    this.blockMaxEntries = genesis.blockMaxEntries;
    this.blockMaxBytes = genesis.blockMaxBytes;
    this.signerSets.push({ fromHeight: 1, signers: this.signers, quorum: this.quorum });
    this.signerSetChanged = true;
    for (const k of genesis.operators) this.operators.set(k.keyId, k.publicKey);
    for (const k of genesis.fxKeys) this.fxKeys[k.keyId] = k.publicKey;
    for (const k of genesis.settlementKeys) this.settlementKeys.set(k.keyId, k.publicKey);
    for (const f of genesis.schemeFees) this.schemeFees.set(f.currency, BigInt(f.fixedMinor));
    this.governanceThreshold = genesis.governanceThreshold;
    for (const p of genesis.participants) this.addParticipant(p);
    // Every account is in the genesis block's changes, so that a reader of finalized blocks knows them all.
    for (const id of this.accounts.keys()) this.changed.add(id);
    genesis.openingFunds.forEach((f, i) => {
      const account = this.accounts.get(positionAccountId(f.participantId, f.currency));
      if (!account)
        throw new LedgerInvariantError(`genesis funds an unknown account ${f.participantId}/${f.currency}`);
      const amount = BigInt(f.amountMinor);
      const transferId = `genesis-funds-${i}`;
      postings.push(this.move(hubAccountId(f.currency), account.id, amount, transferId));
      outcomes.push({
        transferId,
        status: 'committed',
        payer: 'hub',
        payee: f.participantId,
        amountMinor: amount.toString(),
        currency: f.currency,
      });
    });
    this.push(record, 'genesis', outcomes, postings);
  }

  private addAccount(
    id: string,
    participantId: string,
    currency: string,
    kind: Account['kind'],
    limit: Account['limit'],
  ): void {
    if (this.accounts.has(id)) throw new LedgerInvariantError(`account ${id} declared twice`);
    const floorMinor =
      limit.kind === 'unlimited' ? null : limit.kind === 'no-overdraft' ? 0n : -BigInt(limit.capMinor);
    this.accounts.set(id, {
      id,
      participantId,
      currency,
      kind,
      balanceMinor: 0n,
      reservedMinor: 0n,
      floorMinor,
      limit,
    });
    this.sortedAccountIds = [...this.accounts.keys()].sort();
    this.changed.add(id);
  }

  private addParticipant(p: ParticipantSpec): void {
    // The genesis schema refuses such a spec and add-participant checks it first: a gross participant
    // with credit here is a bug.
    const problem = participantSpecProblem(p);
    if (problem) throw new LedgerInvariantError(`participant ${p.id}: ${problem}`);
    this.participants.set(p.id, {
      id: p.id,
      name: p.name,
      keys: new Map(p.keys.map((k) => [k.keyId, k.publicKey])),
      status: 'active',
      settlement: p.settlement ?? 'net',
    });
    const unlimited = { kind: 'unlimited' } as const;
    for (const a of p.accounts) {
      this.addAccount(positionAccountId(p.id, a.currency), p.id, a.currency, 'position', a.limit);
      this.addAccount(settlementAccountId(p.id, a.currency), p.id, a.currency, 'settlement', unlimited);
      this.addAccount(feesAccountId(p.id, a.currency), p.id, a.currency, 'fees', unlimited);
      if (!this.accounts.has(hubAccountId(a.currency))) {
        this.addAccount(hubAccountId(a.currency), 'hub', a.currency, 'hub', unlimited);
        this.addAccount(hubFeesAccountId(a.currency), 'hub', a.currency, 'hub-fees', unlimited);
      }
    }
    this.participantsChanged.add(p.id);
  }

  private participantInfo(id: string): ParticipantInfo {
    const p = this.participants.get(id);
    if (!p) throw new LedgerInvariantError(`unknown participant ${id}`);
    const currencies = this.sortedAccountIds
      .map((a) => this.mustAccount(a))
      .filter((a) => a.participantId === id && a.kind === 'position')
      .map((a) => a.currency);
    return {
      id,
      name: p.name,
      keys: [...p.keys].map(([keyId, publicKey]) => ({ keyId, publicKey })),
      currencies,
      status: p.status,
      settlement: p.settlement,
    };
  }

  /** The signers and quorum that vote on block `height`. */
  signerSetAt(height: number): { signers: ConsortiumSigner[]; quorum: number } {
    let current = this.signerSets[0];
    for (const set of this.signerSets) if (set.fromHeight <= height) current = set;
    if (!current) throw new LedgerInvariantError('no signer set before the genesis');
    return { signers: current.signers, quorum: current.quorum };
  }

  private applyGovernance(record: LogRecord, cmd: GovernanceCommand): void {
    const outcomes: TransferOutcome[] = [];
    const postings: Posting[] = [];
    const reason = this.governanceRefusal(cmd) ?? this.enact(cmd, outcomes, postings);
    if (reason) {
      this.push(record, 'governance', [], [], reason);
      return;
    }
    this.proposals.add(cmd.proposalId);
    this.push(record, 'governance', outcomes, postings);
  }

  private governanceRefusal(cmd: GovernanceCommand): RejectionReason | null {
    if (!this.hasGenesis) return 'NO_GENESIS';
    if (this.proposals.has(cmd.proposalId)) return 'DUPLICATE_PROPOSAL';
    const payload = governanceSigningPayload(this.chainId, cmd.proposalId, cmd.action);
    const approvers = new Set<string>();
    for (const approval of cmd.approvals) {
      const key = this.operators.get(approval.keyId);
      if (key && !approvers.has(approval.keyId) && verifyBytes(key, payload, approval.signature)) {
        approvers.add(approval.keyId);
      }
    }
    return approvers.size >= this.governanceThreshold ? null : 'GOVERNANCE_NOT_APPROVED';
  }

  /** Applies an approved proposal; returns why it cannot be applied, changing nothing in that case. */
  private enact(
    cmd: GovernanceCommand,
    outcomes: TransferOutcome[],
    postings: Posting[],
  ): RejectionReason | null {
    const action = cmd.action;
    const validQuorum = (n: number, q: number) => q <= n && q > n / 2;
    switch (action.kind) {
      case 'add-participant':
        if (
          this.participants.has(action.participant.id) ||
          action.participant.id === 'hub' ||
          participantSpecProblem(action.participant) !== null
        )
          return 'INVALID_PROPOSAL';
        this.addParticipant(action.participant);
        return null;
      case 'set-participant-status': {
        const p = this.participants.get(action.participantId);
        // Closed is final: its accounts are settled and empty, and nothing may use them again.
        if (!p || p.status === 'closed') return 'INVALID_PROPOSAL';
        if (action.status === 'closed' && !this.isClosable(p.id)) return 'INVALID_PROPOSAL';
        p.status = action.status;
        this.participantsChanged.add(p.id);
        return null;
      }
      case 'set-limit': {
        const account = this.accounts.get(action.accountId);
        if (!account || account.kind !== 'position') return 'INVALID_PROPOSAL';
        // A gross participant pays only from what it prefunded: no credit, ever.
        if (
          action.limit.kind !== 'no-overdraft' &&
          this.participants.get(account.participantId)?.settlement === 'gross'
        )
          return 'INVALID_PROPOSAL';
        account.limit = action.limit;
        account.floorMinor = action.limit.kind === 'no-overdraft' ? 0n : -BigInt(action.limit.capMinor);
        this.changed.add(account.id);
        return null;
      }
      case 'add-participant-key': {
        const participant = this.participants.get(action.participantId);
        const taken = [...this.participants.values()].some((p) => p.keys.has(action.key.keyId));
        if (!participant || taken) return 'INVALID_PROPOSAL';
        participant.keys.set(action.key.keyId, action.key.publicKey);
        this.participantsChanged.add(participant.id);
        return null;
      }
      case 'revoke-participant-key': {
        const participant = this.participants.get(action.participantId);
        if (!participant?.keys.has(action.keyId) || participant.keys.size === 1) return 'INVALID_PROPOSAL';
        participant.keys.delete(action.keyId);
        this.participantsChanged.add(participant.id);
        return null;
      }
      case 'add-signer':
      case 'remove-signer': {
        const next =
          action.kind === 'add-signer'
            ? this.signers.some((s) => s.id === action.signer.id || s.publicKey === action.signer.publicKey)
              ? null
              : [...this.signers, action.signer]
            : this.signers.some((s) => s.id === action.signerId)
              ? this.signers.filter((s) => s.id !== action.signerId)
              : null;
        if (!next || next.length === 0 || !validQuorum(next.length, action.quorum)) return 'INVALID_PROPOSAL';
        this.signers = next;
        this.quorum = action.quorum;
        this.signerSets.push({ fromHeight: this.height + 1, signers: next, quorum: action.quorum });
        this.signerSetChanged = true;
        return null;
      }
      case 'funds-in': {
        const account = this.accounts.get(positionAccountId(action.participantId, action.currency));
        // A closed participant takes no new money (a withdrawal of what settlement still brings is fine).
        if (!account || this.participants.get(action.participantId)?.status === 'closed')
          return 'INVALID_PROPOSAL';
        const amount = BigInt(action.amountMinor);
        const transferId = `funds-in:${cmd.proposalId}`;
        postings.push(this.move(hubAccountId(action.currency), account.id, amount, transferId));
        outcomes.push({
          transferId,
          status: 'committed',
          payer: 'hub',
          payee: action.participantId,
          amountMinor: amount.toString(),
          currency: action.currency,
        });
        return null;
      }
      case 'funds-out': {
        const account = this.accounts.get(positionAccountId(action.participantId, action.currency));
        if (!account) return 'INVALID_PROPOSAL';
        const amount = BigInt(action.amountMinor);
        // Prefunded money leaves only from what is there: a withdrawal never uses the credit of a cap.
        if (account.balanceMinor - account.reservedMinor < amount) return 'INSUFFICIENT_FUNDS';
        const transferId = `funds-out:${cmd.proposalId}`;
        const hub = hubAccountId(action.currency);
        const withdrawal: TransferRecord = {
          id: transferId,
          terms: null,
          payer: action.participantId,
          payee: 'hub',
          payerAccount: account.id,
          payeeAccount: hub,
          amountMinor: amount,
          currency: action.currency,
          status: 'reserved',
          legs: [{ debit: account.id, credit: hub, amountMinor: amount, postingId: transferId }],
          reservations: [{ accountId: account.id, amountMinor: amount }],
        };
        this.reserve(withdrawal);
        this.fundsOuts.set(cmd.proposalId, withdrawal);
        outcomes.push(this.outcomeOf(withdrawal));
        return null;
      }
      case 'funds-out-complete': {
        const withdrawal = this.fundsOuts.get(action.fundsOutProposalId);
        if (!withdrawal) return 'INVALID_PROPOSAL';
        this.fundsOuts.delete(action.fundsOutProposalId);
        this.settle(withdrawal, action.outcome === 'paid' ? 'fulfilled' : 'aborted', postings);
        outcomes.push(this.outcomeOf(withdrawal));
        return null;
      }
    }
  }

  /**
   * Whether a participant may be closed without stranding money: every position account at zero with
   * nothing reserved (no pending transfer or withdrawal of its own), and no reserved transfer that would
   * pay it on fulfilment. Governance is rare, so the reserved transfers are scanned here rather than
   * indexed on the transfer path.
   */
  private isClosable(participantId: string): boolean {
    for (const a of this.accounts.values()) {
      if (a.participantId !== participantId || a.kind !== 'position') continue;
      if (a.balanceMinor !== 0n || a.reservedMinor !== 0n) return false;
    }
    for (const r of this.reserved.values()) if (r.payee === participantId) return false;
    return true;
  }

  /**
   * A settlement posting forwarded by clearing: it moves the confirmed amount between the participant's
   * position and its settlement account (see settlementCommandSchema), whatever the participant's status
   * and limits, because the money has already moved at the settlement bank.
   */
  private applySettlement(record: LogRecord, cmd: SettlementCommand): void {
    // A refused posting is reported as a refusal outcome under its id, so that clearing, which sent it,
    // learns from the finalized block that the positions did not move.
    const refuse = (reason: RejectionReason) =>
      this.push(
        record,
        'settlement',
        [
          {
            transferId: `settlement:${cmd.postingId}`,
            status: 'rejected',
            reason,
            refusal: true,
            payer: cmd.direction === 'pay-in' ? cmd.participantId : 'hub',
            payee: cmd.direction === 'pay-in' ? 'hub' : cmd.participantId,
            amountMinor: cmd.amountMinor,
            currency: cmd.currency,
          },
        ],
        [],
        reason,
      );
    if (!this.hasGenesis) return refuse('NO_GENESIS');
    const key = this.settlementKeys.get(cmd.keyId);
    const { signature, ...unsigned } = cmd;
    if (!key || !verifyBytes(key, settlementSigningPayload(this.chainId, unsigned), signature)) {
      return refuse('SETTLEMENT_NOT_AUTHORIZED');
    }
    if (this.settlementPostings.has(cmd.postingId)) return refuse('DUPLICATE_POSTING');
    const position = this.accounts.get(positionAccountId(cmd.participantId, cmd.currency));
    const settlement = this.accounts.get(settlementAccountId(cmd.participantId, cmd.currency));
    if (!position || !settlement) return refuse('UNKNOWN_ACCOUNT');
    const amount = BigInt(cmd.amountMinor);
    const posting = {
      participantId: cmd.participantId,
      currency: cmd.currency,
      direction: cmd.direction,
      amountMinor: amount,
      reversed: false,
    };
    let payIn = cmd.direction === 'pay-in';
    if (cmd.reverses !== undefined) {
      const original = this.settlementPostings.get(cmd.reverses);
      const matches =
        original !== undefined &&
        !original.reversed &&
        original.participantId === posting.participantId &&
        original.currency === posting.currency &&
        original.direction === posting.direction &&
        original.amountMinor === amount;
      if (!matches) return refuse('INVALID_REVERSAL');
      original.reversed = true;
      // A reversal is the posting with its sides swapped; it cannot itself be reversed.
      posting.reversed = true;
      payIn = !payIn;
    }
    this.settlementPostings.set(cmd.postingId, posting);
    const transferId = `settlement:${cmd.postingId}`;
    const postings = [
      payIn
        ? this.move(settlement.id, position.id, amount, transferId)
        : this.move(position.id, settlement.id, amount, transferId),
    ];
    const outcome: TransferOutcome = {
      transferId,
      status: 'committed',
      payer: payIn ? cmd.participantId : 'hub',
      payee: payIn ? 'hub' : cmd.participantId,
      amountMinor: amount.toString(),
      currency: cmd.currency,
    };
    this.push(record, 'settlement', [outcome], postings);
  }

  private applyInstruction(record: LogRecord, cmd: InstructionCommand): void {
    const outcomes: TransferOutcome[] = [];
    const postings: Posting[] = [];
    const signer = this.participants.get(cmd.participantId);
    const rejection = this.checkAuthenticity(cmd, signer);
    if (rejection || !signer) {
      const reason = rejection ?? 'UNKNOWN_PARTICIPANT';
      this.push(record, 'instruction', this.claimedRejections(cmd, reason), [], reason);
      return;
    }
    const route = routeInstruction(cmd.request.path);
    const fail = (reason: RejectionReason) => this.push(record, 'instruction', [], [], reason);
    if (!route) return fail('UNKNOWN_INSTRUCTION');
    // A suspended participant makes no new transfers, but completes (fulfils or aborts) those already
    // reserved, so that nothing it started is left hanging while its settlement continues.
    if ((route.kind === 'transfer' || route.kind === 'batch') && signer.status !== 'active') {
      const reason = 'PARTICIPANT_NOT_ACTIVE';
      this.push(record, 'instruction', this.claimedRejections(cmd, reason), [], reason);
      return;
    }
    switch (route.kind) {
      case 'transfer': {
        const t = parseTransferInstructionJson(cmd.request.body);
        if (!t) return fail('MALFORMED_INSTRUCTION');
        outcomes.push(this.applyTransfer(cmd.participantId, t, this.clockMs, postings));
        break;
      }
      case 'batch': {
        const batch = parseTransferBatchInstructionJson(cmd.request.body);
        if (!batch) return fail('MALFORMED_INSTRUCTION');
        for (const t of batch.transfers) {
          outcomes.push(this.applyTransfer(cmd.participantId, t, this.clockMs, postings));
        }
        break;
      }
      case 'fulfil':
      case 'abort': {
        let body: unknown;
        try {
          body = cmd.request.body === '' ? {} : JSON.parse(cmd.request.body);
        } catch {
          body = undefined;
        }
        if (!emptyInstructionSchema.safeParse(body).success) return fail('MALFORMED_INSTRUCTION');
        outcomes.push(this.completeTransfer(cmd.participantId, route.transferId, route.kind, postings));
        break;
      }
    }
    this.push(record, 'instruction', outcomes, postings);
  }

  private checkAuthenticity(
    cmd: InstructionCommand,
    participant: Participant | undefined,
  ): RejectionReason | null {
    if (!this.hasGenesis) return 'NO_GENESIS';
    if (!participant) return 'UNKNOWN_PARTICIPANT';
    const publicKey = participant.keys.get(cmd.request.keyId);
    if (!publicKey) return 'UNKNOWN_KEY';
    if (!verifyRequestSignature(publicKey, cmd.request, cmd.signature)) return 'INVALID_SIGNATURE';
    const createdMs = cmd.request.created * 1000;
    if (createdMs < this.clockMs - SIGNATURE_MAX_AGE_MS || createdMs > this.clockMs + SIGNATURE_MAX_SKEW_MS) {
      return 'SIGNATURE_TOO_OLD';
    }
    // A closed participant may instruct nothing at all; a suspended one is refused new transfers only.
    if (participant.status === 'closed') return 'PARTICIPANT_NOT_ACTIVE';
    return null;
  }

  /**
   * Outcomes for the transfer ids a refused command claimed, so that whoever submitted it learns the
   * result. The ids are not taken: a forged command must not be able to squat on a partner's ids.
   */
  private claimedRejections(cmd: InstructionCommand, reason: RejectionReason): TransferOutcome[] {
    const single = parseTransferInstructionJson(cmd.request.body);
    const claimed = single
      ? [single]
      : (parseTransferBatchInstructionJson(cmd.request.body)?.transfers ?? []);
    return claimed.map((t) => ({
      transferId: t.id,
      status: 'rejected',
      reason,
      refusal: true,
      payer: t.payer,
      payee: t.payee,
      amountMinor: '0',
      currency: t.currency,
    }));
  }

  private applyTransfer(
    signer: string,
    t: TransferInstruction,
    logTimeMs: number,
    postings: Posting[],
  ): TransferOutcome {
    let amount: bigint;
    try {
      amount = parseAmount(t.amount, t.currency);
    } catch {
      return this.rejectNew(t, 0n, 'INVALID_AMOUNT');
    }
    // Only the payer may use a transfer: anyone else's attempt is refused without taking or revealing the id.
    if (t.payer !== signer) return this.rejectNew(t, amount, 'PAYER_NOT_SIGNER');
    const existing = this.transfers.get(t.id);
    if (existing) {
      if (!repeats(existing, t, amount)) return this.rejectNew(t, amount, 'DUPLICATE_MODIFIED');
      return this.outcomeOf(existing);
    }
    const terms = termsOf(t);
    if (t.quote) return this.applyConversion(t, amount, terms, logTimeMs, postings);
    const payerAccount = this.accounts.get(positionAccountId(t.payer, t.currency));
    const payeeAccount = this.accounts.get(positionAccountId(t.payee, t.currency));
    const fee = this.schemeFees.get(t.currency) ?? 0n;
    const reason = this.refusalOf(signer, t, amount + fee, payerAccount, payeeAccount);
    const record: TransferRecord = {
      id: t.id,
      terms,
      payer: t.payer,
      payee: t.payee,
      payerAccount: '',
      payeeAccount: '',
      amountMinor: amount,
      currency: t.currency,
      status: 'rejected',
    };
    if (reason || !payerAccount || !payeeAccount) {
      record.reason = reason ?? 'UNKNOWN_ACCOUNT';
      // A rejected transfer keeps its id, so that a retry with the same content gets the same answer.
      this.transfers.set(record.id, record);
      return this.outcomeOf(record);
    }
    const committed: TransferRecord = {
      ...record,
      payerAccount: payerAccount.id,
      payeeAccount: payeeAccount.id,
      status: 'committed',
    };
    if (t.twoPhase || fee > 0n) {
      const legs: Leg[] = [
        { debit: payerAccount.id, credit: payeeAccount.id, amountMinor: amount, postingId: t.id },
      ];
      if (fee > 0n) legs.push(this.schemeFeeLeg(payerAccount.id, t.currency, fee, t.id));
      this.begin(
        committed,
        legs,
        [{ accountId: payerAccount.id, amountMinor: amount + fee }],
        t,
        logTimeMs,
        postings,
      );
    } else {
      // The common case, a single posting, skips the legs' bookkeeping.
      postings.push(this.move(payerAccount.id, payeeAccount.id, amount, t.id));
    }
    this.transfers.set(committed.id, committed);
    return this.outcomeOf(committed);
  }

  private schemeFeeLeg(payerAccount: string, currency: string, fee: bigint, transferId: string): Leg {
    return {
      debit: payerAccount,
      credit: hubFeesAccountId(currency),
      amountMinor: fee,
      postingId: `${transferId}:scheme-fee`,
    };
  }

  /**
   * Posts the legs of a new transfer at once, or, for a two-phase one, reserves what they need and keeps
   * them for its fulfilment.
   */
  private begin(
    record: TransferRecord,
    legs: Leg[],
    reservations: { accountId: string; amountMinor: bigint }[],
    t: TransferInstruction,
    logTimeMs: number,
    postings: Posting[],
  ): void {
    if (!t.twoPhase) {
      for (const leg of legs) postings.push(this.move(leg.debit, leg.credit, leg.amountMinor, leg.postingId));
      return;
    }
    record.status = 'reserved';
    record.legs = legs;
    record.reservations = reservations;
    record.expiresAtMs = logTimeMs + (t.expiresInMs ?? 24 * 3600 * 1000);
    this.reserve(record);
    this.reserved.set(record.id, record);
  }

  /**
   * A cross-currency transfer: linked legs through the FX provider's accounts, all posted or none. In the
   * source currency the payer pays the FX provider the converted principal (to its liquidity account) and
   * the spread and the fee (to its fee income account), each its own posting; in the target currency the
   * provider's liquidity account pays the payee the quoted receive amount. The quote is checked here,
   * deterministically: its signature by a genesis FX key, its expiry against the log time of the
   * instruction (of the prepare, for a two-phase transfer, which then holds the rate), and single use.
   */
  private applyConversion(
    t: TransferInstruction,
    amount: bigint,
    terms: TransferTerms,
    logTimeMs: number,
    postings: Posting[],
  ): TransferOutcome {
    const quote = t.quote!;
    const record: TransferRecord = {
      id: t.id,
      terms,
      payer: t.payer,
      payee: t.payee,
      payerAccount: '',
      payeeAccount: '',
      amountMinor: amount,
      currency: t.currency,
      status: 'rejected',
    };
    const provider = quote.fxProvider;
    const payerSource = this.accounts.get(positionAccountId(t.payer, quote.sourceCurrency));
    const providerSource = this.accounts.get(positionAccountId(provider, quote.sourceCurrency));
    const providerFees = this.accounts.get(feesAccountId(provider, quote.sourceCurrency));
    const providerTarget = this.accounts.get(positionAccountId(provider, quote.targetCurrency));
    const payeeTarget = this.accounts.get(positionAccountId(t.payee, quote.targetCurrency));
    const check = checkQuote(quote, { publicKeys: this.fxKeys, nowMs: logTimeMs });
    const fee = BigInt(quote.feeMinor);
    const schemeFee = this.schemeFees.get(quote.sourceCurrency) ?? 0n;
    const received = BigInt(quote.receiveAmountMinor);
    const payee = this.participants.get(t.payee);
    const fxParticipant = this.participants.get(provider);
    const reason: RejectionReason | null = !check.ok
      ? check.reason === 'QUOTE_EXPIRED'
        ? 'QUOTE_EXPIRED'
        : 'QUOTE_INVALID'
      : this.usedQuotes.has(quote.id)
        ? 'QUOTE_ALREADY_USED'
        : t.currency !== quote.sourceCurrency ||
            amount !== BigInt(quote.sendAmountMinor) ||
            !fxQuoteLegs(quote, { payer: t.payer, payee: t.payee })
          ? 'QUOTE_MISMATCH'
          : t.payer === t.payee
            ? 'SAME_PARTICIPANT'
            : !payee || !fxParticipant
              ? 'UNKNOWN_PARTICIPANT'
              : payee.status !== 'active' || fxParticipant.status !== 'active'
                ? 'PARTICIPANT_NOT_ACTIVE'
                : !payerSource || !providerSource || !providerFees || !providerTarget || !payeeTarget
                  ? 'UNKNOWN_ACCOUNT'
                  : !this.hasHeadroom(payerSource, amount + fee + schemeFee) ||
                      !this.hasHeadroom(providerTarget, received)
                    ? 'INSUFFICIENT_FUNDS'
                    : null;
    if (reason || !payerSource || !providerSource || !providerFees || !providerTarget || !payeeTarget) {
      record.reason = reason ?? 'UNKNOWN_ACCOUNT';
      this.transfers.set(record.id, record);
      return this.outcomeOf(record);
    }
    const spread = fxSpreadMinor(quote);
    const legs: Leg[] = [
      { debit: payerSource.id, credit: providerSource.id, amountMinor: amount - spread, postingId: t.id },
    ];
    if (spread > 0n)
      legs.push({
        debit: payerSource.id,
        credit: providerFees.id,
        amountMinor: spread,
        postingId: `${t.id}:spread`,
      });
    if (fee > 0n)
      legs.push({
        debit: payerSource.id,
        credit: providerFees.id,
        amountMinor: fee,
        postingId: `${t.id}:fee`,
      });
    if (schemeFee > 0n) legs.push(this.schemeFeeLeg(payerSource.id, quote.sourceCurrency, schemeFee, t.id));
    legs.push({ debit: providerTarget.id, credit: payeeTarget.id, amountMinor: received, postingId: t.id });
    this.usedQuotes.add(quote.id);
    const committed: TransferRecord = {
      ...record,
      payerAccount: payerSource.id,
      payeeAccount: payeeTarget.id,
      status: 'committed',
    };
    const reservations = [
      { accountId: payerSource.id, amountMinor: amount + fee + schemeFee },
      { accountId: providerTarget.id, amountMinor: received },
    ];
    this.begin(committed, legs, reservations, t, logTimeMs, postings);
    this.transfers.set(committed.id, committed);
    return this.outcomeOf(committed);
  }

  /** Why a new transfer is refused, checked in this order; null when it can be applied. */
  private refusalOf(
    signer: string,
    t: TransferInstruction,
    amount: bigint,
    payerAccount: Account | undefined,
    payeeAccount: Account | undefined,
  ): RejectionReason | null {
    if (t.payer === t.payee) return 'SAME_PARTICIPANT';
    const payee = this.participants.get(t.payee);
    if (!payee) return 'UNKNOWN_PARTICIPANT';
    if (payee.status !== 'active') return 'PARTICIPANT_NOT_ACTIVE';
    if (!payerAccount || !payeeAccount) return 'UNKNOWN_ACCOUNT';
    if (!this.hasHeadroom(payerAccount, amount)) return 'INSUFFICIENT_FUNDS';
    return null;
  }

  /** Refuses an instruction without recording anything under its id. */
  private rejectNew(t: TransferInstruction, amount: bigint, reason: RejectionReason): TransferOutcome {
    return {
      transferId: t.id,
      status: 'rejected',
      reason,
      refusal: true,
      payer: t.payer,
      payee: t.payee,
      amountMinor: amount.toString(),
      currency: t.currency,
    };
  }

  private completeTransfer(
    signer: string,
    transferId: string,
    action: 'fulfil' | 'abort',
    postings: Posting[],
  ): TransferOutcome {
    const record = this.transfers.get(transferId);
    const refuse = (reason: RejectionReason): TransferOutcome => ({
      transferId,
      status: 'rejected',
      reason,
      refusal: true,
      payer: record?.payer ?? '',
      payee: record?.payee ?? '',
      amountMinor: (record?.amountMinor ?? 0n).toString(),
      currency: record?.currency ?? 'XXX',
    });
    if (!record) return refuse('UNKNOWN_TRANSFER');
    // Fulfilment is the payee's confirmation that it paid out; either side may abort.
    const allowed =
      action === 'fulfil' ? signer === record.payee : signer === record.payee || signer === record.payer;
    if (!allowed) return refuse('NOT_AUTHORIZED');
    if (record.status !== 'reserved') {
      const alreadyDone =
        (action === 'fulfil' && record.status === 'fulfilled') ||
        (action === 'abort' && record.status === 'aborted');
      return alreadyDone ? this.outcomeOf(record) : refuse('NOT_RESERVED');
    }
    // A reservation past its time has expired, whether or not a block has released it yet: a fulfilment
    // (or abort) that arrives late ends it as expired, and nothing is paid.
    if ((record.expiresAtMs ?? Infinity) <= this.clockMs) {
      this.settle(record, 'expired', postings);
      return this.outcomeOf(record);
    }
    this.settle(record, action === 'fulfil' ? 'fulfilled' : 'aborted', postings);
    return this.outcomeOf(record);
  }

  private reserve(record: TransferRecord): void {
    for (const r of record.reservations ?? []) {
      const account = this.mustAccount(r.accountId);
      account.reservedMinor += r.amountMinor;
      this.changed.add(account.id);
    }
  }

  /** Ends a reserved transfer: releases what it held and, when fulfilled, posts its legs. */
  private settle(
    record: TransferRecord,
    status: 'fulfilled' | 'aborted' | 'expired',
    postings: Posting[],
  ): void {
    for (const r of record.reservations ?? []) {
      const account = this.mustAccount(r.accountId);
      account.reservedMinor -= r.amountMinor;
      this.changed.add(account.id);
    }
    this.reserved.delete(record.id);
    if (status === 'fulfilled') {
      for (const leg of record.legs ?? []) {
        postings.push(this.move(leg.debit, leg.credit, leg.amountMinor, leg.postingId));
      }
    }
    record.status = status;
    record.legs = undefined;
    record.reservations = undefined;
  }

  /** The earliest expiry of a reserved transfer, or null when none is reserved. */
  nextExpiryMs(): number | null {
    let next: number | null = null;
    for (const r of this.reserved.values()) {
      if (r.expiresAtMs !== undefined && (next === null || r.expiresAtMs < next)) next = r.expiresAtMs;
    }
    return next;
  }

  /** Expires, in id order, every reservation whose expiry is at or before the block time. */
  private expireReservations(): TransferOutcome[] {
    if (this.reserved.size === 0) return [];
    const due = [...this.reserved.values()].filter((r) => (r.expiresAtMs ?? Infinity) <= this.clockMs);
    due.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return due.map((record) => {
      this.settle(record, 'expired', []);
      return this.outcomeOf(record);
    });
  }

  private hasHeadroom(account: Account, amount: bigint): boolean {
    if (account.floorMinor === null) return true;
    return account.balanceMinor - account.reservedMinor - amount >= account.floorMinor;
  }

  private move(debit: string, credit: string, amount: bigint, transferId: string): Posting {
    const from = this.mustAccount(debit);
    const to = this.mustAccount(credit);
    if (from.currency !== to.currency) throw new LedgerInvariantError('a posting must stay in one currency');
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

  private mustAccount(id: string): Account {
    const account = this.accounts.get(id);
    if (!account) throw new LedgerInvariantError(`unknown account ${id}`);
    return account;
  }

  private outcomeOf(record: TransferRecord): TransferOutcome {
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

  private push(
    record: LogRecord,
    kind: Entry['kind'],
    outcomes: TransferOutcome[],
    postings: Posting[],
    rejection?: RejectionReason,
  ): void {
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

  /** The Merkle root over every account, in id order. */
  stateRoot(): string {
    return merkleRoot(this.leaves()).toString('hex');
  }

  /** A proof of one account's current balance against `stateRoot()`. */
  balanceProof(accountId: string): { account: Account; proof: ProofStep[] } | null {
    const index = this.sortedAccountIds.indexOf(accountId);
    if (index < 0) return null;
    return { account: this.mustAccount(accountId), proof: merkleProof(this.leaves(), index) };
  }

  private leaves(): Buffer[] {
    return this.sortedAccountIds.map((id) => {
      const account = this.mustAccount(id);
      const cached = this.leafCache.get(id);
      if (
        cached &&
        cached.balanceMinor === account.balanceMinor &&
        cached.reservedMinor === account.reservedMinor
      ) {
        return cached.leaf;
      }
      const leaf = accountLeaf(account);
      this.leafCache.set(id, {
        balanceMinor: account.balanceMinor,
        reservedMinor: account.reservedMinor,
        leaf,
      });
      return leaf;
    });
  }

  private seal(record: LogRecord): SealedBlock {
    const entries = this.open;
    const blockTimeMs = this.clockMs;
    const header: BlockHeader = {
      chainId: this.chainId,
      height: this.height,
      prevHash: this.prevHash,
      entriesRoot: merkleRoot(entries.map((e) => Buffer.from(e.hash, 'hex'))).toString('hex'),
      stateRoot: this.stateRoot(),
      blockTimeMs,
      entryCount: entries.length,
      firstOffset: entries[0].offset.toString(),
      lastOffset: record.offset.toString(),
    };
    const hash = headerHash(header);
    const changedAccounts = [...this.changed].sort().map((id) => ({ ...this.mustAccount(id) }));
    const participantsChanged = [...this.participantsChanged].sort().map((id) => this.participantInfo(id));
    const signerSet = this.signerSetChanged ? { signers: this.signers, quorum: this.quorum } : undefined;
    this.open = [];
    this.openBytes = 0;
    this.changed = new Set();
    this.participantsChanged = new Set();
    this.signerSetChanged = false;
    this.height += 1;
    this.prevHash = hash;
    this.prevBlockTimeMs = blockTimeMs;
    return {
      header,
      headerHash: hash,
      entries,
      changedAccounts,
      participantsChanged,
      ...(signerSet ? { signerSet } : {}),
    };
  }

  /** Balances per currency; double entry means each sums to zero at every block. */
  totalsByCurrency(): Map<string, bigint> {
    const totals = new Map<string, bigint>();
    for (const a of this.accounts.values())
      totals.set(a.currency, (totals.get(a.currency) ?? 0n) + a.balanceMinor);
    return totals;
  }

  limitOf(accountId: string): AccountLimit | { kind: 'unlimited' } | undefined {
    return this.accounts.get(accountId)?.limit;
  }
}
