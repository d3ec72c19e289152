import type {
  AccountLimit,
  BlockHeader,
  SettlementModel,
  TransferOutcome,
  TransferStatus,
} from '@concord/contracts';
import type { RejectionReason } from './engine.errors';

/** One message of the command log as every signer sees it. */
export interface LogRecord {
  offset: bigint;
  /** The Kafka timestamp of the record: the only clock the ledger knows. */
  timestampMs: number;
  value: string;
}

/**
 * Per participant and currency: `position` (the working balance transfers move, with its limit),
 * `settlement` (the mirror of what window settlements moved through the settlement bank) and `fees` (fee
 * and spread income). Per currency for the operator: `hub` (the hub's settlement account, the other side
 * of prefunding) and `hub-fees` (scheme fee income).
 */
export type AccountKind = 'position' | 'settlement' | 'fees' | 'hub' | 'hub-fees';

export interface Account {
  readonly id: string;
  readonly participantId: string;
  readonly currency: string;
  readonly kind: AccountKind;
  balanceMinor: bigint;
  /** Pending two-phase debits: they count against the limit until fulfilled, aborted or expired. */
  reservedMinor: bigint;
  /** How far the available balance may go below zero: 0 for no-overdraft, the cap for a net debit cap. */
  floorMinor: bigint | null;
  limit: AccountLimit | { kind: 'unlimited' };
}

/** What an instruction said of a transfer beyond who pays whom how much (see TransferRecord). */
export interface TransferTerms {
  readonly twoPhase: boolean;
  readonly expiresInMs: number | null;
  readonly quoteId: string | null;
}

export interface TransferRecord {
  /** The id its payer gave it: unique among that payer's transfers only. */
  readonly id: string;
  /**
   * What the ledger knows it by: `<payer>/<id>` (transferKey) for a partner's transfer, so that two payers
   * may use one id; its key in `transfers` and `reserved`, and its posting ids. `funds-out:<proposal>`
   * for a withdrawal.
   */
  readonly key: string;
  /**
   * The instruction's terms that a repeat must state alike, besides its payer, payee, amount and currency
   * below (see `repeats` in the engine); null for a transfer that no instruction made (a withdrawal), which
   * no instruction repeats.
   */
  readonly terms: TransferTerms | null;
  readonly payer: string;
  readonly payee: string;
  readonly payerAccount: string;
  readonly payeeAccount: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  status: TransferStatus;
  reason?: RejectionReason;
  expiresAtMs?: number;
  /** Of a reserved two-phase transfer: the postings its fulfilment makes, all together. */
  legs?: Leg[];
  /** Of a reserved two-phase transfer: what it holds on which account until fulfilled, aborted or expired. */
  reservations?: { accountId: string; amountMinor: bigint }[];
}

/** One posting a transfer makes, named by its posting id (the transfer key, or `<key>:fee` and the like). */
export interface Leg {
  debit: string;
  credit: string;
  amountMinor: bigint;
  postingId: string;
}

export interface Posting {
  transferId: string;
  debitAccount: string;
  creditAccount: string;
  amountMinor: bigint;
  currency: string;
}

export type EntryKind = 'genesis' | 'instruction' | 'cut' | 'governance' | 'settlement' | 'invalid';

/** An applied log record with everything it changed; the unit that the entries root commits to. */
export interface Entry {
  offset: bigint;
  timestampMs: number;
  kind: EntryKind;
  payload: string;
  /** Set when the whole command was refused (bad signature, malformed, unknown participant...). */
  rejection?: RejectionReason;
  outcomes: TransferOutcome[];
  postings: Posting[];
  /**
   * `outcomes` and `postings` as canonical JSON arrays (postings' amounts as strings): the texts the entry
   * hash commits to, written once, and stored as they are by the signer.
   */
  outcomesJson: string;
  postingsJson: string;
  hash: string;
}

export interface SealedBlock {
  header: BlockHeader;
  headerHash: string;
  entries: Entry[];
  /** Accounts whose balance or reservation changed in this block, in id order. */
  changedAccounts: Account[];
  /** Members added or changed by this block (all of them in the genesis block), in id order. */
  participantsChanged: ParticipantInfo[];
  /** The signer set that votes from the next block on, when this block set or changed it. */
  signerSet?: { signers: { id: string; publicKey: string }[]; quorum: number };
}

export interface ParticipantInfo {
  id: string;
  name: string;
  keys: { keyId: string; publicKey: string }[];
  currencies: string[];
  status: 'active' | 'suspended' | 'closed';
  /** Net (in windows) or gross (each transfer final against its prefunding, never in a window). */
  settlement: SettlementModel;
}
