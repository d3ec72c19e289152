import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { probeKafka } from './probes';
import type { InfraSettings } from './settings';

type KafkaSettings = InfraSettings['kafka'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to completion, capturing its output. */
function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(`${cmd} is not installed (not found on PATH)`) : e),
    );
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** Log sizes when this process last started the broker: error messages show only what came after. */
const logOffsets = new Map<string, number>();

/** The end of the broker's logs, for error messages. */
export function logTail(k: KafkaSettings, n = 30): string {
  const parts: string[] = [];
  for (const file of [k.files.serverOut, k.files.serverLog]) {
    if (!existsSync(file)) continue;
    const whole = readFileSync(file);
    const offset = logOffsets.get(file) ?? 0;
    // Stack frames push the cause out of view: keep the messages and their "Caused by" chain.
    const text = (offset <= whole.length ? whole.subarray(offset) : whole)
      .toString('utf8')
      .split('\n')
      .filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line))
      .join('\n');
    if (text.trim())
      parts.push(`--- ${file} (last ${n} lines, stack frames left out) ---\n${lastLines(text, n)}`);
  }
  return parts.join('\n') || '(the broker wrote no log)';
}

export function jarsPresent(k: KafkaSettings): boolean {
  return existsSync(path.join(k.dirs.lib, `kafka_2.13-${k.version}.jar`));
}

/** Copies the Kafka jars of the pom's version into .data/kafka/lib with Maven (atomically: via a temp dir). */
export async function downloadJars(k: KafkaSettings, root: string, pom: string): Promise<void> {
  const partial = `${k.dirs.lib}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(k.dirs.base, { recursive: true });
  const { code, output } = await run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${partial}`,
      '-DincludeScope=runtime',
    ],
    root,
  );
  if (code !== 0 || !existsSync(path.join(partial, `kafka_2.13-${k.version}.jar`))) {
    throw new Error(
      `mvn could not fetch the Kafka ${k.version} jars (exit ${code}):\n${lastLines(output, 40)}`,
    );
  }
  rmSync(k.dirs.lib, { recursive: true, force: true });
  renameSync(partial, k.dirs.lib);
}

export function serverProperties(k: KafkaSettings): string {
  return [
    '# Written by libs/devtools/src/infra/infra.ts each time `infra up` starts the broker; edits are overwritten.',
    'process.roles=broker,controller',
    'node.id=1',
    `listeners=PLAINTEXT://127.0.0.1:${k.port},CONTROLLER://127.0.0.1:${k.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${k.port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    `controller.quorum.voters=1@127.0.0.1:${k.controllerPort}`,
    `log.dirs=${k.dirs.data}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

export function log4jProperties(k: KafkaSettings): string {
  return [
    '# Quiet: warnings and the start/stop lines only, into .data/kafka/logs/server.log.',
    'log4j.rootLogger=WARN, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${k.files.serverLog}`,
    'log4j.appender.file.MaxFileSize=10MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.server.KafkaRaftServer=INFO',
    '',
  ].join('\n');
}

export function writeConfig(k: KafkaSettings): void {
  for (const dir of [k.dirs.config, k.dirs.data, k.dirs.logs]) mkdirSync(dir, { recursive: true });
  writeFileSync(k.files.serverProperties, serverProperties(k));
  writeFileSync(k.files.log4j, log4jProperties(k));
}

/**
 * The cluster id: generated once and kept in .data/kafka/cluster-id. Kafka's Uuid format (22 url-safe
 * base64 characters), never starting with '-' (as Kafka's own `Uuid.randomUuid`): the storage tool's
 * argument parser would take such an id for an option, and formatting failed on one clone in 64. A stored
 * id that starts with '-' never formatted any storage, so it is replaced.
 */
export function clusterId(k: KafkaSettings): string {
  if (existsSync(k.files.clusterId)) {
    const stored = readFileSync(k.files.clusterId, 'utf8').trim();
    if (stored !== '' && !stored.startsWith('-')) return stored;
  }
  let id = randomBytes(16).toString('base64url');
  while (id.startsWith('-')) id = randomBytes(16).toString('base64url');
  writeFileSync(k.files.clusterId, `${id}\n`);
  return id;
}

function javaBase(k: KafkaSettings): string[] {
  return ['-cp', path.join(k.dirs.lib, '*'), `-Dlog4j.configuration=file:${k.files.log4j}`];
}

/** Formats the KRaft storage unless it already is (meta.properties exists). Returns whether it formatted. */
export async function formatStorage(k: KafkaSettings, root: string): Promise<boolean> {
  if (existsSync(k.files.meta)) return false;
  const id = clusterId(k);
  const { code, output } = await run(
    'java',
    [...javaBase(k), 'kafka.tools.StorageTool', 'format', '-t', id, '-c', k.files.serverProperties],
    root,
  );
  if (code !== 0)
    throw new Error(`formatting the Kafka storage failed (exit ${code}):\n${lastLines(output, 30)}`);
  return true;
}

/** The pid of the broker that infra started, if it is still alive and still that broker. */
export function runningPid(k: KafkaSettings): number | undefined {
  if (!existsSync(k.files.pid)) return undefined;
  const pid = Number(readFileSync(k.files.pid, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isOurBroker(pid) ? pid : undefined;
}

/** The broker port in the server.properties on disk (the one the running broker was started with). */
export function configuredPort(k: KafkaSettings): number | undefined {
  if (!existsSync(k.files.serverProperties)) return undefined;
  const match = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(readFileSync(k.files.serverProperties, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

function isOurBroker(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Guard against a reused pid: it must be a java running kafka.Kafka.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return cmdline.includes('kafka.Kafka') && state !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust the pid file
  }
}

/** Starts the broker detached (it outlives this process), logging to .data/kafka/logs. */
export function startBroker(k: KafkaSettings, root: string): ChildProcess {
  for (const file of [k.files.serverOut, k.files.serverLog]) {
    logOffsets.set(file, existsSync(file) ? statSync(file).size : 0);
  }
  const out = openSync(k.files.serverOut, 'a');
  try {
    const child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${k.dirs.logs}`,
        ...javaBase(k),
        'kafka.Kafka',
        k.files.serverProperties,
      ],
      { cwd: root, detached: true, stdio: ['ignore', out, out] },
    );
    if (child.pid === undefined) throw new Error('could not start java (is it installed?)');
    writeFileSync(k.files.pid, `${child.pid}\n`);
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

/**
 * Waits until the broker answers as Kafka. Fails early when the process dies, and after `timeoutMs`
 * with the end of its logs.
 */
export async function waitReady(
  k: KafkaSettings,
  pid: number,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  let exit: string | undefined;
  child?.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `code ${code}`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit !== undefined || (!child && !isOurBroker(pid))) {
      rmSync(k.files.pid, { force: true });
      throw new Error(
        `kafka: the broker exited during start-up (${exit ?? 'pid ' + pid + ' gone'}):\n${logTail(k)}`,
      );
    }
    if ((await probeKafka(k.brokers)).up) return;
    if (Date.now() > deadline) {
      await stopBroker(k, 10000);
      throw new Error(
        `kafka: the broker was not ready after ${timeoutMs / 1000} s; stopped it:\n${logTail(k)}`,
      );
    }
    await sleep(500);
  }
}

/** SIGTERM, up to `graceMs` to exit, then SIGKILL. Leaves the data. Returns the pid it stopped. */
export async function stopBroker(k: KafkaSettings, graceMs = 30000): Promise<number | undefined> {
  const pid = runningPid(k);
  if (pid === undefined) {
    rmSync(k.files.pid, { force: true });
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isOurBroker(pid) && Date.now() < deadline) await sleep(200);
  if (isOurBroker(pid)) {
    process.kill(pid, 'SIGKILL');
    while (isOurBroker(pid)) await sleep(100);
  }
  rmSync(k.files.pid, { force: true });
  return pid;
}

/**
 * A lock file so that two concurrent `up`s (e.g. parallel test workers) do not both start a broker.
 * Waits for a live holder; takes over from a dead one.
 */
export async function withLock<T>(k: KafkaSettings, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  mkdirSync(k.dirs.base, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(k.files.lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let text: string;
      try {
        text = readFileSync(k.files.lock, 'utf8').trim();
      } catch {
        continue; // released in the meantime
      }
      const holder = Number(text);
      let alive = true; // an empty file is a lock being written right now
      try {
        if (text) process.kill(holder, 0);
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(k.files.lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`another infra up (pid ${holder}) still holds ${k.files.lock}`);
      }
      await sleep(300);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(k.files.lock, { force: true });
  }
}
