/**
 * Bounds on everything in the engine that grows with its input, so that a runaway log or a bug ends in an
 * InvariantViolation that names the bound, not in a signer that slows down or runs out of memory without
 * saying why. Every signer replays the same log to the same sizes, so a bound reached by real traffic
 * stops all of them at the same record: each is set well above what a consortium is expected to reach,
 * and raising one is a code change made in every signer at once (no outcome depends on a bound).
 *
 * Collections that are subsets of a bounded one need no bound of their own: the accounts and members
 * changed in the open block, and the state tree's ids and cached leaves (one per account). The entries of
 * the open block are bounded by the genesis's blockMaxEntries, and before the genesis by the bound below.
 * The operator, FX and clearing keys and the scheme fees come only from the genesis record.
 */
import { assert } from './engine.errors';

/** Members of the consortium (participants): a seal describes each changed one by walking the accounts. */
export const MAX_PARTICIPANTS = 10_000;
/**
 * Accounts (three per participant and currency, two per currency for the hub): every seal walks every
 * account to build the state root, and every new account re-sorts the account ids.
 */
export const MAX_ACCOUNTS = 100_000;
/** Keys of one participant at a time: keys are rotated by adding the new one and revoking the old. */
export const MAX_KEYS_PER_PARTICIPANT = 16;
/** Signers of one signer set: every signer votes on every block, and a certificate holds a quorum. */
export const MAX_SIGNERS = 100;
/** Changes of the signer set over the chain's life: the set that votes on a height is looked up per vote. */
export const MAX_SIGNER_SET_CHANGES = 1_000;
/**
 * Transfers recorded, in count: every transfer id is kept for the life of the chain, in memory, so that a
 * retry is answered with its first result. Near this many records the index fills most of a default
 * Node heap; going further needs a larger heap or an archive of old ids.
 */
export const MAX_TRANSFERS = 10_000_000;
/** FX quotes used, in count: each belongs to one recorded transfer, so they share its bound. */
export const MAX_USED_QUOTES = MAX_TRANSFERS;
/**
 * Two-phase transfers reserved at once: every seal scans them for the ones due to expire, and a signer
 * with an empty block scans them for the next expiry.
 */
export const MAX_PENDING_RESERVATIONS = 1_000_000;
/** Withdrawals (funds-out proposals) not completed yet: each waits for the operator's confirmation. */
export const MAX_PENDING_WITHDRAWALS = 10_000;
/** Governance proposal ids applied, kept for the life of the chain to refuse a proposal applied again. */
export const MAX_PROPOSALS = 1_000_000;
/**
 * Settlement postings applied, kept for the life of the chain to refuse a repeated id and to check a
 * reversal against its original: one per participant, currency and settled window.
 */
export const MAX_SETTLEMENT_POSTINGS = 10_000_000;

/**
 * Records before the genesis: they are refused, and kept as entries of the genesis block (the first block
 * there is), which no size bound cuts before the genesis has set one.
 */
export const MAX_RECORDS_BEFORE_GENESIS = 100_000;

/** The bounds one engine enforces; specs give small ones to reach them. */
export interface EngineLimits {
  readonly maxParticipants: number;
  readonly maxAccounts: number;
  readonly maxKeysPerParticipant: number;
  readonly maxSigners: number;
  readonly maxSignerSetChanges: number;
  readonly maxTransfers: number;
  readonly maxUsedQuotes: number;
  readonly maxPendingReservations: number;
  readonly maxPendingWithdrawals: number;
  readonly maxProposals: number;
  readonly maxSettlementPostings: number;
  readonly maxRecordsBeforeGenesis: number;
}

export const ENGINE_LIMITS: EngineLimits = {
  maxParticipants: MAX_PARTICIPANTS,
  maxAccounts: MAX_ACCOUNTS,
  maxKeysPerParticipant: MAX_KEYS_PER_PARTICIPANT,
  maxSigners: MAX_SIGNERS,
  maxSignerSetChanges: MAX_SIGNER_SET_CHANGES,
  maxTransfers: MAX_TRANSFERS,
  maxUsedQuotes: MAX_USED_QUOTES,
  maxPendingReservations: MAX_PENDING_RESERVATIONS,
  maxPendingWithdrawals: MAX_PENDING_WITHDRAWALS,
  maxProposals: MAX_PROPOSALS,
  maxSettlementPostings: MAX_SETTLEMENT_POSTINGS,
  maxRecordsBeforeGenesis: MAX_RECORDS_BEFORE_GENESIS,
};

/**
 * Asserts that a collection of `size` elements has room for `adding` more under `bound`; `what` names
 * the collection and its bound for the message.
 */
export function assertRoom(size: number, adding: number, bound: number, what: string): void {
  assert(size + adding <= bound, what, bound);
}
