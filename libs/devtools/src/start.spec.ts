import { bringUp, StartableNetwork } from './start';

/** A network that records what was asked of it, and fails where the test says. */
class FakeNetwork implements StartableNetwork {
  readonly calls: string[] = [];
  readonly running = new Set<string>();

  constructor(private readonly failAt?: 'prepare' | 'startAll' | 'waitUntilReady') {}

  async prepare(): Promise<void> {
    this.calls.push('prepare');
    if (this.failAt === 'prepare') throw new Error('postgres: not reachable');
  }

  startAll(): void {
    this.calls.push('startAll');
    this.running.add('ledger-s1');
    this.running.add('ledger-s2');
    // Like a spawn that fails half-way: some processes are already running when it throws.
    if (this.failAt === 'startAll') throw new Error('spawn failed');
    this.running.add('gateway');
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    this.calls.push(`waitUntilReady ${timeoutMs}`);
    if (this.failAt === 'waitUntilReady') throw new Error('ledger-s2 exited with code 1 during start-up');
  }

  async stopAll(): Promise<void> {
    this.calls.push('stopAll');
    this.running.clear();
  }
}

describe('npm start bringing the network up', () => {
  it('prepares, starts every service and waits for it, and stops nothing when all goes well', async () => {
    const network = new FakeNetwork();
    await bringUp(network, () => undefined, 120_000);
    expect(network.calls).toEqual(['prepare', 'startAll', 'waitUntilReady 120000']);
    expect(network.running.size).toBe(3);
  });

  it('stops every process it started before the error goes up when a service fails to start', async () => {
    const network = new FakeNetwork('waitUntilReady');
    const lines: string[] = [];
    await expect(bringUp(network, (line) => lines.push(line), 1000)).rejects.toThrow(
      'ledger-s2 exited with code 1 during start-up',
    );
    expect(network.calls).toEqual(['prepare', 'startAll', 'waitUntilReady 1000', 'stopAll']);
    expect(network.running.size).toBe(0);
    expect(lines.join('\n')).toMatch(/stopping the services it started/);
  });

  it('stops the processes already spawned when starting the rest fails', async () => {
    const network = new FakeNetwork('startAll');
    await expect(bringUp(network, () => undefined, 1000)).rejects.toThrow('spawn failed');
    expect(network.calls).toEqual(['prepare', 'startAll', 'stopAll']);
    expect(network.running.size).toBe(0);
  });

  it('reports the original error when stopping fails too', async () => {
    const network = new FakeNetwork('waitUntilReady');
    network.stopAll = async () => {
      network.calls.push('stopAll');
      throw new Error('kill failed');
    };
    const lines: string[] = [];
    await expect(bringUp(network, (line) => lines.push(line), 1000)).rejects.toThrow(/during start-up/);
    expect(lines.join('\n')).toMatch(/could not stop every service: Error: kill failed/);
  });

  it('starts nothing when preparing fails', async () => {
    const network = new FakeNetwork('prepare');
    await expect(bringUp(network, () => undefined, 1000)).rejects.toThrow('postgres: not reachable');
    expect(network.calls).toEqual(['prepare']);
  });
});
