import type { ScreeningRequest, ScreeningView } from '@concord/contracts';
import { ComplianceFailure } from './compliance.errors';

/**
 * The compliance service's screening API, for the gateway: POST /v1/screenings and GET
 * /v1/screenings/:transferId with the operator bearer token. Anything but an answer of the service (a
 * refused connection, a timeout, a 5xx) is COMPLIANCE_UNAVAILABLE, so that no caller can take silence for
 * a clearance; its refusals (400, 409, 422) come back as they are.
 */
export class ComplianceClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
    private readonly send: typeof fetch = fetch,
  ) {}

  screen(request: ScreeningRequest): Promise<ScreeningView> {
    return this.call('POST', '/v1/screenings', request) as Promise<ScreeningView>;
  }

  /** The screening of a transfer now, or null when it was never screened. */
  async status(transferId: string): Promise<ScreeningView | null> {
    try {
      return (await this.call('GET', `/v1/screenings/${encodeURIComponent(transferId)}`)) as ScreeningView;
    } catch (e) {
      if (e instanceof ComplianceFailure && e.error.kind === 'COMPLIANCE_REFUSED' && e.error.status === 404)
        return null;
      throw e;
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.send(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const detail = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new ComplianceFailure({
        kind: 'COMPLIANCE_UNAVAILABLE',
        detail: `the compliance service is ${detail}`,
      });
    }
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok && json !== undefined) return json;
    const problem = (json ?? {}) as {
      code?: string;
      title?: string;
      detail?: string;
      errors?: { field: string; message: string }[];
    };
    // Its own refusal of the gateway (a wrong token) is the service being unusable, not the partner's fault.
    if (response.status >= 500 || response.status === 401 || response.status === 403 || !problem.code) {
      throw new ComplianceFailure({
        kind: 'COMPLIANCE_UNAVAILABLE',
        detail: `the compliance service answered ${response.status}${problem.code ? ` ${problem.code}` : ''}`,
      });
    }
    throw new ComplianceFailure({
      kind: 'COMPLIANCE_REFUSED',
      status: response.status,
      code: problem.code,
      title: problem.title ?? 'Refused by compliance',
      ...(problem.detail ? { detail: problem.detail } : {}),
      ...(problem.errors ? { errors: problem.errors } : {}),
    });
  }
}
