/** The FX admin API's own refusals (the service's refusals are FxServiceErrors). */
export type FxAdminErrorCode =
  'VALIDATION_FAILED' | 'SPREAD_NOT_FOUND' | 'MARKUP_NOT_FOUND' | 'FEE_SCHEDULE_NOT_FOUND';

import type { FieldProblem } from '@concord/http-problems';

export type { FieldProblem };

export class FxAdminError extends Error {
  constructor(
    readonly code: FxAdminErrorCode,
    message: string,
    readonly errors?: FieldProblem[],
  ) {
    super(message);
    this.name = 'FxAdminError';
  }
}
