import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestNetwork, TestNetwork } from '@concord/testing';
import { DEMO_CONSORTIUM } from './consortium';
import { REPO_ROOT } from '../database/prisma';

jest.setTimeout(120_000);

const run = promisify(execFile);

/**
 * `npm run demo:curl` against a network of the demo consortium (its keys are the demo keys): the curl
 * command it prints, run by the real curl, gets a transfer committed.
 */
describe('npm run demo:curl', () => {
  let net: TestNetwork;
  const demoCurl = (args: string[]) =>
    run('npm', ['run', '-s', 'demo:curl', '--', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GATEWAY_URL: net.network.gatewayUrl },
    });
  const transfer = (id: string) =>
    JSON.stringify({ id, payer: 'hk-remit', payee: 'mnl-payout', amount: '125.50', currency: 'USD' });

  beforeAll(async () => {
    // The signers and the gateway are all a same-currency transfer needs.
    net = await startTestNetwork(DEMO_CONSORTIUM, {
      only: ['ledger-s1', 'ledger-s2', 'ledger-s3', 'ledger-s4', 'gateway'],
    });
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('prints a curl command that, run by curl in a shell, gets the transfer committed', async () => {
    const printed = await demoCurl([
      '--print-only',
      'hk-remit',
      'POST',
      '/v1/transfers?wait=5000',
      transfer('curl-1'),
    ]);
    const command = printed.stdout.trim();
    expect(command).toMatch(/^curl -sS -X POST http:\/\/127\.0\.0\.1:\d+\/v1\/transfers\?wait=5000 /);
    expect(command).toContain("-H 'signature-input: sig1=");
    // The Done-when of the foundation: posted with curl, committed and readable within a second.
    const started = Date.now();
    const { stdout } = await run('sh', ['-c', command]);
    expect(JSON.parse(stdout)).toMatchObject({ id: 'curl-1', status: 'committed', amount: '125.50' });
    expect(Date.now() - started).toBeLessThan(1000);
    const read = await net.client('mnl-payout').getTransfer('curl-1');
    expect(read.body).toMatchObject({ status: 'committed', payer: 'hk-remit' });
  });

  it('runs the command it prints, and prints what the gateway answered', async () => {
    const { stdout, stderr } = await demoCurl([
      'hk-remit',
      'POST',
      '/v1/transfers?wait=5000',
      transfer('curl-2'),
    ]);
    expect(stderr.trim()).toMatch(/^curl -sS -X POST .*\/v1\/transfers\?wait=5000 /);
    expect(JSON.parse(stdout)).toMatchObject({ id: 'curl-2', status: 'committed' });
  });

  it('answers three runs of the same read at once, each signed with its own nonce', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => demoCurl(['hk-remit', 'GET', '/v1/participants/me'])));
    for (const { stdout } of runs) expect(JSON.parse(stdout)).toMatchObject({ id: 'hk-remit' });
  });

  it('ledger:govern adds a currency to a member and says whether each proposal was enacted or refused', async () => {
    const govern = (proposalId: string, action: object) =>
      run('npm', ['run', '-s', 'ledger:govern', '--', proposalId, JSON.stringify(action)], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          KAFKA_BROKERS: net.network.options.kafkaBrokers,
          KAFKA_TOPIC_PREFIX: net.network.options.topicPrefix,
        },
      }).then(
        ({ stdout }) => ({ code: 0, lines: stdout.trim().split('\n') }),
        (e: { code: number; stdout: string }) => ({ code: e.code, lines: e.stdout.trim().split('\n') }),
      );
    const eur = {
      kind: 'add-participant-account',
      participantId: 'mnl-payout',
      account: { currency: 'EUR', limit: { kind: 'no-overdraft' } },
    };
    const enacted = await govern('eur-mnl', eur);
    expect(enacted.code).toBe(0);
    expect(enacted.lines.at(-1)).toMatch(/^proposal eur-mnl enacted at block \d+$/);
    const me = await demoCurl(['mnl-payout', 'GET', '/v1/participants/me']);
    expect(JSON.parse(me.stdout).currencies).toContain('EUR');
    // The same account again: refused by every signer, and said so.
    const again = await govern('eur-mnl-2', eur);
    expect(again.code).toBe(1);
    expect(again.lines.at(-1)).toMatch(/^proposal eur-mnl-2 refused at block \d+: INVALID_PROPOSAL$/);
  });
});
