import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CONSOLE_CSRF_HEADER, CONSOLE_SESSION_COOKIE, MeResponse } from '@concord/contracts';
import { consoleSchema, loadConfig } from '@concord/config';
import { createConsoleApp } from '../src/console.app';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** A logged-in person: their cookie and CSRF token, and calls made with them. */
export interface Session {
  cookie: string;
  csrf: string;
  me: MeResponse;
  call: (method: string, path: string, body?: unknown, options?: { csrf?: string | null }) => Promise<Answer>;
}

/** Requests to a console: in process (fastify inject) or over HTTP (a console started as a process). */
export interface ConsoleClient {
  request: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<Answer>;
  login: (username: string, password: string) => Promise<Session>;
}

function answerOf(status: number, headers: Answer['headers'], text: string): Answer {
  const type = String(headers['content-type'] ?? '');
  return {
    status,
    headers,
    text,
    body: /application\/(problem\+)?json/.test(type) && text ? JSON.parse(text) : text,
  };
}

export function consoleClient(
  send: (
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ) => Promise<Answer>,
): ConsoleClient {
  const request: ConsoleClient['request'] = (method, path, body, headers = {}) =>
    send(method, path, body === undefined ? undefined : JSON.stringify(body), {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    });
  return {
    request,
    login: async (username, password) => {
      const res = await request('POST', '/ops/v1/session', { username, password });
      if (res.status !== 200) throw new Error(`login of ${username}: ${res.status} ${res.text}`);
      const setCookie = String(res.headers['set-cookie']);
      const cookie = setCookie.split(';')[0];
      const me = res.body as MeResponse;
      return {
        cookie,
        csrf: me.csrfToken,
        me,
        call: (method, path, body, options = {}) => {
          const csrf = options.csrf === undefined ? me.csrfToken : options.csrf;
          return request(method, path, body, {
            cookie,
            ...(csrf === null ? {} : { [CONSOLE_CSRF_HEADER]: csrf }),
          });
        },
      };
    },
  };
}

/** The console in this process (its Kafka consumers included), answered through fastify's inject. */
export async function startInProcess(
  env: Record<string, string>,
): Promise<{ app: NestFastifyApplication; client: ConsoleClient }> {
  Object.assign(process.env, env);
  const app = await createConsoleApp(loadConfig(consoleSchema));
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  const client = consoleClient(async (method, url, payload, headers) => {
    const res = await fastify.inject({ method: method as 'GET', url, payload, headers });
    return answerOf(res.statusCode, res.headers as Answer['headers'], res.body);
  });
  return { app, client };
}

/** A console reached over HTTP at `baseUrl`. */
export function httpClient(baseUrl: string): ConsoleClient {
  return consoleClient(async (method, path, body, headers) => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const h: Answer['headers'] = {};
    res.headers.forEach((v, k) => (h[k] = v));
    const setCookie = res.headers.getSetCookie();
    if (setCookie.length) h['set-cookie'] = setCookie.join(', ');
    return answerOf(res.status, h, await res.text());
  });
}

export { CONSOLE_SESSION_COOKIE };
