/** Stable codes of the clearing service's refusals; the HTTP API maps each to a status in one table. */
export type ClearingErrorCode =
  | 'VALIDATION_FAILED'
  | 'WINDOW_NOT_FOUND'
  | 'NO_OPEN_WINDOW'
  | 'INSTRUCTION_NOT_FOUND'
  | 'WINDOW_NOT_SETTLING'
  | 'WINDOW_SETTLED'
  | 'WINDOW_NOT_ABORTABLE'
  | 'OVER_CONFIRMATION'
  | 'CONFIRMATION_CONFLICT'
  | 'CONFIRMATION_NOT_FOUND'
  | 'CONFIRMATION_REVERSED'
  | 'CONFIRMATION_NOT_ALLOWED'
  | 'IDEMPOTENCY_KEY_REUSED';

export class ClearingError extends Error {
  constructor(
    readonly code: ClearingErrorCode,
    message: string,
    readonly errors?: { field: string; message: string }[],
  ) {
    super(message);
    this.name = 'ClearingError';
  }
}
