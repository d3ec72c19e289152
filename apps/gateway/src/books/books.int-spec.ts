import { bookReportCsv } from '@concord/contracts';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createTestDatabase } from '@concord/testing';
import { BookFailure } from './books.errors';
import { BooksRepository } from './books.repository';
import { BooksService } from './books.service';

jest.setTimeout(60_000);

const DAY = '2026-12-07';
const at = (time: string) => new Date(`${DAY}T${time}Z`);

/**
 * A partner's book against the gateway's read model in real PostgreSQL: its transfers as payer and as
 * payee matched on (payer, id) (two payers using one id are two transfers), each kind of difference
 * found, a transfer taken in just outside the period compared all the same, someone else's transfer
 * never shown, and the report as CSV.
 */
describe('partners’ books reconciled (PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let prisma: ServicesPrismaClient;
  let books: BooksService;

  beforeAll(async () => {
    db = await createTestDatabase();
    prisma = servicesClient(db.url, 2);
    books = new BooksService(new BooksRepository(prisma));
    const transfer = (
      payer: string,
      id: string,
      payee: string,
      amountMinor: bigint,
      status: string,
      createdAt: Date,
    ) => ({
      id,
      participantId: payer,
      payer,
      payee,
      amountMinor,
      currency: 'USD',
      twoPhase: false,
      requestHash: `${payer}/${id}`,
      status,
      createdAt,
    });
    await prisma.gatewayTransfer.createMany({
      data: [
        transfer('hk', 't-1', 'mnl', 10000n, 'committed', at('01:00:00')), // matched
        transfer('hk', 't-2', 'mnl', 20000n, 'committed', at('02:00:00')), // amount differs
        transfer('hk', 't-3', 'mnl', 30000n, 'rejected', at('03:00:00')), // status differs
        transfer('hk', 't-4', 'mnl', 40000n, 'committed', at('04:00:00')), // missing at the partner
        transfer('mnl', 't-1', 'hk', 5000n, 'committed', at('05:00:00')), // received, same id as hk's t-1
        transfer('hk', 't-9', 'mnl', 9000n, 'committed', at('23:59:59.999')), // in the period, last ms
        transfer('hk', 't-0', 'mnl', 7000n, 'committed', new Date('2026-12-06T23:59:59Z')), // the day before
        transfer('mnl', 'x-1', 'sg', 1000n, 'committed', at('06:00:00')), // not hk's
      ],
    });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.drop();
  });

  const period = { from: `${DAY}T00:00:00Z`, to: '2026-12-08T00:00:00Z' };

  it('reports matched, both kinds of missing, and amount and status differences, on (payer, id)', async () => {
    const report = await books.reconcile('hk', {
      ...period,
      transfers: [
        { payer: 'hk', id: 't-1', amount: '100.00', currency: 'USD', status: 'committed' },
        { payer: 'hk', id: 't-2', amount: '199.00', currency: 'USD', status: 'committed' },
        { payer: 'hk', id: 't-3', amount: '300', currency: 'USD', status: 'committed' },
        { payer: 'mnl', id: 't-1', amount: '50.00', currency: 'USD', status: 'committed' },
        { payer: 'hk', id: 't-9', amount: '90.00', currency: 'USD', status: 'committed' },
        { payer: 'hk', id: 't-0', amount: '70.00', currency: 'USD', status: 'committed' },
        { payer: 'hk', id: 't-5', amount: '5.00', currency: 'USD', status: 'accepted' },
        { payer: 'mnl', id: 'x-1', amount: '10.00', currency: 'USD', status: 'committed' },
      ],
    });
    expect(report.counts).toEqual({
      matched: 4,
      'missing-at-partner': 1,
      'missing-at-concord': 2,
      'amount-differs': 1,
      'status-differs': 1,
    });
    expect(report.lines.map((l) => [l.result, l.payer, l.id, l.role])).toEqual([
      ['missing-at-partner', 'hk', 't-4', 'payer'],
      ['missing-at-concord', 'hk', 't-5', 'payer'],
      // Another pair's transfer is not shown to hk: to it, it does not exist.
      ['missing-at-concord', 'mnl', 'x-1', null],
      ['amount-differs', 'hk', 't-2', 'payer'],
      ['status-differs', 'hk', 't-3', 'payer'],
      ['matched', 'hk', 't-0', 'payer'],
      ['matched', 'hk', 't-1', 'payer'],
      ['matched', 'hk', 't-9', 'payer'],
      ['matched', 'mnl', 't-1', 'payee'],
    ]);
    expect(report.lines[3]).toMatchObject({ partnerAmount: '199.00', concordAmount: '200.00' });
    expect(report.lines[4]).toMatchObject({ partnerStatus: 'committed', concordStatus: 'rejected' });
    expect(report.lines[2]).toMatchObject({ concordAmount: null, concordStatus: null });
  });

  it('reads a CSV book the same way and writes the report as CSV', async () => {
    const csv = [
      'id,payer,currency,amount,status',
      't-1,hk,USD,100.00,committed',
      't-2,hk,USD,200.00,committed',
      't-3,hk,USD,300.00,rejected',
      't-4,hk,USD,400.00,committed',
      't-9,hk,USD,90.00,committed',
      't-1,mnl,USD,50.00,committed',
    ].join('\n');
    const report = await books.reconcile('hk', { ...period, csv });
    expect(report.counts).toEqual({
      matched: 6,
      'missing-at-partner': 0,
      'missing-at-concord': 0,
      'amount-differs': 0,
      'status-differs': 0,
    });
    // mnl sees its side: hk's transfers to it as payee, its own t-1 as payer.
    const mnl = await books.reconcile('mnl', { ...period, csv });
    expect(mnl.counts).toMatchObject({ matched: 6, 'missing-at-partner': 1 });
    expect(bookReportCsv(mnl.lines).split('\r\n').slice(0, 3)).toEqual([
      'result,payer,id,role,partnerAmount,partnerCurrency,partnerStatus,concordAmount,concordCurrency,concordStatus',
      'missing-at-partner,mnl,x-1,payer,,,,10.00,USD,committed',
      'matched,hk,t-1,payee,100.00,USD,committed,100.00,USD,committed',
    ]);
  });

  it('refuses a book that does not read, whole, naming each transfer', async () => {
    const refusal = async (body: unknown) => {
      try {
        await books.reconcile('hk', body);
      } catch (e) {
        if (e instanceof BookFailure) return e.toProblem().toJSON();
        throw e;
      }
      throw new Error('accepted');
    };
    expect(
      await refusal({
        ...period,
        csv: 'payer,id,amount,currency,status\nhk,t-1,1.005,USD,committed\nhk,t-1,1.00,USD,committed\nhk,t-2,1,USD,paid\n',
      }),
    ).toMatchObject({
      status: 422,
      code: 'BOOK_REFUSED',
      errors: [
        { field: 'csv line 2.amount' },
        { field: 'csv line 3', message: expect.stringContaining('listed twice (first at csv line 2)') },
        { field: 'csv line 4.status' },
      ],
    });
    expect(await refusal({ ...period, csv: 'payer,id,amount\nhk,t-1,1.00\n' })).toMatchObject({
      code: 'BOOK_REFUSED',
      errors: [{ field: 'csv line 1', message: 'missing column(s) currency, status' }],
    });
    expect(await refusal({ ...period, transfers: [], csv: '' })).toMatchObject({
      status: 400,
      errors: [{ field: 'transfers', message: 'exactly one of transfers and csv' }],
    });
    expect(await refusal({ from: period.to, to: period.from, transfers: [] })).toMatchObject({
      status: 400,
      errors: [{ field: 'to' }],
    });
  });
});
