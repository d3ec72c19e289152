/**
 * Why the ledger refused an instruction. Every rejection is deterministic (a pure function of the log),
 * recorded with the entry, and reported to the partner with this code.
 */
export const REJECTION_REASONS = {
  MALFORMED_COMMAND: 'the command is not a valid ledger command',
  GENESIS_ALREADY_APPLIED: 'the chain already has a genesis',
  NO_GENESIS: 'the chain has no genesis yet',
  UNKNOWN_PARTICIPANT: 'the instructing participant is not a member of the consortium',
  PARTICIPANT_NOT_ACTIVE:
    'the participant is closed, or suspended (no new transfers to or from it; it may still fulfil or abort)',
  UNKNOWN_KEY: 'the key id is not an active key of the instructing participant',
  INVALID_SIGNATURE: 'the signature does not verify against the participant key',
  SIGNATURE_TOO_OLD: 'the signed request was created too long before the block time',
  UNKNOWN_INSTRUCTION: 'no instruction is known at that path',
  MALFORMED_INSTRUCTION: 'the instruction body is not valid',
  INVALID_AMOUNT: 'the amount is not a valid positive amount in that currency',
  PAYER_NOT_SIGNER: 'only the payer may instruct a transfer',
  SAME_PARTICIPANT: 'payer and payee must differ',
  UNKNOWN_ACCOUNT: 'payer or payee has no account in that currency',
  INSUFFICIENT_FUNDS: 'the payer has not enough funds or limit headroom',
  DUPLICATE_MODIFIED: 'a transfer with this id exists with other content',
  UNKNOWN_TRANSFER: 'no transfer has that id',
  AMBIGUOUS_TRANSFER:
    'transfers of several payers to this payee have that id: the request must name the payer (?payer=)',
  NOT_RESERVED: 'the transfer is not a reserved two-phase transfer',
  NOT_AUTHORIZED: 'this participant may not complete that transfer',
  QUOTE_INVALID: 'the FX quote is malformed, inconsistent or not signed by a known FX key',
  QUOTE_EXPIRED: 'the FX quote expired before the block time of its instruction',
  QUOTE_ALREADY_USED: 'the FX quote was already used by another transfer',
  QUOTE_MISMATCH: 'the transfer does not match its quote (parties, amount or currency)',
  CLEARANCE_REQUIRED:
    'the transfer is at or above the compliance threshold of its currency and carries no clearance',
  CLEARANCE_INVALID:
    'the clearance is not signed by a genesis compliance key or does not cover this transfer (id, payer, payee, amount, currency)',
  GOVERNANCE_NOT_APPROVED: 'the proposal lacks approvals from enough distinct operator keys',
  DUPLICATE_PROPOSAL: 'a proposal with this id was already applied',
  INVALID_PROPOSAL: 'the proposal cannot be applied to the current state',
  INVALID_QUORUM:
    'the quorum must be at least floor(2n/3) + 1 of the n signers (Byzantine-safe: any two quorums share an honest signer) and at most n',
  SETTLEMENT_NOT_AUTHORIZED: 'the settlement posting is not signed by a genesis settlement key',
  DUPLICATE_POSTING: 'a settlement posting with this id was already applied',
  INVALID_REVERSAL: 'the reversed posting does not exist, is already reversed or does not match',
} as const;

export type RejectionReason = keyof typeof REJECTION_REASONS;

/**
 * A broken invariant of the ledger: a bug, or state changed behind the engine's back. The engine cannot go
 * on from it without guessing, and it may have thrown halfway through a record, so a signer treats it as
 * fatal and stops; any other error (a lost connection, a full disk) is transient. Expected business
 * outcomes are never thrown: they are the rejection reasons above, recorded in the block.
 */
export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
}

/** The earlier name of InvariantViolation, kept so that code and specs written against it still work. */
export const LedgerInvariantError = InvariantViolation;
export type LedgerInvariantError = InvariantViolation;

/**
 * Throws an InvariantViolation with `message` unless `condition` holds. `detail` (an id, an amount) is
 * appended to the message; pass a value rather than building a string, so that a check on the hot path
 * costs only its comparison while all is well.
 */
export function assert(
  condition: unknown,
  message: string,
  detail?: string | number | bigint,
): asserts condition {
  if (!condition) throw new InvariantViolation(detail === undefined ? message : `${message} (${detail})`);
}
