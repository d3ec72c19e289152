import { ConsortiumSpec } from '../demo/consortium';
import { startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * `npm run bench:signer-down`: the accepted-to-final latency of single transfers on four signers
 * (quorum 3), first with all four, then with one of them stopped (SIGSTOP: up but silent, the worst case
 * for whoever waits on it), then with all four again. One client sends one transfer at a time and waits for
 * its final state, so each figure is the latency of a lone transfer, not of a loaded system. The ratio of
 * the middle phase to the mean of the other two is what the availability issue bounds at 1.5.
 */
const TRANSFERS_PER_PHASE = Number(process.env.SIGNER_DOWN_TRANSFERS ?? 120);

const spec: ConsortiumSpec = {
  chainId: 'bench-signer-down',
  secret: 'bench-signer-down-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD'], fundsMinor: 100_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD'], fundsMinor: 100_000_000n },
  ],
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function phase(net: TestNetwork, name: string): Promise<{ p50: number; p99: number }> {
  const alpha = net.client('alpha');
  const latenciesMs: number[] = [];
  for (let i = 0; i < TRANSFERS_PER_PHASE; i++) {
    const startedAt = performance.now();
    const res = await alpha.createTransfer(
      { id: `${name}-${i}`, payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' },
      { waitMs: 10_000 },
    );
    if (res.body.status !== 'committed') throw new Error(`${name}-${i}: ${res.status} ${res.body.status}`);
    latenciesMs.push(performance.now() - startedAt);
  }
  latenciesMs.sort((a, b) => a - b);
  return { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99) };
}

async function main(): Promise<void> {
  // The network's own cut interval (150 ms), not the tests' 50 ms: the figure should be the deployed one.
  const net = await startTestNetwork(spec, { cutIntervalMs: 150 });
  try {
    await phase(net, 'warm-up');
    const before = await phase(net, 'all-four');
    const s4 = net.network.processes.get('ledger-s4')!.child.pid!;
    process.kill(s4, 'SIGSTOP');
    const down = await phase(net, 's4-down').finally(() => process.kill(s4, 'SIGCONT'));
    const after = await phase(net, 'all-four-again');
    const base = (before.p50 + after.p50) / 2;
    const row = (label: string, r: { p50: number; p99: number }) =>
      `  ${label.padEnd(16)} p50 ${r.p50.toFixed(0).padStart(5)} ms   p99 ${r.p99.toFixed(0).padStart(5)} ms`;
    console.log(`single transfers, accepted to final, ${TRANSFERS_PER_PHASE} per phase:`);
    console.log(row('all four', before));
    console.log(row('s4 stopped', down));
    console.log(row('all four again', after));
    console.log(`signer-down: p50 ratio ${(down.p50 / base).toFixed(2)} (one of four stopped / all four)`);
  } finally {
    await net.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
