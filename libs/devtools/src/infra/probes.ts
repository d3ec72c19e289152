import net from 'node:net';
import tls from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { isLocalHost } from './settings';

export interface Probe {
  up: boolean;
  /** Why it is down, or a short detail when it is up. */
  detail?: string;
}

/** Plain TCP connect: resolves to undefined when something listens, otherwise to the reason. */
export function tcpConnect(host: string, port: number, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reason?: string) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done());
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message),
    );
  });
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

export function kafkaAdmin(
  brokers: string[],
  opts: { connectionTimeout?: number; requestTimeout?: number; retries?: number } = {},
) {
  const kafka = new Kafka({
    clientId: 'concord-infra',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: opts.connectionTimeout ?? 3000,
    requestTimeout: opts.requestTimeout ?? 10000,
    retry: { retries: opts.retries ?? 5, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  return kafka.admin();
}

/**
 * Is Kafka answering at `brokers`? `tcp` tells a refused port (nothing there) apart from a port that is
 * open but does not (yet) speak Kafka.
 */
export async function probeKafka(brokers: string[]): Promise<Probe & { tcp: boolean; topics?: string[] }> {
  const { host, port } = splitHostPort(brokers[0]);
  const refused = await tcpConnect(host, port);
  if (refused && brokers.length === 1) return { up: false, tcp: false, detail: refused };
  const admin = kafkaAdmin(brokers, { connectionTimeout: 2000, requestTimeout: 3000, retries: 0 });
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    return { up: true, tcp: true, topics };
  } catch (e) {
    return { up: false, tcp: !refused, detail: refused ?? `not answering as Kafka: ${(e as Error).message}` };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const POSTGRES_HINT =
  'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
export const redisHint = (port = 6379) =>
  `start it with: redis-server --daemonize yes --bind 127.0.0.1 --port ${port} --save "" --appendonly no`;

/** TCP connect, then a real login to the `postgres` maintenance database of the DATABASE_URL server. */
export async function probePostgres(databaseUrl: string): Promise<Probe> {
  const url = new URL(databaseUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 5432);
  const hint = isLocalHost(host) ? `; ${POSTGRES_HINT}` : '';
  const refused = await tcpConnect(host, port);
  if (refused) return { up: false, detail: `${refused}${hint}` };

  const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ exists: boolean }>(
      'select exists (select 1 from pg_database where datname = $1) as exists',
      [database],
    );
    return { up: true, detail: rows[0]?.exists ? undefined : `database ${database} does not exist yet` };
  } catch (e) {
    return { up: false, detail: `port open but login failed: ${(e as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function resp(args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** Sends (AUTH and) PING to the REDIS_URL server over a raw socket and expects +PONG. */
export function probeRedis(redisUrl: string, timeoutMs = 3000): Promise<Probe> {
  const url = new URL(redisUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 6379);
  const hint = isLocalHost(host) ? `; ${redisHint(port)}` : '';
  const commands: string[][] = [];
  if (url.password) {
    const password = decodeURIComponent(url.password);
    commands.push(url.username ? ['AUTH', decodeURIComponent(url.username), password] : ['AUTH', password]);
  }
  commands.push(['PING']);

  return new Promise((resolve) => {
    const socket =
      url.protocol === 'rediss:'
        ? tls.connect({ host, port, servername: host })
        : net.connect({ host, port });
    let buffer = '';
    const done = (probe: Probe) => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ up: false, detail: `no answer within ${timeoutMs} ms${hint}` }),
    );
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
      socket.write(commands.map(resp).join('')),
    );
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const replies = buffer.split('\r\n').slice(0, -1);
      const error = replies.find((r) => r.startsWith('-'));
      if (error) return done({ up: false, detail: `port open but redis said: ${error.slice(1)}` });
      if (replies.length >= commands.length) {
        const last = replies[commands.length - 1];
        done(last === '+PONG' ? { up: true } : { up: false, detail: `unexpected reply to PING: ${last}` });
      }
    });
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done({ up: false, detail: `${e.code === 'ECONNREFUSED' ? 'connection refused' : e.message}${hint}` }),
    );
  });
}
