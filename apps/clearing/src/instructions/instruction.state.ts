import type {
  ClearingEvent,
  ConfirmSettlementCommand,
  InstructionDirection,
  InstructionStatus,
} from '@concord/contracts';
import { confirmationPostingId, reversalPostingId, SettlementPosting } from '../settlement/settlement-signer';
import type { InstructionError } from './instructions.errors';

/**
 * The life of a settlement instruction as pure decisions (no I/O): pending -> partially-confirmed ->
 * confirmed as the settlement bank's confirmations add up, back down when one is reversed, and cancelled
 * when its window is aborted. Confirmations and reversals are taken only while the window is settling.
 * Each decision also names what it announces: the clearing event and, for the ledger, the signed
 * settlement posting that moves the participant's position as the bank moved the money.
 */
export interface Instruction {
  id: string;
  windowId: number;
  participantId: string;
  currency: string;
  direction: string;
  amountMinor: bigint;
  confirmedMinor: bigint;
  valueDate: string;
  status: string;
}

/** An instruction where what was confirmed of it does not matter (its events, its window's settling). */
export type InstructionRecord = Omit<Instruction, 'confirmedMinor'>;

/** The status an instruction has with `confirmedMinor` of its amount confirmed. */
export function instructionStatus(confirmedMinor: bigint, amountMinor: bigint): InstructionStatus {
  if (confirmedMinor === 0n) return 'pending';
  return confirmedMinor === amountMinor ? 'confirmed' : 'partially-confirmed';
}

/** Whether the instruction's window takes a confirmation or a reversal now: only while it is settling. */
export function windowRefusal(
  windowId: number,
  windowStatus: string,
  action: 'confirm' | 'reverse',
): InstructionError | null {
  if (windowStatus === 'settled') return { kind: 'WINDOW_SETTLED', windowId, action };
  if (windowStatus !== 'settling') return { kind: 'WINDOW_NOT_SETTLING', windowId, status: windowStatus };
  return null;
}

/** A confirmation already recorded under the same bank reference. */
export interface RecordedConfirmation {
  id: number;
  amountMinor: bigint;
  reversed: boolean;
}

export type ConfirmationDecision =
  | { kind: 'refused'; error: InstructionError }
  /** The same reference and amount again: nothing more is recorded. */
  | { kind: 'replayed' }
  | {
      kind: 'confirm';
      confirmedMinor: bigint;
      status: InstructionStatus;
      source: 'operator' | 'participant';
    };

/**
 * Decides a (partial) confirmation of an instruction. An operator may confirm any instruction; a
 * participant (`by`) only the pay-outs of its own instructions: that it received the money, which only the
 * payee can attest. A pay-in is confirmed by the operator from the settlement bank's account, because the
 * payer saying it paid moves no money. Another participant's instruction does not exist for it.
 */
export function decideConfirmation(
  instruction: Instruction,
  bankReference: string,
  amountMinor: bigint,
  recorded: RecordedConfirmation | undefined,
  by?: { participantId: string },
): ConfirmationDecision {
  // Both callers read positive amounts only (parseAmount, the command's schema): anything else is a bug
  // that would move the instruction backwards.
  if (amountMinor <= 0n)
    throw new Error(`a confirmation of ${instruction.id} must be positive, not ${amountMinor}`);
  const refuse = (error: InstructionError): ConfirmationDecision => ({ kind: 'refused', error });
  if (by && instruction.participantId !== by.participantId)
    return refuse({ kind: 'INSTRUCTION_NOT_FOUND', instructionId: instruction.id });
  if (by && instruction.direction !== 'pay-out')
    return refuse({ kind: 'CONFIRMATION_NOT_ALLOWED', instructionId: instruction.id });
  if (recorded) {
    if (!recorded.reversed && recorded.amountMinor === amountMinor) return { kind: 'replayed' };
    return refuse({
      kind: 'CONFIRMATION_CONFLICT',
      bankReference,
      reversed: recorded.reversed,
      amountMinor: recorded.amountMinor,
    });
  }
  const confirmedMinor = instruction.confirmedMinor + amountMinor;
  if (confirmedMinor > instruction.amountMinor)
    return refuse({
      kind: 'OVER_CONFIRMATION',
      amountMinor,
      confirmedMinor: instruction.confirmedMinor,
      instructedMinor: instruction.amountMinor,
    });
  return {
    kind: 'confirm',
    confirmedMinor,
    status: instructionStatus(confirmedMinor, instruction.amountMinor),
    source: by ? 'participant' : 'operator',
  };
}

/**
 * Decides the reversal of a confirmation (a bank recall or a mistake): the confirmation must exist and
 * stand. The instruction goes back down by its amount; the reversed confirmation is named.
 */
export function decideReversal(
  instruction: Instruction,
  bankReference: string,
  recorded: RecordedConfirmation | undefined,
):
  | { error: InstructionError }
  | { reversed: RecordedConfirmation; confirmedMinor: bigint; status: InstructionStatus } {
  if (!recorded)
    return { error: { kind: 'CONFIRMATION_NOT_FOUND', instructionId: instruction.id, bankReference } };
  if (recorded.reversed) return { error: { kind: 'CONFIRMATION_REVERSED', bankReference } };
  const confirmedMinor = instruction.confirmedMinor - recorded.amountMinor;
  return {
    reversed: recorded,
    confirmedMinor,
    status: instructionStatus(confirmedMinor, instruction.amountMinor),
  };
}

/** An instruction as the clearing events carry it. */
export function instructionMessage(i: Omit<InstructionRecord, 'status'>) {
  return {
    instructionId: i.id,
    windowId: i.windowId,
    participantId: i.participantId,
    currency: i.currency,
    direction: i.direction as InstructionDirection,
    amountMinor: i.amountMinor.toString(),
    valueDate: i.valueDate,
  };
}

export function createdEvent(i: Omit<InstructionRecord, 'status'>): ClearingEvent {
  return {
    v: 1,
    type: 'instruction.created',
    eventId: `instruction.created:${i.id}`,
    instruction: instructionMessage(i),
  };
}

/**
 * What a confirmation or its reversal changes: the instruction's confirmed amount and status, the ledger
 * posting that moves the participant's position as the bank moved the money, and the event.
 */
export interface InstructionChange {
  confirmedMinor: bigint;
  status: InstructionStatus;
  posting: SettlementPosting;
  event: ClearingEvent;
}

/**
 * A confirmation's change. Its posting moves the position against the settlement account (pay-in up,
 * pay-out down): the bank has moved the money.
 */
export function confirmationChange(
  instruction: InstructionRecord,
  bankReference: string,
  amountMinor: bigint,
  confirmationId: number,
  decision: { confirmedMinor: bigint; status: InstructionStatus; source: 'operator' | 'participant' },
): InstructionChange {
  const reference = `window ${instruction.windowId} instruction ${instruction.id} bank ${bankReference}`;
  return {
    confirmedMinor: decision.confirmedMinor,
    status: decision.status,
    posting: {
      ...postingOf(instruction, amountMinor, reference),
      postingId: confirmationPostingId(confirmationId),
    },
    event: {
      ...movementOf(instruction, bankReference, amountMinor, decision),
      type: 'instruction.confirmed',
      eventId: `instruction.confirmed:${instruction.id}:${bankReference}`,
      source: decision.source,
    },
  };
}

/** A reversal's change: its posting undoes the confirmation's (same participant, currency, direction, amount). */
export function reversalChange(
  instruction: InstructionRecord,
  bankReference: string,
  decision: { reversed: RecordedConfirmation; confirmedMinor: bigint; status: InstructionStatus },
): InstructionChange {
  const { id, amountMinor } = decision.reversed;
  const reference = `reversal: window ${instruction.windowId} instruction ${instruction.id} bank ${bankReference}`;
  return {
    confirmedMinor: decision.confirmedMinor,
    status: decision.status,
    posting: {
      ...postingOf(instruction, amountMinor, reference),
      postingId: reversalPostingId(id),
      reverses: confirmationPostingId(id),
    },
    event: {
      ...movementOf(instruction, bankReference, amountMinor, decision),
      type: 'instruction.reversed',
      eventId: `instruction.reversed:${instruction.id}:${bankReference}`,
    },
  };
}

function postingOf(instruction: InstructionRecord, amountMinor: bigint, reference: string) {
  return {
    participantId: instruction.participantId,
    currency: instruction.currency,
    direction: instruction.direction as InstructionDirection,
    amountMinor: amountMinor.toString(),
    reference,
  };
}

function movementOf(
  instruction: InstructionRecord,
  bankReference: string,
  amountMinor: bigint,
  decision: { confirmedMinor: bigint; status: InstructionStatus },
) {
  return {
    v: 1 as const,
    instructionId: instruction.id,
    windowId: instruction.windowId,
    bankReference,
    amountMinor: amountMinor.toString(),
    confirmedMinor: decision.confirmedMinor.toString(),
    status: decision.status,
  };
}

/**
 * The announcement of a participant's confirmation that was not recorded, so that the participant sees
 * the refusal on its instruction; once per request.
 */
export function refusedEvent(
  command: ConfirmSettlementCommand,
  refusal: { code: string; detail: string },
): ClearingEvent {
  return {
    v: 1,
    type: 'confirmation.refused',
    eventId: `confirmation.refused:${command.requestId}`,
    requestId: command.requestId,
    instructionId: command.instructionId,
    participantId: command.participantId,
    bankReference: command.bankReference,
    amountMinor: command.amountMinor,
    code: refusal.code,
    detail: refusal.detail.slice(0, 500),
  };
}
