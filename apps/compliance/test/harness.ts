import 'reflect-metadata';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ScreeningRequest } from '@concord/contracts';
import { ComplianceModule } from '../src/compliance.module';
import { ComplianceProblemFilter } from '../src/http/problems';

export const OPERATOR_TOKEN = 'compliance-test-operator-token-0123456789';

/** The sample lists copied where a test may break them. */
export function listCopies(): { dir: string; setting: string } {
  const dir = mkdtempSync(join(tmpdir(), 'compliance-lists-'));
  const samples = join(__dirname, '../lists/samples');
  const files = {
    un: 'un-consolidated.xml',
    ofac: 'ofac-sdn.xml',
    eu: 'eu-consolidated.xml',
    opensanctions: 'opensanctions.ftm.json',
  };
  for (const file of Object.values(files)) copyFileSync(join(samples, file), join(dir, file));
  return {
    dir,
    setting: Object.entries(files)
      .map(([s, f]) => `${s}=${join(dir, f)}`)
      .join(';'),
  };
}

/** The compliance app on a database and prefix of the test's own, answering through fastify's inject. */
export async function startCompliance(env: Record<string, string>): Promise<NestFastifyApplication> {
  Object.assign(process.env, { OPERATOR_TOKEN, LOG_LEVEL: 'silent', ...env });
  const app = await NestFactory.create<NestFastifyApplication>(ComplianceModule, new FastifyAdapter(), {
    logger: false,
  });
  app.useGlobalFilters(new ComplianceProblemFilter((e) => console.error(e)));
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export function client(app: NestFastifyApplication) {
  return async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, officer?: string) => {
    const res = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${OPERATOR_TOKEN}`,
          ...(officer ? { 'x-officer-id': officer } : {}),
        },
        ...(body !== undefined ? { payload: body as object } : {}),
      });
    const type = String(res.headers['content-type'] ?? '');
    return { status: res.statusCode, body: type.includes('json') ? res.json() : res.body, type };
  };
}

let n = 0;
/** A screening request of small amount between two ordinary people, with overrides. */
export function request(over: Partial<ScreeningRequest> = {}): ScreeningRequest {
  n++;
  return {
    transferId: `t-${Date.now()}-${n}`,
    payer: 'us-remit',
    payee: 'ph-pay',
    amountMinor: '5000',
    currency: 'USD',
    originator: { kind: 'person', name: 'Maria Santos', country: 'US', birthDate: '1985-02-03' },
    beneficiary: { kind: 'person', name: 'Jose Dela Cruz', country: 'PH' },
    ...over,
  };
}
