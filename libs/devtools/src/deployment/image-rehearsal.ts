/**
 * `npm run image:rehearse`: the image, built and run without Docker. It reads the Dockerfile, lays out
 * exactly what its COPY lines copy (from git's index: what a clean clone holds) and runs its RUN lines in
 * a temporary directory (image-layout.ts), then runs docker-compose.yml's one-shot jobs (migrations of
 * every database, the genesis) and starts every app service with the command and environment compose
 * gives it (deploy/compose/demo.env), against the local Kafka, PostgreSQL and Redis with databases and a
 * topic prefix of its own, and sends a signed transfer through to finality. A file the image lacks or a
 * production dependency it prunes stops a service, and the rehearsal fails naming it.
 *
 * Run under `flock /tmp/concord-network.lock` (it starts a whole network). Node: the image's version when
 * REHEARSAL_NODE names its binary, else this process's.
 */
import { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ConcordClient } from '@concord/sdk';
import { DEMO_CONSORTIUM, participantKey } from '../demo/consortium';
import { dropDatabase } from '../database/prisma';
import { ensureTopics } from '../infra/topics';
import { COMPOSE_ENV_FILE, loadComposeFile, readEnvFile } from './compose';
import { layOutImage } from './image-layout';
import {
  LocalInfra,
  planService,
  rewriteServiceUrls,
  runJob,
  ServicePlan,
  services,
  startService,
} from './rehearsal-services';

const APP_IMAGE = 'concord:local';
const READY_TIMEOUT_MS = 90_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const elapsed = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'rehearsal',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The port a service answers /ready on, on this machine: its ops server's, or its API port (`<NAME>_PORT`:
 * the gateway, the console, compliance).
 */
function readyUrl(plan: ServicePlan): string {
  const key =
    Object.keys(plan.env).find((k) => k.endsWith('_HEALTH_PORT')) ?? `${plan.name.toUpperCase()}_PORT`;
  if (!plan.env[key]) throw new Error(`${plan.name}: no port answers /ready`);
  return `http://127.0.0.1:${plan.env[key]}/ready`;
}

async function waitReady(plans: ServicePlan[], children: Map<string, ChildProcess>, logDir: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(plans.map((p) => p.name));
  while (pending.size > 0) {
    for (const plan of plans.filter((p) => pending.has(p.name))) {
      const child = children.get(plan.name)!;
      if (child.exitCode !== null) {
        const log = readFileSync(path.join(logDir, `${plan.name}.log`), 'utf8')
          .split('\n')
          .slice(-30);
        throw new Error(`${plan.name} exited with code ${child.exitCode}:\n${log.join('\n')}`);
      }
      const ok = await fetch(readyUrl(plan)).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) pending.delete(plan.name);
    }
    if (Date.now() > deadline)
      throw new Error(`not ready after ${READY_TIMEOUT_MS} ms: ${[...pending].join(', ')}`);
    await sleep(250);
  }
}

/** Resident memory and CPU time of a process so far, from /proc (for the sizing in docs/deployment.md). */
function usage(pid: number | undefined): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    return `RSS ${Math.round(rssKb / 1024)} MB, CPU ${((utime + stime) / 100).toFixed(1)} s`;
  } catch {
    return 'usage unknown';
  }
}

/** A signed transfer between two demo partners, answered final (committed) within the wait. */
async function signedTransfer(gatewayPort: string): Promise<string> {
  const { keyId, key } = participantKey(DEMO_CONSORTIUM, 'hk-remit');
  const client = new ConcordClient({
    baseUrl: `http://127.0.0.1:${gatewayPort}`,
    keyId,
    seedHex: key.seedHex,
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  // The gateway knows the members once the genesis block is final.
  while ((await client.me().catch(() => ({ status: 0 }))).status !== 200) {
    if (Date.now() > deadline) throw new Error('the gateway never accepted a signed request');
    await sleep(250);
  }
  const id = `rehearsal-${randomBytes(4).toString('hex')}`;
  const answer = await client.createTransfer(
    { id, payer: 'hk-remit', payee: 'mnl-payout', amount: '125.50', currency: 'USD' },
    { waitMs: 10_000 },
  );
  const body = answer.body as { status?: string };
  if (answer.status !== 201 || body.status !== 'committed') {
    throw new Error(`transfer ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return id;
}

/** Compose's services of the app image: one-shot jobs (restart 'no') first, the long-running apps after. */
async function plans(infra: LocalInfra) {
  const compose = loadComposeFile();
  const vars = readEnvFile(COMPOSE_ENV_FILE);
  const ours = services(compose).filter(([, s]) => s.image === APP_IMAGE);
  const plan = ([name, s]: [string, Record<string, unknown>]) => planService(name, s, vars, infra);
  const jobs = await Promise.all(ours.filter(([, s]) => s.restart === 'no').map(plan));
  const apps = await Promise.all(ours.filter(([, s]) => s.restart !== 'no').map(plan));
  rewriteServiceUrls(apps);
  // Migrations before the genesis, as compose's depends_on orders them.
  jobs.sort((a, b) => Number(a.name === 'genesis') - Number(b.name === 'genesis'));
  return { jobs, apps };
}

type Plans = Awaited<ReturnType<typeof plans>>;

async function rehearse(
  workDir: string,
  infra: LocalInfra,
  node: string,
  planned: Plans,
  log: (l: string) => void,
) {
  const { jobs, apps } = planned;
  const t = Date.now();
  const image = layOutImage(workDir, log);
  log(`image laid out in ${elapsed(t)}; user ${image.user}, Node ${node}`);
  if (image.user === undefined || image.user === 'root') throw new Error('the image runs as root');
  await ensureTopics(infra.kafkaBrokers, infra.topicPrefix);
  for (const job of jobs) log(`${job.name}: ${runJob(image.dir, image.env, job, node).split('\n').pop()}`);
  const logDir = path.join(workDir, 'logs');
  mkdirSync(logDir);
  const children = new Map<string, ChildProcess>();
  try {
    for (const app of apps) children.set(app.name, startService(image.dir, image.env, app, node, logDir));
    const started = Date.now();
    await waitReady(apps, children, logDir);
    log(`${apps.map((a) => a.name).join(', ')}: ready in ${elapsed(started)}`);
    const gateway = apps.find((a) => a.name === 'gateway');
    if (!gateway) throw new Error('compose runs no gateway');
    const id = await signedTransfer(gateway.env.GATEWAY_PORT);
    log(`transfer ${id}: committed (final) through the image's gateway and signers; total ${elapsed(t)}`);
    for (const [name, child] of children) log(`  ${name}: ${usage(child.pid)}`);
  } finally {
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all(
      [...children.values()].map(
        (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
      ),
    );
  }
}

async function main(): Promise<void> {
  const id = randomBytes(4).toString('hex');
  const infra: LocalInfra = {
    kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    postgresUrl: process.env.REHEARSAL_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    topicPrefix: `rehearsal-${id}`,
    databasePrefix: `rehearsal_${id}`,
  };
  const node = process.env.REHEARSAL_NODE ?? process.execPath;
  const workDir = mkdtempSync(path.join(tmpdir(), 'concord-rehearsal-'));
  const log = (line: string) => console.log(`rehearsal: ${line}`);
  const planned = await plans(infra);
  try {
    await rehearse(workDir, infra, node, planned, log);
  } finally {
    const urls = new Set(planned.jobs.map((j) => j.env.DATABASE_URL).filter((u) => u !== undefined));
    await Promise.all([...urls].map((u) => dropDatabase(u).catch(() => undefined)));
    await deleteTopics(infra.kafkaBrokers, infra.topicPrefix).catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: Error) => {
      console.error(`rehearsal FAILED: ${e.message}`);
      process.exit(1);
    },
  );
}
