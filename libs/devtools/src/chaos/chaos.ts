import { Pool } from 'pg';
import { freePort, PrivateBroker, startTestNetwork, TestNetwork } from '@concord/testing';
import { heights, drain, runChecks, waitForConvergence, CheckResult } from '../bench/checks';
import { ledgerSchemaName, migrate } from '../database/prisma';
import type { ConsortiumSpec } from '../demo/consortium';
import { SteadyLoad } from './chaos-load';
import { FaultReport, formatTable, lastLine, RECOVERY_TARGET_S } from './chaos-report';

/**
 * `npm run chaos`: the network under steady load, one fault after another, on a Kafka broker of its own
 * (so that killing it disturbs nothing else on the machine). After each fault it measures how long until
 * a transfer sent after the fault's end is final again, and the p99 time to an answer of the requests sent
 * during the fault; at the end the benchmark's checks: every acknowledged transfer final exactly once,
 * nothing phantom, balances equal to opening funds plus transfers, the same state roots on every signer,
 * ledger:verify. Last line: `chaos: <n> faults, <l> lost, <d> duplicated, recovery p99 <s> s`.
 *
 * Not yet among the faults: a PostgreSQL and a Redis of the suite's own, killed and restarted (every
 * service here shares the machine's servers, which the suite must not touch).
 */
const spec: ConsortiumSpec = {
  chainId: 'chaos',
  secret: 'concord-chaos-not-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD'], fundsMinor: 1_000_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD'], fundsMinor: 1_000_000_000n },
  ],
};
const SIGNERS = ['s1', 's2', 's3', 's4'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`chaos: ${line}\n`);

interface Context {
  net: TestNetwork;
  broker: PrivateBroker;
  pool: Pool;
}

interface Fault {
  name: string;
  /**
   * Injects the fault and ends it (restart, SIGCONT, repair); resolves at the fault's end, with whether
   * finality halted for the faults that must halt it.
   */
  run: (ctx: Context) => Promise<void | { haltedSafely: boolean }>;
  /** Puts the network back as it was, once the recovery was measured. */
  after?: (ctx: Context) => Promise<void>;
}

async function certifiedS1(ctx: Context): Promise<number> {
  return (await heights(ctx.pool, ['s1'])).certified.s1;
}

function pid(net: TestNetwork, name: string): number {
  const p = net.network.processes.get(name)?.child.pid;
  if (p === undefined) throw new Error(`${name} is not running`);
  return p;
}

/** SIGKILL; the network's supervisor starts the process again, as an orchestrator would. */
const killed = (name: string): Fault => ({
  name: `SIGKILL ${name}`,
  run: async ({ net }) => {
    process.kill(pid(net, name), 'SIGKILL');
    await sleep(1_000);
  },
});

/**
 * Restarts a signer with its state corrupted from a few blocks past the chain's tip on (its state roots,
 * and so its headers, disagree from there); returns that height.
 */
async function turnByzantine(ctx: Context, signer: string): Promise<number> {
  const name = `ledger-${signer}`;
  const { sealed } = await heights(ctx.pool, ['s1']);
  const from = sealed.s1 + 3;
  await ctx.net.network.stop(name, 'SIGTERM');
  ctx.net.network.options.extraEnv![name] = { LEDGER_FAULT_FROM_HEIGHT: String(from) };
  ctx.net.network.start(name);
  return from;
}

/** Repairs a Byzantine signer: its schema emptied, it replays the whole log honestly and rejoins. */
async function repair(ctx: Context, signer: string): Promise<void> {
  const name = `ledger-${signer}`;
  await ctx.net.network.stop(name, 'SIGTERM');
  delete ctx.net.network.options.extraEnv![name];
  await ctx.pool.query(`drop schema ${ledgerSchemaName(signer)} cascade`);
  await migrate(ctx.net.databaseUrl, [signer]);
  ctx.net.network.start(name);
}

const FAULTS: Fault[] = [
  killed('gateway'),
  ...SIGNERS.map((s) => killed(`ledger-${s}`)),
  killed('clearing'),
  killed('fx'),
  {
    name: 'SIGSTOP ledger-s3 for 30 s',
    run: async ({ net }) => {
      const p = pid(net, 'ledger-s3');
      process.kill(p, 'SIGSTOP');
      await sleep(30_000);
      process.kill(p, 'SIGCONT');
    },
  },
  {
    name: 'Kafka broker SIGKILL, restarted after 20 s',
    run: async ({ broker }) => {
      broker.kill();
      await sleep(20_000);
      await broker.restart();
    },
  },
  {
    name: 'one Byzantine signer of four (s4), then repaired',
    run: async (ctx) => {
      await turnByzantine(ctx, 's4');
      await sleep(20_000);
      await repair(ctx, 's4');
    },
  },
  {
    name: 'two Byzantine signers of four (s3, s4): halt, then s4 repaired',
    run: async (ctx) => {
      const from = Math.max(await turnByzantine(ctx, 's3'), await turnByzantine(ctx, 's4'));
      // From `from` on both are wrong: the honest two cannot make a quorum of three, so no block at or
      // past it may be certified (and none of theirs is, which the final state-root check confirms).
      await sleep(20_000);
      const haltedSafely = (await certifiedS1(ctx)) < from;
      await repair(ctx, 's4');
      return { haltedSafely };
    },
    after: (ctx) => repair(ctx, 's3'),
  },
];

/**
 * Seconds from `endMs` until a transfer sent after it is final (committed within its wait); the ids the
 * gateway acknowledged go to `acknowledged`.
 */
async function recoverySeconds(
  net: TestNetwork,
  endMs: number,
  probe: () => string,
  acknowledged: string[],
): Promise<number> {
  const client = net.client('beta');
  for (;;) {
    try {
      const id = probe();
      const res = await client.createTransfer(
        { id, payer: 'beta', payee: 'alpha', amount: '0.01', currency: 'USD' },
        { waitMs: 2_000 },
      );
      if ([200, 201, 202].includes(res.status)) acknowledged.push(id);
      if (res.status === 201 && res.body.status === 'committed') return (Date.now() - endMs) / 1000;
    } catch {
      // The gateway is not answering yet.
    }
    if (Date.now() - endMs > 180_000) return Infinity;
    await sleep(250);
  }
}

/** Runs every fault; the probe transfers sent go to `probes.sent`, those acknowledged to `probes.acknowledged`. */
async function runFaults(
  ctx: Context,
  load: SteadyLoad,
  probes: { sent: string[]; acknowledged: string[] },
): Promise<FaultReport[]> {
  const reports: FaultReport[] = [];
  const probe = () => {
    const id = `probe-${probes.sent.length}`;
    probes.sent.push(id);
    return id;
  };
  for (const fault of FAULTS) {
    log(`fault: ${fault.name}`);
    const startMs = Date.now();
    const haltedSafely = (await fault.run(ctx))?.haltedSafely;
    const endMs = Date.now();
    const recovery = await recoverySeconds(ctx.net, endMs, probe, probes.acknowledged);
    reports.push({
      name: fault.name,
      startMs,
      endMs,
      recoverySeconds: recovery,
      p99Ms: load.p99Between(startMs, endMs + recovery * 1000),
      haltedSafely,
      lost: 0,
      duplicated: 0,
    });
    log(`  finality back ${recovery.toFixed(1)} s after the fault's end`);
    await fault.after?.(ctx);
    await sleep(5_000);
  }
  return reports;
}

/** Acknowledged ids with no committed posting, and ids posted more than once, on signer s1. */
async function lostAndDuplicated(
  pool: Pool,
  acknowledged: string[],
): Promise<{ lost: Set<string>; duplicated: Set<string> }> {
  const { rows } = await pool.query<{ id: string; n: string }>(
    `select transfer_id as id, count(*) as n from ledger_s1.postings where transfer_id = any($1) group by transfer_id`,
    [acknowledged],
  );
  const posted = new Map(rows.map((r) => [r.id, Number(r.n)]));
  return {
    lost: new Set(acknowledged.filter((id) => !posted.has(id))),
    duplicated: new Set(acknowledged.filter((id) => (posted.get(id) ?? 0) > 1)),
  };
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const broker = await PrivateBroker.start(await freePort(), await freePort());
  const net = await startTestNetwork(spec, {
    kafkaBrokers: broker.brokers,
    extraEnv: Object.fromEntries(SIGNERS.map((s) => [`ledger-${s}`, { LEDGER_STALL_ALARM_MS: '3000' }])),
  });
  net.network.supervise((line) => log(`supervisor: ${line}`));
  const pool = new Pool({ connectionString: net.databaseUrl, max: 2 });
  const load = new SteadyLoad(
    net.client('alpha'),
    { payer: 'alpha', payee: 'beta' },
    {
      workers: 4,
      waitMs: 5_000,
      pauseMs: 50,
      idPrefix: 'cx',
    },
  );
  const probes = { sent: [] as string[], acknowledged: [] as string[] };
  try {
    await sleep(5_000);
    const reports = await runFaults({ net, broker, pool }, load, probes);
    await load.stop();
    await drain(pool, 60_000);
    await waitForConvergence(pool, SIGNERS, 60_000);
    const acknowledged = [...load.acknowledged(), ...probes.acknowledged];
    const { lost, duplicated } = await lostAndDuplicated(pool, acknowledged);
    for (const r of reports) {
      const inWindow = (id: string) => {
        const sample = load.samples.find((s) => s.id === id);
        return sample !== undefined && sample.sentAtMs >= r.startMs && sample.sentAtMs < r.endMs + 60_000;
      };
      r.lost = [...lost].filter(inWindow).length;
      r.duplicated = [...duplicated].filter(inWindow).length;
    }
    const checks: CheckResult[] = await runChecks(
      {
        pool,
        spec,
        signers: SIGNERS,
        databaseUrl: net.databaseUrl,
        sentIds: new Set([...load.samples.map((s) => s.id), ...probes.sent]),
        ackedIds: new Set(acknowledged),
        quotes: new Map(),
      },
      (line) => log(`check ${line}`),
    );
    process.stdout.write(`${formatTable(reports)}\n`);
    process.stdout.write(`checks: ${checks.filter((c) => c.ok).length} of ${checks.length} passed\n`);
    process.stdout.write(`run time ${((Date.now() - startedAt) / 60_000).toFixed(1)} min\n`);
    process.stdout.write(`${lastLine(reports, lost.size, duplicated.size)}\n`);
    const met =
      lost.size === 0 &&
      duplicated.size === 0 &&
      checks.every((c) => c.ok) &&
      reports.every((r) => r.recoverySeconds <= RECOVERY_TARGET_S && r.haltedSafely !== false);
    return met ? 0 : 1;
  } finally {
    await load.stop();
    await pool.end();
    await net.stop();
    await broker.remove();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`chaos: ${error instanceof Error ? error.stack : error}`);
      process.exit(2);
    },
  );
}
