import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@concord/config';
import { buildGenesis, DEMO_CONSORTIUM } from '../demo/consortium';
import {
  bringUp,
  defaultQuorum,
  demoSpec,
  optionalAppLines,
  optionalAppPorts,
  StartableNetwork,
  startSchema,
} from './start';

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

describe('npm start signers and quorum', () => {
  const load = (env: Record<string, string>) => loadConfig(startSchema, env);

  it('runs the demo consortium with four signers and quorum 3 by default', () => {
    const spec = demoSpec(load({}));
    expect([spec.signerCount, spec.quorum]).toEqual([4, 3]);
    const genesis = buildGenesis(spec);
    expect(genesis.signers.map((s) => s.id)).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('takes DEMO_SIGNERS and DEMO_QUORUM, with floor(2n/3) + 1 as the default quorum', () => {
    expect([1, 3, 4, 5, 6, 7, 10].map(defaultQuorum)).toEqual([1, 3, 3, 4, 5, 5, 7]);
    const seven = demoSpec(load({ DEMO_SIGNERS: '7' }));
    expect([seven.signerCount, seven.quorum]).toEqual([7, 5]);
    expect(buildGenesis(seven).signers).toHaveLength(7);
    const strict = demoSpec(load({ DEMO_SIGNERS: '7', DEMO_QUORUM: '7' }));
    expect(strict.quorum).toBe(7);
  });

  it('names DEMO_QUORUM and its bound when it is not Byzantine-safe, and DEMO_SIGNERS when it is not a count', () => {
    const problem = (env: Record<string, string>) => {
      try {
        load(env);
        return 'loaded';
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.message;
      }
    };
    expect(problem({ DEMO_SIGNERS: '4', DEMO_QUORUM: '2' })).toMatch(
      /DEMO_QUORUM.*Byzantine-safe for the 4 signers.*at least floor\(2n\/3\) \+ 1 = 3/,
    );
    // A majority that was accepted before: two quorums of three among five may share one signer only.
    expect(problem({ DEMO_SIGNERS: '5', DEMO_QUORUM: '3' })).toMatch(
      /DEMO_QUORUM.*at least floor\(2n\/3\) \+ 1 = 4/,
    );
    expect(problem({ DEMO_SIGNERS: '6', DEMO_QUORUM: '4' })).toMatch(/DEMO_QUORUM.*= 5/);
    expect(problem({ DEMO_SIGNERS: '5', DEMO_QUORUM: '4' })).toBe('loaded');
    expect(() => buildGenesis({ ...DEMO_CONSORTIUM, signerCount: 5, quorum: 3 })).toThrow(
      /quorum 3 of 5 signers is not Byzantine-safe: it must be at least floor\(2n\/3\) \+ 1 = 4/,
    );
    expect(problem({ DEMO_SIGNERS: '4', DEMO_QUORUM: '5' })).toMatch(/DEMO_QUORUM/);
    expect(problem({ DEMO_SIGNERS: 'four' })).toMatch(/DEMO_SIGNERS/);
    expect(problem({ DEMO_SIGNERS: '0' })).toMatch(/DEMO_SIGNERS/);
  });
});

describe('npm start and a signal', () => {
  const scripts = (
    JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  let dir: string;
  let entry: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'concord-start-'));
    entry = join(dir, 'fake-start.js');
    // Stands for start.js: says it is up, and on a signal says so and exits, as start.js stops the network.
    writeFileSync(
      entry,
      `for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { console.log('stopping on ' + s); process.exit(0); });
console.log('up ' + process.pid);
setInterval(() => undefined, 1000);
`,
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the shell by the network process in the start scripts (exec), so a signal reaches it', () => {
    expect(scripts.start).toMatch(/&& exec node dist\/libs\/devtools\/src\/network\/start\.js$/);
    expect(scripts['start:dev']).toMatch(/&& exec tsx libs\/devtools\/src\/network\/start\.ts --tsx$/);
  });

  // npm runs a script with `sh -c <script>` and hands SIGINT and SIGTERM to that shell only.
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops the network process when the shell of `npm start` gets %s',
    async (signal) => {
      const command = scripts.start
        .replace('npm run build', 'true')
        .replace('dist/libs/devtools/src/network/start.js', JSON.stringify(entry));
      expect(command).toContain(entry);
      const shell = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      let networkPid = 0;
      try {
        await new Promise<void>((resolve, reject) => {
          shell.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString();
            const up = /up (\d+)/.exec(out);
            if (up && networkPid === 0) {
              networkPid = Number(up[1]);
              resolve();
            }
          });
          shell.on('error', reject);
        });
        const closed = new Promise<void>((resolve) => shell.on('close', () => resolve()));
        shell.kill(signal);
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 3_000))]);
        expect(out).toContain(`stopping on ${signal}`);
      } finally {
        // Before the fix the shell died alone and left the network process running: end it here.
        try {
          if (networkPid > 0) process.kill(networkPid, 'SIGKILL');
        } catch {
          // It has already exited, as it should.
        }
        shell.kill('SIGKILL');
      }
    },
  );
});

describe('npm start optional apps', () => {
  const ports = { CONSOLE_PORT: 3300, COMPLIANCE_PORT: 3400, ROUTING_PORT: 3500 };

  it('starts only the optional apps this checkout has, and prints a line for each', () => {
    const apps = optionalAppPorts(ports, (app) => app === 'console');
    expect(apps).toEqual({ consolePort: 3300 });
    expect(optionalAppLines(apps)).toBe(
      '  console     http://127.0.0.1:3300/   (operations and regulator console)\n' +
        '              DEMO logins: ops1 / ops1-demo-password, ops2 / ops2-demo-password (operators),\n' +
        '              reg1 / reg1-demo-password (regulator), admin1 / admin1-demo-password (admin)\n',
    );
    expect(optionalAppLines(optionalAppPorts(ports, () => false))).toBe('');
  });
});
