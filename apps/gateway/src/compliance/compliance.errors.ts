import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** Expected outcomes of screening a transfer and of sending one that needs a clearance. */
export type ComplianceError =
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  /** A transfer at or above the clearance threshold whose parties were never screened. */
  | { kind: 'PARTIES_REQUIRED'; transferId: string; currency: string; thresholdMinor: string }
  /** The compliance service is away or failing: nothing goes through unscreened. */
  | { kind: 'COMPLIANCE_UNAVAILABLE'; detail: string }
  /** A batch with a transfer that is not cleared (held, blocked or rejected): sent as single transfers. */
  | { kind: 'SCREENING_NOT_CLEAR'; ids: string[] }
  /** The screening covers another payee, amount or currency than the transfer. */
  | { kind: 'SCREENING_MISMATCH'; transferId: string; field: string }
  /** The compliance service refused the screening (its code, e.g. MISSING_TRAVEL_RULE_DATA). */
  | {
      kind: 'COMPLIANCE_REFUSED';
      status: number;
      code: string;
      title: string;
      detail?: string;
      errors?: FieldError[];
    }
  | { kind: 'NOT_FOUND'; transferId: string };

/** The one table of the compliance problems; exhaustive: an error without a row does not compile. */
export const COMPLIANCE_PROBLEMS: ProblemMap<ComplianceError> = {
  INVALID_BODY: (e) => invalidInput('body', e.errors),
  PARTIES_REQUIRED: (e) =>
    new Problem(422, 'PARTIES_REQUIRED', 'The parties of this transfer must be screened first', {
      detail:
        `${e.currency} transfers from ${e.thresholdMinor} minor units need a compliance clearance: send the ` +
        `originator and beneficiary of ${e.transferId} with POST /v1/screenings, then this transfer again`,
      errors: [
        { field: 'originator', message: 'required (POST /v1/screenings)' },
        { field: 'beneficiary', message: 'required (POST /v1/screenings)' },
      ],
    }),
  COMPLIANCE_UNAVAILABLE: (e) =>
    new Problem(503, 'COMPLIANCE_UNAVAILABLE', 'Compliance screening is unavailable', {
      detail: `${e.detail}; nothing that needs screening goes through unscreened: retry with the same id`,
      headers: { 'retry-after': '5' },
    }),
  SCREENING_NOT_CLEAR: (e) =>
    new Problem(422, 'SCREENING_NOT_CLEAR', 'A transfer of the batch is not cleared by compliance', {
      detail: `not cleared: ${e.ids.join(', ')}; send a held transfer on its own (POST /v1/transfers)`,
    }),
  SCREENING_MISMATCH: (e) =>
    new Problem(422, 'SCREENING_MISMATCH', 'The screening covers another transfer', {
      detail: `transfer ${e.transferId} was screened with another ${e.field}`,
      errors: [{ field: e.field, message: 'differs from the screened transfer' }],
    }),
  COMPLIANCE_REFUSED: (e) =>
    new Problem(e.status, e.code, e.title, {
      ...(e.detail ? { detail: e.detail } : {}),
      ...(e.errors ? { errors: e.errors } : {}),
    }),
  NOT_FOUND: (e) =>
    new Problem(404, 'SCREENING_NOT_FOUND', 'No such screening', {
      detail: `no screening of transfer ${e.transferId} is visible to you`,
    }),
};

/** A screening refused with an expected outcome; the filter answers it through COMPLIANCE_PROBLEMS. */
export class ComplianceFailure extends DomainFailure<ComplianceError> {
  toProblem(): Problem {
    return mapProblem(COMPLIANCE_PROBLEMS, this.error);
  }
}
