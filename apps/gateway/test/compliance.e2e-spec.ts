import { Kafka, logLevel } from 'kafkajs';
import { topicName, TransferOutcome } from '@concord/contracts';
import { eventually, freePort, startTestNetwork, TestNetwork, TEST_KAFKA_BROKERS } from '@concord/testing';
import { signatureBase, signBytes } from '@concord/crypto';
import { ConsortiumSpec, participantKey } from '../../../libs/devtools/src/demo/consortium';

/**
 * Interception enforced by the ledger, through the real network with the compliance service: USD transfers
 * from 1,000.00 need a clearance (the genesis says so, and the gateway screens at the same threshold).
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-compliance',
  secret: 'e2e-compliance-secret',
  signerCount: 4,
  quorum: 3,
  clearanceThresholds: [{ currency: 'USD', fromMinor: '100000' }],
  participants: [
    { id: 'us-send', name: 'US Send', currencies: ['USD'], fundsMinor: 10_000_000n },
    { id: 'ph-pay', name: 'PH Pay', currencies: ['USD'], fundsMinor: 10_000_000n },
  ],
};

jest.setTimeout(180_000);

const originator = {
  name: 'Maria Santos',
  country: 'US',
  birthDate: '1985-04-12',
  address: { street: '12 Elm Street', town: 'Springfield', country: 'US' },
  account: 'US-ACC-0001',
};
const cleanBeneficiary = { name: 'Jose Reyes Dela Cruz', country: 'PH', account: 'PH-ACC-0001' };
const listedBeneficiary = { name: 'ORLANKO Viktor Petrovich', country: 'RU', account: 'RU-ACC-0001' };

describe('compliance interception end to end', () => {
  let net: TestNetwork;
  let complianceUrl: string;

  const officer = async (path: string, officerId: string, reason: string) => {
    const res = await fetch(`${complianceUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${net.network.operatorToken}`,
        'content-type': 'application/json',
        'x-officer-id': officerId,
      },
      body: JSON.stringify({ reason }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const screen = (transferId: string, amount: string, beneficiary: object) =>
    net
      .client('us-send')
      .request<{ status: string; caseId?: string; code?: string }>('POST', '/v1/screenings', {
        transferId,
        payee: 'ph-pay',
        amount,
        currency: 'USD',
        originator,
        beneficiary,
      });
  const transfer = (id: string, amount: string) => ({
    id,
    payer: 'us-send',
    payee: 'ph-pay',
    amount,
    currency: 'USD',
  });
  const balance = async (participant: string) =>
    (await net.client(participant).accounts()).body.accounts.find((a) => a.id === `${participant}/USD`)!
      .balance;

  beforeAll(async () => {
    const compliancePort = await freePort();
    complianceUrl = `http://127.0.0.1:${compliancePort}`;
    net = await startTestNetwork(spec, {
      compliancePort,
      extraEnv: { gateway: { GATEWAY_COMPLIANCE_POLL_MS: '300' } },
    });
  });

  afterAll(async () => {
    await net?.stop();
  });

  it('lets a transfer under the threshold through unscreened, and asks for the parties above it', async () => {
    const small = await net.client('us-send').createTransfer(transfer('small-1', '999.99'), { waitMs: 8000 });
    expect(small.body).toMatchObject({ status: 'committed' });
    const unscreened = await net.client('us-send').createTransfer(transfer('big-unscreened', '1000.00'));
    expect(unscreened.status).toBe(422);
    expect(unscreened.body).toMatchObject({ code: 'PARTIES_REQUIRED' });
    // Nothing was recorded: it is not a transfer yet.
    expect((await net.client('us-send').getTransfer('big-unscreened')).status).toBe(404);
  });

  it('commits a screened clean transfer with its clearance', async () => {
    expect((await screen('clean-1', '1500.00', cleanBeneficiary)).body).toMatchObject({ status: 'clear' });
    const before = await balance('ph-pay');
    const res = await net.client('us-send').createTransfer(transfer('clean-1', '1500.00'), { waitMs: 8000 });
    expect(res.body).toMatchObject({ id: 'clean-1', status: 'committed' });
    expect(BigInt((await balance('ph-pay')).replace('.', '')) - BigInt(before.replace('.', ''))).toBe(
      150_000n,
    );
    // The block holds the clearance (a commitment, no personal data), never the parties.
    const [entry] = await net.query<{ payload: string }>(
      `select payload from ledger_s1.entries where payload like '%"clean-1"%' and kind = 'instruction'`,
    );
    expect(JSON.parse(entry.payload).clearances).toEqual([
      expect.objectContaining({ transferId: 'clean-1', payer: 'us-send', amountMinor: '150000' }),
    ]);
    expect(entry.payload).not.toContain('Maria Santos');
  });

  it('holds a sanctions hit, shows it held to payer and payee, and commits it once two officers release it', async () => {
    const screened = await screen('hit-1', '1200.00', listedBeneficiary);
    expect(screened.body).toMatchObject({ status: 'held', caseId: expect.any(String) });
    const before = await balance('ph-pay');
    const res = await net.client('us-send').createTransfer(transfer('hit-1', '1200.00'), { waitMs: 2000 });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: 'hit-1', status: 'held' });
    expect((await net.client('ph-pay').getTransfer('hit-1')).body).toMatchObject({ status: 'held' });
    // A retry answers the same, and nothing reached the ledger.
    expect((await net.client('us-send').createTransfer(transfer('hit-1', '1200.00'))).body).toMatchObject({
      status: 'held',
    });
    const caseId = screened.body.caseId!;
    const first = await officer(`/v1/cases/${caseId}/release`, 'officer-a', 'other date of birth');
    expect(first.status).toBe(200);
    // One officer is not enough for a sanctions hit: still held after a few polls.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await net.client('us-send').getTransfer('hit-1')).body).toMatchObject({ status: 'held' });
    expect(await balance('ph-pay')).toBe(before);
    expect((await officer(`/v1/cases/${caseId}/release`, 'officer-b', 'agreed')).status).toBe(200);
    const committed = await eventually(
      async () => {
        const view = (await net.client('ph-pay').getTransfer('hit-1', { waitMs: 2000 })).body;
        return view.status === 'committed' ? view : undefined;
      },
      20_000,
      'the released transfer committed',
    );
    expect(committed).toMatchObject({ id: 'hit-1', amount: '1200.00' });
    expect(BigInt((await balance('ph-pay')).replace('.', '')) - BigInt(before.replace('.', ''))).toBe(
      120_000n,
    );
  });

  it('ends a rejected case COMPLIANCE_REJECTED, moving no money', async () => {
    const screened = await screen('hit-2', '1300.00', listedBeneficiary);
    expect(screened.body).toMatchObject({ status: 'held' });
    const before = await balance('us-send');
    expect((await net.client('us-send').createTransfer(transfer('hit-2', '1300.00'))).body).toMatchObject({
      status: 'held',
    });
    const rejected = await officer(
      `/v1/cases/${screened.body.caseId}/reject`,
      'officer-a',
      'confirmed match',
    );
    expect(rejected.status).toBe(200);
    const view = await eventually(
      async () => {
        const v = (await net.client('us-send').getTransfer('hit-2')).body;
        return v.status === 'rejected' ? v : undefined;
      },
      20_000,
      'the rejected transfer',
    );
    expect(view).toMatchObject({ status: 'rejected', reason: 'COMPLIANCE_REJECTED' });
    expect(await balance('us-send')).toBe(before);
  });

  it('has every signer refuse a transfer sent straight to the log without a clearance', async () => {
    const kafka = new Kafka({
      clientId: 'e2e-compliance',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      // A misconfigured gateway: the partner's genuine signed instruction, no clearance.
      const { keyId, key } = participantKey(spec, 'us-send');
      const request = {
        method: 'POST' as const,
        path: '/v1/transfers',
        body: JSON.stringify(transfer('raw-1', '5000.00')),
        created: Math.floor(Date.now() / 1000),
        keyId,
      };
      const command = {
        v: 1,
        type: 'instruction',
        participantId: 'us-send',
        request,
        signature: signBytes(key, signatureBase(request)),
      };
      await producer.send({
        topic: topicName('ledgerCommands', net.network.options.topicPrefix),
        messages: [{ value: JSON.stringify(command) }],
      });
    } finally {
      await producer.disconnect();
    }
    for (const signer of ['s1', 's2', 's3', 's4']) {
      const outcomes = await eventually(
        async () => {
          const rows = await net.query<{ outcomes: string }>(
            `select outcomes from ledger_${signer}.entries where outcomes like '%"raw-1"%'`,
          );
          return rows.length > 0 ? (JSON.parse(rows[0].outcomes) as TransferOutcome[]) : undefined;
        },
        20_000,
        `signer ${signer}'s entry`,
      );
      expect([signer, outcomes]).toEqual([
        signer,
        [expect.objectContaining({ transferId: 'raw-1', status: 'rejected', reason: 'CLEARANCE_REQUIRED' })],
      ]);
    }
  });

  // Last: it stops the compliance service.
  it('refuses transfers that need screening while compliance is down, never lets them through', async () => {
    await net.network.stop('compliance');
    const res = await net.client('us-send').createTransfer(transfer('while-down', '2000.00'));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'COMPLIANCE_UNAVAILABLE' });
    const small = await net.client('us-send').createTransfer(transfer('small-2', '10.00'), { waitMs: 8000 });
    expect(small.body).toMatchObject({ status: 'committed' });
  });
});
