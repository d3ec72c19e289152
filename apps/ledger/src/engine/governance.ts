/**
 * Governance: proposals approved by enough distinct operator keys change the consortium (members, their
 * keys, status and limits, the signer set) or move prefunding in and out through the hub.
 */
import {
  GovernanceAction,
  GovernanceCommand,
  governanceSigningPayload,
  participantSpecProblem,
  TransferOutcome,
} from '@concord/contracts';
import { verifyBytes } from '@concord/crypto';
import { assert, RejectionReason } from './engine.errors';
import { assertRoom } from './engine.limits';
import type { LogRecord, Posting } from './engine.types';
import type { ConsortiumSigner, LedgerState } from './ledger-state';
import { positionAccountId } from './account-ids';
import { addCurrencyAccounts, addParticipant } from './membership';
import { completeFundsOut, fundsIn, fundsOut } from './prefunding';
import { quorumRefusal } from './quorum-rule';

/** The signers and quorum that vote on block `height`. */
export function signerSetAt(
  state: LedgerState,
  height: number,
): { signers: ConsortiumSigner[]; quorum: number } {
  let current = state.signerSets[0];
  for (const set of state.signerSets) if (set.fromHeight <= height) current = set;
  assert(current, 'no signer set before the genesis', height);
  return { signers: current.signers, quorum: current.quorum };
}

/** Applies a governance proposal, or records why it is refused; a refused one changes nothing. */
export function applyGovernance(state: LedgerState, record: LogRecord, cmd: GovernanceCommand): void {
  const outcomes: TransferOutcome[] = [];
  const postings: Posting[] = [];
  const reason = governanceRefusal(state, cmd) ?? enact(state, cmd, outcomes, postings);
  if (reason) {
    state.push(record, 'governance', [], [], reason);
    return;
  }
  assertRoom(state.proposals.size, 1, state.limits.maxProposals, 'proposals would exceed MAX_PROPOSALS');
  state.proposals.add(cmd.proposalId);
  state.push(record, 'governance', outcomes, postings);
}

function governanceRefusal(state: LedgerState, cmd: GovernanceCommand): RejectionReason | null {
  if (!state.hasGenesis) return 'NO_GENESIS';
  if (state.proposals.has(cmd.proposalId)) return 'DUPLICATE_PROPOSAL';
  const payload = governanceSigningPayload(state.chainId, cmd.proposalId, cmd.action);
  const approvers = new Set<string>();
  for (const approval of cmd.approvals) {
    const key = state.operators.get(approval.keyId);
    if (key && !approvers.has(approval.keyId) && verifyBytes(key, payload, approval.signature)) {
      approvers.add(approval.keyId);
    }
  }
  return approvers.size >= state.governanceThreshold ? null : 'GOVERNANCE_NOT_APPROVED';
}

type Action<K extends GovernanceAction['kind']> = Extract<GovernanceAction, { kind: K }>;

/** Applies an approved proposal; returns why it cannot be applied, changing nothing in that case. */
function enact(
  state: LedgerState,
  cmd: GovernanceCommand,
  outcomes: TransferOutcome[],
  postings: Posting[],
): RejectionReason | null {
  const action = cmd.action;
  switch (action.kind) {
    case 'add-participant':
      return admitParticipant(state, action);
    case 'add-participant-account':
      return addParticipantAccount(state, action);
    case 'set-participant-status':
      return setParticipantStatus(state, action);
    case 'set-limit':
      return setLimit(state, action);
    case 'add-participant-key':
      return addParticipantKey(state, action);
    case 'revoke-participant-key':
      return revokeParticipantKey(state, action);
    case 'add-signer':
    case 'remove-signer':
      return changeSigners(state, action);
    case 'funds-in':
      return fundsIn(state, cmd.proposalId, action, outcomes, postings);
    case 'funds-out':
      return fundsOut(state, cmd.proposalId, action, outcomes);
    case 'funds-out-complete':
      return completeFundsOut(state, action, outcomes, postings);
  }
}

function admitParticipant(state: LedgerState, action: Action<'add-participant'>): RejectionReason | null {
  if (
    state.participants.has(action.participant.id) ||
    action.participant.id === 'hub' ||
    participantSpecProblem(action.participant) !== null
  )
    return 'INVALID_PROPOSAL';
  addParticipant(state, action.participant);
  return null;
}

/** A member that starts paying or being paid in another currency keeps its id and keys. */
function addParticipantAccount(
  state: LedgerState,
  action: Action<'add-participant-account'>,
): RejectionReason | null {
  const p = state.participants.get(action.participantId);
  if (!p || p.status === 'closed') return 'INVALID_PROPOSAL';
  if (state.accounts.has(positionAccountId(p.id, action.account.currency))) return 'INVALID_PROPOSAL';
  // As for a new member: a gross participant runs on prefunding only, never on credit.
  if (p.settlement === 'gross' && action.account.limit.kind !== 'no-overdraft') return 'INVALID_PROPOSAL';
  addCurrencyAccounts(state, p.id, action.account);
  state.participantsChanged.add(p.id);
  return null;
}

function setParticipantStatus(
  state: LedgerState,
  action: Action<'set-participant-status'>,
): RejectionReason | null {
  const p = state.participants.get(action.participantId);
  // Closed is final: its accounts are settled and empty, and nothing may use them again.
  if (!p || p.status === 'closed') return 'INVALID_PROPOSAL';
  if (action.status === 'closed' && !isClosable(state, p.id)) return 'INVALID_PROPOSAL';
  p.status = action.status;
  state.participantsChanged.add(p.id);
  return null;
}

function setLimit(state: LedgerState, action: Action<'set-limit'>): RejectionReason | null {
  const account = state.accounts.get(action.accountId);
  if (!account || account.kind !== 'position') return 'INVALID_PROPOSAL';
  // A gross participant pays only from what it prefunded: no credit, ever.
  if (
    action.limit.kind !== 'no-overdraft' &&
    state.participants.get(account.participantId)?.settlement === 'gross'
  )
    return 'INVALID_PROPOSAL';
  account.limit = action.limit;
  account.floorMinor = action.limit.kind === 'no-overdraft' ? 0n : -BigInt(action.limit.capMinor);
  state.changed.add(account.id);
  return null;
}

function addParticipantKey(
  state: LedgerState,
  action: Action<'add-participant-key'>,
): RejectionReason | null {
  const participant = state.participants.get(action.participantId);
  const taken = [...state.participants.values()].some((p) => p.keys.has(action.key.keyId));
  if (!participant || taken) return 'INVALID_PROPOSAL';
  const bound = state.limits.maxKeysPerParticipant;
  assertRoom(participant.keys.size, 1, bound, 'keys of a participant would exceed MAX_KEYS_PER_PARTICIPANT');
  participant.keys.set(action.key.keyId, action.key.publicKey);
  state.participantsChanged.add(participant.id);
  return null;
}

function revokeParticipantKey(
  state: LedgerState,
  action: Action<'revoke-participant-key'>,
): RejectionReason | null {
  const participant = state.participants.get(action.participantId);
  if (!participant?.keys.has(action.keyId) || participant.keys.size === 1) return 'INVALID_PROPOSAL';
  participant.keys.delete(action.keyId);
  state.participantsChanged.add(participant.id);
  return null;
}

/**
 * Adds or removes a signer; the new set votes from the block after the one that seals this change. The
 * new quorum must be Byzantine-safe for the new set (INVALID_QUORUM otherwise), as the genesis's must.
 */
function changeSigners(
  state: LedgerState,
  action: Action<'add-signer' | 'remove-signer'>,
): RejectionReason | null {
  const next =
    action.kind === 'add-signer'
      ? state.signers.some((s) => s.id === action.signer.id || s.publicKey === action.signer.publicKey)
        ? null
        : [...state.signers, action.signer]
      : state.signers.some((s) => s.id === action.signerId)
        ? state.signers.filter((s) => s.id !== action.signerId)
        : null;
  if (!next || next.length === 0) return 'INVALID_PROPOSAL';
  const quorumProblem = quorumRefusal(next.length, action.quorum);
  if (quorumProblem) return quorumProblem;
  assertRoom(0, next.length, state.limits.maxSigners, 'signers would exceed MAX_SIGNERS');
  const changes = state.signerSets.length;
  const bound = state.limits.maxSignerSetChanges;
  assertRoom(changes, 1, bound, 'signer sets would exceed MAX_SIGNER_SET_CHANGES');
  state.signers = next;
  state.quorum = action.quorum;
  state.signerSets.push({ fromHeight: state.height + 1, signers: next, quorum: action.quorum });
  state.signerSetChanged = true;
  return null;
}

/**
 * Whether a participant may be closed without stranding money: every position account at zero with
 * nothing reserved (no pending transfer or withdrawal of its own), and no reserved transfer that would
 * pay it on fulfilment. Governance is rare, so the reserved transfers are scanned here rather than
 * indexed on the transfer path.
 */
function isClosable(state: LedgerState, participantId: string): boolean {
  for (const a of state.accounts.values()) {
    if (a.participantId !== participantId || a.kind !== 'position') continue;
    if (a.balanceMinor !== 0n || a.reservedMinor !== 0n) return false;
  }
  for (const r of state.reserved.values()) if (r.payee === participantId) return false;
  return true;
}
