import { mapProblem, Problem, ProblemMap } from '@concord/http-problems';
import { ClearingError } from '../clearing.errors';

/** Expected outcomes of the settlement windows domain. */
export type WindowError =
  /** `windowId` as the caller named it: a path segment that is no id is no window either. */
  | { kind: 'WINDOW_NOT_FOUND'; windowId: number | string }
  | { kind: 'NO_OPEN_WINDOW'; currency: string }
  /** Only a settling window without confirmed amounts can be aborted. */
  | { kind: 'WINDOW_NOT_ABORTABLE'; windowId: number; status: string; confirmed: boolean }
  /** A close's request id (Idempotency-Key) that named another request. */
  | {
      kind: 'IDEMPOTENCY_KEY_REUSED';
      requestId: string;
      seenType: string;
      seenCurrency: string | null;
      currency: string;
    };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const WINDOW_PROBLEMS: ProblemMap<WindowError> = {
  WINDOW_NOT_FOUND: (e) =>
    new Problem(404, 'WINDOW_NOT_FOUND', 'No such settlement window', { detail: `no window ${e.windowId}` }),
  NO_OPEN_WINDOW: (e) =>
    new Problem(404, 'NO_OPEN_WINDOW', 'No open settlement window in this currency', {
      detail: `no open ${e.currency} window`,
    }),
  WINDOW_NOT_ABORTABLE: (e) =>
    new Problem(409, 'WINDOW_NOT_ABORTABLE', 'The settlement window cannot be aborted', {
      detail: e.confirmed
        ? `window ${e.windowId} has confirmed settlement amounts; reverse them first`
        : `window ${e.windowId} is ${e.status}; only a settling window can be aborted`,
    }),
  IDEMPOTENCY_KEY_REUSED: (e) =>
    new Problem(409, 'IDEMPOTENCY_KEY_REUSED', 'The Idempotency-Key was used for another request', {
      detail: `request ${e.requestId} was a ${e.seenType} of ${e.seenCurrency ?? 'another currency'}, not a close of ${e.currency}`,
    }),
};

/** A window operation refused with an expected outcome; answered through WINDOW_PROBLEMS. */
export class WindowFailure extends ClearingError<WindowError> {
  toProblem(): Problem {
    return mapProblem(WINDOW_PROBLEMS, this.error);
  }
}
