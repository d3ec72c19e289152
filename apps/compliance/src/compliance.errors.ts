import { DomainFailure, mapProblem, Problem, ProblemMap } from '@concord/http-problems';

/** The expected refusals of the compliance service, each with its problem. */
export type ComplianceError =
  | { kind: 'missing-data'; fields: string[] }
  | { kind: 'transfer-id-reused'; transferId: string }
  | { kind: 'lists-not-loaded' }
  | { kind: 'screening-not-found'; transferId: string }
  | { kind: 'case-not-found'; caseId: string }
  | { kind: 'case-closed'; caseId: string; status: string }
  | { kind: 'same-officer'; caseId: string; officerId: string }
  | { kind: 'rule-version-not-found'; version: number }
  | { kind: 'officer-signature-invalid'; officerId: string };

const TABLE: ProblemMap<ComplianceError> = {
  'missing-data': (e) =>
    new Problem(422, 'MISSING_TRAVEL_RULE_DATA', 'Required originator or beneficiary data is missing', {
      detail: `above the threshold of this corridor these fields are required: ${e.fields.join(', ')}`,
      errors: e.fields.map((field) => ({ field, message: 'required above the threshold of this corridor' })),
    }),
  'transfer-id-reused': (e) =>
    new Problem(409, 'TRANSFER_ID_REUSED', 'This transfer id was screened with other data', {
      detail: `transfer ${e.transferId} was already screened with another body`,
    }),
  'lists-not-loaded': () =>
    new Problem(503, 'LISTS_NOT_LOADED', 'No sanctions list is loaded yet', {
      detail: 'nothing is cleared unscreened: retry once the lists are loaded',
      headers: { 'retry-after': '5' },
    }),
  'screening-not-found': (e) =>
    new Problem(404, 'SCREENING_NOT_FOUND', 'No such screening', {
      detail: `no screening of transfer ${e.transferId}`,
    }),
  'case-not-found': (e) =>
    new Problem(404, 'CASE_NOT_FOUND', 'No such case', { detail: `no case ${e.caseId}` }),
  'case-closed': (e) =>
    new Problem(409, 'CASE_CLOSED', 'The case is already decided', {
      detail: `case ${e.caseId} is ${e.status}`,
    }),
  'same-officer': (e) =>
    new Problem(
      409,
      'SECOND_OFFICER_REQUIRED',
      'Releasing a sanctions hit needs a second, different officer',
      {
        detail: `officer ${e.officerId} already approved the release of case ${e.caseId}`,
      },
    ),
  'rule-version-not-found': (e) =>
    new Problem(404, 'RULE_VERSION_NOT_FOUND', 'No such rule version', {
      detail: `no rule version ${e.version}`,
    }),
  'officer-signature-invalid': (e) =>
    new Problem(
      403,
      'OFFICER_SIGNATURE_INVALID',
      "The decision does not carry the officer's valid signature",
      {
        detail: `officer ${e.officerId} must sign the decision with their registered key (X-Officer-Signature)`,
      },
    ),
};

export class ComplianceFailure extends DomainFailure<ComplianceError> {
  toProblem(): Problem {
    return mapProblem(TABLE, this.error);
  }
}

export const fail = (error: ComplianceError): never => {
  throw new ComplianceFailure(error);
};
