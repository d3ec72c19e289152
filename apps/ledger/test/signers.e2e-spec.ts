import { Kafka, logLevel } from 'kafkajs';
import { Alarm, alarmSchema, publishedNoticeSchema, topicName } from '@concord/contracts';
import { ConsortiumSpec, governanceCommand, signerKey } from '../../../libs/devtools/src/demo/consortium';
import { readTopic } from '../../../libs/devtools/src/bench/stages';
import { migrate } from '../../../libs/devtools/src/database/prisma';
import { eventually, freePort, startTestNetwork, TestNetwork, TEST_KAFKA_BROKERS } from '@concord/testing';

jest.setTimeout(180_000);

const spec = (chainId: string): ConsortiumSpec => ({
  chainId,
  secret: `${chainId}-secret`,
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD'], fundsMinor: 10_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD'], fundsMinor: 10_000_000n },
  ],
});

async function collectAlarms(prefix: string): Promise<{ alarms: Alarm[]; stop: () => Promise<void> }> {
  const kafka = new Kafka({
    clientId: 'alarm-watch',
    brokers: [TEST_KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `${prefix}-alarm-watch` });
  const alarms: Alarm[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: topicName('ledgerAlarms', prefix), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) =>
      void alarms.push(alarmSchema.parse(JSON.parse(message.value!.toString()))),
  });
  return { alarms, stop: () => consumer.disconnect() };
}

async function stateRoots(net: TestNetwork, height: number): Promise<(string | undefined)[]> {
  return Promise.all(
    net.network.signers.map(async (s) => {
      const rows = await net.query<{ state_root: string }>(
        `select state_root from ledger_${s}.blocks where height = $1`,
        [height],
      );
      return rows[0]?.state_root;
    }),
  );
}

describe('a Byzantine signer', () => {
  let net: TestNetwork;
  afterEach(async () => net?.stop());

  it('is flagged with the accounts that differ while the three honest signers still finalize', async () => {
    const s1Port = await freePort();
    net = await startTestNetwork(spec('byz-one'), {
      extraEnv: {
        'ledger-s1': { LEDGER_HEALTH_PORT: String(s1Port) },
        'ledger-s4': { LEDGER_FAULT_FROM_HEIGHT: '2' },
      },
    });
    const watch = await collectAlarms(net.network.options.topicPrefix);
    const res = await net
      .client('alpha')
      .createTransfer(
        { id: 'b1', payer: 'alpha', payee: 'beta', amount: '10.00', currency: 'USD' },
        { waitMs: 8000 },
      );
    expect(res.body.status).toBe('committed');
    const height = res.body.blockHeight!;
    const alarm = await eventually(
      async () =>
        watch.alarms.find(
          (a) => a.kind === 'state-root-mismatch' && a.signerId === 's4' && a.height === height,
        ),
      20_000,
      'the alarm naming s4',
    );
    expect(alarm.accounts.length).toBeGreaterThan(0);
    expect(alarm.accounts.every((a) => a.endsWith('/USD'))).toBe(true);
    const certificate = await net.query<{ signatures: string }>(
      `select signatures from ledger_s1.certificates where height = $1`,
      [height],
    );
    const signers = (JSON.parse(certificate[0].signatures) as { signerId: string }[])
      .map((s) => s.signerId)
      .sort();
    expect(signers).toEqual(['s1', 's2', 's3']);
    // The votes are kept as evidence: the certifying ones with the certificate, the dissent when it came.
    const votes = await eventually(
      async () => {
        const rows = await net.query<{ signer_id: string; header_hash: string }>(
          `select signer_id, header_hash from ledger_s1.votes where height = $1 order by signer_id`,
          [height],
        );
        return rows.length === 4 ? rows : undefined;
      },
      10_000,
      'the four votes stored by s1',
    );
    const certifiedHash = votes.find((v) => v.signer_id === 's1')!.header_hash;
    expect(votes.filter((v) => v.header_hash === certifiedHash).map((v) => v.signer_id)).toEqual([
      's1',
      's2',
      's3',
    ]);
    expect(votes.find((v) => v.signer_id === 's4')!.header_hash).not.toBe(certifiedHash);

    // s4's own state is wrong from then on, not only the header it signed: a later block, which moves
    // other money, is flagged again, while the honest three keep finalizing.
    const later = await net
      .client('beta')
      .createTransfer(
        { id: 'b1-later', payer: 'beta', payee: 'alpha', amount: '3.00', currency: 'USD' },
        { waitMs: 8000 },
      );
    expect(later.body.status).toBe('committed');
    await eventually(
      async () =>
        watch.alarms.find(
          (a) =>
            a.kind === 'state-root-mismatch' && a.signerId === 's4' && a.height === later.body.blockHeight,
        ),
      20_000,
      'the alarm naming s4 at the later block',
    );
    const [honest, faulty] = await stateRoots(net, later.body.blockHeight!).then((roots) => [
      roots[0],
      roots[3],
    ]);
    expect(honest).toBeDefined();
    expect(faulty).not.toBe(honest);
    // The alarms are counted by the honest signer's metric too.
    const metrics = await (await fetch(`http://127.0.0.1:${s1Port}/metrics`)).text();
    const counted = /ledger_reconciliation_alarms_total\{kind="state-root-mismatch"[^}]*\} (\d+)/.exec(
      metrics,
    );
    expect(Number(counted?.[1] ?? 0)).toBeGreaterThanOrEqual(2);
    await watch.stop();
  });

  it('with two of four wrong, nothing finalizes and a no-quorum alarm is raised', async () => {
    net = await startTestNetwork(spec('byz-two'), {
      extraEnv: {
        'ledger-s3': { LEDGER_FAULT_FROM_HEIGHT: '2' },
        'ledger-s4': { LEDGER_FAULT_FROM_HEIGHT: '2' },
      },
    });
    const watch = await collectAlarms(net.network.options.topicPrefix);
    const res = await net
      .client('alpha')
      .createTransfer(
        { id: 'b2', payer: 'alpha', payee: 'beta', amount: '10.00', currency: 'USD' },
        { waitMs: 3000 },
      );
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
    const alarm = await eventually(
      async () => watch.alarms.find((a) => a.kind === 'no-quorum' && a.height === 2),
      20_000,
      'a no-quorum alarm',
    );
    expect(alarm.detail).toMatch(/quorum of 3/);
    const certified = await net.query(`select height from ledger_s1.certificates where height >= 2`);
    expect(certified).toEqual([]);
    expect((await net.client('beta').getTransfer('b2')).body.status).toBe('accepted');
    await watch.stop();
  });
});

/** Every message of a topic's single partition, up to its end now, as key and value text. */
async function readAll(topic: string): Promise<{ key: string; value: string }[]> {
  const kafka = new Kafka({
    clientId: 'topic-read',
    brokers: [TEST_KAFKA_BROKERS],
    logLevel: logLevel.NOTHING,
  });
  const out: { key: string; value: string }[] = [];
  await readTopic(kafka, topic, (m) => void out.push(m));
  return out;
}

describe('the publisher of a finalized block', () => {
  let net: TestNetwork;
  afterAll(async () => net?.stop());

  it('is replaced by the next certificate signer when the first voter never publishes, and each block is published once', async () => {
    // s1 votes and stores certificates like the others but, as first voter, never publishes.
    net = await startTestNetwork(spec('silent-publisher'), {
      extraEnv: { 'ledger-s1': { LEDGER_FAULT_SILENT_PUBLISHER: 'true' } },
    });
    const alpha = net.client('alpha');
    const prefix = net.network.options.topicPrefix;
    // Transfers one after another until s1 has been the first voter of a block (each vote race is open, so
    // about one block in four); every one of them still reaches its final state at the gateway.
    let silentHeight: number | null = null;
    let fallback: string | null = null;
    for (let i = 0; i < 40 && silentHeight === null; i++) {
      const res = await alpha.createTransfer(
        { id: `sp-${i}`, payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' },
        { waitMs: 15_000 },
      );
      expect(res.body.status).toBe('committed');
      const [row] = await net.query<{ signatures: string }>(
        `select signatures from ledger_s2.certificates where height = $1`,
        [res.body.blockHeight],
      );
      const signers = (JSON.parse(row.signatures) as { signerId: string }[]).map((x) => x.signerId);
      if (signers[0] === 's1') {
        silentHeight = res.body.blockHeight!;
        fallback = signers[1];
      }
    }
    expect(silentHeight).not.toBeNull();
    const tip = (
      await net.query<{ h: number }>(`select max(height)::int as h from ledger_s2.certificates`)
    )[0].h;
    // Once the later fallbacks' waits are over, the finalized topic holds each height exactly once: the
    // notice of the one that published stood the others down.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    const finalized = await readAll(topicName('ledgerFinalized', prefix));
    const heights = finalized.map((m) => Number(m.key)).sort((a, b) => a - b);
    expect(heights).toEqual(Array.from({ length: tip }, (_, i) => i + 1));
    const notices = (await readAll(topicName('ledgerVotes', prefix)))
      .filter((m) => m.key.startsWith('published:'))
      .map((m) => publishedNoticeSchema.parse(JSON.parse(m.value)));
    expect(notices.filter((n) => n.height === silentHeight)).toEqual([
      { v: 1, type: 'published', height: silentHeight, signerId: fallback },
    ]);
    expect(notices.some((n) => n.signerId === 's1' && n.height === silentHeight)).toBe(false);
    expect(new Set(notices.map((n) => n.height)).size).toBe(notices.length);
  });
});

describe('a signer killed with SIGKILL under load', () => {
  let net: TestNetwork;
  afterAll(async () => net?.stop());

  it('restarts, catches up without applying anything twice, and agrees with the others', async () => {
    net = await startTestNetwork(spec('crash'));
    const alpha = net.client('alpha');
    const ids: string[] = [];
    let killed = false;
    // 300 transfers in waves of 20; s2 is killed -9 after the fifth wave and restarted three waves later.
    for (let wave = 0; wave < 15; wave++) {
      const batch = Array.from({ length: 20 }, (_, i) => `c-${wave}-${i}`);
      ids.push(...batch);
      const results = await Promise.all(
        batch.map((id) =>
          alpha.createTransfer({ id, payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' }),
        ),
      );
      expect(results.every((r) => r.status === 202)).toBe(true);
      if (wave === 4) {
        await net.network.stop('ledger-s2', 'SIGKILL');
        killed = true;
      }
      if (wave === 7) net.network.start('ledger-s2');
    }
    expect(killed).toBe(true);
    // Every accepted transfer reaches exactly one final state.
    const statuses = await eventually(
      async () => {
        const rows = await net.query<{ status: string; n: number }>(
          `select status, count(*)::int as n from gateway.transfers where id like 'c-%' group by status`,
        );
        return rows.length === 1 && rows[0].status === 'committed' ? rows : undefined;
      },
      60_000,
      'all transfers committed',
    );
    expect(statuses[0].n).toBe(ids.length);
    // s2 caught up: same blocks, same state roots, each transfer once.
    const tip = (await net.query<{ h: number }>(`select max(height)::int as h from ledger_s1.blocks`))[0].h;
    await eventually(
      async () => {
        const rows = await net.query<{ h: number }>(`select max(height)::int as h from ledger_s2.blocks`);
        return rows[0].h >= tip ? true : undefined;
      },
      60_000,
      's2 to reach the tip',
    );
    for (let h = 1; h <= tip; h++) {
      const roots = await stateRoots(net, h);
      expect(new Set(roots).size).toBe(1);
    }
    for (const s of net.network.signers) {
      const [row] = await net.query<{ n: number; postings: number }>(
        `select count(*)::int as n, (select count(*)::int from ledger_${s}.postings where transfer_id like '%/c-%') as postings
         from ledger_${s}.transfers where id like 'c-%' and status = 'committed'`,
      );
      expect(row).toEqual({ n: ids.length, postings: ids.length });
    }
    const balances = await net.query<{ account_id: string; balance_minor: string }>(
      `select account_id, balance_minor::text from ledger_s2.balances where account_id in ('alpha/USD', 'beta/USD') order by account_id`,
    );
    expect(balances.map((b) => BigInt(b.balance_minor))).toEqual([
      10_000_000n - 30_000n,
      10_000_000n + 30_000n,
    ]);
  });
});

describe('a new signer', () => {
  let net: TestNetwork;
  afterAll(async () => net?.stop());

  it('joins by governance, bootstraps by replaying the log from the genesis, and its votes count', async () => {
    const consortium = spec('join');
    net = await startTestNetwork(consortium);
    const alpha = net.client('alpha');
    const pay = (id: string) =>
      alpha.createTransfer(
        { id, payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' },
        { waitMs: 30_000 },
      );
    for (let i = 0; i < 5; i++) expect((await pay(`j-${i}`)).body.status).toBe('committed');

    // Two operators approve s5, with a quorum of 4 of the 5 signers from the next block on.
    const kafka = new Kafka({
      clientId: 'e2e-join',
      brokers: [TEST_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName('ledgerCommands', net.network.options.topicPrefix),
      messages: [
        {
          value: JSON.stringify(
            governanceCommand(consortium, 'add-s5', {
              kind: 'add-signer',
              signer: { id: 's5', publicKey: signerKey(consortium, 's5').publicKeyHex },
              quorum: 4,
            }),
          ),
        },
      ],
    });
    await producer.disconnect();
    await eventually(
      async () => {
        const rows = await net.query<{ quorum: number }>(
          `select quorum from gateway.signer_sets order by height desc limit 1`,
        );
        return rows[0]?.quorum === 4 ? true : undefined;
      },
      30_000,
      'the new signer set',
    );

    // s5 starts from an empty schema and replays the whole log. Then a founding signer goes down: the
    // quorum of 4 among s1, s2, s3 and s5 is reached only if the newcomer agrees and votes.
    await migrate(net.databaseUrl, ['s5']);
    net.network.start('ledger-s5');
    await net.network.stop('ledger-s4');
    const after = await pay('j-after');
    expect(after.body.status).toBe('committed');
    const [certificate] = await net.query<{ signatures: string }>(
      `select signatures from ledger_s1.certificates where height = $1`,
      [after.body.blockHeight],
    );
    const voters = (JSON.parse(certificate.signatures) as { signerId: string }[]).map((v) => v.signerId);
    expect(voters).toContain('s5');
    expect(voters).not.toContain('s4');

    // The newcomer's chain is the same chain, block for block, from the genesis.
    const tip = (await net.query<{ h: number }>(`select max(height)::int as h from ledger_s1.blocks`))[0].h;
    const chain = (schema: string) =>
      net.query<{ height: number; header_hash: string; state_root: string }>(
        `select height, header_hash, state_root from ${schema}.blocks where height <= $1 order by height`,
        [tip],
      );
    const [founder, newcomer] = await Promise.all([chain('ledger_s1'), chain('ledger_s5')]);
    expect(newcomer).toHaveLength(tip);
    expect(newcomer).toEqual(founder);
  });
});
