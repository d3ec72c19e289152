import { mapProblem, Problem, ProblemMap } from '@concord/http-problems';
import { ClearingError } from '../clearing.errors';

/** Expected outcomes of settlement instructions and their confirmations. */
export type InstructionError =
  | { kind: 'INSTRUCTION_NOT_FOUND'; instructionId: string }
  /** Confirmations and reversals are taken only while the instruction's window is settling. */
  | { kind: 'WINDOW_SETTLED'; windowId: number; action: 'confirm' | 'reverse' }
  | { kind: 'WINDOW_NOT_SETTLING'; windowId: number; status: string }
  /** A participant confirms only its pay-outs: the payer saying it paid moves no money. */
  | { kind: 'CONFIRMATION_NOT_ALLOWED'; instructionId: string }
  | { kind: 'CONFIRMATION_CONFLICT'; bankReference: string; reversed: boolean; amountMinor: bigint }
  | { kind: 'OVER_CONFIRMATION'; amountMinor: bigint; confirmedMinor: bigint; instructedMinor: bigint }
  | { kind: 'CONFIRMATION_NOT_FOUND'; instructionId: string; bankReference: string }
  | { kind: 'CONFIRMATION_REVERSED'; bankReference: string }
  /** An operator's amount that is no amount of the instruction's currency. */
  | { kind: 'INVALID_AMOUNT'; message: string };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const INSTRUCTION_PROBLEMS: ProblemMap<InstructionError> = {
  INSTRUCTION_NOT_FOUND: (e) =>
    new Problem(404, 'INSTRUCTION_NOT_FOUND', 'No such settlement instruction', {
      detail: `no instruction ${e.instructionId}`,
    }),
  WINDOW_SETTLED: (e) =>
    new Problem(409, 'WINDOW_SETTLED', 'The settlement window is already settled', {
      detail: `window ${e.windowId} is settled: nothing to ${e.action}`,
    }),
  WINDOW_NOT_SETTLING: (e) =>
    new Problem(409, 'WINDOW_NOT_SETTLING', 'The settlement window is not settling', {
      detail: `window ${e.windowId} is ${e.status}, not settling`,
    }),
  CONFIRMATION_NOT_ALLOWED: (e) =>
    new Problem(403, 'CONFIRMATION_NOT_ALLOWED', 'A participant confirms only what it was paid out', {
      detail: `${e.instructionId} is a pay-in: the operator confirms it when the settlement bank has the money`,
    }),
  CONFIRMATION_CONFLICT: (e) =>
    new Problem(409, 'CONFIRMATION_CONFLICT', 'The bank reference was already used differently', {
      detail: e.reversed
        ? `bank reference ${e.bankReference} was confirmed and reversed; use a new reference`
        : `bank reference ${e.bankReference} already confirmed ${e.amountMinor} minor units`,
    }),
  OVER_CONFIRMATION: (e) =>
    new Problem(422, 'OVER_CONFIRMATION', 'The confirmation exceeds the instruction', {
      detail: `confirming ${e.amountMinor} would exceed the instruction: ${e.confirmedMinor} of ${e.instructedMinor} already confirmed`,
      errors: [{ field: 'amount', message: 'more than the amount still open' }],
    }),
  CONFIRMATION_NOT_FOUND: (e) =>
    new Problem(404, 'CONFIRMATION_NOT_FOUND', 'No such confirmation', {
      detail: `no confirmation ${e.bankReference} of ${e.instructionId}`,
    }),
  CONFIRMATION_REVERSED: (e) =>
    new Problem(409, 'CONFIRMATION_REVERSED', 'The confirmation is already reversed', {
      detail: `confirmation ${e.bankReference} is already reversed`,
    }),
  INVALID_AMOUNT: (e) =>
    new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
      detail: e.message,
      errors: [{ field: 'amount', message: e.message }],
    }),
};

/** An instruction operation refused with an expected outcome; answered through INSTRUCTION_PROBLEMS. */
export class InstructionFailure extends ClearingError<InstructionError> {
  toProblem(): Problem {
    return mapProblem(INSTRUCTION_PROBLEMS, this.error);
  }
}
