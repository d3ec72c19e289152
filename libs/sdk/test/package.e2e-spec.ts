import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { participantKey } from '../../../libs/devtools/src/demo/consortium';
import { REPO_ROOT } from '../../../libs/devtools/src/database/prisma';
import { SimulatedPartner } from '../../../libs/devtools/src/bench/routing-partners';
import {
  phpOffer,
  routingSpec,
  RoutingNetwork,
  startRoutingNetwork,
} from '../../../libs/devtools/src/bench/routing-network';

jest.setTimeout(420_000);

const SDK = join(REPO_ROOT, 'libs/sdk');
const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: 'pipe' });

/** The same, without blocking this process: the simulated payout partner runs in it and must answer. */
const runAsync = async (cmd: string, args: string[], cwd: string, env: Record<string, string>) =>
  (await promisify(execFile)(cmd, args, { cwd, env: { ...process.env, ...env }, timeout: 120_000 })).stdout;

/** A partner app's order, in plain JavaScript against the installed package (CommonJS or ES module). */
const orderScript = (load: string) => `${load}
const routing = new RoutingClient({
  baseUrl: process.env.ROUTING_URL, keyId: process.env.KEY_ID, seedHex: process.env.SEED, timeoutMs: 10000,
});
(async () => {
  const { body: routes } = await routing.routes({ sendCurrency: 'HKD', destinationCountry: 'PH',
    destinationCurrency: 'PHP', method: 'wallet', sendAmount: process.env.AMOUNT });
  const { status, body: order } = await routing.createOrder({ idempotencyKey: process.env.KEY,
    option: routes.options[0].optionId, sender: { name: 'Maria Santos' }, recipient: { name: 'Rosa Santos' } });
  const done = await routing.waitForOrder(order.id, 60000);
  console.log(JSON.stringify({ status, partner: routes.options[0].partner, quote: !!routes.options[0].quote,
    history: done.history.map((h) => h.state), state: done.state }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * The SDK as a partner gets it: built (tsup), packed (`npm pack`), installed from the tarball into a
 * directory outside the workspace, and used from plain Node against a running network, through its Node
 * build (node:crypto, node:http) and its browser build (noble, fetch), whose bundles import nothing of
 * Node; its declarations compile in a strict TypeScript project with no path alias.
 */
describe('@concord/sdk package', () => {
  let net: RoutingNetwork;
  let sim: SimulatedPartner;
  let dir: string;
  let tarball: string;

  beforeAll(async () => {
    // Built and packed from a staging directory, so that the work tree keeps no dist/ of it.
    dir = mkdtempSync(join(tmpdir(), 'concord-sdk-'));
    const stage = join(dir, 'stage');
    run('npx', ['tsup', '--config', 'tsup.config.ts', '--out-dir', join(stage, 'dist'), '--silent'], SDK);
    copyFileSync(join(SDK, 'package.json'), join(stage, 'package.json'));
    const packed = run('npm', ['pack', '--silent', '--pack-destination', dir], stage);
    tarball = join(dir, packed.trim().split('\n').pop()!);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'partner-app', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir);
    net = await startRoutingNetwork(routingSpec('e2e-sdk-package', ['ph-a']));
    expect(
      (
        await net
          .partner('ph-a')
          .routing.publishOffer('php-wallet', phpOffer({ fixed: '0.00', bps: 20 }, 3000))
      ).status,
    ).toBe(200);
    sim = new SimulatedPartner('ph-a', net.partner('ph-a').gateway, { failRate: 0, payoutMs: 100 });
    sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    await net?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = (key: string, amount: string) => {
    const { keyId, key: k } = participantKey(routingSpec('e2e-sdk-package', ['ph-a']), 'app');
    return { ROUTING_URL: net.routingUrl, KEY_ID: keyId, SEED: k.seedHex, KEY: key, AMOUNT: amount };
  };

  /** A routes answer with a signed quote, an order created, reserved on the ledger and paid out. */
  const expectOrderOnLedger = (out: {
    status: number;
    partner: string;
    quote: boolean;
    history: string[];
    state: string;
  }) => {
    expect(out).toMatchObject({ status: 201, partner: 'ph-a', quote: true, state: 'paid_out' });
    expect(out.history).toEqual(['created', 'routed', 'reserved', 'paid_out']);
  };

  it('packs built JS and declarations only, with no alias into the monorepo', () => {
    const files = run('tar', ['tzf', tarball], dir).trim().split('\n').sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/dist/index.js',
        'package/dist/index.mjs',
        'package/dist/index.d.ts',
        'package/dist/browser.mjs',
      ]),
    );
    expect(files.filter((f) => !f.startsWith('package/dist/') && f !== 'package/package.json')).toEqual([]);
    const installed = join(dir, 'node_modules/@concord/sdk/dist');
    expect(readdirSync(SDK)).not.toContain('dist');
    for (const file of readdirSync(installed)) {
      const text = readFileSync(join(installed, file), 'utf8');
      expect(text).not.toMatch(/from ['"]@concord\/|require\(['"]@concord\//);
      if (file.startsWith('browser.') && !file.includes('.d.')) {
        // The browser and React Native build: no Node module at all.
        expect(text).not.toMatch(
          /(from |require\(|import\()['"](node:)?(crypto|http|https|net|tls|fs|buffer|stream)['"]/,
        );
        expect(text).not.toMatch(/['"]node:/);
      }
    }
  });

  it('sends an order from plain Node through the Node build (CommonJS)', async () => {
    writeFileSync(join(dir, 'order.cjs'), orderScript("const { RoutingClient } = require('@concord/sdk');"));
    const out = JSON.parse(await runAsync('node', ['order.cjs'], dir, env('sdk-package-cjs', '1500.00')));
    expectOrderOnLedger(out);
  });

  it('sends an order through the browser build (ES module, noble and fetch)', async () => {
    writeFileSync(
      join(dir, 'order.mjs'),
      orderScript("import { RoutingClient } from '@concord/sdk/browser';"),
    );
    const out = JSON.parse(await runAsync('node', ['order.mjs'], dir, env('sdk-package-esm', '1700.00')));
    expectOrderOnLedger(out);
  });

  it('runs the example app backend against the installed package', async () => {
    copyFileSync(join(REPO_ROOT, 'examples/remit-app/send-order.ts'), join(dir, 'send-order.ts'));
    const e = env('unused', '0');
    const out = await runAsync('node', ['--require', require.resolve('tsx/cjs'), 'send-order.ts'], dir, {
      ROUTING_URL: e.ROUTING_URL,
      APP_KEY_ID: e.KEY_ID,
      APP_KEY_SEED: e.SEED,
    });
    expect(out).toMatch(
      /^ph-a: recipient gets PHP [\d.]+, cost HKD [\d.]+\norder ord_\S+: (paid_out|refunded) ph-a/,
    );
  });

  it('type-checks a partner project strictly against the declarations', () => {
    writeFileSync(
      join(dir, 'app.ts'),
      `import { RoutingClient, ConcordClient, type OrderView } from '@concord/sdk';
const routing = new RoutingClient({ baseUrl: 'http://x', keyId: 'k', seedHex: '00'.repeat(32), timeoutMs: 5000 });
export async function state(id: string): Promise<OrderView['state']> {
  const { body } = await routing.getOrder(id);
  await new ConcordClient({ baseUrl: 'http://x', keyId: 'k', seedHex: '00'.repeat(32) }).getTransfer('t', { payer: 'p' });
  return body.state;
}
`,
    );
    writeFileSync(
      join(dir, 'bad.ts'),
      `import { RoutingClient } from '@concord/sdk';\nnew RoutingClient({ baseUrl: 'http://x' });\n`,
    );
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const flags = [
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
      '--lib',
      'es2022,dom',
    ];
    run('node', [tsc, ...flags, 'app.ts'], dir);
    let refusal = '';
    try {
      run('node', [tsc, ...flags, 'bad.ts'], dir);
    } catch (e) {
      refusal = String((e as { stdout?: string }).stdout);
    }
    expect(refusal).toMatch(/bad\.ts.*error TS2\d+/);
    expect(refusal).toMatch(/keyId/);
  });
});
