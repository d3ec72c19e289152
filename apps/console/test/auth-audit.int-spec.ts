import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createTestDatabase,
  deleteTestTopics,
  TEST_KAFKA_BROKERS,
  testPool,
  uniqueName,
} from '@concord/testing';
import { ensureTopics } from '../../../libs/devtools/src/infra/topics';
import { UsersService } from '../src/users/users.service';
import { ConsoleClient, startInProcess } from './console-harness';

jest.setTimeout(60_000);

/**
 * People and audit against a real PostgreSQL and Kafka, the console in process: lockout after failed
 * logins, the CSRF rule, session expiry, the regulator's 403 (recorded), security headers and the SPA
 * fallback, and an audit row changed behind the trigger's back found by verification.
 */
describe('console auth and audit', () => {
  let db: { url: string; drop: () => Promise<void> };
  let app: NestFastifyApplication;
  let client: ConsoleClient;
  let pg: ReturnType<typeof testPool>;
  const prefix = uniqueName('c');

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = testPool(db.url, 2);
    await ensureTopics(TEST_KAFKA_BROKERS, prefix);
    ({ app, client } = await startInProcess({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: TEST_KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      CONSOLE_LOCKOUT_FAILURES: '3',
      CONSOLE_WEB_DIR: '/nonexistent/console-web',
    }));
    const users = app.get(UsersService);
    await users.add({ username: 'ops1', role: 'operator', password: 'ops1-password-x' });
    await users.add({ username: 'reg1', role: 'regulator', password: 'reg1-password-x' });
    await users.add({ username: 'admin1', role: 'admin', password: 'admin1-password-x' });
    await users.add({ username: 'victim', role: 'operator', password: 'victim-password' });
  });

  afterAll(async () => {
    await app?.close();
    await pg?.end();
    await db?.drop();
    await deleteTestTopics(prefix);
  });

  it('locks an account after 3 failed logins, even against the right password', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await client.request('POST', '/ops/v1/session', {
        username: 'victim',
        password: 'wrong-password',
      });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = await client.request('POST', '/ops/v1/session', {
      username: 'victim',
      password: 'victim-password',
    });
    expect(locked.status).toBe(423);
    expect(locked.body.code).toBe('ACCOUNT_LOCKED');
    // An admin's password reset unlocks it.
    const admin = await client.login('admin1', 'admin1-password-x');
    expect(
      (
        await admin.call('POST', '/ops/v1/users/victim/password', {
          password: 'victim-password-2',
        })
      ).status,
    ).toBe(200);
    expect((await client.login('victim', 'victim-password-2')).me.user.username).toBe('victim');
  });

  it('sets an HttpOnly SameSite=Strict cookie and refuses writes without the CSRF token', async () => {
    const res = await client.request('POST', '/ops/v1/session', {
      username: 'admin1',
      password: 'admin1-password-x',
    });
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/);
    expect(String(res.headers['set-cookie'])).toMatch(/SameSite=Strict/);
    const admin = await client.login('admin1', 'admin1-password-x');
    const body = { username: 'ops9', role: 'operator', password: 'ops9-password-x' };
    const without = await admin.call('POST', '/ops/v1/users', body, { csrf: null });
    expect(without.status).toBe(403);
    expect(without.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await admin.call('POST', '/ops/v1/users', body, { csrf: 'x'.repeat(43) });
    expect(wrong.body.code).toBe('CSRF_TOKEN_INVALID');
    expect((await admin.call('POST', '/ops/v1/users', body)).status).toBe(201);
    expect((await client.request('GET', '/ops/v1/users')).status).toBe(401);
  });

  it('ends an expired session', async () => {
    const ops = await client.login('ops1', 'ops1-password-x');
    expect((await ops.call('GET', '/ops/v1/session')).status).toBe(200);
    await pg.query(
      `UPDATE "console".session SET expires_at = now() - interval '1 second' WHERE username = 'ops1'`,
    );
    const expired = await ops.call('GET', '/ops/v1/session');
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('UNAUTHENTICATED');
  });

  it("answers a regulator's write 403 and records the attempt", async () => {
    const reg = await client.login('reg1', 'reg1-password-x');
    const res = await reg.call('POST', '/ops/v1/users', {
      username: 'evil',
      role: 'admin',
      password: 'evil-password-x',
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    const audit = await reg.call('GET', '/ops/v1/audit?actor=reg1');
    const refused = audit.body.entries.find((e: { action: string }) => e.action === 'user.add');
    expect(refused).toMatchObject({ role: 'regulator', outcome: 'refused', status: 403 });
    expect(JSON.stringify(refused.request)).not.toContain('evil-password-x');
  });

  it('answers with security headers, and unknown API paths as problems', async () => {
    const page = await client.request('GET', '/ops/v1/session');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    const api = await client.request('GET', '/ops/v1/nothing-here');
    expect(api.status).toBe(404);
    expect(String(api.headers['content-type'])).toContain('application/problem+json');
  });

  it('refuses to change the audit log, and finds a row changed behind the trigger', async () => {
    const admin = await client.login('admin1', 'admin1-password-x');
    expect((await admin.call('GET', '/ops/v1/audit/verify')).body).toMatchObject({
      ok: true,
      firstBad: null,
    });
    const {
      rows: [{ seq }],
    } = await pg.query<{ seq: string }>(
      `SELECT seq FROM "console".audit_log WHERE action = 'user.add' ORDER BY seq LIMIT 1`,
    );
    await expect(
      pg.query(`UPDATE "console".audit_log SET actor = 'mallory' WHERE seq = $1`, [seq]),
    ).rejects.toThrow(/append-only/);
    await expect(pg.query(`DELETE FROM "console".audit_log WHERE seq = $1`, [seq])).rejects.toThrow(
      /append-only/,
    );
    // A superuser can disable the trigger: the chain still tells.
    await pg.query(`ALTER TABLE "console".audit_log DISABLE TRIGGER audit_log_no_update_delete`);
    await pg.query(`UPDATE "console".audit_log SET actor = 'mallory' WHERE seq = $1`, [seq]);
    await pg.query(`ALTER TABLE "console".audit_log ENABLE TRIGGER audit_log_no_update_delete`);
    const verdict = (await admin.call('GET', '/ops/v1/audit/verify')).body;
    expect(verdict).toMatchObject({
      ok: false,
      firstBad: { seq: Number(seq), reason: 'its content does not match its hash' },
    });
    const exported = await admin.call('GET', '/ops/v1/audit/export');
    expect(exported.text.trim().split('\n').length).toBeGreaterThan(3);
  });
});
