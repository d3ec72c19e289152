import { Registry } from 'prom-client';
import { createLogger } from '@concord/observability';
import { ChainDivergence, createSignerMetrics, SignerService } from './signer.service';
import { isFatal, SignerSupervisor } from './signer.supervisor';

/** A stand-in for one run of a signer: its start fails as told, and it reports failures on demand. */
class FakeRun {
  stopped = false;
  constructor(
    readonly onFailure: (error: unknown) => void,
    private readonly startError: Error | null,
  ) {}
  async start(): Promise<void> {
    if (this.startError) throw this.startError;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

function connectionRefused(): Error {
  const error = new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  error.name = 'KafkaJSNonRetriableError';
  return error;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SignerSupervisor', () => {
  const log = createLogger('ledger', 'silent');

  function supervise(startErrors: (Error | null)[]) {
    const runs: FakeRun[] = [];
    const exits: number[] = [];
    const metrics = createSignerMetrics(new Registry());
    const supervisor = new SignerSupervisor(
      (onFailure) => {
        const run = new FakeRun(onFailure, startErrors[runs.length] ?? null);
        runs.push(run);
        return run as unknown as SignerService;
      },
      log,
      metrics,
      (code) => exits.push(code),
    );
    return { supervisor, runs, exits, metrics };
  }

  it('starts a new run from the database after a lost connection, and stops the failed one', async () => {
    const { supervisor, runs, exits, metrics } = supervise([]);
    await supervisor.start();
    runs[0].onFailure(connectionRefused());
    await until(() => runs.length === 2);
    expect(runs[0].stopped).toBe(true);
    expect(supervisor.signer).toBe(runs[1]);
    expect(exits).toEqual([]);
    expect((await metrics.restarts.get()).values[0].value).toBe(1);
    await supervisor.stop();
    expect(runs[1].stopped).toBe(true);
  });

  it('keeps trying while the start itself fails (the broker is still down)', async () => {
    const { supervisor, runs, exits } = supervise([connectionRefused(), connectionRefused(), null]);
    await supervisor.start();
    await until(() => runs.length === 3);
    expect(supervisor.signer).toBe(runs[2]);
    expect(exits).toEqual([]);
    await supervisor.stop();
  });

  it('stops the process on a chain divergence or a broken invariant, without starting again', async () => {
    const { supervisor, runs, exits } = supervise([]);
    await supervisor.start();
    runs[0].onFailure(new ChainDivergence('recovery diverged at block 7'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(exits).toEqual([1]);
    expect(runs).toHaveLength(1);
  });

  it('ignores a second report from a run it already replaced', async () => {
    const { supervisor, runs } = supervise([]);
    await supervisor.start();
    runs[0].onFailure(connectionRefused());
    runs[0].onFailure(connectionRefused());
    await until(() => runs.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(runs).toHaveLength(2);
    await supervisor.stop();
  });

  it('tells fatal errors from transient ones by name', () => {
    const invariant = new Error('balances do not sum to zero');
    invariant.name = 'InvariantViolation';
    expect(isFatal(invariant)).toBe(true);
    expect(isFatal(new ChainDivergence('x'))).toBe(true);
    expect(isFatal(connectionRefused())).toBe(false);
    expect(isFatal(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(false);
  });
});
