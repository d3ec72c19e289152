/**
 * Partners' signed instructions: the signature, key and age are checked, then the request is routed to
 * a transfer, a batch of transfers, or the fulfilment or abort of a reserved transfer.
 */
import {
  emptyInstructionSchema,
  InstructionCommand,
  parseTransferBatchInstructionJson,
  parseTransferInstructionJson,
  payerParamOf,
  routeInstruction,
  TransferOutcome,
} from '@concord/contracts';
import { verifyRequestSignature } from '@concord/crypto';
import type { RejectionReason } from './engine.errors';
import type { LogRecord, Posting } from './engine.types';
import type { LedgerState, Participant } from './ledger-state';
import { applyTransfer, clearanceRefusal, completeTransfer, needsClearance, rejectNew } from './transfers';

/** A signed request may reach the log at most this long after it was created (replay window). */
export const SIGNATURE_MAX_AGE_MS = 10 * 60 * 1000;
/** Tolerated clock skew of a partner ahead of the log's clock. */
export const SIGNATURE_MAX_SKEW_MS = 60 * 1000;
/** How long a transfer held by compliance may wait for its release (see releasedByCompliance). */
export const HELD_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

export function applyInstruction(state: LedgerState, record: LogRecord, cmd: InstructionCommand): void {
  const outcomes: TransferOutcome[] = [];
  const postings: Posting[] = [];
  const signer = state.participants.get(cmd.participantId);
  const rejection = checkAuthenticity(state, cmd, signer);
  if (rejection || !signer) {
    const reason = rejection ?? 'UNKNOWN_PARTICIPANT';
    state.push(record, 'instruction', claimedRejections(cmd, reason), [], reason);
    return;
  }
  const route = routeInstruction(cmd.request.path);
  const fail = (reason: RejectionReason) => state.push(record, 'instruction', [], [], reason);
  if (!route) return fail('UNKNOWN_INSTRUCTION');
  // A suspended participant makes no new transfers, but completes (fulfils or aborts) those already
  // reserved, so that nothing it started is left hanging while its settlement continues.
  if ((route.kind === 'transfer' || route.kind === 'batch') && signer.status !== 'active') {
    const reason = 'PARTICIPANT_NOT_ACTIVE';
    state.push(record, 'instruction', claimedRejections(cmd, reason), [], reason);
    return;
  }
  switch (route.kind) {
    case 'transfer': {
      const t = parseTransferInstructionJson(cmd.request.body);
      if (!t) return fail('MALFORMED_INSTRUCTION');
      outcomes.push(applyTransfer(state, cmd.participantId, t, state.clockMs, postings, cmd.clearances));
      break;
    }
    case 'batch': {
      const batch = parseTransferBatchInstructionJson(cmd.request.body);
      if (!batch) return fail('MALFORMED_INSTRUCTION');
      for (const t of batch.transfers) {
        outcomes.push(applyTransfer(state, cmd.participantId, t, state.clockMs, postings, cmd.clearances));
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
      // `?payer=` names whose transfer the id is, as the partner signed it (see payerParamOf).
      const payer = payerParamOf(cmd.request.query);
      if (payer === null) return fail('MALFORMED_INSTRUCTION');
      const { transferId, kind } = route;
      outcomes.push(completeTransfer(state, cmd.participantId, transferId, payer, kind, postings));
      break;
    }
  }
  state.push(record, 'instruction', outcomes, postings);
}

function checkAuthenticity(
  state: LedgerState,
  cmd: InstructionCommand,
  participant: Participant | undefined,
): RejectionReason | null {
  if (!state.hasGenesis) return 'NO_GENESIS';
  if (!participant) return 'UNKNOWN_PARTICIPANT';
  const publicKey = participant.keys.get(cmd.request.keyId);
  if (!publicKey) return 'UNKNOWN_KEY';
  if (!verifyRequestSignature(publicKey, cmd.request, cmd.signature)) return 'INVALID_SIGNATURE';
  const createdMs = cmd.request.created * 1000;
  if (createdMs > state.clockMs + SIGNATURE_MAX_SKEW_MS) return 'SIGNATURE_TOO_OLD';
  if (createdMs < state.clockMs - SIGNATURE_MAX_AGE_MS && !releasedByCompliance(state, cmd, createdMs)) {
    return 'SIGNATURE_TOO_OLD';
  }
  // A closed participant may instruct nothing at all; a suspended one is refused new transfers only.
  if (participant.status === 'closed') return 'PARTICIPANT_NOT_ACTIVE';
  return null;
}

/**
 * Whether an older signed request is a transfer that compliance held and has just released: a single
 * transfer that needs a clearance, with a valid one issued after the request was signed and within the
 * replay window of the log's clock, and signed at most HELD_MAX_AGE_MS ago. A held transfer waits for its
 * officers far longer than the replay window; the clearance's fresh signature stands in for the freshness
 * of the partner's, and the transfer id is still taken once. Only checked for a request already too old,
 * so it costs nothing on the common path.
 */
function releasedByCompliance(state: LedgerState, cmd: InstructionCommand, createdMs: number): boolean {
  if (!cmd.clearances || createdMs < state.clockMs - HELD_MAX_AGE_MS) return false;
  if (routeInstruction(cmd.request.path)?.kind !== 'transfer') return false;
  const t = parseTransferInstructionJson(cmd.request.body);
  const clearance = t && cmd.clearances.find((c) => c.transferId === t.id);
  if (!t || !clearance || t.payer !== cmd.participantId) return false;
  const issuedMs = Date.parse(clearance.issuedAt);
  const fresh =
    issuedMs >= createdMs &&
    issuedMs >= state.clockMs - SIGNATURE_MAX_AGE_MS &&
    issuedMs <= state.clockMs + SIGNATURE_MAX_SKEW_MS;
  return fresh && needsClearance(state, t) && clearanceRefusal(state, t, cmd.clearances) === null;
}

/**
 * Outcomes for the transfer ids a refused command claimed, so that whoever submitted it learns the
 * result. The ids are not taken: a forged command must not be able to squat on a partner's ids.
 */
function claimedRejections(cmd: InstructionCommand, reason: RejectionReason): TransferOutcome[] {
  const single = parseTransferInstructionJson(cmd.request.body);
  const claimed = single ? [single] : (parseTransferBatchInstructionJson(cmd.request.body)?.transfers ?? []);
  return claimed.map((t) => rejectNew(t, 0n, reason));
}
