import { DomainFailure, mapProblem, ProblemMap } from '@concord/http-problems';
import { FieldError, invalidInput, Problem } from '../problems/problem';

/** Expected outcomes of the webhooks domain. */
export type WebhookError =
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'URL_NOT_ALLOWED'; reason: string }
  | { kind: 'NOT_FOUND'; id: string }
  | { kind: 'TOO_MANY_WEBHOOKS'; max: number };

/** The one table of the domain's problems; exhaustive: an error without a row does not compile. */
export const WEBHOOK_PROBLEMS: ProblemMap<WebhookError> = {
  INVALID_BODY: (e) => invalidInput('body', e.errors),
  INVALID_QUERY: (e) => invalidInput('query', e.errors),
  URL_NOT_ALLOWED: (e) =>
    new Problem(400, 'WEBHOOK_URL_NOT_ALLOWED', 'The webhook URL is not allowed', {
      detail: e.reason,
      errors: [{ field: 'url', message: e.reason }],
    }),
  NOT_FOUND: (e) =>
    new Problem(404, 'WEBHOOK_NOT_FOUND', 'No such webhook', {
      detail: `no webhook ${e.id} is visible to you`,
    }),
  TOO_MANY_WEBHOOKS: (e) =>
    new Problem(422, 'TOO_MANY_WEBHOOKS', 'Too many webhooks', {
      detail: `at most ${e.max} webhooks per participant; delete one first`,
    }),
};

/** A webhook request refused with an expected outcome; answered through WEBHOOK_PROBLEMS. */
export class WebhookFailure extends DomainFailure<WebhookError> {
  toProblem(): Problem {
    return mapProblem(WEBHOOK_PROBLEMS, this.error);
  }
}
