import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { checkClearance, officerDecisionPayload, partiesCommitment } from '@concord/contracts';
import { signBytes, signingKeyFromSeed } from '@concord/crypto';
import { createTestDatabase, uniqueName } from '@concord/testing';
import { CasesRepository } from '../src/cases/cases.repository';
import { CasesService } from '../src/cases/cases.service';
import { ScreeningRepository } from '../src/screening/screening.repository';
import { ScreeningService } from '../src/screening/screening.service';
import { ComplianceSigner } from '../src/signing/compliance-signer';
import { client, listCopies, request, startCompliance } from './harness';

jest.setTimeout(120_000);

/**
 * The compliance service against real PostgreSQL and Redis: lists loaded from files (a broken one
 * refused, the version in force kept), clear transfers with a valid clearance, travel-rule data refused
 * when missing, a listed name held and released by two officers, rejections, escalation that never
 * releases, rule versions and backtests, personal data encrypted at rest, and a goAML report.
 */
describe('compliance service (PostgreSQL + Redis)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let app: NestFastifyApplication;
  let call: ReturnType<typeof client>;
  let lists: { dir: string; setting: string };
  let keys: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    lists = listCopies();
    app = await startCompliance({
      DATABASE_URL: db.url,
      KAFKA_TOPIC_PREFIX: uniqueName('cmp'),
      COMPLIANCE_LISTS: lists.setting,
      COMPLIANCE_PORT: '3999',
    });
    call = client(app);
    const signer = app.get(ComplianceSigner);
    keys = { [signer.keyId]: signer.publicKeyHex };
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    rmSync(lists.dir, { recursive: true, force: true });
  });

  it('is ready once the lists are loaded, one version per list', async () => {
    expect((await call('GET', '/ready')).status).toBe(200);
    const res = await call('GET', '/v1/lists');
    expect(Object.keys(res.body.inForce).sort()).toEqual(['eu', 'ofac', 'opensanctions', 'un']);
  });

  it('clears an ordinary transfer with a clearance every signer can check, once per transfer id', async () => {
    const req = request();
    const res = await call('POST', '/v1/screenings', req);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('clear');
    expect(checkClearance(res.body.clearance, req, keys)).toEqual({ ok: true });
    expect(checkClearance(res.body.clearance, { ...req, amountMinor: '5001' }, keys).ok).toBe(false);
    expect((await call('POST', '/v1/screenings', req)).body).toEqual(res.body);
    const racing = request();
    const both = await Promise.all([
      call('POST', '/v1/screenings', racing),
      call('POST', '/v1/screenings', racing),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(both[1].body).toEqual(both[0].body);
    const other = await call('POST', '/v1/screenings', { ...req, amountMinor: '6000' });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('TRANSFER_ID_REUSED');
  });

  it('keeps personal data encrypted at rest, with a commitment a regulator can recompute', async () => {
    const req = request({ beneficiary: { kind: 'person', name: 'Rosalind Quixano', country: 'PH' } });
    const res = await call('POST', '/v1/screenings', req);
    const pool = new Pool({ connectionString: db.url });
    const { rows } = await pool.query(
      'select sealed::text, commitment from compliance.screenings where transfer_id = $1',
      [req.transferId],
    );
    await pool.end();
    expect(rows[0].sealed).not.toMatch(/Quixano|Rosalind|Maria/);
    const view = await app
      .get(CasesService)
      ['screening'].openParties({ transferId: req.transferId, sealed: JSON.parse(rows[0].sealed) });
    expect(partiesCommitment(view.salt, req.originator, req.beneficiary)).toBe(rows[0].commitment);
    expect(res.body.clearance.commitment).toBe(rows[0].commitment);
  });

  it('refuses a transfer above the threshold without the required data, naming the fields', async () => {
    const res = await call('POST', '/v1/screenings', request({ amountMinor: '150000' }));
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('MISSING_TRAVEL_RULE_DATA');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'beneficiary.account',
      'originator.account',
      'originator.address',
    ]);
    const bad = await call('POST', '/v1/screenings', { ...request(), currency: 'usd' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('currency');
  });

  it('holds a transfer to a listed name in another script; two different officers release it', async () => {
    const req = request({ beneficiary: { kind: 'person', name: 'Виктор Орланко', country: 'RU' } });
    const held = await call('POST', '/v1/screenings', req);
    expect(held.body).toMatchObject({ status: 'held', caseId: expect.any(String) });
    expect(held.body.clearance).toBeUndefined();
    const caseId = held.body.caseId;
    const shown = await call('GET', `/v1/cases/${caseId}`);
    expect(shown.body.case.sanctions).toBe(true);
    expect(shown.body.transfer.beneficiary.name).toBe('Виктор Орланко');
    const hit = shown.body.findings.find((f: { kind: string }) => f.kind === 'sanctions');
    expect(hit.explanation).toMatchObject({
      entryId: 'un:9990001',
      explanation: { listedName: expect.any(String) },
    });
    expect((await call('POST', `/v1/cases/${caseId}/release`, { reason: 'no officer' })).status).toBe(400);
    const first = await call(
      'POST',
      `/v1/cases/${caseId}/release`,
      { reason: 'namesake, other DOB' },
      'officer-a',
    );
    expect(first.body).toMatchObject({
      status: 'open',
      decision: { action: 'approve-release', officerId: 'officer-a' },
    });
    const again = await call('POST', `/v1/cases/${caseId}/release`, { reason: 'me again' }, 'officer-a');
    expect(again.body.code).toBe('SECOND_OFFICER_REQUIRED');
    expect((await call('GET', `/v1/screenings/${req.transferId}`)).body.status).toBe('held');
    const second = await call('POST', `/v1/cases/${caseId}/release`, { reason: 'agreed' }, 'officer-b');
    expect(second.body.status).toBe('released');
    const view = (await call('GET', `/v1/screenings/${req.transferId}`)).body;
    expect(view.status).toBe('released');
    expect(checkClearance(view.clearance, req, keys)).toEqual({ ok: true });
    const decisions = (await call('GET', `/v1/cases/${caseId}`)).body.decisions;
    expect(decisions[1].prevHash).toBe(decisions[0].hash);
    expect(
      (await call('POST', `/v1/cases/${caseId}/reject`, { reason: 'late' }, 'officer-c')).body.code,
    ).toBe('CASE_CLOSED');
  });

  it('rejects with one officer, blocks high-risk countries, exports a goAML report', async () => {
    const held = await call(
      'POST',
      '/v1/screenings',
      request({ originator: { kind: 'person', name: 'Abdel Karim Farouqi', country: 'SY' } }),
    );
    const rejected = await call(
      'POST',
      `/v1/cases/${held.body.caseId}/reject`,
      { reason: 'true match' },
      'officer-a',
    );
    expect(rejected.body.status).toBe('rejected');
    expect((await call('GET', `/v1/screenings/${held.body.transferId}`)).body.status).toBe('rejected');
    const xml = await call('GET', `/v1/cases/${held.body.caseId}/goaml.xml`, undefined, 'officer-a');
    expect(xml.type).toMatch(/xml/);
    expect(xml.body).toMatch(/<report_code>STR<\/report_code>/);
    expect(xml.body).toMatch(/<last_name>Farouqi<\/last_name>/);
    const blocked = await call(
      'POST',
      '/v1/screenings',
      request({ beneficiary: { kind: 'person', name: 'Kim Su', country: 'KP' } }),
    );
    expect(blocked.body).toMatchObject({ status: 'blocked', reasons: ['rule high-risk-countries'] });
  });

  it('escalates a case past its deadline and never releases it', async () => {
    const held = await call(
      'POST',
      '/v1/screenings',
      request({ beneficiary: { kind: 'person', name: 'Elena Voskresenskaya', country: 'RU' } }),
    );
    const cases = app.get(CasesService);
    const later = Object.assign(Object.create(Object.getPrototypeOf(cases) as object), cases, {
      now: () => new Date(Date.now() + 48 * 3600_000),
    });
    expect(await later.escalateOverdue()).toBeGreaterThanOrEqual(1);
    const shown = (await call('GET', `/v1/cases/${held.body.caseId}`)).body;
    expect(shown.case.status).toBe('escalated');
    expect(shown.decisions.map((d: { action: string }) => d.action)).toEqual(['escalate']);
    expect((await call('GET', `/v1/screenings/${held.body.transferId}`)).body.status).toBe('held');
  });

  it("takes only decisions signed by the officer's own key once officers have keys", async () => {
    const ana = signingKeyFromSeed('11'.repeat(32));
    const signed = new CasesService(
      app.get(CasesRepository),
      app.get(ScreeningRepository),
      app.get(ScreeningService),
      app.get(ComplianceSigner),
      { ana: ana.publicKeyHex },
    );
    const held = await call(
      'POST',
      '/v1/screenings',
      request({ originator: { kind: 'person', name: 'Zhao Mei Ling', country: 'CN' } }),
    );
    const caseId: string = held.body.caseId;
    const decision = { caseId, officerId: 'ana', action: 'reject' as const, reason: 'confirmed match' };
    const forged = signBytes(signingKeyFromSeed('22'.repeat(32)), officerDecisionPayload(decision));
    await expect(signed.reject(caseId, 'ana', decision.reason, forged)).rejects.toMatchObject({
      error: { kind: 'officer-signature-invalid' },
    });
    await expect(signed.reject(caseId, 'bob', decision.reason)).rejects.toMatchObject({
      error: { kind: 'officer-signature-invalid' },
    });
    const good = signBytes(ana, officerDecisionPayload(decision));
    const done = await signed.reject(caseId, 'ana', decision.reason, good);
    expect(done).toMatchObject({ status: 'rejected', decision: { officerSignature: good } });
  });

  it('keeps the list in force when a new file is malformed, and every version', async () => {
    writeFileSync(join(lists.dir, 'un-consolidated.xml'), '<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>');
    const res = await call('POST', '/v1/lists/refresh');
    expect(res.body.outcomes.find((o: { source: string }) => o.source === 'un')).toMatchObject({
      result: 'refused',
    });
    const still = await call(
      'POST',
      '/v1/screenings',
      request({ beneficiary: { kind: 'person', name: 'Hamid Saleh al Qadirani', country: 'YE' } }),
    );
    expect(still.body.status).toBe('held');
    const versions = (await call('GET', '/v1/lists')).body.versions;
    expect(
      versions.filter((v: { source: string }) => v.source === 'un').map((v: { status: string }) => v.status),
    ).toEqual(['refused', 'loaded']);
  });

  it('screens recent counterparties again when a list changes', async () => {
    const req = request({
      beneficiary: { kind: 'person', name: 'Tomasz Wierzbicki-Oyelaran', country: 'PH' },
    });
    expect((await call('POST', '/v1/screenings', req)).body.status).toBe('clear');
    const line = JSON.stringify({
      id: 'NK-late',
      schema: 'Person',
      properties: { name: ['Tomasz Wierzbicki-Oyelaran'] },
    });
    const file = join(lists.dir, 'opensanctions.ftm.json');
    writeFileSync(file, `${readFileSync(file, 'utf8').trim()}\n${line}\n`);
    await call('POST', '/v1/lists/refresh');
    const view = (await call('GET', `/v1/screenings/${req.transferId}`)).body;
    expect(view.caseId).toEqual(expect.any(String));
    expect(view.reasons).toEqual([expect.stringMatching(/^rescreen: beneficiary/)]);
  });

  it('versions the rules with their author, and backtests a version on past transfers', async () => {
    const current = (await call('GET', '/v1/rules')).body;
    const strict = {
      ...current.rules,
      rules: [
        ...current.rules.rules,
        {
          type: 'amount-threshold',
          id: 'tiny',
          corridor: 'US-PH',
          currency: 'USD',
          aboveMinor: '1000',
          outcome: 'hold',
        },
      ],
    };
    const added = await call(
      'PUT',
      '/v1/rules',
      { rules: strict, note: 'hold everything above 10 USD US-PH' },
      'officer-a',
    );
    expect(added.body).toEqual({ version: current.version + 1 });
    const versions = (await call('GET', '/v1/rules/versions')).body.versions;
    expect(versions[0]).toMatchObject({ version: current.version + 1, author: 'officer-a' });
    const result = (await call('POST', '/v1/rules/backtest', { version: current.version + 1, days: 1 })).body;
    // The US-PH transfers of the tests above: the clear one, the raced one, the encrypted one and the one
    // screened again.
    expect(result.byRule.tiny).toBe(4);
    const none = (await call('POST', '/v1/rules/backtest', { version: 999 })).body;
    expect(none.code).toBe('RULE_VERSION_NOT_FOUND');
  });
});
