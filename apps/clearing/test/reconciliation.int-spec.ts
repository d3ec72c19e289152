import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Registry } from 'prom-client';
import { DEMO_CLEARING_SETTLEMENT_KEY } from '@concord/config';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createLogger } from '@concord/observability';
import { OPERATOR_AUTH } from '@concord/operator-auth';
import { createTestDatabase } from '@concord/testing';
import { ClearingMetrics } from '../src/clearing.metrics';
import { ClearingRepository } from '../src/clearing.repository';
import { ClearingService } from '../src/clearing.service';
import { ClearingProblemFilter } from '../src/http/problems';
import { ReconciliationController } from '../src/reconciliation/reconciliation.controller';
import { acceptStatementBodies } from '../src/reconciliation/reconciliation.http';
import { ReconciliationRepository } from '../src/reconciliation/reconciliation.repository';
import { ReconciliationService } from '../src/reconciliation/reconciliation.service';
import { parseStatement } from '../src/reconciliation/parsers';
import { contentHash } from '../src/reconciliation/statement';
import { SettlementSigner } from '../src/settlement/settlement-signer';
import { finalizedBlock } from './fixtures';

jest.setTimeout(60_000);

const OPERATOR_TOKEN = 'clearing-recon-int-spec-operator-token-0123456';

/**
 * Bank statements against real PostgreSQL through the clearing service: a camt.053 whose lines pay a
 * settling window's instructions in and out confirms them through the operator's confirm path (postings
 * and events in the outbox, the window settled); its unreferenced line is a break; the same file again
 * changes nothing; a malformed file is refused whole; a break is written off by a named operator.
 */
describe('bank statements reconciled (PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let service: ClearingService;
  let app: NestFastifyApplication;

  const http = (
    method: 'GET' | 'POST',
    url: string,
    payload?: string | object,
    headers: Record<string, string> = {},
  ) =>
    app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method,
        url,
        payload,
        headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'x-operator': 'alice', ...headers },
      });
  const snapshot = async () => ({
    confirmations: await prisma.clearingConfirmation.count(),
    outbox: await prisma.clearingOutbox.count(),
    statements: await prisma.clearingStatement.count(),
    breaks: await prisma.clearingBreak.count(),
    matches: await prisma.clearingLineMatch.count(),
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url, 4);
    const repo = new ClearingRepository(
      prisma,
      new SettlementSigner(DEMO_CLEARING_SETTLEMENT_KEY, 'clearing-1'),
    );
    const log = createLogger('recon-int', 'silent');
    service = new ClearingService(repo, log, new ClearingMetrics(new Registry()), {
      alarmShareBps: 8000,
      valueDateDays: 1,
    });
    const recon = new ReconciliationService(new ReconciliationRepository(prisma), service.instructions, log);
    const moduleRef = await Test.createTestingModule({
      controllers: [ReconciliationController],
      providers: [
        { provide: ReconciliationService, useValue: recon },
        { provide: OPERATOR_AUTH, useValue: { token: OPERATOR_TOKEN } },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    acceptStatementBodies(app);
    app.useGlobalFilters(new ClearingProblemFilter(() => undefined));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await prisma?.$disconnect();
    await db?.drop();
  });

  it('confirms a window from its camt.053 once, and keeps the rest as breaks', async () => {
    // a pays b 1,250.75 USD: a pays in, b is paid out, as the sample's first two lines.
    await service.applyBlock(
      finalizedBlock(1, [{ payer: 'a', payee: 'b', amountMinor: '125075', currency: 'USD' }]),
    );
    const closed = (await service.close('USD', 'operator'))!;
    const camt = readFileSync(
      join(__dirname, '../src/reconciliation/samples/camt053-usd.xml'),
      'utf8',
    ).replaceAll('w3.', `w${closed.windowId}.`);

    const refused = await http('POST', '/statements', camt.replace('310.00', '310,00'), {
      'content-type': 'application/xml',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({
      code: 'STATEMENT_REFUSED',
      errors: [{ field: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[4]/Amt' }],
    });
    expect(await snapshot()).toMatchObject({ confirmations: 0, statements: 0 });

    const first = await http('POST', '/statements', camt, { 'content-type': 'application/xml' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      format: 'camt.053',
      statementId: 'USD-SETTLE-20261207',
      lineCount: 3,
      matchedCount: 2,
      breakCount: 1,
      uploadedBy: 'alice',
    });
    const instructions = await prisma.clearingInstruction.findMany({
      where: { windowId: closed.windowId },
      orderBy: { id: 'asc' },
    });
    expect(instructions.map((i) => [i.participantId, i.status, i.confirmedMinor])).toEqual([
      ['a', 'confirmed', 125075n],
      ['b', 'confirmed', 125075n],
    ]);
    // The operator's confirm path: confirmations under the bank's references, postings and events.
    const confirmations = await prisma.clearingConfirmation.findMany({ orderBy: { id: 'asc' } });
    expect(confirmations.map((c) => [c.bankReference, c.source])).toEqual([
      ['BNK-20261207-0001', 'operator'],
      ['BNK-20261207-0002', 'operator'],
    ]);
    expect((await prisma.clearingWindow.findUnique({ where: { id: closed.windowId } }))!.status).toBe(
      'settled',
    );

    const after = await snapshot();
    const again = await http('POST', '/statements', camt, { 'content-type': 'application/xml' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await snapshot()).toEqual(after);
  });

  it('lists statements and breaks, and writes a break off once, recording who', async () => {
    const list = await http('GET', '/statements');
    expect(list.json().statements).toHaveLength(1);
    const breaks = (await http('GET', '/breaks?status=open')).json().breaks;
    expect(breaks).toEqual([
      expect.objectContaining({ lineNo: 3, kind: 'NO_INSTRUCTION', status: 'open', rulesVersion: 1 }),
    ]);

    const anonymous = await http(
      'POST',
      `/breaks/${breaks[0].id}/resolve`,
      { action: 'write-off', reason: 'interest' },
      { 'x-operator': '' },
    );
    expect(anonymous.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'X-Operator' }] });
    const off = await http(
      'POST',
      `/breaks/${breaks[0].id}/resolve`,
      { action: 'write-off', reason: 'bank interest, booked by finance' },
      { 'x-operator': 'bob' },
    );
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({
      status: 'written-off',
      resolvedBy: 'bob',
      resolution: 'bank interest, booked by finance',
    });
    const twice = await http('POST', `/breaks/${breaks[0].id}/resolve`, {
      action: 'write-off',
      reason: 'again',
    });
    expect(twice.statusCode).toBe(409);
    expect(
      (await http('POST', '/breaks/999/resolve', { action: 'write-off', reason: 'none' })).statusCode,
    ).toBe(404);
  });
  it('takes a CSV through a column mapping; a break linked by an operator confirms its instruction', async () => {
    await service.applyBlock(
      finalizedBlock(2, [{ payer: 'c', payee: 'd', amountMinor: '50000', currency: 'EUR' }]),
    );
    const { windowId } = (await service.close('EUR', 'operator'))!;
    const csv = [
      'Konto;Whg;Buchung;Betrag;Verwendungszweck;Ref',
      `EUR-SETTLE;EUR;2026-12-07;500.00;SETTLEMENT W${windowId}C;R1`,
      `EUR-SETTLE;EUR;2026-12-07;-700.00;payout w${windowId}.d;R2`,
    ].join('\n');
    const mapping = JSON.stringify({
      delimiter: ';',
      account: 'Konto',
      currency: 'Whg',
      bookingDate: 'Buchung',
      amount: 'Betrag',
      remittanceInfo: 'Verwendungszweck',
      bankReference: 'Ref',
    });
    const badMapping = await http(
      'POST',
      `/statements?format=csv&mapping=${encodeURIComponent('{"amount":1}')}`,
      csv,
      {
        'content-type': 'text/csv',
      },
    );
    expect(badMapping.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'mapping.amount' }],
    });
    const upload = await http('POST', `/statements?format=csv&mapping=${encodeURIComponent(mapping)}`, csv, {
      'content-type': 'text/csv',
    });
    expect(upload.statusCode).toBe(201);
    expect(upload.json()).toMatchObject({ format: 'csv', lineCount: 2, matchedCount: 1, breakCount: 1 });
    const [differs] = (await http('GET', '/breaks?status=open')).json().breaks;
    expect(differs).toMatchObject({ kind: 'AMOUNT_DIFFERS', instructionIds: [`w${windowId}.d`] });

    const linked = await http('POST', `/breaks/${differs.id}/resolve`, {
      action: 'link',
      instructionId: `w${windowId}.d`,
      amount: '500.00',
    });
    expect(linked.json()).toMatchObject({
      status: 'linked',
      resolvedBy: 'alice',
      resolution: `w${windowId}.d`,
    });
    const confirmations = await prisma.clearingConfirmation.findMany({
      where: { instructionId: `w${windowId}.d` },
    });
    expect(confirmations.map((c) => [c.bankReference, c.amountMinor])).toEqual([['R2', 50000n]]);
    expect((await prisma.clearingWindow.findUnique({ where: { id: windowId } }))!.status).toBe('settled');
    expect(await prisma.clearingLineMatch.findFirst({ where: { rule: 'operator' } })).toMatchObject({
      createdBy: 'alice',
      instructionId: `w${windowId}.d`,
    });
  });
  it('finishes matching a statement a crash interrupted when it is uploaded again', async () => {
    await service.applyBlock(
      finalizedBlock(3, [{ payer: 'a', payee: 'b', amountMinor: '125075', currency: 'USD' }]),
    );
    const { windowId } = (await service.close('USD', 'operator'))!;
    const camt = readFileSync(join(__dirname, '../src/reconciliation/samples/camt053-usd.xml'), 'utf8')
      .replaceAll('w3.', `w${windowId}.`)
      .replaceAll('20261207-', '20261208-')
      .replace('<Id>USD-SETTLE-20261207</Id>', '<Id>USD-SETTLE-20261208</Id>');
    // Recorded, then the process died before matching anything.
    const crashed = await new ReconciliationRepository(prisma).insertStatement(
      parseStatement(camt),
      contentHash(camt),
      1,
      'alice',
    );
    expect(crashed).toMatchObject({ reconciledAt: null, lineCount: 3 });

    const again = await http('POST', '/statements', camt, { 'content-type': 'application/xml' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: crashed!.id, matchedCount: 2, breakCount: 1 });
    expect((await prisma.clearingWindow.findUnique({ where: { id: windowId } }))!.status).toBe('settled');
    const after = await snapshot();
    await http('POST', '/statements', camt, { 'content-type': 'application/xml' });
    expect(await snapshot()).toEqual(after);
  });

  it('matches by the rules version in force, and records it on every match and break', async () => {
    const rules = (await http('GET', '/matching-rules')).json();
    expect(rules.current).toMatchObject({ version: 1, amountToleranceMinor: { USD: '2500' } });
    // No more tolerance for bank charges in USD: version 2.
    const { version: _v, ...edit } = rules.current;
    const bad = await http('POST', '/matching-rules', { ...edit, valueDateToleranceDays: -1 });
    expect(bad.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'valueDateToleranceDays' }],
    });
    const v2 = await http(
      'POST',
      '/matching-rules',
      { ...edit, amountToleranceMinor: { ...edit.amountToleranceMinor, USD: '0' } },
      { 'x-operator': 'carol' },
    );
    expect(v2.json()).toMatchObject({ version: 2, amountToleranceMinor: { USD: '0' } });
    const versions = (await http('GET', '/matching-rules')).json().versions;
    expect(versions.map((v: { version: number; createdBy: string }) => [v.version, v.createdBy])).toEqual([
      [2, 'carol'],
      [1, 'migration'],
    ]);

    await service.applyBlock(
      finalizedBlock(4, [{ payer: 'e', payee: 'f', amountMinor: '100000', currency: 'USD' }]),
    );
    const { windowId } = (await service.close('USD', 'operator'))!;
    // e's pay-in arrives 5.00 short (charges): within version 1's tolerance, not within version 2's.
    const csv = [
      'account,currency,booking_date,amount,end_to_end_id,bank_reference',
      `USD-SETTLE,USD,2026-12-08,995.00,w${windowId}.e,V2-1`,
      `USD-SETTLE,USD,2026-12-08,-1000.00,w${windowId}.f,V2-2`,
    ].join('\n');
    const upload = await http('POST', '/statements?format=csv', csv, { 'content-type': 'text/csv' });
    expect(upload.json()).toMatchObject({ rulesVersion: 2, matchedCount: 2, breakCount: 0 });
    const statementId = upload.json().id;
    const matches = await prisma.clearingLineMatch.findMany({
      where: { statementId },
      orderBy: { lineNo: 'asc' },
    });
    // 995.00 is less than due: under version 2 it is one part of a split payment, not the whole.
    expect(matches.map((m) => [m.rule, m.amountMinor, m.rulesVersion])).toEqual([
      ['reference-split', 99500n, 2],
      ['reference', 100000n, 2],
    ]);
    expect((await prisma.clearingInstruction.findUnique({ where: { id: `w${windowId}.e` } }))!.status).toBe(
      'partially-confirmed',
    );
  });

  it('writes a streamed batch of lines and its matches in one insert each, as read back', async () => {
    const repo = new ReconciliationRepository(prisma);
    const csv =
      'account,currency,booking_date,amount,end_to_end_id,remittance_info,bank_reference\nA,USD,2026-12-09,1.00,w1.a,"pay, in",B-1\nA,USD,2026-12-09,-2.50,,,\n';
    const parsed = parseStatement(csv, 'csv');
    const statement = (await repo.insertStatement({ ...parsed, lines: [] }, contentHash(csv), 1, 'bench'))!;
    await repo.insertLines(statement.id, parsed.lines);
    expect(await repo.line(statement.id, 1)).toEqual({ ...parsed.lines[0], statementId: statement.id });
    expect(await repo.line(statement.id, 2)).toEqual({ ...parsed.lines[1], statementId: statement.id });
    await repo.insertMatches([
      {
        statementId: statement.id,
        lineNo: 1,
        instructionId: 'w1.a',
        amountMinor: 100n,
        differenceMinor: -5n,
        rule: 'reference',
        rulesVersion: 1,
        bankReference: 'B-1',
        createdBy: 'bench',
      },
    ]);
    expect(await prisma.clearingLineMatch.findMany({ where: { statementId: statement.id } })).toEqual([
      expect.objectContaining({ lineNo: 1, amountMinor: 100n, differenceMinor: -5n, bankReference: 'B-1' }),
    ]);
  });
});
