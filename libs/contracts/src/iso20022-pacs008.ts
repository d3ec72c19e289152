import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { create } from 'xmlbuilder2';
import { TransferInstruction, transferInstructionSchema } from './instructions';

/**
 * ISO 20022 pacs.008.001.08 (FI to FI customer credit transfer) <-> a transfer instruction, both ways and
 * deterministically: the same message always gives the same instruction, so that a party that reads the
 * partner's signed XML (the gateway, and each signer) agrees on what was instructed. Not wired to
 * `POST /v1/transfers` yet (see docs/reconciliation.md, "Not done yet").
 *
 * One `CdtTrfTxInf` per message (`GrpHdr/NbOfTxs` 1, settlement by clearing, `SttlmMtd` CLRG):
 * - `PmtId/EndToEndId` is the transfer id (what the pacs.002 status report gives back as OrgnlEndToEndId);
 * - `IntrBkSttlmAmt` (with `@Ccy`) the amount and currency;
 * - `DbtrAgt/FinInstnId/Othr/Id` the payer, `CdtrAgt/FinInstnId/Othr/Id` the payee (participant ids);
 * - `Dbtr`, `DbtrAcct`, `Cdtr`, `CdtrAcct`: the originator and the beneficiary, as the compliance rules
 *   want them (name required, account and country when given), returned beside the instruction.
 */
export const PACS008_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08';

/** Why a message is refused, naming the element (`Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt`). */
export class Iso20022Error extends Error {
  constructor(
    readonly element: string,
    readonly reason: string,
  ) {
    super(`${element}: ${reason}`);
    this.name = 'Iso20022Error';
  }
}

/** The originator or the beneficiary of a credit transfer. */
export interface Iso20022Party {
  name: string;
  account?: string;
  country?: string;
}

export interface Pacs008Transfer {
  instruction: TransferInstruction;
  originator: Iso20022Party;
  beneficiary: Iso20022Party;
  /** `GrpHdr/MsgId`: the partner's message id. */
  messageId: string;
}

type Node = { [name: string]: Node | Node[] | string | undefined };

const ROOT = 'Document/FIToFICstmrCdtTrf';
const TX = `${ROOT}/CdtTrfTxInf`;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  isArray: (name) => name === 'CdtTrfTxInf',
});

/** The text of a child element, or an Iso20022Error naming it when it is required and absent. */
function text(node: Node | undefined, path: string[], where: string, required: true): string;
function text(node: Node | undefined, path: string[], where: string, required: false): string | undefined;
function text(node: Node | undefined, path: string[], where: string, required: boolean): string | undefined {
  let at: Node | Node[] | string | undefined = node;
  for (const name of path) {
    if (at === undefined || typeof at === 'string' || Array.isArray(at)) {
      at = undefined;
      break;
    }
    at = at[name];
  }
  const value =
    typeof at === 'string' ? at : at && !Array.isArray(at) ? (at['#text'] as string | undefined) : undefined;
  if ((value === undefined || value === '') && required)
    throw new Iso20022Error(`${where}/${path.join('/')}`, 'required, absent or empty');
  return value === '' ? undefined : value;
}

function party(tx: Node, who: 'Dbtr' | 'Cdtr'): Iso20022Party {
  const name = text(tx, [who, 'Nm'], TX, true);
  const account =
    text(tx, [`${who}Acct`, 'Id', 'IBAN'], TX, false) ??
    text(tx, [`${who}Acct`, 'Id', 'Othr', 'Id'], TX, false);
  const country = text(tx, [who, 'PstlAdr', 'Ctry'], TX, false);
  if (country !== undefined && !/^[A-Z]{2}$/.test(country))
    throw new Iso20022Error(
      `${TX}/${who}/PstlAdr/Ctry`,
      `${JSON.stringify(country)} is not an ISO 3166 code`,
    );
  return { name, ...(account ? { account } : {}), ...(country ? { country } : {}) };
}

/** Reads a pacs.008.001.08 message into a transfer instruction, or an Iso20022Error naming the element. */
export function pacs008ToTransfer(xml: string): Pacs008Transfer {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Iso20022Error(`line ${valid.err.line}`, valid.err.msg);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new Iso20022Error('Document', 'no DOCTYPE or ENTITY declarations');
  const doc = (parser.parse(xml) as Node).Document as Node | undefined;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw new Iso20022Error('Document', 'no Document element');
  if (doc['@xmlns'] !== PACS008_NAMESPACE)
    throw new Iso20022Error('Document/@xmlns', `expected ${PACS008_NAMESPACE}, got ${String(doc['@xmlns'])}`);
  const root = doc.FIToFICstmrCdtTrf as Node | undefined;
  if (!root) throw new Iso20022Error(ROOT, 'required, absent');
  const group = root.GrpHdr as Node | undefined;
  const messageId = text(group, ['MsgId'], `${ROOT}/GrpHdr`, true);
  if (text(group, ['NbOfTxs'], `${ROOT}/GrpHdr`, true) !== '1')
    throw new Iso20022Error(`${ROOT}/GrpHdr/NbOfTxs`, 'one transaction per message');
  const method = text(group, ['SttlmInf', 'SttlmMtd'], `${ROOT}/GrpHdr`, true);
  if (method !== 'CLRG') throw new Iso20022Error(`${ROOT}/GrpHdr/SttlmInf/SttlmMtd`, `${method}: only CLRG`);
  const txs = root.CdtTrfTxInf as Node[] | undefined;
  if (!txs || txs.length !== 1) throw new Iso20022Error(TX, `exactly one, got ${txs?.length ?? 0}`);
  const [tx] = txs;
  const amountNode = tx.IntrBkSttlmAmt as Node | undefined;
  const currency = typeof amountNode === 'object' ? (amountNode['@Ccy'] as string | undefined) : undefined;
  if (!currency) throw new Iso20022Error(`${TX}/IntrBkSttlmAmt/@Ccy`, 'required, absent');
  const instruction = {
    id: text(tx, ['PmtId', 'EndToEndId'], TX, true),
    payer: text(tx, ['DbtrAgt', 'FinInstnId', 'Othr', 'Id'], TX, true),
    payee: text(tx, ['CdtrAgt', 'FinInstnId', 'Othr', 'Id'], TX, true),
    amount: text(tx, ['IntrBkSttlmAmt'], TX, true),
    currency,
  };
  const parsed = transferInstructionSchema.safeParse(instruction);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const element = {
      id: 'PmtId/EndToEndId',
      payer: 'DbtrAgt/FinInstnId/Othr/Id',
      payee: 'CdtrAgt/FinInstnId/Othr/Id',
      amount: 'IntrBkSttlmAmt',
      currency: 'IntrBkSttlmAmt/@Ccy',
    }[String(issue.path[0]) as keyof typeof instruction];
    throw new Iso20022Error(`${TX}/${element}`, issue.message);
  }
  if (!/^\d{1,18}(\.\d{1,5})?$/.test(instruction.amount))
    throw new Iso20022Error(`${TX}/IntrBkSttlmAmt`, `${JSON.stringify(instruction.amount)} is not an amount`);
  return {
    instruction: parsed.data,
    originator: party(tx, 'Dbtr'),
    beneficiary: party(tx, 'Cdtr'),
    messageId,
  };
}

/** A transfer instruction as pacs.008.001.08 (what a partner's system sends; the inverse of the above). */
export function transferToPacs008(
  t: Pick<TransferInstruction, 'id' | 'payer' | 'payee' | 'amount' | 'currency'>,
  parties: { originator: Iso20022Party; beneficiary: Iso20022Party },
  message: { id: string; createdAt: string },
): string {
  const partyOf = (p: Iso20022Party) => ({
    Nm: p.name,
    ...(p.country ? { PstlAdr: { Ctry: p.country } } : {}),
  });
  const accountOf = (p: Iso20022Party) => (p.account ? { Id: { Othr: { Id: p.account } } } : undefined);
  const debtorAccount = accountOf(parties.originator);
  const creditorAccount = accountOf(parties.beneficiary);
  return create(
    { version: '1.0', encoding: 'UTF-8' },
    {
      Document: {
        '@xmlns': PACS008_NAMESPACE,
        FIToFICstmrCdtTrf: {
          GrpHdr: {
            MsgId: message.id,
            CreDtTm: message.createdAt,
            NbOfTxs: '1',
            SttlmInf: { SttlmMtd: 'CLRG' },
          },
          CdtTrfTxInf: {
            PmtId: { InstrId: t.id, EndToEndId: t.id },
            IntrBkSttlmAmt: { '@Ccy': t.currency, '#': t.amount },
            ChrgBr: 'SLEV',
            Dbtr: partyOf(parties.originator),
            ...(debtorAccount ? { DbtrAcct: debtorAccount } : {}),
            DbtrAgt: { FinInstnId: { Othr: { Id: t.payer } } },
            CdtrAgt: { FinInstnId: { Othr: { Id: t.payee } } },
            Cdtr: partyOf(parties.beneficiary),
            ...(creditorAccount ? { CdtrAcct: creditorAccount } : {}),
          },
        },
      },
    },
  ).end({ prettyPrint: true });
}
