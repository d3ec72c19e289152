import { Kafka, logLevel } from 'kafkajs';
import { ClearingCommand, ClearingEvent, clearingEventSchema, topicName } from '@concord/contracts';
import { createKafka, createProducer, sendJson } from '@concord/kafka';
import { ConsortiumSpec } from '../../../libs/devtools/src/consortium';
import {
  eventually,
  freePort,
  startTestNetwork,
  TEST_KAFKA_BROKERS,
  TestNetwork,
} from '../../../libs/testing/src';

/**
 * Clearing through the real network: four partners transfer in two currencies through the gateway and
 * the four signers; the clearing service nets the finalized blocks, closes the windows (HTTP and a Kafka
 * command), issues instructions, takes the bank's confirmations until settled, and raises a cap alarm.
 */
const spec: ConsortiumSpec = {
  chainId: 'e2e-clearing',
  secret: 'e2e-clearing-secret',
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
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
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
      async () => ((await fetch(`${api}/windows`).catch(() => null))?.ok ? true : undefined),
      60_000,
      'the clearing API',
    );
  });

  afterAll(async () => {
    await eventsConsumer?.disconnect();
    await net?.stop();
    const admin = new Kafka({
      clientId: 'cleanup',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)) })
      .catch(() => undefined);
    await admin.disconnect();
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

  it('nets the transfers of four partners in two currencies, closes, confirms and settles', async () => {
    await command([
      {
        v: 1,
        type: 'set-cap',
        requestId: 'cap-us-send-usd',
        participantId: 'us-send',
        currency: 'USD',
        capMinor: '100000',
      },
    ]);
    const transfers: [string, string, string, string][] = [
      ['hk-remit', 'mnl-payout', '100.00', 'USD'],
      ['mnl-payout', 'sg-fx', '30.00', 'USD'],
      ['sg-fx', 'hk-remit', '20.00', 'USD'],
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

    // The open USD window holds every committed transfer once the clearing service has the blocks.
    const open = await eventually(
      async () => {
        const { body } = await call('GET', '/windows?currency=USD&status=open');
        const w = body.windows[0];
        if (!w) return undefined;
        const detail = await call('GET', `/windows/${w.id}`);
        return detail.body.gross === '1050.00' ? detail.body : undefined;
      },
      30_000,
      'the USD positions',
    );
    expect(open.status).toBe('open');

    const closed = await call('POST', '/windows/USD/close');
    expect(closed.status).toBe(201);
    expect(closed.body).toMatchObject({
      status: 'settling',
      gross: '1050.00',
      netMoved: '980.00',
      efficiencyBps: 666,
    });
    const instructions = closed.body.instructions as Instruction[];
    expect(instructions.map((i) => [i.participantId, i.direction, i.amount])).toEqual([
      ['hk-remit', 'pay-in', '80.00'],
      ['mnl-payout', 'pay-out', '970.00'],
      ['sg-fx', 'pay-out', '10.00'],
      ['us-send', 'pay-in', '900.00'],
    ]);
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
    expect(phpInstructions.map((i) => [i.participantId, i.direction, i.amount])).toEqual([
      ['hk-remit', 'pay-out', '40.00'],
      ['mnl-payout', 'pay-in', '50.00'],
      ['sg-fx', 'pay-out', '10.00'],
    ]);

    // The settlement bank confirms: us-send in two parts (one reversed and redone), the others at once.
    const byId = Object.fromEntries(instructions.map((i) => [i.participantId, i.id]));
    const confirm = (p: string, bankReference: string, amount: string) =>
      call('POST', `/instructions/${byId[p]}/confirm`, { bankReference, amount });
    expect((await confirm('us-send', 'b-1', '500.00')).body).toMatchObject({
      status: 'partially-confirmed',
      outstanding: '400.00',
    });
    const wrong = await confirm('us-send', 'b-2', '300.00');
    expect(wrong.status).toBe(200);
    const reversed = await call('POST', `/instructions/${byId['us-send']}/reverse`, { bankReference: 'b-2' });
    expect(reversed.body).toMatchObject({ confirmed: '500.00' });
    const over = await confirm('us-send', 'b-3', '400.01');
    expect(over).toMatchObject({ status: 422, body: { code: 'OVER_CONFIRMATION' } });
    expect(over.type).toContain('application/problem+json');
    expect((await confirm('us-send', 'b-3', '400.00')).body.status).toBe('confirmed');
    await confirm('hk-remit', 'b-4', '80.00');
    await confirm('sg-fx', 'b-5', '10.00');
    expect((await call('GET', `/windows/${closed.body.id}`)).body.status).toBe('settling');
    const last = await confirm('mnl-payout', 'b-6', '970.00');
    expect(last.body).toMatchObject({ status: 'confirmed', windowStatus: 'settled' });
    expect((await call('GET', `/windows/${closed.body.id}`)).body.status).toBe('settled');

    // Events: the close, one event per instruction, the settlement, and us-send's cap alarm (once).
    await eventually(
      async () => (events.some((e) => e.type === 'window.settled') ? true : undefined),
      20_000,
      'window.settled',
    );
    const alarms = events.filter((e) => e.type === 'limit.alarm');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      participantId: 'us-send',
      currency: 'USD',
      positionMinor: '-90000',
      capMinor: '100000',
    });
    expect(events.filter((e) => e.type === 'instruction.created')).toHaveLength(7);
    expect(events.filter((e) => e.type === 'window.closed')).toHaveLength(2);
  });
});
