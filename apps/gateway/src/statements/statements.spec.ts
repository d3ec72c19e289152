import type { FinalizedBlock, TransferOutcome } from '@concord/contracts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  buildStatement,
  CAMT053_NAMESPACE,
  max35,
  StatementInput,
  statementToCamt053,
  statementToJson,
} from './statement.builder';
import { negotiateStatementFormat } from './statements.controller';
import { AccountPostingsRow, accountPostingsOf, StatementsRepository } from './statements.repository';
import { StatementsService } from './statements.service';

const from = new Date('2027-01-15T00:00:00Z');
const to = new Date('2027-01-16T00:00:00Z');
const at = (h: number) => new Date(from.getTime() + h * 3_600_000);

const input: StatementInput = {
  account: 'hk-remit/USD',
  currency: 'USD',
  ownerName: 'HK Remit & Co <Ltd>',
  from,
  to,
  createdAt: new Date('2027-01-16T00:05:00Z'),
  asOfHeight: 42,
  openingMinor: 1_000_000n,
  postings: [
    {
      transferId: 't-1',
      direction: 'debit',
      amountMinor: 12_550n,
      counterparty: 'mnl-payout',
      status: 'committed',
      height: 7,
      blockTime: at(1),
    },
    {
      transferId: 't-2',
      direction: 'credit',
      amountMinor: 5_000n,
      counterparty: 'sg-fx',
      status: 'committed',
      height: 9,
      blockTime: at(2),
    },
    {
      transferId: 't-3',
      direction: 'debit',
      amountMinor: 1n,
      counterparty: 'mnl-payout',
      status: 'fulfilled',
      height: 12,
      blockTime: at(3),
    },
  ],
};

/** Every element as an array, attributes kept: what a bank's parser would see. */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (name) => ['Bal', 'Ntry'].includes(name),
});

interface Amt {
  '#text': string;
  '@Ccy': string;
}
type Camt = {
  Document: {
    '@xmlns': string;
    BkToCstmrStmt: {
      GrpHdr: { MsgId: string; CreDtTm: string };
      Stmt: {
        Id: string;
        CreDtTm: string;
        FrToDt: { FrDtTm: string; ToDtTm: string };
        Acct: { Id: { Othr: { Id: string } }; Ccy: string; Ownr?: { Nm: string } };
        Bal: { Tp: { CdOrPrtry: { Cd: string } }; Amt: Amt; CdtDbtInd: string; Dt: { DtTm: string } }[];
        TxsSummry: {
          TtlNtries: { NbOfNtries: string; Sum: string; TtlNetNtry: { Amt: string; CdtDbtInd: string } };
          TtlCdtNtries: { NbOfNtries: string; Sum: string };
          TtlDbtNtries: { NbOfNtries: string; Sum: string };
        };
        Ntry?: {
          Amt: Amt;
          CdtDbtInd: string;
          Sts: { Cd: string };
          BookgDt: { DtTm: string };
          ValDt: { DtTm: string };
          AcctSvcrRef: string;
          BkTxCd: { Domn: { Cd: string; Fmly: { Cd: string; SubFmlyCd: string } } };
          NtryDtls: {
            TxDtls: {
              Refs: { EndToEndId: string };
              Amt: Amt;
              CdtDbtInd: string;
              RltdPties: { Dbtr: { Pty: { Nm: string } }; Cdtr: { Pty: { Nm: string } } };
              AddtlTxInf: string;
            };
          };
        }[];
      };
    };
  };
};

function parse(xml: string): Camt['Document']['BkToCstmrStmt'] & { ns: string } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as Camt;
  return { ...doc.Document.BkToCstmrStmt, ns: doc.Document['@xmlns'] };
}

describe('statement builder', () => {
  it('closes at opening + credits - debits, with totals and a running balance', () => {
    const s = buildStatement(input);
    expect(s.closingMinor).toBe(1_000_000n - 12_550n + 5_000n - 1n);
    expect(s.credits).toEqual({ count: 1, sumMinor: 5_000n });
    expect(s.debits).toEqual({ count: 2, sumMinor: 12_551n });
    const json = statementToJson(s);
    expect(json).toMatchObject({
      account: 'hk-remit/USD',
      openingBalance: '10000.00',
      closingBalance: '9924.49',
      asOfHeight: 42,
      totals: { credits: { count: 1, amount: '50.00' }, debits: { count: 2, amount: '125.51' } },
    });
    expect(
      json.entries.map((e) => [e.transferId, e.direction, e.amount, e.blockHeight, e.balanceAfter]),
    ).toEqual([
      ['t-1', 'debit', '125.50', 7, '9874.50'],
      ['t-2', 'credit', '50.00', 9, '9924.50'],
      ['t-3', 'debit', '0.01', 12, '9924.49'],
    ]);
    expect(json.entries[0].bookedAt).toBe('2027-01-15T01:00:00.000Z');
    // The same window at the same height has the same id; the id is an ISO 20022 Max35Text.
    expect(buildStatement(input).id).toBe(s.id);
    expect(s.id.length).toBeLessThanOrEqual(35);
    expect(buildStatement({ ...input, asOfHeight: 43 }).id).not.toBe(s.id);
  });

  it('writes a camt.053.001.08 statement that parses back with every required element and amount', () => {
    const s = buildStatement(input);
    const xml = statementToCamt053(s);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const camt = parse(xml);
    expect(camt.ns).toBe(CAMT053_NAMESPACE);
    expect(camt.GrpHdr.MsgId).toBe(s.id);
    const stmt = camt.Stmt;
    expect(stmt.Id).toBe(s.id);
    expect(stmt.CreDtTm).toBe('2027-01-16T00:05:00.000Z');
    expect(stmt.FrToDt).toEqual({ FrDtTm: from.toISOString(), ToDtTm: to.toISOString() });
    expect(stmt.Acct.Id.Othr.Id).toBe('hk-remit/USD');
    expect(stmt.Acct.Ccy).toBe('USD');
    expect(stmt.Acct.Ownr?.Nm).toBe('HK Remit & Co <Ltd>');
    expect(
      stmt.Bal.map((b) => [b.Tp.CdOrPrtry.Cd, b.Amt['#text'], b.Amt['@Ccy'], b.CdtDbtInd, b.Dt.DtTm]),
    ).toEqual([
      ['OPBD', '10000.00', 'USD', 'CRDT', from.toISOString()],
      ['CLBD', '9924.49', 'USD', 'CRDT', to.toISOString()],
    ]);
    expect(stmt.TxsSummry).toEqual({
      TtlNtries: { NbOfNtries: '3', Sum: '175.51', TtlNetNtry: { Amt: '75.51', CdtDbtInd: 'DBIT' } },
      TtlCdtNtries: { NbOfNtries: '1', Sum: '50.00' },
      TtlDbtNtries: { NbOfNtries: '2', Sum: '125.51' },
    });
    const entries = stmt.Ntry!;
    expect(entries).toHaveLength(3);
    expect(
      entries.map((n) => [
        n.Amt['#text'],
        n.Amt['@Ccy'],
        n.CdtDbtInd,
        n.Sts.Cd,
        n.NtryDtls.TxDtls.Refs.EndToEndId,
      ]),
    ).toEqual([
      ['125.50', 'USD', 'DBIT', 'BOOK', 't-1'],
      ['50.00', 'USD', 'CRDT', 'BOOK', 't-2'],
      ['0.01', 'USD', 'DBIT', 'BOOK', 't-3'],
    ]);
    const [first, second] = entries;
    expect(first.BookgDt.DtTm).toBe('2027-01-15T01:00:00.000Z');
    expect(first.ValDt.DtTm).toBe('2027-01-15T01:00:00.000Z');
    expect(first.AcctSvcrRef).toBe('BLOCK-7');
    expect(first.BkTxCd.Domn).toEqual({ Cd: 'PMNT', Fmly: { Cd: 'ICDT', SubFmlyCd: 'XBCT' } });
    expect(second.BkTxCd.Domn.Fmly.Cd).toBe('RCDT');
    expect(first.NtryDtls.TxDtls.RltdPties).toEqual({
      Dbtr: { Pty: { Nm: 'hk-remit' } },
      Cdtr: { Pty: { Nm: 'mnl-payout' } },
    });
    expect(second.NtryDtls.TxDtls.RltdPties).toEqual({
      Dbtr: { Pty: { Nm: 'sg-fx' } },
      Cdtr: { Pty: { Nm: 'hk-remit' } },
    });
    // Opening + signed entries = closing, read from the XML alone.
    const minor = (a: string) => BigInt(a.replace('.', ''));
    const signed = entries.reduce(
      (sum, n) => sum + (n.CdtDbtInd === 'CRDT' ? 1n : -1n) * minor(n.Amt['#text']),
      0n,
    );
    expect(minor(stmt.Bal[0].Amt['#text']) + signed).toBe(minor(stmt.Bal[1].Amt['#text']));
  });

  it('writes the elements in the order of the camt.053.001.08 schema sequences', () => {
    type Node = Record<string, Node[]>;
    const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: true }).parse(
      statementToCamt053(buildStatement(input)),
    ) as Node[];
    const child = (nodes: Node[], name: string) => nodes.find((n) => name in n)![name];
    const names = (nodes: Node[]) => nodes.map((n) => Object.keys(n)[0]).filter((k) => k !== '#text');
    const root = child(child(ordered, 'Document'), 'BkToCstmrStmt');
    expect(names(root)).toEqual(['GrpHdr', 'Stmt']);
    expect(names(child(root, 'GrpHdr'))).toEqual(['MsgId', 'CreDtTm']);
    const stmt = child(root, 'Stmt');
    // AccountStatement9, CashAccount39, ReportEntry10, EntryTransaction10, TransactionReferences6.
    expect(names(stmt)).toEqual([
      'Id',
      'CreDtTm',
      'FrToDt',
      'Acct',
      'Bal',
      'Bal',
      'TxsSummry',
      'Ntry',
      'Ntry',
      'Ntry',
    ]);
    expect(names(child(stmt, 'Acct'))).toEqual(['Id', 'Ccy', 'Ownr']);
    expect(names(child(stmt, 'Bal'))).toEqual(['Tp', 'Amt', 'CdtDbtInd', 'Dt']);
    const ntry = child(stmt, 'Ntry');
    expect(names(ntry)).toEqual([
      'NtryRef',
      'Amt',
      'CdtDbtInd',
      'Sts',
      'BookgDt',
      'ValDt',
      'AcctSvcrRef',
      'BkTxCd',
      'NtryDtls',
    ]);
    const tx = child(child(ntry, 'NtryDtls'), 'TxDtls');
    expect(names(tx)).toEqual(['Refs', 'Amt', 'CdtDbtInd', 'RltdPties', 'AddtlTxInf']);
    expect(names(child(tx, 'Refs'))).toEqual(['AcctSvcrRef', 'EndToEndId']);
    expect(names(child(tx, 'RltdPties'))).toEqual(['Dbtr', 'Cdtr']);
  });

  it('shows a negative balance as an unsigned amount with DBIT, and an empty window without entries', () => {
    const s = buildStatement({
      ...input,
      openingMinor: -250n,
      postings: [],
      currency: 'JPY',
      account: 'hk-remit/JPY',
    });
    const camt = parse(statementToCamt053(s));
    expect(camt.Stmt.Bal.map((b) => [b.Amt['#text'], b.CdtDbtInd])).toEqual([
      ['250', 'DBIT'],
      ['250', 'DBIT'],
    ]);
    expect(camt.Stmt.Ntry).toBeUndefined();
    expect(statementToJson(s)).toMatchObject({ openingBalance: '-250', closingBalance: '-250', entries: [] });
  });

  it('keeps transfer ids within the 35 characters of EndToEndId, the full id in AddtlTxInf', () => {
    const long = 'invoice-2027-01-15-000000000000000000000000000123456789';
    expect(max35('short-id')).toBe('short-id');
    expect(max35(long)).toHaveLength(35);
    expect(max35(long)).not.toBe(max35(long.replace('9', '8')));
    const s = buildStatement({ ...input, postings: [{ ...input.postings[0], transferId: long }] });
    const [entry] = parse(statementToCamt053(s)).Stmt.Ntry!;
    expect(entry.NtryDtls.TxDtls.Refs.EndToEndId).toBe(max35(long));
    expect(entry.NtryDtls.TxDtls.AddtlTxInf).toContain(long);
  });
});

const blockOf = (
  height: number,
  outcomes: TransferOutcome[],
  postings: FinalizedBlock['postings'] = [],
): FinalizedBlock => ({
  v: 1,
  header: {
    chainId: 'test',
    height,
    prevHash: '0'.repeat(64),
    entriesRoot: '0'.repeat(64),
    stateRoot: '0'.repeat(64),
    blockTimeMs: Date.UTC(2027, 0, 15, 1),
    entryCount: outcomes.length,
    firstOffset: '0',
    lastOffset: '0',
  },
  headerHash: '1'.repeat(64),
  certificate: [],
  outcomes,
  participants: [],
  accounts: [],
  moves: [],
  proposals: [],
  postings,
});

describe('postings of a finalized block', () => {
  const o = (x: Partial<TransferOutcome> & { transferId: string }): TransferOutcome => ({
    status: 'committed',
    payer: 'hk-remit',
    payee: 'mnl-payout',
    amountMinor: '100',
    currency: 'USD',
    ...x,
  });
  const p = (transferId: string, debitAccount: string, creditAccount: string, amountMinor: string) => ({
    transferId,
    debitAccount,
    creditAccount,
    amountMinor,
    currency: debitAccount.split('/')[1],
  });

  /** Each account's postings as [account, id, direction, amount, counterparty, status, seq], in ledger order. */
  const flat = (rows: AccountPostingsRow[]) =>
    rows
      .flatMap((r) => r.j.map((j) => [r.a, j.t, j.d, BigInt(j.m), j.o, j.s, j.q] as const))
      .sort((x, y) => x[6] - y[6] || (x[2] === y[2] ? 0 : x[2] === 'debit' ? -1 : 1));

  it("are the ledger's own postings: legs, fees and spread, settlement moves, each on its account", () => {
    const rows = accountPostingsOf(
      blockOf(
        3,
        [
          o({ transferId: 'genesis-funds-0', payer: 'hub', amountMinor: '5000' }),
          o({ transferId: 'a' }),
          o({ transferId: 'b', status: 'reserved' }),
          o({ transferId: 'c', status: 'rejected', reason: 'INSUFFICIENT_FUNDS' }),
          o({ transferId: 'd', status: 'fulfilled' }),
          o({ transferId: 'x', amountMinor: '1000' }),
          o({ transferId: 'settlement:conf-1', payee: 'hub', amountMinor: '300' }),
        ],
        [
          p('genesis-funds-0', 'hub/USD', 'mnl-payout/USD', '5000'),
          p('hk-remit/a', 'hk-remit/USD', 'mnl-payout/USD', '100'),
          p('hk-remit/d', 'hk-remit/USD', 'mnl-payout/USD', '100'),
          p('hk-remit/x', 'hk-remit/USD', 'sg-fx/USD', '995'),
          p('hk-remit/x:spread', 'hk-remit/USD', 'sg-fx/USD/fees', '5'),
          p('hk-remit/x:fee', 'hk-remit/USD', 'sg-fx/USD/fees', '25'),
          p('hk-remit/x', 'sg-fx/PHP', 'mnl-payout/PHP', '58321'),
          p('settlement:conf-1', 'hk-remit/USD/settlement', 'hk-remit/USD', '300'),
        ],
      ),
    );
    expect(flat(rows)).toEqual([
      ['hub/USD', 'genesis-funds-0', 'debit', 5000n, 'mnl-payout', 'committed', 0],
      ['mnl-payout/USD', 'genesis-funds-0', 'credit', 5000n, 'hub', 'committed', 0],
      ['hk-remit/USD', 'hk-remit/a', 'debit', 100n, 'mnl-payout', 'committed', 1],
      ['mnl-payout/USD', 'hk-remit/a', 'credit', 100n, 'hk-remit', 'committed', 1],
      ['hk-remit/USD', 'hk-remit/d', 'debit', 100n, 'mnl-payout', 'fulfilled', 2],
      ['mnl-payout/USD', 'hk-remit/d', 'credit', 100n, 'hk-remit', 'fulfilled', 2],
      ['hk-remit/USD', 'hk-remit/x', 'debit', 995n, 'sg-fx', 'committed', 3],
      ['sg-fx/USD', 'hk-remit/x', 'credit', 995n, 'hk-remit', 'committed', 3],
      ['hk-remit/USD', 'hk-remit/x:spread', 'debit', 5n, 'sg-fx', 'committed', 4],
      ['sg-fx/USD/fees', 'hk-remit/x:spread', 'credit', 5n, 'hk-remit', 'committed', 4],
      ['hk-remit/USD', 'hk-remit/x:fee', 'debit', 25n, 'sg-fx', 'committed', 5],
      ['sg-fx/USD/fees', 'hk-remit/x:fee', 'credit', 25n, 'hk-remit', 'committed', 5],
      ['sg-fx/PHP', 'hk-remit/x', 'debit', 58321n, 'mnl-payout', 'committed', 6],
      ['mnl-payout/PHP', 'hk-remit/x', 'credit', 58321n, 'sg-fx', 'committed', 6],
      ['hk-remit/USD/settlement', 'settlement:conf-1', 'debit', 300n, 'hk-remit', 'committed', 7],
      ['hk-remit/USD', 'settlement:conf-1', 'credit', 300n, 'hk-remit', 'committed', 7],
    ]);
    expect(rows.find((r) => r.a === 'mnl-payout/PHP')?.p).toBe('mnl-payout');
    expect(rows.find((r) => r.a === 'sg-fx/USD/fees')?.p).toBe('sg-fx');
    // The block's height and time are the statement's parameters, sent once per block, not per row.
    expect(rows.every((r) => !('height' in r) && !('blockTime' in r))).toBe(true);
  });

  it('records a posting once per account and posting id', () => {
    const rows = accountPostingsOf(
      blockOf(
        7,
        [o({ transferId: 'a' })],
        [
          p('hk-remit/a', 'hk-remit/USD', 'mnl-payout/USD', '100'),
          p('hk-remit/a', 'hk-remit/USD', 'sg-fx/USD', '7'),
        ],
      ),
    );
    expect(flat(rows)).toEqual([
      ['hk-remit/USD', 'hk-remit/a', 'debit', 100n, 'mnl-payout', 'committed', 0],
      ['mnl-payout/USD', 'hk-remit/a', 'credit', 100n, 'hk-remit', 'committed', 0],
      ['sg-fx/USD', 'hk-remit/a', 'credit', 7n, 'hk-remit', 'committed', 1],
    ]);
    expect(rows.find((r) => r.a === 'hk-remit/USD')?.d).toBe('100');
  });

  it('are stored one row per account, with the sums of its debits and credits, in ledger order', () => {
    const rows = accountPostingsOf(
      blockOf(
        6,
        [o({ transferId: 'a' }), o({ transferId: 'x' }), o({ transferId: 'b', status: 'fulfilled' })],
        [
          p('hk-remit/a', 'hk-remit/USD', 'mnl-payout/USD', '100'),
          p('hk-remit/x', 'hk-remit/USD', 'sg-fx/USD', '995'),
          p('hk-remit/x:fee', 'hk-remit/USD', 'sg-fx/USD/fees', '25'),
          p('hk-remit/b', 'mnl-payout/USD', 'hk-remit/USD', '40'),
        ],
      ),
    );
    expect(
      rows.map((r) => [r.a, r.p, r.c, r.d, r.k, r.j.map((j) => `${j.q}:${j.t}:${j.d}:${j.m}:${j.o}:${j.s}`)]),
    ).toEqual([
      [
        'hk-remit/USD',
        'hk-remit',
        'USD',
        '1120',
        '40',
        [
          '0:hk-remit/a:debit:100:mnl-payout:committed',
          '1:hk-remit/x:debit:995:sg-fx:committed',
          '2:hk-remit/x:fee:debit:25:sg-fx:committed',
          '3:hk-remit/b:credit:40:mnl-payout:fulfilled',
        ],
      ],
      [
        'mnl-payout/USD',
        'mnl-payout',
        'USD',
        '40',
        '100',
        ['0:hk-remit/a:credit:100:hk-remit:committed', '3:hk-remit/b:debit:40:hk-remit:fulfilled'],
      ],
      ['sg-fx/USD', 'sg-fx', 'USD', '0', '995', ['1:hk-remit/x:credit:995:hk-remit:committed']],
      ['sg-fx/USD/fees', 'sg-fx', 'USD', '0', '25', ['2:hk-remit/x:fee:credit:25:hk-remit:committed']],
    ]);
  });

  it("gives each payer's transfer of one id its own status", () => {
    const rows = accountPostingsOf(
      blockOf(
        8,
        [o({ transferId: 'same', status: 'fulfilled' }), o({ transferId: 'same', payer: 'sg-fx' })],
        [
          p('hk-remit/same', 'hk-remit/USD', 'mnl-payout/USD', '100'),
          p('sg-fx/same', 'sg-fx/USD', 'mnl-payout/USD', '7'),
        ],
      ),
    );
    expect(flat(rows).filter((r) => r[0] === 'mnl-payout/USD')).toEqual([
      ['mnl-payout/USD', 'hk-remit/same', 'credit', 100n, 'hk-remit', 'fulfilled', 0],
      ['mnl-payout/USD', 'sg-fx/same', 'credit', 7n, 'sg-fx', 'committed', 1],
    ]);
  });

  it('moves nothing for a block without postings, nor for a posting from an account to itself', () => {
    expect(accountPostingsOf(blockOf(4, [o({ transferId: 'b', status: 'reserved' })]))).toEqual([]);
    // An FX provider paying itself in the target currency: one account on both sides, nothing moves.
    expect(
      accountPostingsOf(blockOf(5, [o({ transferId: 's' })], [p('s', 'sg-fx/PHP', 'sg-fx/PHP', '10')])),
    ).toEqual([]);
  });
});

describe('statement content negotiation', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['application/json', 'json'],
    ['*/*', 'json'],
    ['application/xml', 'camt053'],
    ['text/xml', 'camt053'],
    ['application/json;q=0.5, application/xml', 'camt053'],
    ['application/xml;q=0.2, application/json;q=0.9', 'json'],
    ['text/csv, application/xml;q=0.1', 'camt053'],
    ['text/csv', null],
    ['application/xml;q=0', null],
  ])('Accept %j gives %s', (accept, format) => {
    expect(negotiateStatementFormat(accept)).toBe(format);
  });
});

describe('statement query', () => {
  it('refuses a time PostgreSQL cannot hold with 400 naming the field, before any query', async () => {
    const repository = {
      snapshot: () => {
        throw new Error('the database must not see this query');
      },
    } as unknown as StatementsRepository;
    const service = new StatementsService(repository, 100);
    const caller = { id: 'hk-remit' } as Parameters<StatementsService['statement']>[0];
    const query = { account: 'hk-remit/USD', from: '0000-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' };
    const refusal = service.statement(caller, query);
    await expect(refusal).rejects.toMatchObject({ error: { kind: 'INVALID_QUERY' } });
    const problem = await refusal.catch((e: { toProblem(): { status: number; body: unknown } }) =>
      e.toProblem(),
    );
    expect(problem).toMatchObject({ status: 400 });
    expect(JSON.stringify(problem)).toContain('"field":"from"');
  });
});
