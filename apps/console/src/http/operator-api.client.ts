import { FieldProblem, Problem } from '@concord/http-problems';

const TIMEOUT_MS = 10_000;

/**
 * A client of another service's operator API (clearing, FX) with the operator bearer token. Its refusals
 * come back as the same problem (status, code, detail, field errors); an unreachable or unconfigured
 * service is a 503 naming it, so the page says which service is down.
 */
export class OperatorApiClient {
  constructor(
    readonly name: 'clearing' | 'fx' | 'compliance',
    private readonly baseUrl: string | undefined,
    private readonly token: string | undefined,
  ) {}

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    if (!this.baseUrl) throw this.down('not configured');
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw this.down((e as Error).message);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (res.ok) return json as T;
    if (res.status >= 500) throw this.down(`answered ${res.status}`);
    throw new Problem(
      res.status,
      String(json.code ?? 'REFUSED'),
      String(json.title ?? `Refused by ${this.name}`),
      {
        detail: typeof json.detail === 'string' ? `${this.name}: ${json.detail}` : `refused by ${this.name}`,
        errors: Array.isArray(json.errors) ? (json.errors as FieldProblem[]) : undefined,
      },
    );
  }

  /** A cheap request that tells whether the service answers (for the dependency monitor). */
  async ping(path: string): Promise<void> {
    await this.call('GET', path);
  }

  private down(why: string): Problem {
    return new Problem(503, 'DEPENDENCY_DOWN', `The ${this.name} service is unavailable`, {
      detail: `the ${this.name} operator API cannot be reached (${why}); try again when it is back`,
      extensions: { dependency: this.name },
    });
  }
}
