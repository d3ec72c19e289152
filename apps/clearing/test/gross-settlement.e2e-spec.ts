import { formatAmount } from '@concord/money';
import { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import { deleteTestTopics, eventually, freePort, startTestNetwork, TestNetwork } from '@concord/testing';

/**
 * Continuous gross settlement through the real network: `gross-bank` settles gross on 1,000.00 USD it
 * prefunded, `hk-remit` and `us-send` settle net in windows. Each of gross-bank's transfers moves its
 * prefunded position at once and is final (it cannot pay beyond what it prefunded); the window nets
 * gross-bank's side as the hub, so gross-bank gets no instruction and the ledger gets no settlement
 * posting for it, while the net participants' instructions bring their positions back to where they began.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-gross',
  secret: 'e2e-gross-secret',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'gross-bank', name: 'Gross Bank', currencies: ['USD'], fundsMinor: 100_000n, settlement: 'gross' },
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD'], fundsMinor: 100_000n },
    // No prefunding: it works on its net debit cap of 500.00.
    { id: 'us-send', name: 'US Send', currencies: ['USD'], capMinor: 50_000n },
  ],
};

jest.setTimeout(180_000);

interface Instruction {
  id: string;
  participantId: string;
  direction: string;
  amount: string;
}

describe('continuous gross settlement end to end', () => {
  let net: TestNetwork;
  let api: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${net.network.operatorToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // Parsed as the API's documents, which these checks read field by field.
    return { status: res.status, body: JSON.parse(await res.text()) };
  };

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    net = await startTestNetwork(spec, { extraEnv: { clearing: { CLEARING_PORT: String(port) } } });
    await eventually(
      async () => ((await call('GET', '/windows').catch(() => null))?.status === 200 ? true : undefined),
      60_000,
      'the clearing API',
    );
  });

  afterAll(async () => {
    const prefix = net?.network.options.topicPrefix;
    await net?.stop();
    if (prefix) await deleteTestTopics(prefix);
  });

  /** A USD account's balance (minor units) in the first signer's ledger tables. */
  const ledgerBalance = async (accountId: string): Promise<bigint> => {
    const [row] = await net.query<{ b: string }>(
      `select balance_minor::text as b from ledger_s1.balances where account_id = $1`,
      [accountId],
    );
    return BigInt(row?.b ?? '0');
  };
  /** gross-bank's position as the gateway serves it to gross-bank. */
  const grossPosition = async () =>
    (await net.client('gross-bank').accounts()).body.accounts.find((a) => a.id === 'gross-bank/USD')?.balance;

  it('moves the gross participant at once, leaves it out of the window, and settles the net ones back', async () => {
    const opening = {
      hk: await ledgerBalance('hk-remit/USD'),
      us: await ledgerBalance('us-send/USD'),
      hub: await ledgerBalance('hub/USD'),
    };
    expect(await grossPosition()).toBe('1000.00');
    const pay = async (id: string, payer: string, payee: string, amount: string) =>
      (
        await net
          .client(payer)
          .createTransfer({ id, payer, payee, amount, currency: 'USD' }, { waitMs: 10_000 })
      ).body;
    // Each transfer of gross-bank is final at once: its prefunded position shows it right away.
    const steps: [string, string, string, string, string][] = [
      ['gr-1', 'gross-bank', 'hk-remit', '100.00', '900.00'],
      ['gr-2', 'us-send', 'gross-bank', '30.00', '930.00'],
      ['gr-3', 'hk-remit', 'us-send', '20.00', '930.00'],
      ['gr-4', 'gross-bank', 'us-send', '50.00', '880.00'],
    ];
    for (const [id, payer, payee, amount, position] of steps) {
      expect((await pay(id, payer, payee, amount)).status).toBe('committed');
      await eventually(
        async () => ((await grossPosition()) === position ? true : undefined),
        20_000,
        `gross-bank at ${position} after ${id}`,
      );
    }
    // It never runs on credit: beyond its prefunding the ledger refuses.
    expect(await pay('gr-5', 'gross-bank', 'hk-remit', '880.01')).toMatchObject({
      status: 'rejected',
      reason: 'INSUFFICIENT_FUNDS',
    });

    // The window nets gross-bank's side as the hub: hk-remit +100 - 20, us-send -30 + 20 + 50; the hub's
    // -120.00 is what gross-bank's prefunding paid and received, already final.
    await eventually(
      async () => {
        const w = (await call('GET', '/windows?currency=USD&status=open')).body.windows[0];
        return w && (await call('GET', `/windows/${w.id}`)).body.gross === '200.00' ? true : undefined;
      },
      30_000,
      'the USD window with every transfer',
    );
    const closed = await call('POST', '/windows/USD/close');
    expect(closed.status).toBe(201);
    const instructions = closed.body.instructions as Instruction[];
    expect(instructions.map((i) => [i.participantId, i.direction, i.amount])).toEqual([
      ['hk-remit', 'pay-out', '80.00'],
      ['us-send', 'pay-out', '40.00'],
    ]);
    const detail = (await call('GET', `/windows/${closed.body.id}`)).body;
    const hubPosition = detail.positions.find((p: { participantId: string }) => p.participantId === 'hub');
    expect(hubPosition).toMatchObject({ net: formatAmount(-12_000n, 'USD') });

    for (const i of instructions)
      expect(
        (
          await call('POST', `/instructions/${i.id}/confirm`, {
            bankReference: `b-${i.id}`,
            amount: i.amount,
          })
        ).body.status,
      ).toBe('confirmed');
    expect((await call('GET', `/windows/${closed.body.id}`)).body.status).toBe('settled');

    // The net participants are back where they began; gross-bank keeps what its transfers did, and no
    // settlement posting ever touched it (its settlement account never moved); the hub is unchanged.
    await eventually(
      async () =>
        (await ledgerBalance('hk-remit/USD')) === opening.hk &&
        (await ledgerBalance('us-send/USD')) === opening.us
          ? true
          : undefined,
      30_000,
      'net positions back to their opening values',
    );
    expect(await ledgerBalance('gross-bank/USD')).toBe(88_000n);
    expect(await ledgerBalance('hub/USD')).toBe(opening.hub);
    const grossPostings = await net.query<{ n: string }>(
      `select count(*)::text as n from ledger_s1.postings
        where debit_account = 'gross-bank/USD/settlement' or credit_account = 'gross-bank/USD/settlement'`,
    );
    expect(grossPostings[0].n).toBe('0');
    expect(await ledgerBalance('gross-bank/USD/settlement')).toBe(0n);
    expect(await ledgerBalance('hk-remit/USD/settlement')).toBe(8_000n);
  });
});
