/**
 * Local infrastructure for development and tests, without Docker:
 *
 *   tsx libs/devtools/src/infra/infra.ts up      start Kafka (KRaft, jars from Maven), check PostgreSQL and Redis,
 *                                          create the topics
 *   tsx libs/devtools/src/infra/infra.ts down    stop the Kafka that `up` started (keeps its data)
 *   tsx libs/devtools/src/infra/infra.ts status  one line per component; exit 0 when all are up
 *   ... up|down|status --brokers 3                 a KRaft cluster of three brokers on 127.0.0.1:19092-19094
 *                                                  (controllers 19192-19194, data in .data/kafka-cluster),
 *                                                  beside the single broker on 9092, which it leaves alone
 *
 * Kafka lives in .data/kafka (jars, config, data, logs, pid). PostgreSQL and Redis are only checked.
 * Everything is read from the same variables as the services: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX,
 * DATABASE_URL, REDIS_URL, plus KAFKA_PORT / KAFKA_CONTROLLER_PORT for the local broker.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { infraClusterPorts, KafkaCluster } from './kafka-cluster';
import {
  configuredPort,
  downloadJars,
  formatStorage,
  jarsPresent,
  runningPid,
  startBroker,
  stopBroker,
  waitReady,
  withLock,
  writeConfig,
} from './kafka-local';
import { probeKafka, probePostgres, probeRedis, type Probe } from './probes';
import { KAFKA_POM, rel, resolveSettings, type InfraSettings } from './settings';
import { ensureTopics, type EnsureTopicsResult } from './topics';

export { ensureTopics, type EnsureTopicsResult };

export interface InfraOptions {
  /** Where the variables come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Progress output (default console.log); pass `() => {}` for silence. */
  log?: (line: string) => void;
  /** How long to wait for a freshly started broker (default 90 s). */
  readyTimeoutMs?: number;
}

export interface InfraUpResult {
  kafka: { brokers: string; started: boolean; pid?: number };
  topics: EnsureTopicsResult;
  /** Wall time of the whole `up`, in ms. */
  elapsedMs: number;
}

export interface ComponentStatus {
  name: 'kafka' | 'postgres' | 'redis';
  up: boolean;
  address: string;
  detail?: string;
}

export class InfraError extends Error {
  override name = 'InfraError';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Starts the local broker unless Kafka already answers; returns the pid when this call started it. */
async function upKafka(
  s: InfraSettings,
  log: (line: string) => void,
  readyTimeoutMs: number,
): Promise<{ started: boolean; pid?: number }> {
  const k = s.kafka;
  const address = k.brokers.join(',');
  if (!k.local) {
    const probe = await probeKafka(k.brokers);
    if (!probe.up) {
      throw new InfraError(
        `kafka: ${address} is not reachable (${probe.detail}); KAFKA_BROKERS is not local, so infra does not start it`,
      );
    }
    log(`kafka: up at ${address} (remote, not managed here)`);
    return { started: false };
  }

  return withLock(k, readyTimeoutMs + 60000, async () => {
    const probe = await probeKafka(k.brokers);
    if (probe.up) {
      const pid = runningPid(k);
      log(`kafka: already up at ${address}${pid ? ` (pid ${pid})` : ' (not started by infra)'}`);
      return { started: false, pid };
    }
    const existing = runningPid(k);
    const existingPort = existing !== undefined ? configuredPort(k) : undefined;
    if (existing !== undefined && existingPort !== undefined && existingPort !== k.port) {
      throw new InfraError(
        `kafka: the broker started by infra (pid ${existing}) listens on port ${existingPort}, not ${k.port}; ` +
          'run `infra down` first to restart it on the new port',
      );
    }
    if (existing !== undefined) {
      // Ours, but not answering yet (e.g. still starting after a crash of the `up` that spawned it).
      log(`kafka: pid ${existing} is starting, waiting for it`);
      await waitReady(k, existing, readyTimeoutMs);
      return { started: false, pid: existing };
    }
    if (probe.tcp) {
      throw new InfraError(
        `kafka: port ${k.port} is in use by something that is not Kafka (${probe.detail})`,
      );
    }

    if (!jarsPresent(k)) {
      log(
        `kafka: fetching the Kafka ${k.version} jars with Maven into ${rel(s, k.dirs.lib)} (first run only)`,
      );
      const t = Date.now();
      await downloadJars(k, s.root, KAFKA_POM);
      log(`kafka: jars ready in ${seconds(Date.now() - t)}`);
    }
    writeConfig(k);
    if (await formatStorage(k, s.root)) log(`kafka: formatted storage in ${rel(s, k.dirs.data)}`);

    const t = Date.now();
    const child: ChildProcess = startBroker(k, s.root);
    log(`kafka: starting on ${address} (pid ${child.pid}, logs in ${rel(s, k.dirs.logs)})`);
    await waitReady(k, child.pid!, readyTimeoutMs, child);
    log(`kafka: ready in ${seconds(Date.now() - t)}`);
    return { started: true, pid: child.pid };
  });
}

function failure(name: string, address: string, probe: Probe): string {
  return `${name}: not reachable at ${address}: ${probe.detail}`;
}

/**
 * Brings the infrastructure up: Kafka (started locally when KAFKA_BROKERS is local), PostgreSQL and Redis
 * (checked only), then the topics. Idempotent. Throws an InfraError naming every component that is down.
 */
export async function infraUp(opts: InfraOptions = {}): Promise<InfraUpResult> {
  const start = Date.now();
  const log = opts.log ?? ((line: string) => console.log(line));
  const s = resolveSettings(opts.env ?? process.env);
  const pgAddress = `${s.postgres.host}:${s.postgres.port}`;
  const redisAddress = `${s.redis.host}:${s.redis.port}`;

  // PostgreSQL and Redis are checked while Kafka starts; all problems are reported together.
  const [kafka, postgres, redis] = await Promise.allSettled([
    upKafka(s, log, opts.readyTimeoutMs ?? 90000),
    probePostgres(s.postgres.url),
    probeRedis(s.redis.url),
  ]);
  const problems: string[] = [];
  if (kafka.status === 'rejected') problems.push((kafka.reason as Error).message);
  for (const [name, address, result] of [
    ['postgres', pgAddress, postgres],
    ['redis', redisAddress, redis],
  ] as const) {
    if (result.status === 'rejected') problems.push(`${name}: ${(result.reason as Error).message}`);
    else if (!result.value.up) problems.push(failure(name, address, result.value));
    else log(`${name}: up at ${address}${result.value.detail ? ` (${result.value.detail})` : ''}`);
  }
  if (problems.length > 0 || kafka.status === 'rejected') throw new InfraError(problems.join('\n'));

  const topics = await ensureTopics(s.kafka.brokers, s.kafka.topicPrefix);
  const prefix = s.kafka.topicPrefix ? ` under prefix '${s.kafka.topicPrefix}'` : '';
  log(
    topics.created.length > 0
      ? `topics: created ${topics.created.join(', ')}${prefix}`
      : `topics: all ${topics.existing.length} present${prefix}`,
  );
  const elapsedMs = Date.now() - start;
  log(`infra up in ${seconds(elapsedMs)}`);
  return { kafka: { brokers: s.kafka.brokers.join(','), ...kafka.value }, topics, elapsedMs };
}

/** Stops the broker that `up` started (SIGTERM, 30 s, then SIGKILL); keeps its data. */
export async function infraDown(opts: InfraOptions = {}): Promise<{ stopped: boolean; pid?: number }> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const s = resolveSettings(opts.env ?? process.env);
  if (!s.kafka.local) {
    log('kafka: KAFKA_BROKERS is not local; nothing to stop');
    return { stopped: false };
  }
  const t = Date.now();
  const pid = await stopBroker(s.kafka);
  if (pid === undefined) {
    const probe = await probeKafka(s.kafka.brokers);
    log(
      probe.up
        ? `kafka: ${s.kafka.brokers.join(',')} is up but was not started by infra; left alone`
        : 'kafka: not running',
    );
    return { stopped: false };
  }
  log(`kafka: stopped pid ${pid} in ${seconds(Date.now() - t)} (data kept in ${rel(s, s.kafka.dirs.data)})`);
  return { stopped: true, pid };
}

/** Probes every component. */
export async function infraStatus(opts: Pick<InfraOptions, 'env'> = {}): Promise<ComponentStatus[]> {
  const s = resolveSettings(opts.env ?? process.env);
  const [kafka, postgres, redis] = await Promise.all([
    probeKafka(s.kafka.brokers),
    probePostgres(s.postgres.url),
    probeRedis(s.redis.url),
  ]);
  const pid = s.kafka.local ? runningPid(s.kafka) : undefined;
  const kafkaDetail = kafka.up
    ? [
        s.kafka.local ? (pid ? `pid ${pid}` : 'not started by infra') : 'remote',
        `${kafka.topics?.length ?? 0} topics`,
      ].join(', ')
    : kafka.detail;
  return [
    { name: 'kafka', up: kafka.up, address: s.kafka.brokers.join(','), detail: kafkaDetail },
    {
      name: 'postgres',
      up: postgres.up,
      address: `${s.postgres.host}:${s.postgres.port}`,
      detail: postgres.detail,
    },
    { name: 'redis', up: redis.up, address: `${s.redis.host}:${s.redis.port}`, detail: redis.detail },
  ];
}

export function formatStatus(status: ComponentStatus[]): string {
  return status
    .map(
      (c) =>
        `${c.name.padEnd(9)}${(c.up ? 'up' : 'down').padEnd(5)} ${c.address}${c.detail ? ` (${c.detail})` : ''}`,
    )
    .join('\n');
}

/** The cluster of `--brokers N` (N > 1): its own ports and folder, so the shared broker is not disturbed. */
function infraCluster(count: number): KafkaCluster {
  const s = resolveSettings(process.env);
  return new KafkaCluster(path.join(s.root, '.data', 'kafka-cluster'), infraClusterPorts(count), s.root);
}

async function clusterCommand(command: string, count: number): Promise<number> {
  const cluster = infraCluster(count);
  const seconds0 = Date.now();
  if (command === 'up') {
    const { started } = await cluster.start();
    const topics = await ensureTopics(cluster.brokers, resolveSettings(process.env).kafka.topicPrefix);
    console.log(
      `kafka cluster: ${count} brokers up at ${cluster.brokers}` +
        (started.length ? ` (started ${started.join(', ')})` : ' (already running)'),
    );
    console.log(
      `topics: ${topics.created.length} created, ${topics.existing.length} present, replication factor ${Math.min(3, count)}`,
    );
    console.log(`KAFKA_BROKERS=${cluster.brokers}  (up in ${seconds(Date.now() - seconds0)})`);
    return 0;
  }
  if (command === 'down') {
    const stopped = await cluster.stop();
    console.log(`kafka cluster: stopped ${stopped.length} broker(s), data kept in .data/kafka-cluster`);
    return 0;
  }
  const probes = await Promise.all(cluster.nodes.map((k) => probeKafka(k.brokers)));
  probes.forEach((p, i) =>
    console.log(
      `broker-${i + 1} ${p.up ? 'up  ' : 'down'} ${cluster.nodes[i].brokers[0]}${p.up ? '' : ` (${p.detail})`}`,
    ),
  );
  return probes.every((p) => p.up) ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { brokers: { type: 'string' } },
  });
  const command = positionals[0];
  const count = Number(values.brokers ?? '1');
  if (!Number.isInteger(count) || count < 1 || count > 5) {
    console.error(`--brokers ${values.brokers}: a number of brokers from 1 to 5`);
    return 2;
  }
  if (count > 1 && ['up', 'down', 'status'].includes(command)) return clusterCommand(command, count);
  switch (command) {
    case 'up':
      await infraUp();
      return 0;
    case 'down':
      await infraDown();
      return 0;
    case 'status': {
      const status = await infraStatus();
      console.log(formatStatus(status));
      return status.every((c) => c.up) ? 0 : 1;
    }
    default:
      console.error('usage: tsx libs/devtools/src/infra/infra.ts up|down|status [--brokers N]');
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e instanceof InfraError || e.name === 'ConfigError' ? e.message : (e.stack ?? String(e)));
      process.exit(1);
    },
  );
}
