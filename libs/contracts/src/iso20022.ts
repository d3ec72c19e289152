import { createHash } from 'node:crypto';
import { create } from 'xmlbuilder2';

/**
 * ISO 20022 messages of the partner API's webhooks, built with xmlbuilder2 from what the JSON webhooks
 * carry, deterministically (the same event gives the same bytes on every attempt, so the signature of a
 * retry is over the same document):
 * - pacs.002.001.10 FIToFIPmtStsRpt: the status of a transfer (accepted and settled, accepted pending
 *   settlement, rejected with the ledger's reason code, cancelled);
 * - camt.054.001.08 BkToCstmrDbtCdtNtfctn: the movement of the partner's account a final transfer made
 *   (a credit to the payee, a debit to the payer).
 */
export const PACS002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10';
export const CAMT054_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08';

/** A transfer as a webhook shows it (TransferView): what the messages are made of. */
export interface IsoTransfer {
  id: string;
  status: string;
  reason?: string;
  payer: string;
  payee: string;
  /** Decimal string of the currency ("125.50"). */
  amount: string;
  currency: string;
  blockHeight?: number;
}

/** The event that carries the transfer: its id names the message, its time dates it. */
export interface IsoEvent {
  id: string;
  createdAt: string;
}

/**
 * ExternalPaymentTransactionStatus1Code of a transfer status: ACSC settled (committed, fulfilled), ACSP
 * accepted, settlement in process (reserved, accepted), RJCT rejected or expired, CANC aborted.
 */
export function pacs002Status(status: string): 'ACSC' | 'ACSP' | 'RJCT' | 'CANC' {
  if (status === 'committed' || status === 'fulfilled') return 'ACSC';
  if (status === 'reserved' || status === 'accepted') return 'ACSP';
  if (status === 'aborted') return 'CANC';
  return 'RJCT';
}

/** An ISO 20022 Max35Text: a longer id is cut, and ends with `~` and 8 hex of its hash to stay unique. */
export function isoMax35(text: string): string {
  return text.length <= 35
    ? text
    : `${text.slice(0, 26)}~${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

/** ISO date time without milliseconds beyond what was given, in UTC ("2026-12-07T10:00:00.000Z"). */
function isoDateTime(at: string): string {
  return new Date(at).toISOString();
}

function xml(document: object): string {
  return create({ version: '1.0', encoding: 'UTF-8' }, document).end({ prettyPrint: true });
}

/** The status report of a transfer to its payer (or payee): pacs.002.001.10. */
export function transferToPacs002(event: IsoEvent, t: IsoTransfer): string {
  const status = pacs002Status(t.status);
  const reason =
    status === 'RJCT' || status === 'CANC'
      ? { StsRsnInf: { Rsn: { Prtry: isoMax35((t.reason ?? t.status).toUpperCase()) } } }
      : {};
  return xml({
    Document: {
      '@xmlns': PACS002_NAMESPACE,
      FIToFIPmtStsRpt: {
        GrpHdr: { MsgId: isoMax35(event.id), CreDtTm: isoDateTime(event.createdAt) },
        TxInfAndSts: {
          OrgnlInstrId: isoMax35(`${t.payer}/${t.id}`),
          OrgnlEndToEndId: isoMax35(t.id),
          OrgnlTxId: isoMax35(t.id),
          TxSts: status,
          ...reason,
          OrgnlTxRef: {
            IntrBkSttlmAmt: { '@Ccy': t.currency, '#': t.amount },
            Dbtr: { Agt: { FinInstnId: { Othr: { Id: t.payer } } } },
            Cdtr: { Agt: { FinInstnId: { Othr: { Id: t.payee } } } },
          },
        },
      },
    },
  });
}

/**
 * The movement of `participant`'s account by a final transfer: camt.054.001.08 with one booked entry,
 * CRDT for the payee, DBIT for the payer. The account is `<participant>/<currency>` as the API names it.
 */
export function transferToCamt054(event: IsoEvent, t: IsoTransfer, participant: string): string {
  const credit = participant === t.payee;
  const at = isoDateTime(event.createdAt);
  return xml({
    Document: {
      '@xmlns': CAMT054_NAMESPACE,
      BkToCstmrDbtCdtNtfctn: {
        GrpHdr: { MsgId: isoMax35(event.id), CreDtTm: at },
        Ntfctn: {
          Id: isoMax35(event.id),
          CreDtTm: at,
          Acct: { Id: { Othr: { Id: `${participant}/${t.currency}` } }, Ccy: t.currency },
          Ntry: {
            NtryRef: isoMax35(`${t.payer}/${t.id}`),
            Amt: { '@Ccy': t.currency, '#': t.amount },
            CdtDbtInd: credit ? 'CRDT' : 'DBIT',
            Sts: { Cd: 'BOOK' },
            BookgDt: { DtTm: at },
            ValDt: { Dt: at.slice(0, 10) },
            BkTxCd: { Prtry: { Cd: t.status.toUpperCase(), Issr: 'CONCORD' } },
            NtryDtls: {
              TxDtls: {
                Refs: {
                  InstrId: isoMax35(`${t.payer}/${t.id}`),
                  EndToEndId: isoMax35(t.id),
                  TxId: isoMax35(t.id),
                },
                Amt: { '@Ccy': t.currency, '#': t.amount },
                CdtDbtInd: credit ? 'CRDT' : 'DBIT',
                RltdPties: credit ? { Dbtr: { Pty: { Nm: t.payer } } } : { Cdtr: { Pty: { Nm: t.payee } } },
                ...(t.blockHeight !== undefined ? { AddtlTxInf: `block ${t.blockHeight}` } : {}),
              },
            },
          },
        },
      },
    },
  });
}
