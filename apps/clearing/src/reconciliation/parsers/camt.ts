import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { bankAmount, isoDate, optional, ParsedStatement, StatementError, StatementLine } from '../statement';

type Node = Record<string, unknown>;

/** What each camt message calls its statements: an end-of-day statement or an intraday notification. */
const ROOTS = {
  'camt.053': { message: 'BkToCstmrStmt', statement: 'Stmt' },
  'camt.054': { message: 'BkToCstmrDbtCdtNtfctn', statement: 'Ntfctn' },
} as const;

// Values stay strings (parseTagValue false): an amount read as a number has lost precision already.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => ['Stmt', 'Ntfctn', 'Ntry', 'TxDtls', 'Ustrd'].includes(name),
});

/**
 * ISO 20022 camt.053 (BankToCustomerStatement) and camt.054 (BankToCustomerDebitCreditNotification), read
 * with fast-xml-parser: one statement line per booked entry (Ntry with Sts BOOK); pending entries are not
 * money yet and are skipped. The first error refuses the file, naming the element.
 */
export function parseCamt(xml: string, format: 'camt.053' | 'camt.054'): ParsedStatement {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new StatementError(`line ${valid.err.line}`, `not well-formed XML: ${valid.err.msg}`);
  const root = ROOTS[format];
  const document = (parser.parse(xml) as Node).Document as Node | undefined;
  const message = document?.[root.message] as Node | undefined;
  if (!message) throw new StatementError(`Document/${root.message}`, `missing: this is not a ${format}`);
  const statements = (message[root.statement] as Node[] | undefined) ?? [];
  if (statements.length === 0)
    throw new StatementError(`Document/${root.message}/${root.statement}`, 'no statement in the file');
  const lines: StatementLine[] = [];
  const ids: string[] = [];
  statements.forEach((s, i) => {
    const path = `Document/${root.message}/${root.statement}[${i + 1}]`;
    ids.push(text(s, 'Id', path));
    lines.push(...statementLines(s, path, lines.length));
  });
  return {
    format,
    statementId: ids.join('+'),
    account: lines[0]?.account ?? accountOf(statements[0], ''),
    lines,
  };
}

function statementLines(statement: Node, path: string, before: number): StatementLine[] {
  const account = accountOf(statement, path);
  const accountCurrency = optional(at(statement, 'Acct', 'Ccy'));
  const entries = (statement.Ntry as Node[] | undefined) ?? [];
  const lines: StatementLine[] = [];
  entries.forEach((entry, i) => {
    const where = `${path}/Ntry[${i + 1}]`;
    const status = optional(at(entry, 'Sts', 'Cd')) ?? optional(entry.Sts);
    if (status !== 'BOOK') return;
    lines.push(entryLine(entry, where, account, accountCurrency, before + lines.length + 1));
  });
  return lines;
}

function entryLine(
  entry: Node,
  where: string,
  account: string,
  accountCurrency: string | null,
  lineNo: number,
): StatementLine {
  const amount = entry.Amt as Node | string | undefined;
  const currency = typeof amount === 'object' ? optional(amount['@Ccy']) : accountCurrency;
  if (!currency) throw new StatementError(`${where}/Amt/@Ccy`, 'missing currency');
  const value = typeof amount === 'object' ? amount['#text'] : amount;
  const indicator = optional(entry.CdtDbtInd);
  if (indicator !== 'CRDT' && indicator !== 'DBIT')
    throw new StatementError(
      `${where}/CdtDbtInd`,
      `must be CRDT or DBIT, not ${JSON.stringify(indicator ?? '')}`,
    );
  const details = ((at(entry, 'NtryDtls', 'TxDtls') as Node[] | undefined) ?? []) as Node[];
  const bookingDate = isoDate(dateOf(entry.BookgDt), `${where}/BookgDt`);
  return {
    lineNo,
    account,
    currency,
    bookingDate,
    valueDate: entry.ValDt ? isoDate(dateOf(entry.ValDt), `${where}/ValDt`) : bookingDate,
    amountMinor: bankAmount(String(value ?? ''), currency, `${where}/Amt`),
    direction: indicator === 'CRDT' ? 'credit' : 'debit',
    endToEndId: optional(
      details.map((d) => at(d, 'Refs', 'EndToEndId')).find((r) => optional(r) && r !== 'NOTPROVIDED'),
    ),
    remittanceInfo: optional(
      [
        ...details.flatMap((d) => (at(d, 'RmtInf', 'Ustrd') as string[] | undefined) ?? []),
        entry.AddtlNtryInf,
      ]
        .filter((t) => typeof t === 'string')
        .join(' '),
    ),
    bankReference:
      optional(entry.AcctSvcrRef) ?? optional(details.map((d) => at(d, 'Refs', 'AcctSvcrRef')).find(Boolean)),
  };
}

function accountOf(statement: Node | undefined, path: string): string {
  const id = at(statement, 'Acct', 'Id') as Node | undefined;
  const account = optional(id?.IBAN) ?? optional(at(id, 'Othr', 'Id'));
  if (!account) throw new StatementError(`${path}/Acct/Id`, 'missing account (IBAN or Othr/Id)');
  return account;
}

function dateOf(node: unknown): string | undefined {
  const n = node as Node | undefined;
  return optional(n?.Dt) ?? optional(n?.DtTm) ?? undefined;
}

function text(node: Node, key: string, path: string): string {
  const value = optional(node[key]);
  if (!value) throw new StatementError(`${path}/${key}`, 'missing');
  return value;
}

function at(node: unknown, ...keys: string[]): unknown {
  let current = node;
  for (const key of keys) current = (current as Node | undefined)?.[key];
  return current;
}
