import { spawn } from 'node:child_process';
import { Client } from 'pg';

/**
 * The yardstick of the end-to-end bench: `pgbench -N` (TPC-B-like without the updates of the two small
 * tables, so without their row-lock contention) on the same PostgreSQL, in a scratch database that is
 * dropped and initialized again each run. A transfer of Concord is roughly one such transaction's worth of
 * durable work, which is why the bench reports its throughput as a ratio of this one.
 */
export interface PgbenchOptions {
  /** postgresql://user@host:port (no database). */
  serverUrl: string;
  database: string;
  scale: number;
  clients: number;
  threads: number;
  seconds: number;
  /** Called about once a second while the run lasts, with the seconds elapsed. */
  onTick?: (elapsedS: number) => void;

  log?: (line: string) => void;
}

export interface PgbenchResult {
  command: string;
  tps: number;
  latencyAvgMs: number | null;
  transactions: number | null;
  initSeconds: number;
  output: string;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onTick?: (elapsedS: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const started = Date.now();
    const timer = onTick ? setInterval(() => onTick((Date.now() - started) / 1000), 1000) : null;
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      reject(new Error(`${command} could not start: ${e.message}`));
    });
    child.on('exit', (code) => {
      if (timer) clearInterval(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
}

async function recreateDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(database)) throw new Error(`database name "${database}" must be [a-z0-9_]+`);
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    await client.query(`drop database if exists ${database} with (force)`);
    await client.query(`create database ${database}`);
  } finally {
    await client.end();
  }
}

export async function dropScratchDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    await client.query(`drop database if exists ${database} with (force)`);
  } finally {
    await client.end();
  }
}

export async function runPgbench(options: PgbenchOptions): Promise<PgbenchResult> {
  const url = new URL(options.serverUrl);
  const connection = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
  ];
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  await recreateDatabase(options.serverUrl, options.database);
  const initStarted = Date.now();
  options.log?.(`pgbench: initializing ${options.database} at scale ${options.scale}`);
  await run('pgbench', ['-i', '-q', '-s', String(options.scale), ...connection, options.database], env);
  const initSeconds = (Date.now() - initStarted) / 1000;
  const args = [
    '-N',
    '-c',
    String(options.clients),
    '-j',
    String(options.threads),
    '-T',
    String(options.seconds),
    ...connection,
    options.database,
  ];
  const command = `pgbench ${args.join(' ')}`;
  options.log?.(`pgbench: ${command}`);
  const output = await run('pgbench', args, env, options.onTick);
  const tps =
    /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([\d.]+)/.exec(output);
  if (!tps) throw new Error(`no tps in the output of ${command}:\n${output}`);
  const latency = /latency average = ([\d.]+) ms/.exec(output);
  const transactions = /number of transactions actually processed: (\d+)/.exec(output);
  return {
    command,
    tps: Number(tps[1]),
    latencyAvgMs: latency ? Number(latency[1]) : null,
    transactions: transactions ? Number(transactions[1]) : null,
    initSeconds,
    output,
  };
}
