import { join } from 'node:path';
import { checkClearance } from '@concord/contracts';
import { signingKeyFromSeed } from '@concord/crypto';
import { DEMO_COMPLIANCE_SIGNING_KEY } from '@concord/config';
import {
  createTestDatabase,
  eventually,
  freePort,
  LocalNetwork,
  TEST_KAFKA_BROKERS,
  TEST_REDIS_URL,
  uniqueName,
} from '@concord/testing';
import { DEMO_CONSORTIUM } from '../../../libs/devtools/src/demo/consortium';
import { REPO_ROOT } from '../../../libs/devtools/src/infra/settings';
import { request } from './harness';

jest.setTimeout(180_000);

/**
 * The compliance service as `npm start` runs it (its own process, from LocalNetwork): a transfer to a
 * listed name is held, a first officer approves the release, the service is killed with SIGKILL, and after
 * the restart the case, the approval and its signed chain are all there; a second officer releases it and
 * the clearance checks against the compliance key.
 */
describe('compliance process (SIGKILL)', () => {
  let network: LocalNetwork;
  let db: { url: string; drop: () => Promise<void> };
  let base: string;

  const call = async (method: string, path: string, body?: unknown, officer?: string) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${network.operatorToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(officer ? { 'x-officer-id': officer } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as ReturnType<JSON['parse']> };
  };
  const ready = () =>
    eventually(
      async () => ((await fetch(`${base}/ready`).catch(() => null))?.ok ? true : undefined),
      60_000,
      'compliance /ready',
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = uniqueName('cmp');
    const compliancePort = await freePort();
    base = `http://127.0.0.1:${compliancePort}`;
    network = new LocalNetwork({
      databaseUrl: db.url,
      redisUrl: TEST_REDIS_URL,
      kafkaBrokers: TEST_KAFKA_BROKERS,
      topicPrefix: prefix,
      gatewayPort: await freePort(),
      compliancePort,
      spec: DEMO_CONSORTIUM,
      runtime: 'tsx',
      output: { logDir: join(REPO_ROOT, '.data/test-logs', prefix) },
      logLevel: 'info',
    });
    await network.prepare();
    network.start('compliance');
    await ready();
  });

  afterAll(async () => {
    await network?.stopAll();
    await db?.drop();
  });

  it('loses no case and no decision to a SIGKILL', async () => {
    const req = request({ beneficiary: { kind: 'person', name: 'ORLANKO Viktor Petrovich', country: 'RU' } });
    const held = await call('POST', '/v1/screenings', req);
    expect(held.body).toMatchObject({ status: 'held', caseId: expect.any(String) });
    const first = await call(
      'POST',
      `/v1/cases/${held.body.caseId}/release`,
      { reason: 'different DOB' },
      'officer-a',
    );
    expect(first.body.decision.action).toBe('approve-release');

    await network.stop('compliance', 'SIGKILL');
    network.start('compliance');
    await ready();

    const shown = await call('GET', `/v1/cases/${held.body.caseId}`);
    expect(shown.body.case.status).toBe('open');
    expect(shown.body.decisions).toEqual([
      expect.objectContaining({ action: 'approve-release', officerId: 'officer-a' }),
    ]);
    expect((await call('POST', '/v1/screenings', req)).body).toEqual(held.body);
    const second = await call(
      'POST',
      `/v1/cases/${held.body.caseId}/release`,
      { reason: 'agreed' },
      'officer-b',
    );
    expect(second.body.status).toBe('released');
    const view = (await call('GET', `/v1/screenings/${req.transferId}`)).body;
    const key = signingKeyFromSeed(DEMO_COMPLIANCE_SIGNING_KEY);
    expect(checkClearance(view.clearance, req, { 'compliance-1': key.publicKeyHex })).toEqual({ ok: true });
  });
});
