import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, TEST_KAFKA_BROKERS, TestNetwork } from '@concord/testing';

const REPO = join(__dirname, '../../..');

/**
 * The console as its own process (TypeScript through tsx), beside a test network: its database, topics
 * and the clearing and FX operator APIs of that network, with the DEMO users, and a stand-in web build
 * so that the SPA fallback can be checked. Logs go under .data/test-logs/<prefix>/console.log.
 */
export async function startConsoleProcess(
  net: TestNetwork,
  ports: { clearing: number; fx: number },
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const prefix = net.network.options.topicPrefix;
  const web = mkdtempSync(join(tmpdir(), 'console-web-'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Concord console</title>');
  const logDir = join(REPO, '.data/test-logs', prefix);
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, 'console.log'), 'a');
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(REPO, 'apps/console/src/main.ts')], {
    cwd: REPO,
    env: {
      ...process.env,
      DATABASE_URL: net.databaseUrl,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'info',
      CONSOLE_PORT: String(port),
      CONSOLE_DEMO_USERS: 'true',
      CONSOLE_WEB_DIR: web,
      CLEARING_URL: `http://127.0.0.1:${ports.clearing}`,
      FX_URL: `http://127.0.0.1:${ports.fx}`,
      OPERATOR_TOKEN: net.network.operatorToken,
    },
    stdio: ['ignore', log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => ((await fetch(`${url}/ready`).catch(() => null))?.ok ? true : undefined),
    60_000,
    'the console',
  );
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
