import { CONSOLE_API_PREFIX, CONSOLE_CSRF_HEADER } from '@console-api';

/** An RFC 9457 problem answered by the console API (or a network failure, status 0). */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

let csrfToken = '';
/** The session's CSRF token, sent on every write; set from the login and `GET /session` answers. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

let onUnauthenticated: () => void = () => undefined;
export function whenUnauthenticated(callback: () => void): void {
  onUnauthenticated = callback;
}

async function problemOf(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as Partial<Problem>;
    return { ...body, status: response.status, title: body.title ?? response.statusText };
  } catch {
    return { status: response.status, title: response.statusText || 'request failed' };
  }
}

/** Calls the console API; throws ApiError with the problem on any answer but 2xx. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers[CONSOLE_CSRF_HEADER] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`${CONSOLE_API_PREFIX}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({ status: 0, title: 'The console cannot be reached', detail: 'network error' });
  }
  if (response.status === 401 && path !== '/session') onUnauthenticated();
  if (!response.ok) throw new ApiError(await problemOf(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A query string of the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
