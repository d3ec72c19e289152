import { FieldError, fieldErrors, invalidInput, Problem } from '../problems/problem';

/**
 * Expected outcomes of the webhooks domain, and the one table that maps each to its HTTP problem.
 * The mapping is exhaustive: adding an error without a row does not compile.
 */
export type WebhookError =
  | { kind: 'INVALID_BODY'; errors: FieldError[] }
  | { kind: 'INVALID_QUERY'; errors: FieldError[] }
  | { kind: 'URL_NOT_ALLOWED'; reason: string }
  | { kind: 'NOT_FOUND'; id: string }
  | { kind: 'TOO_MANY_WEBHOOKS'; max: number };

export function webhookProblem(error: WebhookError): Problem {
  switch (error.kind) {
    case 'INVALID_BODY':
      return invalidInput('body', error.errors);
    case 'INVALID_QUERY':
      return invalidInput('query', error.errors);
    case 'URL_NOT_ALLOWED':
      return new Problem(400, 'WEBHOOK_URL_NOT_ALLOWED', 'The webhook URL is not allowed', error.reason, [
        { field: 'url', message: error.reason },
      ]);
    case 'NOT_FOUND':
      return new Problem(
        404,
        'WEBHOOK_NOT_FOUND',
        'No such webhook',
        `no webhook ${error.id} is visible to you`,
      );
    case 'TOO_MANY_WEBHOOKS':
      return new Problem(
        422,
        'TOO_MANY_WEBHOOKS',
        'Too many webhooks',
        `at most ${error.max} webhooks per participant; delete one first`,
      );
  }
}

export class WebhookFailure extends Error {
  constructor(readonly error: WebhookError) {
    super(error.kind);
  }
}

export { fieldErrors };
