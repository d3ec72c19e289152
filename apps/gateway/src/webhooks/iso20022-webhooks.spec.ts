import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CAMT054_NAMESPACE, isoMax35, PACS002_NAMESPACE, pacs002Status } from '@concord/contracts';
import { webhookBody } from './iso20022-webhooks';

/** A parsed XML element: its children by name (text and attributes are leaves). */
interface Node {
  [name: string]: Node;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

const transfer = (status: string, extra: object = {}) => ({
  id: 'hk-20261207-000123',
  status,
  payer: 'hk-remit',
  payee: 'mnl-payout',
  amount: '1250.75',
  currency: 'USD',
  twoPhase: false,
  blockHeight: 4242,
  createdAt: '2026-12-07T09:59:58.120Z',
  ...extra,
});
const delivery = (participantId: string, status: string, extra: object = {}) => ({
  event: `transfer.${status}`,
  participantId,
  payload: JSON.stringify({
    id: 'evt_6f1c0a9e2b7d4c3a8e5f1b2c3d4e5f60',
    type: `transfer.${status}`,
    createdAt: '2026-12-07T10:00:00.000Z',
    data: transfer(status, extra),
  }),
});

/** The message parsed back, after checking it is well-formed XML. */
function read(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as { Document: Record<string, unknown> };
}

describe('ISO 20022 webhooks', () => {
  it('sends the payer a pacs.002.001.10 status report of its transfer', () => {
    const body = webhookBody('iso20022', delivery('hk-remit', 'committed'));
    expect(body.contentType).toBe('application/xml; charset=utf-8');
    expect(body.payload.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const doc = read(body.payload).Document as { '@xmlns': string; FIToFIPmtStsRpt: Node };
    expect(doc['@xmlns']).toBe(PACS002_NAMESPACE);
    expect(doc.FIToFIPmtStsRpt.GrpHdr).toEqual({
      MsgId: isoMax35('evt_6f1c0a9e2b7d4c3a8e5f1b2c3d4e5f60'),
      CreDtTm: '2026-12-07T10:00:00.000Z',
    });
    expect(doc.FIToFIPmtStsRpt.TxInfAndSts).toEqual({
      OrgnlInstrId: 'hk-remit/hk-20261207-000123',
      OrgnlEndToEndId: 'hk-20261207-000123',
      OrgnlTxId: 'hk-20261207-000123',
      TxSts: 'ACSC',
      OrgnlTxRef: {
        IntrBkSttlmAmt: { '@Ccy': 'USD', '#text': '1250.75' },
        Dbtr: { Agt: { FinInstnId: { Othr: { Id: 'hk-remit' } } } },
        Cdtr: { Agt: { FinInstnId: { Othr: { Id: 'mnl-payout' } } } },
      },
    });
  });

  it('gives a rejection its ledger reason code, an abort CANC, a reserved transfer ACSP', () => {
    const rejected = read(
      webhookBody('iso20022', delivery('hk-remit', 'rejected', { reason: 'INSUFFICIENT_FUNDS' })).payload,
    ).Document as { FIToFIPmtStsRpt: { TxInfAndSts: Record<string, unknown> } };
    expect(rejected.FIToFIPmtStsRpt.TxInfAndSts).toMatchObject({
      TxSts: 'RJCT',
      StsRsnInf: { Rsn: { Prtry: 'INSUFFICIENT_FUNDS' } },
    });
    const expired = read(webhookBody('iso20022', delivery('mnl-payout', 'expired')).payload).Document as {
      FIToFIPmtStsRpt: { TxInfAndSts: Record<string, unknown> };
    };
    expect(expired.FIToFIPmtStsRpt.TxInfAndSts).toMatchObject({
      TxSts: 'RJCT',
      StsRsnInf: { Rsn: { Prtry: 'EXPIRED' } },
    });
    expect(
      ['committed', 'fulfilled', 'reserved', 'accepted', 'aborted', 'rejected', 'expired'].map(pacs002Status),
    ).toEqual(['ACSC', 'ACSC', 'ACSP', 'ACSP', 'CANC', 'RJCT', 'RJCT']);
  });

  it('sends the payee of a committed transfer a camt.054.001.08 credit notification', () => {
    const body = webhookBody('iso20022', delivery('mnl-payout', 'committed'));
    const doc = read(body.payload).Document as {
      '@xmlns': string;
      BkToCstmrDbtCdtNtfctn: Node;
    };
    expect(doc['@xmlns']).toBe(CAMT054_NAMESPACE);
    const n = doc.BkToCstmrDbtCdtNtfctn.Ntfctn;
    expect(n.Acct).toEqual({ Id: { Othr: { Id: 'mnl-payout/USD' } }, Ccy: 'USD' });
    expect(n.Ntry).toMatchObject({
      Amt: { '@Ccy': 'USD', '#text': '1250.75' },
      CdtDbtInd: 'CRDT',
      Sts: { Cd: 'BOOK' },
      BookgDt: { DtTm: '2026-12-07T10:00:00.000Z' },
      ValDt: { Dt: '2026-12-07' },
      NtryDtls: {
        TxDtls: {
          Refs: { EndToEndId: 'hk-20261207-000123', InstrId: 'hk-remit/hk-20261207-000123' },
          CdtDbtInd: 'CRDT',
          RltdPties: { Dbtr: { Pty: { Nm: 'hk-remit' } } },
          AddtlTxInf: 'block 4242',
        },
      },
    });
    // The same delivery gives the same bytes on every attempt: the signature is over one document.
    expect(webhookBody('iso20022', delivery('mnl-payout', 'committed')).payload).toBe(body.payload);
  });

  it('keeps JSON for json subscriptions and for events that are not a transfer’s; cuts long ids to 35', () => {
    const d = delivery('hk-remit', 'committed');
    expect(webhookBody('json', d)).toEqual({ payload: d.payload, contentType: 'application/json' });
    const limit = {
      event: 'limit.alarm',
      participantId: 'hk-remit',
      payload: '{"id":"evt_2","type":"limit.alarm"}',
    };
    expect(webhookBody('iso20022', limit)).toEqual({
      payload: limit.payload,
      contentType: 'application/json',
    });
    const long = 'x'.repeat(64);
    expect(isoMax35(long)).toHaveLength(35);
    expect(isoMax35(long)).not.toBe(isoMax35(`${long}y`));
  });
});
