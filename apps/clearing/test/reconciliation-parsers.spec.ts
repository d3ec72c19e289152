import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat, parseStatement } from '../src/reconciliation/parsers';
import { Readable } from 'node:stream';
import { csvMappingSchema, streamCsv } from '../src/reconciliation/parsers/csv';
import { StatementError } from '../src/reconciliation/statement';

const sample = (name: string) => readFileSync(join(__dirname, '../src/reconciliation/samples', name), 'utf8');

/** The refusal of a file: where and why, or a failure of the test if it was taken. */
function refusal(content: string, format?: Parameters<typeof parseStatement>[1]): StatementError {
  try {
    parseStatement(content, format);
  } catch (e) {
    if (e instanceof StatementError) return e;
    throw e;
  }
  throw new Error('the file was taken');
}

describe('bank statement parsers', () => {
  it('reads a camt.053: booked entries only, amounts in minor units, references', () => {
    const s = parseStatement(sample('camt053-usd.xml'));
    expect(s.format).toBe('camt.053');
    expect(s.statementId).toBe('USD-SETTLE-20261207');
    expect(s.lines).toHaveLength(3); // the PDNG entry is not money yet
    expect(s.lines[0]).toEqual({
      lineNo: 1,
      account: 'SETTLE-USD-001',
      currency: 'USD',
      bookingDate: '2026-12-07',
      valueDate: '2026-12-07',
      amountMinor: 125075n,
      direction: 'credit',
      endToEndId: 'w3.a',
      remittanceInfo: 'Concord settlement w3.a',
      bankReference: 'BNK-20261207-0001',
    });
    expect(s.lines[1]).toMatchObject({
      direction: 'debit',
      endToEndId: null,
      remittanceInfo: 'PAYOUT w3.b CONCORD',
    });
    expect(s.lines[2]).toMatchObject({ amountMinor: 31000n, remittanceInfo: 'INTEREST ADJUSTMENT NOV' });
  });

  it('reads a camt.054 notification with an IBAN and a booking date-time', () => {
    const s = parseStatement(sample('camt054-eur.xml'));
    expect(s).toMatchObject({
      format: 'camt.054',
      statementId: 'EUR-NTF-0042',
      account: 'DE89370400440532013000',
    });
    expect(s.lines).toEqual([
      expect.objectContaining({
        amountMinor: 98010n,
        currency: 'EUR',
        bookingDate: '2026-12-07',
        endToEndId: 'E2E-PARTNER-77',
      }),
    ]);
  });

  it('reads an MT940 with mt940js, amounts again from the raw :61: as bigint', () => {
    const s = parseStatement(sample('mt940-gbp.txt'));
    expect(s).toMatchObject({
      format: 'mt940',
      statementId: 'STMT20261207/00341',
      account: 'GB29NWBK60161331926819',
    });
    expect(s.lines.map((l) => [l.direction, l.amountMinor, l.endToEndId, l.bankReference])).toEqual([
      ['credit', 150000n, 'w5.a', 'NWB0001'],
      ['debit', 24999n, null, 'NWB0002'],
    ]);
    expect(s.lines[1].remittanceInfo).toBe('PAYOUT w5.b CONCORD');
  });

  it('reads a CSV through a column mapping, with quoted fields', () => {
    const mapping = csvMappingSchema.parse({
      delimiter: ';',
      account: 'Account',
      currency: 'Ccy',
      bookingDate: 'Booked',
      valueDate: 'Value',
      amount: 'Amount',
      direction: 'DC',
      endToEndId: 'Reference',
      remittanceInfo: 'Details',
      bankReference: 'Bank ref',
    });
    const s = parseStatement(sample('csv-usd.csv'), 'csv', mapping);
    expect(s.statementId).toMatch(/^csv:[0-9a-f]{16}$/);
    expect(s.lines.map((l) => [l.direction, l.amountMinor, l.endToEndId, l.remittanceInfo])).toEqual([
      ['credit', 125075n, 'w3.a', 'Concord settlement; window 3'],
      ['debit', 125075n, null, 'PAYOUT w3.b'],
    ]);
  });

  it('detects the format from the content', () => {
    expect(detectFormat(sample('camt053-usd.xml'))).toBe('camt.053');
    expect(detectFormat(sample('camt054-eur.xml'))).toBe('camt.054');
    expect(detectFormat(sample('mt940-gbp.txt'))).toBe('mt940');
    expect(detectFormat(sample('csv-usd.csv'))).toBe('csv');
  });

  it('refuses a malformed file whole, naming the element or line and the reason', () => {
    const camt = sample('camt053-usd.xml');
    expect(refusal(camt.replace('<Amt Ccy="USD">310.00</Amt>', '<Amt Ccy="USD">31O.00</Amt>'))).toMatchObject(
      {
        location: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[4]/Amt',
      },
    );
    expect(
      refusal(camt.replace('<CdtDbtInd>DBIT</CdtDbtInd>', '<CdtDbtInd>DEBIT</CdtDbtInd>')),
    ).toMatchObject({
      location: 'Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/CdtDbtInd',
    });
    expect(refusal(camt.replace('1250.75</Amt>', '1250.755</Amt>')).reason).toMatch(/decimals/);
    expect(refusal(camt.replace('</Ntry>', '</Nrty>')).location).toMatch(/^line \d+$/);
    expect(
      refusal(camt.replace('<BookgDt><Dt>2026-12-07</Dt>', '<BookgDt><Dt>07.12.2026</Dt>')).reason,
    ).toMatch(/YYYY-MM-DD/);
    // The lines no longer add up to the closing balance.
    expect(refusal(sample('mt940-gbp.txt').replace('C1500,00', 'C1500,50')).reason).toMatch(/turnover/);
    expect(refusal(sample('mt940-gbp.txt').replace(':25:GB29NWBK60161331926819\r\n', '')).reason).toMatch(
      /25/,
    );
    const csv = 'account,currency,booking_date,amount\nA,USD,2026-12-07,12.345\n';
    expect(refusal(csv)).toMatchObject({ location: 'line 2 amount' });
    expect(refusal('account,currency,booking_date\nA,USD,2026-12-07\n')).toMatchObject({
      location: 'line 1',
    });
  });

  it('takes a bank padding decimals past the currency exponent with zeros, and nothing else', () => {
    const csv = (amount: string) => `account,currency,booking_date,amount\nA,JPY,2026-12-07,${amount}\n`;
    expect(parseStatement(csv('5000.00')).lines[0].amountMinor).toBe(5000n);
    expect(refusal(csv('5000.50')).reason).toMatch(/JPY|decimals/);
  });

  it('streams a CSV in batches: the same lines as read whole, a bad line refused naming it', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `A,USD,2026-12-07,${i + 1}.05,w1.p${i},,B${i}`);
    const csv = [
      'account,currency,booking_date,amount,end_to_end_id,remittance_info,bank_reference',
      ...rows,
    ].join('\n');
    // Chunks of 7 bytes: records cut anywhere.
    const chunks = (text: string) => Readable.from(text.match(/[\s\S]{1,7}/g)!);
    const batches: number[] = [];
    const streamed = [];
    for await (const batch of streamCsv(chunks(csv), undefined, 10)) {
      batches.push(batch.length);
      streamed.push(...batch);
    }
    expect(batches).toEqual([10, 10, 5]);
    expect(streamed).toEqual(parseStatement(csv, 'csv').lines);

    const bad = csv.replace('A,USD,2026-12-07,20.05', 'A,USD,2026-13-07,20.05');
    const read = async () => {
      for await (const batch of streamCsv(chunks(bad), undefined, 10)) void batch;
    };
    await expect(read()).rejects.toMatchObject({ location: 'line 21 booking_date' });
    await expect(
      (async () => {
        for await (const batch of streamCsv(chunks('account,currency,booking_date,amount\n'))) void batch;
      })(),
    ).rejects.toMatchObject({ location: 'line 2' });
  });
});
