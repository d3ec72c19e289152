import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { deleteTestTopics, freePort, TEST_KAFKA_BROKERS, TEST_REDIS_URL, uniqueName } from '@concord/testing';
import { infraStatus, InfraError, infraUp } from './infra';
import { REPO_ROOT } from './settings';

jest.setTimeout(60_000);

const run = promisify(execFile);

/**
 * `infra` against the real broker, PostgreSQL and Redis of this machine, and against closed ports for the
 * ones it must report as down. It never stops the shared broker: `up` finds it running and leaves it.
 */
describe('infra', () => {
  const prefix = uniqueName('inf');
  const env = {
    PATH: process.env.PATH,
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
    REDIS_URL: TEST_REDIS_URL,
    KAFKA_TOPIC_PREFIX: prefix,
  };
  /** `npm run infra:status` as a child process: its output and exit code. */
  const status = async (overrides: Record<string, string> = {}) => {
    const script = path.join(REPO_ROOT, 'libs/devtools/src/infra/infra.ts');
    try {
      const { stdout } = await run(process.execPath, ['--require', 'tsx/cjs', script, 'status'], {
        cwd: REPO_ROOT,
        env: { ...env, ...overrides },
      });
      return { code: 0, lines: stdout.trimEnd().split('\n') };
    } catch (e) {
      const failed = e as { code: number; stdout: string };
      return { code: failed.code, lines: failed.stdout.trimEnd().split('\n') };
    }
  };

  afterAll(async () => {
    await deleteTestTopics(prefix);
  });

  it('status prints one line per component, all up, and exits 0', async () => {
    const { code, lines } = await status();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^kafka {4}up {4}${TEST_KAFKA_BROKERS} \\((pid \\d+|not started by infra), \\d+ topics\\)$`),
    );
    expect(lines[1]).toMatch(/^postgres up {4}127\.0\.0\.1:5432$/);
    expect(lines[2]).toBe(`redis    up    ${new URL(TEST_REDIS_URL).host}`);
    expect(code).toBe(0);
  });

  it('status names PostgreSQL as down at a closed port, with how to start it, and exits 1', async () => {
    const port = await freePort();
    const { code, lines } = await status({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/concord` });
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^kafka {4}up/);
    expect(lines[1]).toBe(
      `postgres down  127.0.0.1:${port} (connection refused; start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)`,
    );
    expect(lines[2]).toMatch(/^redis {4}up/);
  });

  it('status names Redis as down at a closed port, with how to start it on that port', async () => {
    const port = await freePort();
    const result = await infraStatus({ env: { ...env, REDIS_URL: `redis://127.0.0.1:${port}` } });
    expect(result.map((c) => [c.name, c.up])).toEqual([
      ['kafka', true],
      ['postgres', true],
      ['redis', false],
    ]);
    expect(result[2].address).toBe(`127.0.0.1:${port}`);
    expect(result[2].detail).toBe(
      `connection refused; start it with: redis-server --daemonize yes --bind 127.0.0.1 --port ${port} --save "" --appendonly no`,
    );
  });

  it('up fails naming every component that is down and how to start it, and no other', async () => {
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const both = infraUp({
      env: {
        ...env,
        DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/concord`,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      },
      log: () => undefined,
    });
    await expect(both).rejects.toBeInstanceOf(InfraError);
    const lines = ((await both.catch((e: Error) => e)) as Error).message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^postgres: not reachable at 127\\.0\\.0\\.1:${pgPort}: connection refused; start it with: pg_ctlcluster`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^redis: not reachable at 127\\.0\\.0\\.1:${redisPort}: connection refused; start it with: redis-server .*--port ${redisPort} `,
      ),
    );
    const onlyRedis = await infraUp({
      env: { ...env, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
      log: () => undefined,
    }).catch((e: Error) => e);
    expect((onlyRedis as Error).message).toMatch(/^redis: not reachable/);
    expect((onlyRedis as Error).message).not.toMatch(/postgres|kafka/);
  });

  it('up when everything is up changes nothing: the same broker, no topic created again', async () => {
    const first: string[] = [];
    const a = await infraUp({ env, log: (line) => first.push(line) });
    const second: string[] = [];
    const b = await infraUp({ env, log: (line) => second.push(line) });
    // The shared broker was already running before this test: neither call started one.
    expect(a.kafka.started).toBe(false);
    expect(b.kafka).toEqual(a.kafka);
    expect(second).toContainEqual(expect.stringMatching(/^kafka: already up at /));
    expect(a.topics.created.length + a.topics.existing.length).toBeGreaterThanOrEqual(10);
    expect(b.topics.created).toEqual([]);
    expect(b.topics.existing.sort()).toEqual([...a.topics.created, ...a.topics.existing].sort());
    expect(second).toContainEqual(`topics: all ${b.topics.existing.length} present under prefix '${prefix}'`);
  });
});
