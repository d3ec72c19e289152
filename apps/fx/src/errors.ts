import type { FxErrorCode, FxRateStatus } from '@concord/contracts';

/** A refusal with a stable code, answered to the requester as a typed error reply. */
export class FxServiceError extends Error {
  constructor(
    readonly code: FxErrorCode,
    message: string,
    readonly extra: { field?: string; rates?: FxRateStatus } = {},
  ) {
    super(message);
    this.name = 'FxServiceError';
  }
}
