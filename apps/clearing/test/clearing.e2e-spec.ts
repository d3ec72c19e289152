import type { Kafka } from 'kafkajs';
import { ClearingCommand, ClearingEvent, clearingEventSchema, topicName } from '@concord/contracts';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { formatAmount } from '@concord/money';
import { ConsortiumSpec } from '../../../libs/devtools/src/demo/consortium';
import {
  eventually,
  freePort,
  startTestNetwork,
  deleteTestTopics,
  TEST_KAFKA_BROKERS,
  TestNetwork,
} from '@concord/testing';

/**
 * Clearing through the real network: four partners transfer in two currencies through the gateway and
 * the four signers (one transfer cross-currency, through the FX provider); the clearing service nets the
 * finalized blocks' moves, closes the windows (HTTP and a Kafka command), issues instructions, takes the
 * bank's confirmations until settled and posts each to the ledger, which brings every position back to
 * where it started; a position past 80 % of its ledger cap raises an alarm, cleared by its settlement.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-clearing',
  secret: 'e2e-clearing-secret',
  fxProvider: 'sg-fx',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'hk-remit', name: 'HK Remit', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'mnl-payout', name: 'Manila Payout', currencies: ['USD', 'PHP'], fundsMinor: 1_000_000n },
    { id: 'sg-fx', name: 'SG FX', currencies: ['USD', 'PHP'], fundsMinor: 5_000_000n },
    // No prefunding: it works on its net debit cap of 1000.00.
    { id: 'us-send', name: 'US Send', currencies: ['USD', 'PHP'], capMinor: 100_000n },
  ],
};

jest.setTimeout(180_000);

interface Instruction {
  id: string;
  participantId: string;
  direction: string;
  amount: string;
  status: string;
}

describe('clearing end to end', () => {
  let net: TestNetwork;
  let api: string;
  let prefix: string;
  const events: ClearingEvent[] = [];
  let eventsConsumer: ReturnType<Kafka['consumer']> | null = null;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${net.network.operatorToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, body: type.includes('json') ? JSON.parse(text) : text };
  };

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    net = await startTestNetwork(spec, { extraEnv: { clearing: { CLEARING_PORT: String(port) } } });
    prefix = net.network.options.topicPrefix;
    const kafka = createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'e2e-clearing', topicPrefix: prefix });
    eventsConsumer = kafka.consumer({ groupId: `${prefix}-e2e-events` });
    await eventsConsumer.connect();
    await eventsConsumer.subscribe({ topic: topicName('clearingEvents', prefix), fromBeginning: true });
    await eventsConsumer.run({
      eachMessage: async ({ message }) => {
        events.push(clearingEventSchema.parse(JSON.parse(message.value!.toString())));
      },
    });
    await eventually(
      async () => ((await call('GET', '/windows').catch(() => null))?.status === 200 ? true : undefined),
      60_000,
      'the clearing API',
    );
  });

  afterAll(async () => {
    await eventsConsumer?.disconnect();
    await net?.stop();
    await deleteTestTopics(prefix);
  });

  const command = async (commands: ClearingCommand[]) => {
    const producer = await createProducer(
      createKafka({ brokers: TEST_KAFKA_BROKERS, clientId: 'e2e-operator', topicPrefix: prefix }),
    );
    await sendJson(
      producer,
      topicName('clearingCommands', prefix),
      commands.map((value) => ({ key: value.currency, value })),
    );
    await producer.disconnect();
  };

  /** Position and fee account balances (minor units) from the first signer's ledger tables. */
  const ledgerBalances = async (): Promise<Map<string, bigint>> =>
    new Map(
      (
        await net.query<{ id: string; b: string }>(
          `select account_id as id, balance_minor::text as b from ledger_s1.balances
            where kind in ('position', 'fees')`,
        )
      ).map((r) => [r.id, BigInt(r.b)]),
    );

  it('nets the transfers of four partners in two currencies, closes, confirms, posts and settles', async () => {
    const before = await eventually(
      async () => {
        const b = await ledgerBalances();
        return b.get('sg-fx/PHP') === 5_000_000n ? b : undefined;
      },
      30_000,
      'the opening balances',
    );
    const transfers: [string, string, string, string][] = [
      ['hk-remit', 'mnl-payout', '100.00', 'USD'],
      ['mnl-payout', 'sg-fx', '30.00', 'USD'],
      ['sg-fx', 'hk-remit', '20.00', 'USD'],
      // us-send has no prefunding: this takes it to -900.00 of its 1000.00 cap, past the 80 % alarm.
      ['us-send', 'mnl-payout', '900.00', 'USD'],
      ['mnl-payout', 'hk-remit', '50.00', 'PHP'],
      ['hk-remit', 'sg-fx', '10.00', 'PHP'],
    ];
    for (const [i, [payer, payee, amount, currency]] of transfers.entries()) {
      const res = await net
        .client(payer)
        .createTransfer({ id: `clr-${i}`, payer, payee, amount, currency }, { waitMs: 10_000 });
      expect(res.body.status).toBe('committed');
    }
    // hk-remit pays mnl-payout 100.00 USD, received in PHP through sg-fx: netted as its two legs.
    const quote = await net.client('hk-remit').createQuote({
      sourceCurrency: 'USD',
      targetCurrency: 'PHP',
      sendAmount: '100.00',
      payee: 'mnl-payout',
    });
    expect(quote.status).toBe(201);
    const fx = await net.client('hk-remit').createTransfer(
      {
        id: 'clr-fx',
        payer: 'hk-remit',
        payee: 'mnl-payout',
        amount: '100.00',
        currency: 'USD',
        quote: quote.body.quote,
      },
      { waitMs: 10_000 },
    );
    expect(fx.body.status).toBe('committed');
    const totalCostMinor = BigInt(quote.body.quote.totalCostMinor as string);
    const receiveMinor = BigInt(quote.body.quote.receiveAmountMinor as string);

    // What each participant should net, worked out here from the legs (minor units).
    const legs: [string, string, bigint, string][] = [
      ...transfers.map(
        ([payer, payee, amount, currency]) =>
          [payer, payee, BigInt(amount.replace('.', '')), currency] as [string, string, bigint, string],
      ),
      ['hk-remit', 'sg-fx', totalCostMinor, 'USD'],
      ['sg-fx', 'mnl-payout', receiveMinor, 'PHP'],
    ];
    const expected = (currency: string) => {
      const net = new Map<string, bigint>();
      let gross = 0n;
      for (const [payer, payee, amount, c] of legs) {
        if (c !== currency) continue;
        gross += amount;
        net.set(payer, (net.get(payer) ?? 0n) - amount);
        net.set(payee, (net.get(payee) ?? 0n) + amount);
      }
      return {
        gross,
        instructions: [...net]
          .filter(([, n]) => n !== 0n)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([p, n]) => [p, n < 0n ? 'pay-in' : 'pay-out', formatAmount(n < 0n ? -n : n, currency)]),
      };
    };
    const usdExpected = expected('USD');
    const phpExpected = expected('PHP');

    // The open USD window holds every committed transfer once the clearing service has the blocks.
    const open = await eventually(
      async () => {
        const { body } = await call('GET', '/windows?currency=USD&status=open');
        const w = body.windows[0];
        if (!w) return undefined;
        const detail = await call('GET', `/windows/${w.id}`);
        return detail.body.gross === formatAmount(usdExpected.gross, 'USD') ? detail.body : undefined;
      },
      30_000,
      'the USD positions',
    );
    expect(open.status).toBe('open');

    const closed = await call('POST', '/windows/USD/close');
    expect(closed.status).toBe(201);
    expect(closed.body).toMatchObject({ status: 'settling', gross: formatAmount(usdExpected.gross, 'USD') });
    const instructions = closed.body.instructions as Instruction[];
    expect(instructions.map((i) => [i.participantId, i.direction, i.amount])).toEqual(
      usdExpected.instructions,
    );
    const csv = await call('GET', `/windows/${closed.body.id}/instructions.csv`);
    expect(csv.type).toMatch(/^text\/csv/);
    expect((csv.body as string).trim().split('\r\n')).toHaveLength(5);

    // PHP closes by an operator's command on clearing.commands.
    await command([{ v: 1, type: 'close-window', requestId: 'close-php-e2e', currency: 'PHP' }]);
    const php = await eventually(
      async () => (await call('GET', '/windows?currency=PHP&status=settling')).body.windows[0],
      30_000,
      'the PHP close',
    );
    const phpInstructions = (await call('GET', `/windows/${php.id}/instructions`)).body
      .instructions as Instruction[];
    expect(phpInstructions.map((i) => [i.participantId, i.direction, i.amount])).toEqual(
      phpExpected.instructions,
    );

    // The settlement bank confirms: us-send in two parts (one reversed and redone), the others at once.
    const byId = Object.fromEntries(instructions.map((i) => [i.participantId, i]));
    const confirm = (p: string, bankReference: string, amount: string) =>
      call('POST', `/instructions/${byId[p].id}/confirm`, { bankReference, amount });
    expect((await confirm('us-send', 'b-1', '500.00')).body).toMatchObject({
      status: 'partially-confirmed',
      outstanding: '400.00',
    });
    const wrong = await confirm('us-send', 'b-2', '300.00');
    expect(wrong.status).toBe(200);
    const reversed = await call('POST', `/instructions/${byId['us-send'].id}/reverse`, {
      bankReference: 'b-2',
    });
    expect(reversed.body).toMatchObject({ confirmed: '500.00' });
    const over = await confirm('us-send', 'b-3', '400.01');
    expect(over).toMatchObject({ status: 422, body: { code: 'OVER_CONFIRMATION' } });
    expect(over.type).toContain('application/problem+json');
    expect((await confirm('us-send', 'b-3', '400.00')).body.status).toBe('confirmed');
    for (const p of ['hk-remit', 'sg-fx']) await confirm(p, `b-${p}`, byId[p].amount);
    expect((await call('GET', `/windows/${closed.body.id}`)).body.status).toBe('settling');
    const last = await confirm('mnl-payout', 'b-6', byId['mnl-payout'].amount);
    expect(last.body).toMatchObject({ status: 'confirmed', windowStatus: 'settled' });
    expect((await call('GET', `/windows/${closed.body.id}`)).body.status).toBe('settled');
    for (const i of phpInstructions) {
      const res = await call('POST', `/instructions/${i.id}/confirm`, {
        bankReference: `php-${i.id}`,
        amount: i.amount,
      });
      expect(res.body.status).toBe('confirmed');
    }
    expect((await call('GET', `/windows/${php.id}`)).body.status).toBe('settled');

    // The ledger has taken every settlement posting: each participant's position is back where it started.
    // sg-fx's spread and fee income went to its fee account, so its position and fee account together are.
    const after = await eventually(
      async () => {
        const now = await ledgerBalances();
        const back = ['hk-remit', 'mnl-payout', 'sg-fx', 'us-send'].every((p) =>
          ['USD', 'PHP'].every(
            (c) =>
              (now.get(`${p}/${c}`) ?? 0n) + (now.get(`${p}/${c}/fees`) ?? 0n) ===
              (before.get(`${p}/${c}`) ?? 0n) + (before.get(`${p}/${c}/fees`) ?? 0n),
          ),
        );
        return back ? now : undefined;
      },
      30_000,
      'positions back to their opening values',
    );
    for (const p of ['hk-remit', 'mnl-payout', 'us-send'])
      for (const c of ['USD', 'PHP'])
        expect([p, c, after.get(`${p}/${c}`)]).toEqual([p, c, before.get(`${p}/${c}`)]);
    // The settlement accounts hold what moved through the bank: us-send paid in 900.00.
    const [settlement] = await net.query<{ b: string }>(
      `select balance_minor::text as b from ledger_s1.balances where account_id = 'us-send/USD/settlement'`,
    );
    expect(BigInt(settlement.b)).toBe(-90_000n);
    // The gateway's read model agrees.
    const usSend = await eventually(
      async () => {
        const accounts = (await net.client('us-send').accounts()).body.accounts;
        const a = accounts.find((x) => x.id === 'us-send/USD');
        return a?.balance === '0.00' ? a : undefined;
      },
      20_000,
      'us-send/USD back to 0.00 at the gateway',
    );
    expect(usSend.balance).toBe('0.00');

    // Events: the closes, one event per instruction, the settlements, and us-send's cap alarm (once, from
    // the ledger's cap of 1000.00), cleared by its pay-in.
    await eventually(
      async () =>
        events.filter((e) => e.type === 'window.settled').length === 2 &&
        events.some((e) => e.type === 'limit.cleared')
          ? true
          : undefined,
      20_000,
      'window.settled and limit.cleared',
    );
    const alarms = events.filter((e) => e.type === 'limit.alarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      participantId: 'us-send',
      currency: 'USD',
      positionMinor: '-90000',
      capMinor: '100000',
    });
    // Cleared by the first pay-in postings that took it back above -800.00 (how many went into that block
    // depends on the ledger's timing).
    const cleared = events.find((e) => e.type === 'limit.cleared');
    expect(cleared).toMatchObject({ participantId: 'us-send', currency: 'USD' });
    expect(cleared?.type === 'limit.cleared' && BigInt(cleared.positionMinor) >= -80_000n).toBe(true);
    expect(events.filter((e) => e.type === 'instruction.created')).toHaveLength(
      instructions.length + phpInstructions.length,
    );
    expect(events.filter((e) => e.type === 'window.closed')).toHaveLength(2);
  });
});
