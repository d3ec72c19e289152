import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { DEMO_CLEARING_SETTLEMENT_KEY } from '@concord/config';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createLogger } from '@concord/observability';
import { createTestDatabase } from '@concord/testing';
import { ClearingMetrics } from '../src/clearing.metrics';
import { ClearingRepository } from '../src/clearing.repository';
import { ClearingService } from '../src/clearing.service';
import { ReconciliationRepository } from '../src/reconciliation/reconciliation.repository';
import { ReconciliationService } from '../src/reconciliation/reconciliation.service';
import { FOLDER_OPERATOR, StatementFolder } from '../src/reconciliation/statement-folder';
import { SettlementSigner } from '../src/settlement/settlement-signer';
import { finalizedBlock } from './fixtures';

jest.setTimeout(60_000);

/**
 * The watched statement folder on a real directory and real PostgreSQL: a camt.053 dropped in it confirms
 * a window and moves to processed/; the same file dropped again is recognised and applies nothing; a
 * malformed MT940 goes to rejected/ with its reason and applies nothing; a file still being written waits.
 */
describe('watched statement folder (directory + PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let service: ClearingService;
  let dir: string;
  let folder: StatementFolder;
  const POLL_MS = 1000;
  const ls = (sub = '') => readdirSync(join(dir, sub)).sort();
  /** Drops a file as finished writing a while ago (older than the poll interval). */
  const drop = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    const past = new Date(Date.now() - 5000);
    utimesSync(join(dir, name), past, past);
  };
  const counts = async () => ({
    statements: await prisma.clearingStatement.count(),
    confirmations: await prisma.clearingConfirmation.count(),
    matches: await prisma.clearingLineMatch.count(),
    breaks: await prisma.clearingBreak.count(),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url, 4);
    const log = createLogger('recon-folder', 'silent');
    const repo = new ClearingRepository(
      prisma,
      new SettlementSigner(DEMO_CLEARING_SETTLEMENT_KEY, 'clearing-1'),
    );
    service = new ClearingService(repo, log, new ClearingMetrics(new Registry()), {
      alarmShareBps: 8000,
      valueDateDays: 1,
    });
    const recon = new ReconciliationService(new ReconciliationRepository(prisma), service.instructions, log);
    dir = mkdtempSync(join(tmpdir(), 'concord-statements-'));
    folder = new StatementFolder(dir, recon, log, POLL_MS);
  });

  afterAll(async () => {
    await folder?.stop();
    await prisma?.$disconnect();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes a statement in once, rejects a malformed one whole, and waits for one being written', async () => {
    await service.applyBlock(
      finalizedBlock(1, [{ payer: 'a', payee: 'b', amountMinor: '125075', currency: 'USD' }]),
    );
    const { windowId } = (await service.close('USD', 'operator'))!;
    const camt = readFileSync(
      join(__dirname, '../src/reconciliation/samples/camt053-usd.xml'),
      'utf8',
    ).replaceAll('w3.', `w${windowId}.`);
    await folder.start(); // creates processed/ and rejected/, scans at once
    await folder.stop();
    expect(ls()).toEqual(['processed', 'rejected']);

    drop('usd-20261207.xml', camt);
    drop(
      'gbp.sta',
      readFileSync(join(__dirname, '../src/reconciliation/samples/mt940-gbp.txt'), 'utf8').replace(
        'C1500,00',
        'C1500,50',
      ),
    );
    writeFileSync(join(dir, 'eur.csv'), 'account,currency,booking_date,amount\n'); // just written
    drop('.hidden.xml', camt);
    drop('late.xml.part', camt);

    const outcomes = await folder.scan();
    expect(outcomes.map((o) => [o.file, o.outcome])).toEqual([
      ['gbp.sta', 'rejected'],
      ['usd-20261207.xml', 'processed'],
    ]);
    expect(ls()).toEqual(['.hidden.xml', 'eur.csv', 'late.xml.part', 'processed', 'rejected']);
    expect(ls('processed')).toEqual(['usd-20261207.xml', 'usd-20261207.xml.result.json']);
    expect(
      JSON.parse(readFileSync(join(dir, 'processed/usd-20261207.xml.result.json'), 'utf8')),
    ).toMatchObject({
      outcome: 'processed',
      statement: { format: 'camt.053', matchedCount: 2, breakCount: 1, uploadedBy: FOLDER_OPERATOR },
    });
    expect(ls('rejected')).toEqual(['gbp.sta', 'gbp.sta.reason.txt']);
    expect(readFileSync(join(dir, 'rejected/gbp.sta.reason.txt'), 'utf8')).toMatch(
      /^The statement was refused whole: mt940 .+; nothing of it was applied\n$/,
    );
    expect((await prisma.clearingWindow.findUnique({ where: { id: windowId } }))!.status).toBe('settled');
    const after = await counts();
    expect(after).toEqual({ statements: 1, confirmations: 2, matches: 2, breaks: 1 });

    // The same statement dropped again (a bank resending it): recognised, moved beside the first, nothing applied.
    drop('usd-20261207.xml', camt);
    expect((await folder.scan()).map((o) => [o.file, o.outcome])).toEqual([['usd-20261207.xml', 'replayed']]);
    expect(ls('processed')).toEqual([
      'usd-20261207.xml',
      'usd-20261207.xml.1',
      'usd-20261207.xml.1.result.json',
      'usd-20261207.xml.result.json',
    ]);
    expect(await counts()).toEqual(after);

    // The CSV, once it has stopped changing, is taken (and refused: a header and no line).
    utimesSync(join(dir, 'eur.csv'), new Date(Date.now() - 5000), new Date(Date.now() - 5000));
    expect((await folder.scan()).map((o) => [o.file, o.outcome, o.reason])).toEqual([
      ['eur.csv', 'rejected', expect.stringContaining('line 2: no statement line under the header')],
    ]);
    expect(await counts()).toEqual(after);
  });
});
