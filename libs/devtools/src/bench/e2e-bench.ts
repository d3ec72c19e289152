/**
 * `npm run bench`: the whole Concord stack under load, end to end, on this machine.
 *
 *   npm run -s build && node dist/libs/devtools/src/bench/e2e-bench.js [options]
 *
 * 1. pgbench -N (8 clients, 15 s) on the same PostgreSQL, in a scratch database `concord_pgbench`: the
 *    yardstick the transfer rates are compared with.
 * 2. A fresh network: database `concord_bench` dropped and migrated again, its own topic prefix
 *    (`bench<timestamp>`), gateway on a free port, 4 signers with quorum 3, clearing and FX, all compiled
 *    JavaScript from dist/; process logs in .data/bench-logs/<prefix>/. The consortium has `--participants`
 *    partners in USD, EUR, PHP and HKD, funded generously except one, so that a few transfers are rejected,
 *    and an FX liquidity provider (`fx-provider`, funded in every currency) that the FX service quotes for.
 * 3. Scenarios, each for a set time, through the signed HTTP API with the SDK (every request long-polls
 *    `?wait=` for the final state): batches closed-loop at max, single transfers closed-loop at max,
 *    single transfers open-loop at half the rate the previous scenario finalized (the p99-at-half-load
 *    figure), and a skewed mix where one payer pays 70 % of the transfers and `--fx-share` of its
 *    transfers are cross-currency: a quote first (`POST /v1/quotes`, gateway -> Kafka -> FX service), then
 *    the transfer carrying it. Only the mix's single transfers are cross-currency (one quote per transfer;
 *    a batch would need one per member), chosen so that the share holds over all its transfers, batches
 *    included. Between scenarios the network drains (no transfer left `accepted`).
 * 4. Figures from the gateway's database, not from client acknowledgements: finalized transfers/s = the
 *    scenario's transfers whose finalized_at falls in the scenario's window / the window; latency =
 *    finalized_at - created_at (both set by the gateway: accepted to final), p50/p95/p99/max. The
 *    cross-currency part of the mix has its own row and, below the table, its quote round trips (client)
 *    and its quote-to-final latency: finalized_at - the moment the client asked for the quote.
 * 5. Checks on the quiet network (see checks.ts): every acknowledged transfer final exactly once, gateway
 *    and signers agree, no double posting, balances sum to zero and match the committed transfers, identical
 *    state roots at every height, `ledger:verify` passes. Any failure exits 1, whatever the speed.
 *
 * Options (each also as an environment variable BENCH_<NAME>, e.g. BENCH_SECONDS=10):
 *   --seconds N            every scenario's duration (default 25; 0 skips a scenario); or per scenario:
 *   --warmup-seconds N     (5)  --batch-seconds N  --single-seconds N  --half-seconds N  --skew-seconds N
 *   A short run to check that everything works: --seconds 5 --warmup-seconds 2 --pgbench-seconds 5
 *   --batch-clients N      closed-loop batch clients (32)      --batch-size N   transfers per batch (500)
 *   --concurrency N        closed-loop single-transfer clients (256)
 *   --skew-concurrency N   single-transfer clients of the skewed mix (48), plus --skew-batch-clients (2)
 *   --hot-share X          share of the skewed mix paid by the hot payer (0.7)
 *   --fx-share X           cross-currency share of the skewed mix's transfers (0.1; 0 sends none); the
 *                          warm-up sends the same share, so that the quote path is warm too
 *   --participants N       partners in the consortium (24, at least 20)
 *   --wait-ms N            long poll of each request (10000)       --drain-seconds N  (60)
 *   --pgbench-seconds N    (15)  --pgbench-clients N (8)  --pgbench-threads N (2)  --pgbench-scale N (10)
 *   --no-pgbench           skip pgbench (the ratio is then n/a)
 *   --console              start the operations console too (its Kafka read model follows the run), to
 *                          check that it does not slow the ledger (issue 19)
 *   --profile              CPU-profile the gateway and signer s1 per scenario (cpu-prof-hook.ts); the
 *                          profiles and their summaries go to the log folder
 *   --profile-services L   profile these processes instead (implies --profile): a comma-separated list of
 *                          gateway, ledger-s1..ledger-s4, clearing, fx
 *   --log-level L          services' log level (info)          --seed N  workload seed (1)
 *   --repeat N             runs the whole benchmark N times (each with its own pgbench and network) and
 *                          ends with the median of each figure and of the runs' ratios, in the same format
 *   --cut-interval-ms N    signers' cut interval (service default 150)
 *   --block-max-bytes N    the genesis's block size bound in characters of log records (consortium default 512 Ki)
 *
 * The last line is `e2e: <n> transfers/s finalized (batches), <m> transfers/s (single), p99 <ms> ms at half
 * load, pgbench-N <b> tps, ratio <n/b>`; the whole result is also written to results/e2e-bench-<time>.json.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { ConcordClient } from '@concord/sdk';
import { ConsortiumSpec, participantKey } from '../demo/consortium';
import { LocalNetwork } from '../network/network';
import { dropDatabase, REPO_ROOT } from '../database/prisma';
import { CheckResult, drain, runChecks, waitForConvergence } from './checks';
import { formatSummary, ProfileSummary, summarizeProfile } from './cpu-profile-summary';
import { ClientStats, closedLoop, CrossCurrencyMix, Driver, openLoop, seededRandom, Workload } from './load';
import { dropScratchDatabase, PgbenchResult, runPgbench } from './pgbench';
import { CpuSampler, CpuSnapshot, CpuUsage } from './proc-cpu';
import { StageFigures, stageBreakdown, STAGES } from './stages';

const CURRENCIES = ['USD', 'EUR', 'PHP', 'HKD'];
/** The participant that takes the other side of every conversion (FX_PROVIDER_ID of the FX service). */
export const FX_PROVIDER = 'fx-provider';
const DATABASE = 'concord_bench';
/** The processes that make up the system under test (the load generator and "other" excluded). */
const SYSTEM_GROUPS = (signers: string[]) => [
  'gateway',
  ...signers.map((s) => `ledger-${s}`),
  'clearing',
  'fx',
  'postgres',
  'kafka',
  'redis',
];
const PGBENCH_DATABASE = 'concord_pgbench';
/** The Node processes of the bench network that `--profile-services` can name (4 signers). */
const PROFILABLE = SYSTEM_GROUPS(['s1', 's2', 's3', 's4']).filter(
  (n) => !['postgres', 'kafka', 'redis'].includes(n),
);

interface Args {
  warmupSeconds: number;
  batchSeconds: number;
  singleSeconds: number;
  halfSeconds: number;
  skewSeconds: number;
  batchClients: number;
  batchSize: number;
  concurrency: number;
  skewConcurrency: number;
  skewBatchClients: number;
  hotShare: number;
  fxShare: number;
  participants: number;
  waitMs: number;
  drainSeconds: number;
  pgbenchSeconds: number;
  pgbenchClients: number;
  pgbenchThreads: number;
  pgbenchScale: number;
  pgbench: boolean;
  profile: boolean;
  /** Starts the operations console with the network (BENCH_CONSOLE=1). */
  console: boolean;
  /** The processes `--profile` profiles. */
  profileServices: string[];
  logLevel: string;
  seed: number;
  /** Runs of the whole benchmark; with more than one, the last line gives the median of each figure. */
  repeat: number;
  cutIntervalMs?: number;
  blockMaxBytes?: number;
}

const NUMERIC: (keyof Args)[] = [
  'repeat',
  'warmupSeconds',
  'batchSeconds',
  'singleSeconds',
  'halfSeconds',
  'skewSeconds',
  'batchClients',
  'batchSize',
  'concurrency',
  'skewConcurrency',
  'skewBatchClients',
  'hotShare',
  'fxShare',
  'participants',
  'waitMs',
  'drainSeconds',
  'pgbenchSeconds',
  'pgbenchClients',
  'pgbenchThreads',
  'pgbenchScale',
  'seed',
  'cutIntervalMs',
  'blockMaxBytes',
];

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name: string) => `BENCH_${kebab(name).replace(/-/g, '_').toUpperCase()}`;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const args: Args = {
    warmupSeconds: 5,
    batchSeconds: 25,
    singleSeconds: 25,
    halfSeconds: 25,
    skewSeconds: 25,
    // Closed loop at the maximum: enough batches in flight to keep both cores busy (one run each,
    // 2026-12-04: 16 clients 10,000/s at 1.71 cores, 32 clients 11,550/s at 1.85).
    batchClients: 32,
    batchSize: 500,
    // Every single-transfer client long-polls for the final state, so they must outnumber what one block
    // carries: 128 left the cores a fifth idle (639/s at 1.64 cores, 256: 735/s at 1.81; 2026-12-04).
    concurrency: 256,
    skewConcurrency: 48,
    skewBatchClients: 2,
    hotShare: 0.7,
    fxShare: 0.1,
    participants: 24,
    waitMs: 10_000,
    drainSeconds: 60,
    pgbenchSeconds: 15,
    pgbenchClients: 8,
    pgbenchThreads: 2,
    pgbenchScale: 10,
    pgbench: true,
    profile: false,
    console: false,
    profileServices: ['gateway', 'ledger-s1'],
    logLevel: 'info',
    seed: 1,
    repeat: 1,
  };
  const setSeconds = (value: number) => {
    args.batchSeconds = args.singleSeconds = args.halfSeconds = args.skewSeconds = value;
  };
  const number = (flag: string, raw: string | undefined): number => {
    const value = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(value) || value < 0)
      throw new Error(`${flag} needs a non-negative number (got ${raw})`);
    return value;
  };
  // Environment first, then the command line over it.
  if (env.BENCH_SECONDS) setSeconds(number('BENCH_SECONDS', env.BENCH_SECONDS));
  for (const key of NUMERIC) {
    const raw = env[envName(key)];
    if (raw) (args as unknown as Record<string, number>)[key] = number(envName(key), raw);
  }
  if (env.BENCH_NO_PGBENCH === '1') args.pgbench = false;
  if (env.BENCH_PROFILE === '1') args.profile = true;
  if (env.BENCH_CONSOLE === '1') args.console = true;
  const profileServices = (list: string) => {
    args.profileServices = list.split(',').filter((name) => name !== '');
    const unknown = args.profileServices.filter((name) => !PROFILABLE.includes(name));
    if (args.profileServices.length === 0 || unknown.length > 0)
      throw new Error(`--profile-services takes a list of ${PROFILABLE.join(', ')} (got ${list})`);
    args.profile = true;
  };
  if (env.BENCH_PROFILE_SERVICES) profileServices(env.BENCH_PROFILE_SERVICES);
  if (env.BENCH_LOG_LEVEL) args.logLevel = env.BENCH_LOG_LEVEL;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    const key = flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (flag === '--seconds') setSeconds(number(flag, value()));
    else if (flag === '--no-pgbench') args.pgbench = false;
    else if (flag === '--profile') args.profile = true;
    else if (flag === '--console') args.console = true;
    else if (flag === '--profile-services') profileServices(value() ?? '');
    else if (flag === '--log-level') args.logLevel = value();
    else if ((NUMERIC as string[]).includes(key)) {
      (args as unknown as Record<string, number>)[key] = number(flag, value());
    } else throw new Error(`unknown argument ${argv[i]} (see the header of e2e-bench.ts)`);
  }
  if (args.participants < 20) throw new Error('--participants must be at least 20');
  if (!Number.isInteger(args.repeat) || args.repeat < 1)
    throw new Error('--repeat must be a whole number, at least 1');
  if (args.batchSize < 1 || args.batchSize > 500) throw new Error('--batch-size must be 1..500');
  if (args.hotShare > 1 || args.fxShare > 1) throw new Error('shares are between 0 and 1');
  return args;
}

/**
 * At least 20 partners in four currencies; p01 is the hot payer of the skewed mix; the last one is poor.
 * Besides them, the FX provider, which neither pays nor is paid by same-currency transfers: it only takes
 * the other side of the cross-currency ones, so it needs liquidity in every currency it may pay out in.
 */
export function benchConsortium(
  participants: number,
  chainId: string,
  blockMaxBytes?: number,
): ConsortiumSpec {
  return {
    chainId,
    ...(blockMaxBytes === undefined ? {} : { blockMaxBytes }),
    secret: 'concord-bench-not-secret',
    signerCount: 4,
    quorum: 3,
    fxProvider: FX_PROVIDER,
    participants: [
      ...Array.from({ length: participants }, (_, i) => {
        const id = `p${String(i + 1).padStart(2, '0')}`;
        return {
          id,
          name: `Bench partner ${i + 1}`,
          currencies: CURRENCIES,
          // 10^13 minor units (100 billion) each, 100 times that for the hot payer; the last partner starts
          // with 1,000.00 per currency and pays 1.00..500.00 at a time, so it runs dry now and then.
          fundsMinor: i === 0 ? 10n ** 15n : i === participants - 1 ? 100_000n : 10n ** 13n,
        };
      }),
      // 10^15 minor units per currency: 500.00 USD buys under 30,000.00 PHP, so even millions of
      // conversions cannot drain it, and a rejection for its funds would be a bug, not the load.
      { id: FX_PROVIDER, name: 'Bench FX liquidity', currencies: CURRENCIES, fundsMinor: 10n ** 15n },
    ],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const log = (line: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** A progress bar on stderr for one phase: elapsed seconds of `totalS`, with live figures. */
function phaseBar(label: string, totalS: number, figures: () => Record<string, string | number>) {
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: `${label.padEnd(14)} [{bar}] {value}/{total} s | {figures}`,
      hideCursor: true,
      barsize: 30,
    },
    Presets.shades_classic,
  );
  const started = Date.now();
  const render = () =>
    Object.entries(figures())
      .map(([k, v]) => `${k} ${v}`)
      .join(' | ');
  bar.start(Math.max(1, Math.round(totalS)), 0, { figures: render() });
  const timer = setInterval(
    () =>
      bar.update(Math.min(Math.round(totalS), Math.floor((Date.now() - started) / 1000)), {
        figures: render(),
      }),
    250,
  );
  return {
    stop: () => {
      clearInterval(timer);
      bar.update(Math.min(Math.round(totalS), Math.floor((Date.now() - started) / 1000)), {
        figures: render(),
      });
      bar.stop();
    },
  };
}

/** The cross-currency part of a scenario: its transfers (also counted in the scenario) and its quotes. */
interface CrossCurrencyResult {
  requestedShare: number;
  /** Cross-currency transfers planned / all transfers of the scenario (a failed quote sends nothing). */
  plannedShare: number;
  sentShare: number;
  offeredPerS: number;
  finalizedPerS: number;
  transfers: { sent: number; acked: number; stored: number; final: number; finalizedInWindow: number };
  quotes: { requested: number; received: number; errors: Record<string, number> };
  /** Client round trip of `POST /v1/quotes`. */
  quoteRoundTripMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** finalized_at - when the client asked for the quote: what a partner waits for a conversion. */
  quoteToFinalMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** finalized_at - created_at, as for every transfer. */
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  rejections: Record<string, number>;
  errors: ScenarioResult['errors'];
}

interface ScenarioResult {
  name: string;
  tag: string;
  description: string;
  windowSeconds: number;
  offeredPerS: number;
  acceptedPerS: number;
  finalizedPerS: number;
  transfers: { sent: number; acked: number; stored: number; final: number; finalizedInWindow: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  clientLatencyMs: { answers: number; p50: number; p99: number } | null;
  rejections: Record<string, number>;
  errors: {
    requests: number;
    http: Record<string, number>;
    httpTransfers: number;
    exceptions: Record<string, number>;
    exceptionTransfers: number;
    /** Failed quote requests, by `quote HTTP <status> <code>` or exception (their transfers were not sent). */
    quotes?: Record<string, number>;
    samples: string[];
  };
  drain: { pending: number; waitedMs: number };
  cpu: CpuUsage;
  /** Blocks sealed during the window, and log records (instructions and the cut) per block. */
  blocksPerS: number;
  entriesPerBlock: number;
  /** CPU of every Concord process and the infrastructure (not the load generator), per finalized transfer. */
  cpuMsPerTransfer: number;
  openLoop?: { targetPerS: number; scheduled: number; sent: number };
  profiles?: string[];
  stages?: StageFigures;
  crossCurrency?: CrossCurrencyResult;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function spread(values: number[]): { p50: number; p95: number; p99: number; max: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1],
  };
}

/** The figures of the transfers whose id starts with `idPrefix` (a scenario's `<tag>-`, or a subset). */
async function scenarioFigures(
  pool: Pool,
  idPrefix: string,
  window: { from: string; to: string; seconds: number },
): Promise<
  Pick<
    ScenarioResult,
    | 'transfers'
    | 'latencyMs'
    | 'rejections'
    | 'finalizedPerS'
    | 'acceptedPerS'
    | 'blocksPerS'
    | 'entriesPerBlock'
  >
> {
  const [row] = (
    await pool.query(
      `select count(*)::int as stored,
         count(*) filter (where status <> 'accepted')::int as final,
         count(*) filter (where finalized_at >= $2::timestamp and finalized_at < $3::timestamp)::int as in_window,
         count(*) filter (where created_at >= $2::timestamp and created_at < $3::timestamp)::int as accepted_in_window,
         percentile_cont(array[0.5, 0.95, 0.99]) within group (
           order by (extract(epoch from finalized_at - created_at) * 1000)::float8) as pct,
         max(extract(epoch from finalized_at - created_at) * 1000)::float8 as max_ms
       from gateway.transfers where id like $1`,
      [`${idPrefix}%`, window.from, window.to],
    )
  ).rows;
  const reasons = (
    await pool.query(
      `select coalesce(reason, '(none)') as reason, count(*)::int as n from gateway.transfers
       where id like $1 and status = 'rejected' group by 1 order by 2 desc`,
      [`${idPrefix}%`],
    )
  ).rows as { reason: string; n: number }[];
  const [blocks] = (
    await pool.query(
      `select count(*)::int as n, coalesce(sum(entry_count), 0)::int as entries from ledger_s1.blocks
       where block_time_ms >= extract(epoch from $1::timestamp) * 1000
         and block_time_ms < extract(epoch from $2::timestamp) * 1000`,
      [window.from, window.to],
    )
  ).rows as { n: number; entries: number }[];
  const pct = row.pct as number[] | null;
  return {
    blocksPerS: blocks.n / window.seconds,
    entriesPerBlock: blocks.n > 0 ? blocks.entries / blocks.n : 0,
    transfers: { sent: 0, acked: 0, stored: row.stored, final: row.final, finalizedInWindow: row.in_window },
    latencyMs: pct && row.max_ms !== null ? { p50: pct[0], p95: pct[1], p99: pct[2], max: row.max_ms } : null,
    rejections: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
    finalizedPerS: row.in_window / window.seconds,
    acceptedPerS: row.accepted_in_window / window.seconds,
  };
}

/** Quote to final of each cross-currency transfer that reached a final state (same machine, same clock). */
async function quoteToFinalMs(pool: Pool, idPrefix: string, quotes: Driver['quotes']): Promise<number[]> {
  const finalized = (
    await pool.query(
      `select id, (extract(epoch from finalized_at) * 1000)::float8 as f from gateway.transfers
       where id like $1 and finalized_at is not null`,
      [`${idPrefix}%`],
    )
  ).rows as { id: string; f: number }[];
  return finalized.flatMap((r) => {
    const q = quotes.get(r.id);
    return q ? [r.f - q.quotedAtMs] : [];
  });
}

async function dbNow(pool: Pool): Promise<string> {
  return (await pool.query(`select localtimestamp::text as t`)).rows[0].t as string;
}

/** Topics of earlier bench runs (their databases are gone: concord_bench is recreated each run). */
async function deleteOldBenchTopics(brokers: string, keepPrefix: string): Promise<number> {
  const kafka = new Kafka({
    clientId: 'concord-bench',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const old = (await admin.listTopics()).filter(
      (t) => /^bench\d+\./.test(t) && !t.startsWith(`${keepPrefix}.`),
    );
    if (old.length > 0) await admin.deleteTopics({ topics: old, timeout: 30_000 });
    return old.length;
  } finally {
    await admin.disconnect();
  }
}

const fmt = (x: number | undefined | null, digits = 0) =>
  x === undefined || x === null || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);

function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i >= cells.length - 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function describeErrors(e: ScenarioResult['errors']): string {
  const quoteErrors = e.quotes ?? {};
  const parts = [
    ...Object.entries(e.http).map(([status, n]) => `HTTP ${status} x${n}`),
    ...Object.entries(e.exceptions).map(([m, n]) => `${m} x${n}`),
    ...Object.entries(quoteErrors).map(([m, n]) => `${m} x${n}`),
  ];
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const total = sum(e.http) + sum(e.exceptions) + sum(quoteErrors);
  return total === 0 ? '0' : `${total} of ${e.requests} req (${parts.join(', ')})`;
}

function errorsOf(stats: ClientStats): ScenarioResult['errors'] {
  return {
    requests: stats.requests,
    http: stats.httpErrors,
    httpTransfers: stats.httpErrorTransfers,
    exceptions: stats.exceptions,
    exceptionTransfers: stats.exceptionTransfers,
    ...(stats.quoteRequests > 0 ? { quotes: stats.quoteErrors } : {}),
    samples: stats.problemSamples,
  };
}

function describeRejections(r: Record<string, number>): string {
  const entries = Object.entries(r);
  return entries.length === 0 ? '0' : entries.map(([reason, n]) => `${reason} ${n}`).join(', ');
}

/** The figures of the last line of one run. */
export interface BenchFigures {
  batchesPerS: number;
  singlePerS: number;
  p99Ms: number;
  pgbenchTps: number;
}

export function lastLineOf(f: BenchFigures, ratio = f.batchesPerS / f.pgbenchTps): string {
  return `e2e: ${fmt(f.batchesPerS)} transfers/s finalized (batches), ${fmt(f.singlePerS)} transfers/s (single), p99 ${fmt(
    f.p99Ms,
  )} ms at half load, pgbench-N ${fmt(f.pgbenchTps)} tps, ratio ${fmt(ratio, 2)}`;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The last line of several runs: the median of each figure, and the median of the runs' own ratios (each
 * run compares itself with its own pgbench, on the machine as it was then), in the one-run format.
 */
export function medianLine(runs: BenchFigures[]): string {
  const of = (key: keyof BenchFigures) => median(runs.map((r) => r[key]));
  return lastLineOf(
    {
      batchesPerS: of('batchesPerS'),
      singlePerS: of('singlePerS'),
      p99Ms: of('p99Ms'),
      pgbenchTps: of('pgbenchTps'),
    },
    median(runs.map((r) => r.batchesPerS / r.pgbenchTps)),
  );
}

/** `npm run bench`: one run, or `--repeat N` runs and the medians (a run whose checks fail fails the whole). */
async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), process.env);
  if (args.repeat === 1) return (await runBench(args)).code;
  const runs: { code: number; figures: BenchFigures }[] = [];
  for (let i = 1; i <= args.repeat; i++) {
    log(`run ${i} of ${args.repeat}`);
    runs.push(await runBench(args));
  }
  process.stdout.write(`\nmedian of ${args.repeat} runs:\n`);
  for (const [i, run] of runs.entries()) process.stdout.write(`  run ${i + 1}: ${lastLineOf(run.figures)}\n`);
  process.stdout.write(`${medianLine(runs.map((r) => r.figures))}\n`);
  return runs.some((r) => r.code !== 0) ? 1 : 0;
}

async function runBench(args: Args): Promise<{ code: number; figures: BenchFigures }> {
  const serverUrl = (process.env.BENCH_DATABASE_URL_BASE ?? 'postgresql://postgres@127.0.0.1:5432').replace(
    /\/$/,
    '',
  );
  const kafkaBrokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const startedAt = new Date();
  const prefix = `bench${startedAt.getTime()}`;
  const databaseUrl = `${serverUrl}/${DATABASE}`;
  const logDir = join(REPO_ROOT, '.data/bench-logs', prefix);
  const profileDir = join(logDir, 'profiles');
  mkdirSync(logDir, { recursive: true });
  log(
    `run ${prefix}: logs in ${logDir}; ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  // 1. The yardstick, on a quiet machine (no Concord process runs yet).
  let pgbench: (PgbenchResult & { cpu: CpuUsage }) | null = null;
  let pgbenchError: string | null = null;
  if (args.pgbench) {
    const bar = phaseBar('pgbench -N', args.pgbenchSeconds, () => ({}));
    // CPU is sampled inside the run (pgbench's backends exist only while it runs): from 1 s after the
    // start to 1 s before the end.
    const sampler = new CpuSampler(() => ({ bench: [process.pid] }));
    let from: CpuSnapshot | null = null;
    let to: CpuSnapshot | null = null;
    try {
      const result = await runPgbench({
        serverUrl,
        database: PGBENCH_DATABASE,
        scale: args.pgbenchScale,
        clients: args.pgbenchClients,
        threads: args.pgbenchThreads,
        seconds: args.pgbenchSeconds,
        onTick: (elapsedS) => {
          if (elapsedS >= 1 && !from) from = sampler.snapshot();
          if (elapsedS >= args.pgbenchSeconds - 1.5 && !to) to = sampler.snapshot();
        },
      });
      pgbench = { ...result, cpu: CpuSampler.usage(from ?? sampler.snapshot(), to ?? sampler.snapshot()) };
    } catch (e) {
      pgbenchError = (e as Error).message;
    } finally {
      bar.stop();
      await dropScratchDatabase(serverUrl, PGBENCH_DATABASE).catch(() => undefined);
    }
    log(
      pgbench
        ? `pgbench -N: ${pgbench.tps.toFixed(0)} tps (${pgbench.command})`
        : `pgbench failed: ${pgbenchError}`,
    );
  }

  // 2. A fresh network.
  const spec = benchConsortium(args.participants, `concord-${prefix}`, args.blockMaxBytes);
  await dropDatabase(databaseUrl);
  const deleted = await deleteOldBenchTopics(kafkaBrokers, prefix).catch((e: Error) => {
    log(`could not delete old bench topics: ${e.message}`);
    return 0;
  });
  if (deleted > 0) log(`deleted ${deleted} topics of earlier bench runs`);
  const profiled = args.profileServices;
  const hook = join(REPO_ROOT, 'dist/libs/devtools/src/bench/cpu-prof-hook.js');
  const extraEnv: Record<string, Record<string, string>> = {};
  if (args.profile) {
    for (const name of profiled) {
      extraEnv[name] = {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${hook}`.trim(),
        BENCH_CPU_PROF_DIR: profileDir,
        BENCH_CPU_PROF_NAME: name,
      };
    }
  }
  const network = new LocalNetwork({
    databaseUrl,
    redisUrl,
    kafkaBrokers,
    topicPrefix: prefix,
    gatewayPort: await freePort(),
    ...(args.console ? { consolePort: await freePort() } : {}),
    spec,
    runtime: 'dist',
    output: { logDir },
    logLevel: args.logLevel,
    extraEnv,
    cutIntervalMs: args.cutIntervalMs,
  });
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await network.stopAll();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the network`);
      void shutdown().finally(() => process.exit(130));
    });
  }

  const scenarios: ScenarioResult[] = [];
  const checks: CheckResult[] = [];
  const profileSummaries: Record<string, ProfileSummary[]> = {};
  const driver: Driver = {
    clients: new Map(),
    sentIds: new Set(),
    ackedIds: new Set(),
    quotes: new Map(),
    waitMs: args.waitMs,
  };
  let convergence: Awaited<ReturnType<typeof waitForConvergence>> | null = null;
  const sampler = new CpuSampler(() => {
    const groups: Record<string, number[]> = { bench: [process.pid] };
    for (const p of network.processes.values()) if (p.child.pid) groups[p.name] = [p.child.pid];
    return groups;
  });

  try {
    const t0 = Date.now();
    await network.prepare(log);
    network.startAll();
    await network.waitUntilReady(120_000);
    log(
      `network up in ${((Date.now() - t0) / 1000).toFixed(1)} s: gateway ${network.gatewayUrl}, ${network.signers.length} signers` +
        (args.console ? `, console on port ${network.options.consolePort}` : ''),
    );
    for (const p of spec.participants) {
      const { keyId, key } = participantKey(spec, p.id);
      driver.clients.set(
        p.id,
        new ConcordClient({ baseUrl: network.gatewayUrl, keyId, seedHex: key.seedHex, attempts: 1 }),
      );
    }
    // The FX provider takes no part in same-currency traffic (see benchConsortium).
    const ids = spec.participants.map((p) => p.id).filter((id) => id !== FX_PROVIDER);
    const shape = { participants: ids, currencies: CURRENCIES, minMinor: 100, maxMinor: 50_000 };
    const crossCurrency = () =>
      args.fxShare > 0 ? { mix: new CrossCurrencyMix(args.fxShare), stats: new ClientStats() } : undefined;
    const random = seededRandom(args.seed);
    let profileCount = 0;

    const runScenario = async (
      name: string,
      tag: string,
      description: string,
      seconds: number,
      load: (stats: ClientStats, untilMs: number) => Promise<ScenarioResult['openLoop'] | void>,
      record = true,
      fx?: { mix: CrossCurrencyMix; stats: ClientStats },
    ): Promise<ScenarioResult | null> => {
      if (seconds <= 0) {
        log(`${name}: skipped (0 s)`);
        return null;
      }
      const stats = new ClientStats();
      log(`${name}: ${description}, ${seconds} s`);
      const bar = phaseBar(name, seconds, () => ({
        sent: stats.transfersSent,
        acked: stats.transfersAcked,
        'final@client': stats.finalInAnswer,
        'in flight': stats.inFlight,
        errors: stats.errors,
      }));
      const profiling = args.profile && record;
      if (profiling) for (const n of profiled) network.processes.get(n)?.child.kill('SIGWINCH');
      const cpuFrom: CpuSnapshot = sampler.snapshot();
      const from = await dbNow(pool);
      const startedMs = Date.now();
      const untilMs = startedMs + seconds * 1000;
      const loadDone = load(stats, untilMs);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, untilMs - Date.now())));
      const to = await dbNow(pool);
      const cpu = CpuSampler.usage(cpuFrom, sampler.snapshot());
      if (profiling) {
        profileCount++;
        for (const n of profiled) network.processes.get(n)?.child.kill('SIGWINCH');
      }
      const openLoopResult = await loadDone;
      bar.stop();
      const windowSeconds = (untilMs - startedMs) / 1000;
      let pendingNow = 0;
      const drainBar = phaseBar('  drain', args.drainSeconds, () => ({ 'still accepted': pendingNow }));
      const drained = await drain(pool, args.drainSeconds * 1000, (p) => (pendingNow = p)).finally(() =>
        drainBar.stop(),
      );
      if (drained.pending > 0)
        log(`${name}: ${pendingNow} transfers still accepted after ${args.drainSeconds} s`);
      if (!record) return null;
      const window = { from, to, seconds: windowSeconds };
      const figures = await scenarioFigures(pool, `${tag}-`, window);
      const sorted = [...stats.latenciesMs].sort((a, b) => a - b);
      const result: ScenarioResult = {
        name,
        tag,
        description,
        windowSeconds,
        offeredPerS: stats.transfersSent / windowSeconds,
        acceptedPerS: figures.acceptedPerS,
        finalizedPerS: figures.finalizedPerS,
        blocksPerS: figures.blocksPerS,
        entriesPerBlock: figures.entriesPerBlock,
        cpuMsPerTransfer:
          (SYSTEM_GROUPS(network.signers).reduce((sum, g) => sum + (cpu.cores[g] ?? 0), 0) * 1000) /
          Math.max(figures.finalizedPerS, 1e-9),
        transfers: { ...figures.transfers, sent: stats.transfersSent, acked: stats.transfersAcked },
        latencyMs: figures.latencyMs,
        clientLatencyMs: sorted.length
          ? { answers: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
          : null,
        rejections: figures.rejections,
        errors: errorsOf(stats),
        drain: drained,
        cpu,
        ...(openLoopResult ? { openLoop: openLoopResult } : {}),
        ...(profiling
          ? { profiles: profiled.map((n) => join(profileDir, `${n}-${profileCount}.cpuprofile`)) }
          : {}),
      };
      if (fx) {
        const fxFigures = await scenarioFigures(pool, `${tag}-x`, window);
        result.crossCurrency = {
          requestedShare: fx.mix.share,
          plannedShare: fx.mix.achievedShare,
          sentShare: fx.stats.transfersSent / Math.max(1, stats.transfersSent),
          offeredPerS: fx.stats.transfersSent / windowSeconds,
          finalizedPerS: fxFigures.finalizedPerS,
          transfers: { ...fxFigures.transfers, sent: fx.stats.transfersSent, acked: fx.stats.transfersAcked },
          quotes: {
            requested: fx.stats.quoteRequests,
            received: fx.stats.quotesReceived,
            errors: fx.stats.quoteErrors,
          },
          quoteRoundTripMs: spread(fx.stats.quoteLatenciesMs),
          quoteToFinalMs: spread(await quoteToFinalMs(pool, `${tag}-x`, driver.quotes)),
          latencyMs: fxFigures.latencyMs,
          rejections: fxFigures.rejections,
          errors: errorsOf(fx.stats),
        };
      }
      log(
        `${name}: offered ${fmt(result.offeredPerS)}/s, finalized ${fmt(result.finalizedPerS)}/s, p99 ${fmt(
          result.latencyMs?.p99,
        )} ms, errors ${describeErrors(result.errors)}`,
      );
      if (result.crossCurrency) {
        const x = result.crossCurrency;
        log(
          `${name}, cross-currency: ${x.transfers.sent} sent (${fmt(x.sentShare * 100, 1)} %), quote p99 ${fmt(
            x.quoteRoundTripMs?.p99,
          )} ms, quote -> final p99 ${fmt(x.quoteToFinalMs?.p99)} ms, errors ${describeErrors(x.errors)}`,
        );
      }
      scenarios.push(result);
      return result;
    };
    const stopped = () => stopping;

    // Warm-up: JIT, connection pools, consumer groups. Not reported, but checked like the rest.
    if (args.warmupSeconds > 0) {
      const warmFx = crossCurrency();
      await runScenario(
        'warm-up',
        'w',
        'singles and batches at moderate load',
        args.warmupSeconds,
        (stats, untilMs) =>
          closedLoop(driver, stats, {
            tag: 'w',
            singleWorkers: 8,
            batchWorkers: 1,
            batchSize: 50,
            untilMs,
            workload: new Workload(shape, random),
            stopped,
            crossCurrency: warmFx,
          }),
        false,
      );
    }
    await runScenario(
      'batches',
      'b',
      `closed loop, ${args.batchClients} clients x batches of ${args.batchSize}`,
      args.batchSeconds,
      (stats, untilMs) =>
        closedLoop(driver, stats, {
          tag: 'b',
          singleWorkers: 0,
          batchWorkers: args.batchClients,
          batchSize: args.batchSize,
          untilMs,
          workload: new Workload(shape, random),
          stopped,
        }),
    );
    const single = await runScenario(
      'single',
      's',
      `closed loop, ${args.concurrency} clients x one transfer`,
      args.singleSeconds,
      (stats, untilMs) =>
        closedLoop(driver, stats, {
          tag: 's',
          singleWorkers: args.concurrency,
          batchWorkers: 0,
          batchSize: 1,
          untilMs,
          workload: new Workload(shape, random),
          stopped,
        }),
    );
    const halfRate = Math.max(1, (single?.finalizedPerS ?? 20) / 2);
    await runScenario(
      'half load',
      'h',
      `open loop, single transfers at ${halfRate.toFixed(1)}/s (half of single)`,
      args.halfSeconds,
      async (stats, untilMs) => {
        const r = await openLoop(driver, stats, {
          tag: 'h',
          ratePerS: halfRate,
          untilMs,
          maxInFlight: 4 * args.concurrency,
          workload: new Workload(shape, random),
          stopped,
        });
        return { targetPerS: halfRate, ...r };
      },
    );
    const skewFx = crossCurrency();
    await runScenario(
      'skewed mix',
      'k',
      `closed loop, ${args.skewConcurrency} single + ${args.skewBatchClients} batch(100) clients, p01 pays ${
        Math.round(args.hotShare * 1000) / 10
      } %, ${Math.round(args.fxShare * 1000) / 10} % cross-currency`,
      args.skewSeconds,
      (stats, untilMs) =>
        closedLoop(driver, stats, {
          tag: 'k',
          singleWorkers: args.skewConcurrency,
          batchWorkers: args.skewBatchClients,
          batchSize: 100,
          untilMs,
          workload: new Workload({ ...shape, hot: { id: ids[0], share: args.hotShare } }, random),
          stopped,
          crossCurrency: skewFx,
        }),
      true,
      skewFx,
    );

    // 5. Checks, on a quiet network, then on its stored state once every process stopped.
    const pendingBefore = await drain(pool, args.drainSeconds * 1000);
    checks.push({
      name: 'drain: no transfer left accepted',
      ok: pendingBefore.pending === 0,
      detail: `${pendingBefore.pending} accepted after waiting ${(pendingBefore.waitedMs / 1000).toFixed(1)} s`,
    });
    convergence = await waitForConvergence(pool, network.signers, 30_000);
    checks.push({
      name: 'signers and gateway at the same certified tip',
      ok: convergence.converged,
      detail: JSON.stringify(convergence.state),
    });
    const crashed = [...network.processes.values()].filter(
      (p) => p.child.exitCode !== null || p.child.signalCode !== null,
    );
    checks.push({
      name: 'every service ran through',
      ok: crashed.length === 0,
      detail: crashed.length
        ? crashed.map((p) => `${p.name} exited ${p.child.exitCode ?? p.child.signalCode}`).join(', ')
        : `${network.processes.size} processes up`,
    });
    for (const c of checks) log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  } catch (error) {
    checks.push({ name: 'bench ran', ok: false, detail: (error as Error).stack ?? String(error) });
    log(`bench failed: ${(error as Error).message}`);
  } finally {
    await shutdown();
  }

  if (scenarios.length > 0) {
    checks.push(
      ...(await runChecks(
        {
          pool,
          spec,
          signers: network.signers,
          databaseUrl,
          sentIds: driver.sentIds,
          ackedIds: driver.ackedIds,
          quotes: driver.quotes,
        },
        log,
      ).catch((e: Error) => [{ name: 'checks ran', ok: false, detail: e.stack ?? e.message }])),
    );
  }
  if (scenarios.length > 0) {
    try {
      const stages = await stageBreakdown({
        brokers: kafkaBrokers,
        topicPrefix: prefix,
        pool,
        signer: network.signers[0],
        quorum: spec.quorum,
        tags: scenarios.map((s) => s.tag),
      });
      for (const s of scenarios) s.stages = stages[s.tag];
    } catch (e) {
      log(`no stage breakdown: ${(e as Error).message}`);
    }
  }
  await pool.end();

  if (args.profile) {
    try {
      for (const file of readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort()) {
        const summary = summarizeProfile(join(profileDir, file), 12);
        const scenario = scenarios[Number(/-(\d+)\.cpuprofile$/.exec(file)?.[1] ?? 0) - 1]?.name ?? '?';
        (profileSummaries[scenario] ??= []).push(summary);
        writeFileSync(join(profileDir, file.replace(/\.cpuprofile$/, '.txt')), formatSummary(summary) + '\n');
      }
    } catch (e) {
      log(`no CPU profiles: ${(e as Error).message}`);
    }
  }

  // 6. The report.
  const byName = (n: string) => scenarios.find((s) => s.name === n);
  const batches = byName('batches');
  const singles = byName('single');
  const half = byName('half load');
  const rows = scenarios.flatMap((s) => {
    const row = [
      `${s.name} (${s.description})`,
      fmt(s.offeredPerS),
      fmt(s.finalizedPerS),
      fmt(s.latencyMs?.p50),
      fmt(s.latencyMs?.p95),
      fmt(s.latencyMs?.p99),
      fmt(s.latencyMs?.max),
      describeRejections(s.rejections),
      describeErrors(s.errors),
    ];
    const x = s.crossCurrency;
    if (!x) return [row];
    return [
      row,
      [
        `  of which cross-currency (${fmt(x.sentShare * 100, 1)} % of its transfers, with a quote each)`,
        fmt(x.offeredPerS),
        fmt(x.finalizedPerS),
        fmt(x.latencyMs?.p50),
        fmt(x.latencyMs?.p95),
        fmt(x.latencyMs?.p99),
        fmt(x.latencyMs?.max),
        describeRejections(x.rejections),
        describeErrors(x.errors),
      ],
    ];
  });
  const out: string[] = [];
  out.push('');
  out.push(
    renderTable(
      ['scenario', 'offered/s', 'final/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'rejections', 'errors'],
      rows,
    ),
  );
  out.push('');
  out.push('finalized/s: transfers of the scenario whose finalized_at (gateway DB) falls inside its window;');
  out.push('latency: finalized_at - created_at (accepted -> final); offered/s: transfers the clients sent.');
  const withFx = scenarios.filter((s) => s.crossCurrency);
  if (withFx.length > 0) {
    out.push('');
    out.push(
      'cross-currency transfers: quote round trip (client: POST /v1/quotes, gateway -> Kafka -> FX service and ' +
        'back), quote -> final (finalized_at - when the quote was asked for) and accepted -> final, ms:',
    );
    const pcts = (p: CrossCurrencyResult['latencyMs']) =>
      `${fmt(p?.p50)} / ${fmt(p?.p95)} / ${fmt(p?.p99)} / ${fmt(p?.max)}`;
    out.push(
      renderTable(
        [
          'scenario',
          'asked share',
          'sent share',
          'quotes ok/asked',
          'quote p50/p95/p99/max',
          'quote->final p50/p95/p99/max',
          'accepted->final p50/p95/p99/max',
          '',
          '',
        ],
        withFx.map((s) => {
          const x = s.crossCurrency!;
          return [
            s.name,
            `${fmt(x.requestedShare * 100, 1)} %`,
            `${fmt(x.sentShare * 100, 1)} %`,
            `${x.quotes.received}/${x.quotes.requested}`,
            pcts(x.quoteRoundTripMs),
            pcts(x.quoteToFinalMs),
            pcts(x.latencyMs),
            '',
            '',
          ];
        }),
      ),
    );
  } else {
    out.push('');
    out.push(
      `cross-currency transfers: none sent (--fx-share ${args.fxShare}, --skew-seconds ${args.skewSeconds})`,
    );
  }
  if (scenarios.some((s) => s.cpu.seconds > 0)) {
    const groups = [
      'gateway',
      ...network.signers.map((s) => `ledger-${s}`),
      'clearing',
      'fx',
      'bench',
      'postgres',
      'kafka',
      'redis',
      'other',
    ];
    out.push('');
    out.push(
      `CPU cores busy per process during each scenario (${cpus().length} cores = the whole machine; "other" is ` +
        'everything else running on it), blocks sealed, and CPU of the system per finalized transfer:',
    );
    out.push(
      renderTable(
        [
          'scenario',
          ...groups.map((g) => g.replace('ledger-', '')),
          'total',
          'blocks/s',
          'records/block',
          'cpu ms/transfer',
          '',
          '',
        ],
        scenarios.map((s) => [
          s.name,
          ...groups.map((g) => fmt(s.cpu.cores[g], 2)),
          fmt(s.cpu.machineBusyCores, 2),
          fmt(s.blocksPerS, 1),
          fmt(s.entriesPerBlock, 1),
          fmt(s.cpuMsPerTransfer, 1),
          '',
          '',
        ]),
      ),
    );
  }
  if (scenarios.some((s) => s.stages && s.stages.transfers > 0)) {
    out.push('');
    out.push('where the accepted -> final latency goes, p50 / p99 ms per stage (see stages.ts):');
    out.push(
      renderTable(
        ['scenario', ...STAGES, '', ''],
        scenarios.map((s) => [
          s.name,
          ...STAGES.map((st) =>
            s.stages && s.stages.transfers > 0
              ? `${fmt(s.stages.stages[st].p50)} / ${fmt(s.stages.stages[st].p99)}`
              : 'n/a',
          ),
          '',
          '',
        ]),
      ),
    );
  }
  for (const [scenario, summaries] of Object.entries(profileSummaries)) {
    out.push('');
    out.push(`CPU profiles during "${scenario}":`);
    for (const s of summaries) out.push(formatSummary(s));
  }
  out.push('');
  out.push(
    pgbench
      ? `pgbench: ${pgbench.tps.toFixed(0)} tps, latency ${fmt(pgbench.latencyAvgMs, 2)} ms (${pgbench.command}); ` +
          `machine ${fmt(pgbench.cpu.machineBusyCores, 2)} cores busy: postgres ${fmt(pgbench.cpu.cores.postgres, 2)}, ` +
          `everything else (pgbench itself included) ${fmt(pgbench.cpu.cores.other, 2)}`
      : `pgbench: ${args.pgbench ? `failed: ${pgbenchError}` : 'skipped'}`,
  );
  out.push('');
  out.push('checks:');
  for (const c of checks) out.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok);
  const n = batches?.finalizedPerS ?? NaN;
  const m = singles?.finalizedPerS ?? NaN;
  const p99 = half?.latencyMs?.p99 ?? NaN;
  const b = pgbench?.tps ?? NaN;
  const targets = [
    { name: 'batches >= 2.5x pgbench', ok: n >= 2.5 * b, value: `${fmt(n / b, 2)}x` },
    { name: 'single >= 0.5x pgbench', ok: m >= 0.5 * b, value: `${fmt(m / b, 2)}x` },
    { name: 'p99 < 500 ms at half load', ok: p99 < 500, value: `${fmt(p99)} ms` },
  ];
  out.push('');
  out.push(`targets: ${targets.map((t) => `${t.name}: ${t.ok ? 'met' : 'MISSED'} (${t.value})`).join('; ')}`);
  out.push(
    failed.length === 0 ? 'checks: all passed' : `checks: ${failed.length} FAILED - this run does not count`,
  );
  const figures: BenchFigures = { batchesPerS: n, singlePerS: m, p99Ms: p99, pgbenchTps: b };
  const lastLine = lastLineOf(figures);

  const resultsDir = join(REPO_ROOT, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const resultFile = join(resultsDir, `e2e-bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    resultFile,
    JSON.stringify(
      {
        run: prefix,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        machine: {
          cores: cpus().length,
          cpu: cpus()[0]?.model,
          node: process.version,
          loadavgAtEnd: loadavg(),
        },
        args,
        logDir,
        consortium: {
          participants: spec.participants.length,
          currencies: CURRENCIES,
          signers: spec.signerCount,
          quorum: spec.quorum,
        },
        fxProvider: spec.fxProvider,
        scenarios,
        pgbench: pgbench
          ? { ...pgbench, output: undefined }
          : { error: pgbenchError, skipped: !args.pgbench },
        convergence,
        checks,
        targets,
        profiles: profileSummaries,
        lastLine,
      },
      null,
      2,
    ),
  );
  out.push(`results: ${resultFile}`);
  out.push(lastLine);
  process.stdout.write(out.join('\n') + '\n');
  return { code: failed.length === 0 ? 0 : 1, figures };
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`bench: ${error instanceof Error ? error.stack : error}`);
      process.exit(2);
    },
  );
}
