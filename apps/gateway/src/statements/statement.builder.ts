import { sha256Hex } from '@concord/crypto';
import { formatAmount } from '@concord/money';
import { create } from 'xmlbuilder2';
import type { StatementView } from '@concord/contracts';

/** One money movement of the account, as recorded when its block was applied. */
export interface StatementPosting {
  /** The payer's id of the transfer (`:fee`... for its other legs), or a settlement posting's id. */
  transferId: string;
  /** The transfer's payer (absent for postings of no transfer: funds, settlement). */
  payer?: string;
  direction: 'debit' | 'credit';
  amountMinor: bigint;
  counterparty: string;
  /** committed or fulfilled: the transfer state that moved the money. */
  status: string;
  height: number;
  blockTime: Date;
}

export interface StatementInput {
  account: string;
  currency: string;
  /** The account owner's name, for the camt.053 `Acct/Ownr`. */
  ownerName?: string;
  from: Date;
  to: Date;
  createdAt: Date;
  /** The last block the statement includes. */
  asOfHeight: number;
  /** Balance from every posting before `from`. */
  openingMinor: bigint;
  /** Every posting with `from <= blockTime < to`, in block order. */
  postings: StatementPosting[];
}

export interface StatementData extends StatementInput {
  id: string;
  closingMinor: bigint;
  credits: { count: number; sumMinor: bigint };
  debits: { count: number; sumMinor: bigint };
}

/** A Max35Text id that is the same for the same account, window and height. */
export function statementId(account: string, from: Date, to: Date, asOfHeight: number): string {
  const digest = sha256Hex(`${account}\n${from.toISOString()}\n${to.toISOString()}\n${asOfHeight}`);
  return `STMT${digest.slice(0, 31).toUpperCase()}`;
}

/** Adds up the window: closing = opening + credits - debits. */
export function buildStatement(input: StatementInput): StatementData {
  const credits = { count: 0, sumMinor: 0n };
  const debits = { count: 0, sumMinor: 0n };
  for (const p of input.postings) {
    if (p.amountMinor < 0n) throw new Error(`posting ${p.transferId} has a negative amount`);
    const side = p.direction === 'credit' ? credits : debits;
    side.count += 1;
    side.sumMinor += p.amountMinor;
  }
  return {
    ...input,
    id: statementId(input.account, input.from, input.to, input.asOfHeight),
    closingMinor: input.openingMinor + credits.sumMinor - debits.sumMinor,
    credits,
    debits,
  };
}

export function statementToJson(s: StatementData): StatementView {
  const amount = (minor: bigint) => formatAmount(minor, s.currency);
  let running = s.openingMinor;
  return {
    id: s.id,
    account: s.account,
    currency: s.currency,
    from: s.from.toISOString(),
    to: s.to.toISOString(),
    createdAt: s.createdAt.toISOString(),
    asOfHeight: s.asOfHeight,
    openingBalance: amount(s.openingMinor),
    closingBalance: amount(s.closingMinor),
    totals: {
      credits: { count: s.credits.count, amount: amount(s.credits.sumMinor) },
      debits: { count: s.debits.count, amount: amount(s.debits.sumMinor) },
    },
    entries: s.postings.map((p) => {
      running += p.direction === 'credit' ? p.amountMinor : -p.amountMinor;
      return {
        transferId: p.transferId,
        ...(p.payer ? { payer: p.payer } : {}),
        direction: p.direction,
        amount: amount(p.amountMinor),
        counterparty: p.counterparty,
        status: p.status as 'committed' | 'fulfilled',
        blockHeight: p.height,
        bookedAt: p.blockTime.toISOString(),
        balanceAfter: amount(running),
      };
    }),
  };
}

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/** An ISO 20022 MaxNText: a longer id is cut, and ends with `~` and 8 hex of its hash to stay unique. */
export function maxText(id: string, max: number): string {
  return id.length <= max ? id : `${id.slice(0, max - 9)}~${sha256Hex(id).slice(0, 8)}`;
}

export const max35 = (id: string) => maxText(id, 35);

/**
 * The statement as an ISO 20022 camt.053.001.08 bank-to-customer statement: one Stmt with the opening
 * (OPBD) and closing (CLBD) booked balances and one booked Ntry per posting. Amounts are unsigned with
 * CdtDbtInd, as the standard wants; the transfer id is the EndToEndId (and the full id is repeated in
 * AddtlTxInf when it is longer than the 35 characters ISO 20022 allows).
 */
export function statementToCamt053(s: StatementData): string {
  const ccy = s.currency;
  const amt = (minor: bigint) => ({ '@Ccy': ccy, '#': formatAmount(minor < 0n ? -minor : minor, ccy) });
  const ind = (minor: bigint) => (minor < 0n ? 'DBIT' : 'CRDT');
  const decimal = (minor: bigint) => formatAmount(minor < 0n ? -minor : minor, ccy);
  const balance = (code: 'OPBD' | 'CLBD', minor: bigint, at: Date) => ({
    Tp: { CdOrPrtry: { Cd: code } },
    Amt: amt(minor),
    CdtDbtInd: ind(minor),
    Dt: { DtTm: at.toISOString() },
  });
  const net = s.credits.sumMinor - s.debits.sumMinor;
  const entries = s.postings.map((p) => {
    const credit = p.direction === 'credit';
    const [debtor, creditor] = credit
      ? [p.counterparty, participantOf(s.account)]
      : [participantOf(s.account), p.counterparty];
    const at = p.blockTime.toISOString();
    return {
      NtryRef: max35(p.transferId),
      Amt: amt(p.amountMinor),
      CdtDbtInd: credit ? 'CRDT' : 'DBIT',
      Sts: { Cd: 'BOOK' },
      BookgDt: { DtTm: at },
      ValDt: { DtTm: at },
      AcctSvcrRef: `BLOCK-${p.height}`,
      BkTxCd: {
        Domn: { Cd: 'PMNT', Fmly: { Cd: credit ? 'RCDT' : 'ICDT', SubFmlyCd: 'XBCT' } },
      },
      NtryDtls: {
        TxDtls: {
          Refs: { AcctSvcrRef: `BLOCK-${p.height}`, EndToEndId: max35(p.transferId) },
          Amt: amt(p.amountMinor),
          CdtDbtInd: credit ? 'CRDT' : 'DBIT',
          RltdPties: {
            Dbtr: { Pty: { Nm: debtor } },
            Cdtr: { Pty: { Nm: creditor } },
          },
          AddtlTxInf: `Concord transfer ${p.transferId}${p.payer ? ` of ${p.payer}` : ''} (${p.status}), block ${p.height}`,
        },
      },
    };
  });
  const document = {
    Document: {
      '@xmlns': CAMT053_NAMESPACE,
      BkToCstmrStmt: {
        GrpHdr: { MsgId: s.id, CreDtTm: s.createdAt.toISOString() },
        Stmt: {
          Id: s.id,
          CreDtTm: s.createdAt.toISOString(),
          FrToDt: { FrDtTm: s.from.toISOString(), ToDtTm: s.to.toISOString() },
          Acct: {
            Id: { Othr: { Id: maxText(s.account, 34), SchmeNm: { Prtry: 'CONCORD' } } },
            Ccy: ccy,
            ...(s.ownerName ? { Ownr: { Nm: s.ownerName } } : {}),
          },
          Bal: [balance('OPBD', s.openingMinor, s.from), balance('CLBD', s.closingMinor, s.to)],
          TxsSummry: {
            TtlNtries: {
              NbOfNtries: String(s.postings.length),
              Sum: decimal(s.credits.sumMinor + s.debits.sumMinor),
              TtlNetNtry: { Amt: decimal(net), CdtDbtInd: ind(net) },
            },
            TtlCdtNtries: { NbOfNtries: String(s.credits.count), Sum: decimal(s.credits.sumMinor) },
            TtlDbtNtries: { NbOfNtries: String(s.debits.count), Sum: decimal(s.debits.sumMinor) },
          },
          ...(entries.length > 0 ? { Ntry: entries } : {}),
        },
      },
    },
  };
  return create({ version: '1.0', encoding: 'UTF-8' }, document).end({ prettyPrint: true });
}

function participantOf(account: string): string {
  return account.slice(0, account.lastIndexOf('/'));
}
