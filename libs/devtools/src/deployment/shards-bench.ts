/**
 * `npm run bench:shards -- [--max 4] [--seconds 3]`: ledger shards side by side, as processes. Each shard
 * is its own chain, so each runs its own engine (`npm run bench:ledger`, the deterministic LedgerEngine on
 * one core, its own generated log); this runs 1, 2, ... `--max` of them at once and prints the throughput
 * of each shard and of all together. The model of docs/design/scale-out.md expects the per-shard figure to
 * hold while shards <= cores, and the total to stop growing beyond. Run under
 * `flock /tmp/concord-network.lock` (a benchmark) on a machine doing nothing else.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../infra/settings';

const ENGINE_BENCH = path.join(REPO_ROOT, 'apps', 'ledger', 'src', 'bench', 'engine.bench.ts');

/** One engine bench process (one shard); resolves to its transfers per second. */
function shard(seconds: number, seed: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', ENGINE_BENCH, '--seconds', String(seconds), '--seed', String(seed)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('close', (code) => {
      const m = /ledger engine: ([\d,]+) transfers\/s/.exec(out);
      if (code !== 0 || !m) reject(new Error(`shard ${seed} failed (exit ${code}):\n${out.slice(-2000)}`));
      else resolve(Number(m[1].replace(/,/g, '')));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { max: { type: 'string' }, seconds: { type: 'string' } } });
  const max = Number(values.max ?? 4);
  const seconds = Number(values.seconds ?? 3);
  console.log(`cores: ${cpus().length}; each shard: bench:ledger --seconds ${seconds}`);
  console.log('shards | per shard (transfers/s, each)        | total transfers/s');
  for (let n = 1; n <= max; n++) {
    const rates = await Promise.all(Array.from({ length: n }, (_, i) => shard(seconds, i + 1)));
    const total = rates.reduce((a, b) => a + b, 0);
    console.log(
      `${String(n).padStart(6)} | ${rates
        .map((r) => r.toLocaleString('en'))
        .join(', ')
        .padEnd(36)} | ${total.toLocaleString('en')}`,
    );
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
