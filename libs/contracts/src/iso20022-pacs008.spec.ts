import { Iso20022Error, pacs008ToTransfer, transferToPacs008 } from './iso20022-pacs008';

/** A pacs.008.001.08 as a partner's payment hub writes one, with elements the mapping does not read. */
const MESSAGE = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">
  <FIToFICstmrCdtTrf>
    <GrpHdr>
      <MsgId>HKREMIT-20261207-0000418</MsgId>
      <CreDtTm>2026-12-07T09:15:02.114+08:00</CreDtTm>
      <NbOfTxs>1</NbOfTxs>
      <SttlmInf><SttlmMtd>CLRG</SttlmMtd></SttlmInf>
    </GrpHdr>
    <CdtTrfTxInf>
      <PmtId>
        <InstrId>HKR0418</InstrId>
        <EndToEndId>hk-20261207-000418</EndToEndId>
        <UETR>8a562c67-ca16-48ba-b074-65581be6f011</UETR>
      </PmtId>
      <PmtTpInf><SvcLvl><Cd>SDVA</Cd></SvcLvl></PmtTpInf>
      <IntrBkSttlmAmt Ccy="USD">1250.75</IntrBkSttlmAmt>
      <IntrBkSttlmDt>2026-12-07</IntrBkSttlmDt>
      <ChrgBr>SLEV</ChrgBr>
      <Dbtr>
        <Nm>Maria Santos</Nm>
        <PstlAdr><StrtNm>Nathan Road</StrtNm><TwnNm>Kowloon</TwnNm><Ctry>HK</Ctry></PstlAdr>
      </Dbtr>
      <DbtrAcct><Id><Othr><Id>HKR-CUST-7781</Id></Othr></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><Othr><Id>hk-remit</Id></Othr></FinInstnId></DbtrAgt>
      <CdtrAgt><FinInstnId><Othr><Id>mnl-payout</Id></Othr></FinInstnId></CdtrAgt>
      <Cdtr>
        <Nm>Jose Santos</Nm>
        <PstlAdr><TwnNm>Quezon City</TwnNm><Ctry>PH</Ctry></PstlAdr>
      </Cdtr>
      <CdtrAcct><Id><Othr><Id>PH-GCASH-09171234567</Id></Othr></Id></CdtrAcct>
      <RmtInf><Ustrd>family support December</Ustrd></RmtInf>
    </CdtTrfTxInf>
  </FIToFICstmrCdtTrf>
</Document>`;

function refusal(xml: string): Iso20022Error {
  try {
    pacs008ToTransfer(xml);
  } catch (e) {
    if (e instanceof Iso20022Error) return e;
    throw e;
  }
  throw new Error('the message was taken');
}

describe('pacs.008.001.08 <-> transfer instruction', () => {
  it('reads a realistic message into the instruction, the originator and the beneficiary', () => {
    expect(pacs008ToTransfer(MESSAGE)).toEqual({
      messageId: 'HKREMIT-20261207-0000418',
      instruction: {
        id: 'hk-20261207-000418',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '1250.75',
        currency: 'USD',
      },
      originator: { name: 'Maria Santos', account: 'HKR-CUST-7781', country: 'HK' },
      beneficiary: { name: 'Jose Santos', account: 'PH-GCASH-09171234567', country: 'PH' },
    });
  });

  it('writes what it reads: the same instruction and parties back, byte for byte the same message', () => {
    const read = pacs008ToTransfer(MESSAGE);
    const written = transferToPacs008(read.instruction, read, {
      id: read.messageId,
      createdAt: '2026-12-07T01:15:02.114Z',
    });
    expect(pacs008ToTransfer(written)).toEqual(read);
    expect(
      transferToPacs008(read.instruction, read, {
        id: read.messageId,
        createdAt: '2026-12-07T01:15:02.114Z',
      }),
    ).toBe(written);
  });

  it('refuses a message naming the element and why', () => {
    const cases: [string, string, RegExp][] = [
      [
        MESSAGE.replace('<Nm>Maria Santos</Nm>', ''),
        'Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Dbtr/Nm',
        /required/,
      ],
      [
        MESSAGE.replace(' Ccy="USD"', ''),
        'Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt/@Ccy',
        /required/,
      ],
      [
        MESSAGE.replace('1250.75', '1,250.75'),
        'Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt',
        /not an amount/,
      ],
      [
        MESSAGE.replace('Ccy="USD"', 'Ccy="usd"'),
        'Document/FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt/@Ccy',
        /ISO 4217/,
      ],
      [
        MESSAGE.replace('<Id>mnl-payout</Id>', '<Id>mnl payout</Id>'),
        'Document/FIToFICstmrCdtTrf/CdtTrfTxInf/CdtrAgt/FinInstnId/Othr/Id',
        /letters, digits/,
      ],
      [
        MESSAGE.replace('<NbOfTxs>1</NbOfTxs>', '<NbOfTxs>2</NbOfTxs>'),
        'Document/FIToFICstmrCdtTrf/GrpHdr/NbOfTxs',
        /one/,
      ],
      [
        MESSAGE.replace('<SttlmMtd>CLRG', '<SttlmMtd>INDA'),
        'Document/FIToFICstmrCdtTrf/GrpHdr/SttlmInf/SttlmMtd',
        /CLRG/,
      ],
      [
        MESSAGE.replace('<Ctry>PH</Ctry>', '<Ctry>Philippines</Ctry>'),
        'Document/FIToFICstmrCdtTrf/CdtTrfTxInf/Cdtr/PstlAdr/Ctry',
        /ISO 3166/,
      ],
      [MESSAGE.replace('pacs.008.001.08', 'pacs.008.001.02'), 'Document/@xmlns', /expected/],
      [MESSAGE.replace('</Dbtr>', ''), expect.stringMatching(/^line \d+$/) as unknown as string, /./],
    ];
    for (const [xml, element, reason] of cases) {
      const e = refusal(xml);
      expect({ element: e.element, reason: e.reason }).toEqual({
        element,
        reason: expect.stringMatching(reason),
      });
    }
  });
});
