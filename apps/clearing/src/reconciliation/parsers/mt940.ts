import { Parser } from 'mt940js';
import { bankAmount, optional, ParsedStatement, StatementError, StatementLine } from '../statement';

/**
 * SWIFT MT940, read with mt940js (it checks the mandatory tags 20/25/28/60/62, one currency, and that the
 * lines add up to the balances' difference). mt940js reads amounts into floating point numbers, so each
 * line's amount and dates are read again here from its raw :61: tag, to bigint minor units.
 */
export function parseMt940(text: string): ParsedStatement {
  let statements;
  try {
    statements = new Parser().parse(text.replace(/\r\n/g, '\n'), true);
  } catch (e) {
    throw new StatementError('MT940', (e as Error).message);
  }
  if (statements.length === 0) throw new StatementError('MT940', 'no statement (tag :20:) in the file');
  const lines: StatementLine[] = [];
  for (const [s, statement] of statements.entries()) {
    const raw = (statement.tags ?? []).filter((t) => t.id === 61);
    statement.transactions.forEach((t, i) => {
      const where = `statement ${s + 1} :61: #${i + 1}`;
      const tag = raw[i];
      const match = tag && tag.re.exec(tag.data);
      if (!match) throw new StatementError(where, 'statement line cannot be read');
      if (match[7].startsWith('R')) throw new StatementError(where, 'reversal entries (RC/RD) are not taken');
      const valueDate = `20${match[1]}-${match[2]}-${match[3]}`;
      const bookingDate = match[4] ? `20${match[1]}-${match[5]}-${match[6]}` : valueDate;
      lines.push({
        lineNo: lines.length + 1,
        account: statement.accountIdentification,
        currency: statement.currency,
        bookingDate,
        valueDate,
        amountMinor: bankAmount(match[9], statement.currency, where, true),
        direction: match[7] === 'C' ? 'credit' : 'debit',
        endToEndId: optional(t.reference === 'NONREF' ? null : t.reference),
        remittanceInfo: optional(t.details.replace(/\n/g, ' ')),
        bankReference: optional(t.bankReference),
      });
    });
  }
  const first = statements[0];
  return {
    format: 'mt940',
    statementId: statements.map((s) => `${s.transactionReference}/${s.number.statement}`).join('+'),
    account: first.accountIdentification,
    lines,
  };
}
