import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../database/prisma';

const run = promisify(execFile);

jest.setTimeout(30_000);

/**
 * The gateway refuses a second request signed alike (REPLAYED_REQUEST), and two runs of demo:curl in the
 * same second for the same request are signed alike unless each adds its own nonce.
 */
describe('demo:curl signing', () => {
  const printed = async () => {
    const { stdout } = await run(
      join(REPO_ROOT, 'node_modules/.bin/tsx'),
      ['libs/devtools/src/demo/demo-curl.ts', '--print-only', 'hk-remit', 'GET', '/v1/participants/me'],
      { cwd: REPO_ROOT },
    );
    return stdout.trim();
  };

  it('signs every request with a fresh nonce of the alphabet the gateway takes', async () => {
    const commands = await Promise.all([printed(), printed(), printed()]);
    const nonces = commands.map((c) => /;nonce="([^"]*)";/.exec(c)?.[1]);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(new Set(nonces).size).toBe(3);
  });
});
