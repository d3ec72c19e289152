import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { bindMounts, composeCommand, composeEnv, Env, obj, Obj } from './compose';

/** Where the rehearsal's infrastructure is: the local one every test uses. */
export interface LocalInfra {
  kafkaBrokers: string;
  redisUrl: string;
  /** The local PostgreSQL's URL with no database; each compose database host gets one of its own. */
  postgresUrl: string;
  topicPrefix: string;
  /** Prefix of the rehearsal's databases (`<prefix>_<compose host>`). */
  databasePrefix: string;
}

export interface ServicePlan {
  name: string;
  argv: string[];
  env: Record<string, string>;
  /** Container port -> host port, for the ports the service listens on. */
  ports: Map<number, number>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The local database standing for a compose PostgreSQL host. */
export function localDatabaseUrl(infra: LocalInfra, composeUrl: string): string {
  const host = new URL(composeUrl).hostname.replace(/[^a-z0-9]/g, '_');
  const url = new URL(infra.postgresUrl);
  url.pathname = `/${infra.databasePrefix}_${host}`;
  return url.toString();
}

/**
 * A compose service's command and environment, moved onto this machine: the infrastructure's addresses
 * become the local ones (with the rehearsal's own databases and topic prefix), each port a service
 * listens on becomes a free one (all services share one network here), bind mounts become their sources.
 * Everything else is exactly what compose gives the container.
 */
export async function planService(name: string, service: Obj, vars: Env, infra: LocalInfra) {
  const env: Record<string, string> = {};
  const ports = new Map<number, number>();
  for (const [key, value] of Object.entries(composeEnv(service, vars))) {
    if (value === undefined) continue;
    if (key === 'DATABASE_URL') env[key] = localDatabaseUrl(infra, value);
    else if (key === 'KAFKA_BROKERS') env[key] = infra.kafkaBrokers;
    else if (key === 'REDIS_URL') env[key] = infra.redisUrl;
    else if (/_PORT$/.test(key)) {
      const port = await freePort();
      ports.set(Number(value), port);
      env[key] = String(port);
    } else env[key] = value;
  }
  env.KAFKA_TOPIC_PREFIX = infra.topicPrefix;
  let argv = composeCommand(service);
  for (const mount of bindMounts(service, vars))
    argv = argv.map((a) => (a === mount.target ? mount.source : a));
  return { name, argv, env, ports } satisfies ServicePlan;
}

/**
 * The other services' APIs a service calls (`http://clearing:3100`), moved to where those services listen
 * on this machine (`http://127.0.0.1:<its port here>`), once every service has its ports.
 */
export function rewriteServiceUrls(plans: ServicePlan[]): void {
  const byName = new Map(plans.map((p) => [p.name, p]));
  for (const plan of plans) {
    for (const [key, value] of Object.entries(plan.env)) {
      const m = /^(https?):\/\/([a-z0-9-]+):(\d+)(.*)$/.exec(value);
      const target = m && byName.get(m[2]);
      if (!m || !target) continue;
      const port = target.ports.get(Number(m[3]));
      if (port === undefined)
        throw new Error(`${plan.name}: ${key} calls ${m[2]} on a port it does not listen on`);
      plan.env[key] = `${m[1]}://127.0.0.1:${port}${m[4]}`;
    }
  }
}

/** The process environment of a container: the image's ENV, then the service's, and a PATH. */
function containerEnv(imageEnv: Record<string, string>, plan: ServicePlan): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...imageEnv, ...plan.env };
}

/** `node ...` of the command runs on `nodeBinary` (the image's Node version when it is installed here). */
function resolveArgv(argv: string[], nodeBinary: string): [string, string[]] {
  if (argv[0] !== 'node') throw new Error(`command ${argv.join(' ')}: the rehearsal runs node commands only`);
  return [nodeBinary, argv.slice(1)];
}

/** Runs a one-shot service to completion in the image directory; throws with its output when it fails. */
export function runJob(imageDir: string, imageEnv: Record<string, string>, plan: ServicePlan, node: string) {
  const [bin, args] = resolveArgv(plan.argv, node);
  const result = spawnSync(bin, args, {
    cwd: imageDir,
    env: containerEnv(imageEnv, plan),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(`${plan.name} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout.trim();
}

export function startService(
  imageDir: string,
  imageEnv: Record<string, string>,
  plan: ServicePlan,
  node: string,
  logDir: string,
): ChildProcess {
  const [bin, args] = resolveArgv(plan.argv, node);
  const child = spawn(bin, args, {
    cwd: imageDir,
    env: containerEnv(imageEnv, plan),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(path.join(logDir, `${plan.name}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

export function services(compose: Obj): [string, Obj][] {
  return Object.entries(obj(compose.services)).map(([name, s]) => [name, obj(s)]);
}
