import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { commonSchema, loadConfig } from '../../../config/src/config';

/** The monorepo root: the nearest directory above this file with a package.json (also from dist/). */
export const REPO_ROOT = ((): string => {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return path.resolve(__dirname, '..', '..', '..', '..');
})();

/** The pom that pins the Kafka version; docker-compose.yml and k8s/kafka.yaml must use the same one. */
export const KAFKA_POM = path.join(REPO_ROOT, 'libs', 'devtools', 'kafka', 'pom.xml');

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface InfraSettings {
  root: string;
  kafka: {
    /** host:port list, as given by KAFKA_BROKERS. */
    brokers: string[];
    /** True when every broker is on this machine: then `up` may start one. */
    local: boolean;
    port: number;
    controllerPort: number;
    version: string;
    topicPrefix: string;
    dirs: {
      base: string;
      lib: string;
      config: string;
      data: string;
      logs: string;
    };
    files: {
      serverProperties: string;
      log4j: string;
      pid: string;
      clusterId: string;
      lock: string;
      serverOut: string;
      serverLog: string;
      meta: string;
    };
  };
  postgres: { url: string; host: string; port: number };
  redis: { url: string; host: string; port: number };
}

export function kafkaVersionFromPom(pomPath = KAFKA_POM): string {
  const pom = readFileSync(pomPath, 'utf8');
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error(`${pomPath}: no <kafka.version> property`);
  return match[1];
}

function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

function urlHostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(u.port || defaultPort) };
}

function portVar(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}

export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(host.toLowerCase());
}

/** Reads the environment (with the same defaults as the services) into the settings infra works with. */
export function resolveSettings(env: NodeJS.ProcessEnv = process.env, root = REPO_ROOT): InfraSettings {
  const kafkaPortVar = portVar(env, 'KAFKA_PORT');
  const brokersGiven = env.KAFKA_BROKERS !== undefined && env.KAFKA_BROKERS !== '';
  const config = loadConfig(commonSchema, {
    DATABASE_URL: env.DATABASE_URL,
    REDIS_URL: env.REDIS_URL,
    KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX,
    KAFKA_BROKERS: brokersGiven ? env.KAFKA_BROKERS : kafkaPortVar ? `127.0.0.1:${kafkaPortVar}` : undefined,
  });
  const brokers = config.KAFKA_BROKERS.split(',');
  const first = splitHostPort(brokers[0]);
  const local = brokers.every((b) => isLocalHost(splitHostPort(b).host));
  if (local && kafkaPortVar !== undefined && kafkaPortVar !== first.port) {
    throw new Error(`KAFKA_PORT=${kafkaPortVar} disagrees with KAFKA_BROKERS=${config.KAFKA_BROKERS}`);
  }
  const controllerPort = portVar(env, 'KAFKA_CONTROLLER_PORT') ?? 9093;
  if (local && controllerPort === first.port) {
    throw new Error(`the Kafka controller port (${controllerPort}) must differ from the broker port`);
  }

  const base = path.join(root, '.data', 'kafka');
  const dirs = {
    base,
    lib: path.join(base, 'lib'),
    config: path.join(base, 'config'),
    data: path.join(base, 'data'),
    logs: path.join(base, 'logs'),
  };
  return {
    root,
    kafka: {
      brokers,
      local,
      port: first.port,
      controllerPort,
      version: kafkaVersionFromPom(path.join(root, 'libs', 'devtools', 'kafka', 'pom.xml')),
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      dirs,
      files: {
        serverProperties: path.join(dirs.config, 'server.properties'),
        log4j: path.join(dirs.config, 'log4j.properties'),
        pid: path.join(base, 'kafka.pid'),
        clusterId: path.join(base, 'cluster-id'),
        lock: path.join(base, 'up.lock'),
        serverOut: path.join(dirs.logs, 'server.out'),
        serverLog: path.join(dirs.logs, 'server.log'),
        meta: path.join(dirs.data, 'meta.properties'),
      },
    },
    postgres: { url: config.DATABASE_URL, ...urlHostPort(config.DATABASE_URL, 5432) },
    redis: { url: config.REDIS_URL, ...urlHostPort(config.REDIS_URL, 6379) },
  };
}

/** A path relative to the repo root, for messages. */
export function rel(settings: InfraSettings, p: string): string {
  return path.relative(settings.root, p) || '.';
}
