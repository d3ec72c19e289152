/**
 * The network on a three-broker Kafka cluster (KRaft, every topic with three replicas and
 * min.insync.replicas 2), under steady load, when the broker leading the command log is killed (SIGKILL):
 * every acknowledged transfer is final exactly once (the balances move by exactly the committed amounts),
 * and a transfer sent at the moment of the kill is final within ten seconds. Runs a whole network: under
 * `flock /tmp/concord-network.lock`. Stops and deletes everything it started.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { topicName } from '@concord/contracts';
import { eventually, freePort, startTestNetwork, TestNetwork } from '@concord/testing';
import { ConsortiumSpec } from '../demo/consortium';
import { KafkaCluster } from './kafka-cluster';
import { REPO_ROOT } from './settings';

jest.setTimeout(600_000);

const spec: ConsortiumSpec = {
  chainId: 'three-brokers',
  secret: 'three-brokers-test',
  signerCount: 4,
  quorum: 3,
  participants: [
    { id: 'alpha', name: 'Alpha', currencies: ['USD'], fundsMinor: 100_000_000n },
    { id: 'beta', name: 'Beta', currencies: ['USD'], fundsMinor: 100_000_000n },
  ],
};
const SIGNERS = ['ledger-s1', 'ledger-s2', 'ledger-s3', 'ledger-s4'];
/**
 * How long after the kill a transfer sent then must be final: the 10 s. Met by the brokers' 3 s
 * session (BROKER_LIVENESS in kafka-cluster.ts) and the consumers' recovery from a refused connection
 * (libs/kafka/src/fetch-recovery-patch.ts); before those, 10-20 s.
 */
const RESUME_BOUND_MS = 10_000;
/** The long poll of each read of that transfer's state: the resolution of the figure. */
const POLL_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Single transfers of 1.00 from alpha to beta, a few at a time: ids acknowledged and ids to send again. */
class SteadyLoad {
  readonly acknowledged: string[] = [];
  readonly unanswered: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(net: TestNetwork, concurrency: number) {
    let next = 0;
    const worker = async () => {
      while (this.running) {
        const id = `rf3-${next++}`;
        const res = await send(net, id).catch(() => null);
        (res !== null && res < 300 ? this.acknowledged : this.unanswered).push(id);
        await sleep(20);
      }
    };
    this.done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** One transfer; its id is its idempotency key, so a client sending it again gets the same answer. */
async function send(net: TestNetwork, id: string, waitMs?: number): Promise<number> {
  return (await sendFor(net, id, waitMs)).status;
}

async function sendFor(net: TestNetwork, id: string, waitMs?: number) {
  const transfer = { id, payer: 'alpha', payee: 'beta', amount: '1.00', currency: 'USD' };
  const res = await net.client('alpha').createTransfer(transfer, { idempotencyKey: id, waitMs });
  return { status: res.status, state: (res.body as { status?: string }).status };
}

async function usdMinor(net: TestNetwork, participant: string): Promise<bigint> {
  const res = await net.client(participant).accounts();
  const usd = (res.body as { accounts: { currency: string; balance: string }[] }).accounts.find(
    (a) => a.currency === 'USD',
  )!;
  return BigInt(usd.balance.replace('.', ''));
}

async function certified(net: TestNetwork): Promise<number> {
  const rows = await net.query<{ h: number | null }>(
    'select max(height)::int as h from ledger_s1.certificates',
  );
  return rows[0].h ?? 0;
}

describe('three Kafka brokers, one killed under load', () => {
  let cluster: KafkaCluster;
  let net: TestNetwork;
  let kafka: Kafka;

  beforeAll(async () => {
    const ports = { brokers: [] as number[], controllers: [] as number[] };
    for (let i = 0; i < 3; i++) ports.brokers.push(await freePort());
    for (let i = 0; i < 3; i++) ports.controllers.push(await freePort());
    cluster = new KafkaCluster(mkdtempSync(path.join(tmpdir(), 'concord-cluster-')), ports, REPO_ROOT);
    await cluster.start();
    kafka = new Kafka({
      clientId: 'rf3-test',
      brokers: cluster.brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    net = await startTestNetwork(spec, { kafkaBrokers: cluster.brokers, only: [...SIGNERS, 'gateway'] });
  });

  afterAll(async () => {
    await net?.stop();
    // The brokers' logs (the controller's fencing and elections) beside the services', for the timing.
    const logDir = path.join(REPO_ROOT, '.data/test-logs', net?.network.options.topicPrefix ?? 'rf3');
    for (const [i, node] of (cluster?.nodes ?? []).entries()) {
      if (existsSync(node.files.serverLog) && existsSync(logDir))
        copyFileSync(node.files.serverLog, path.join(logDir, `kafka-${i + 1}.log`));
    }
    await cluster?.stop(5_000, true);
  });

  it('keeps three replicas of every topic, two in sync for a write', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topic = topicName('ledgerCommands', net.network.options.topicPrefix);
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(topics[0].partitions.map((p) => p.replicas.length)).toEqual([3]);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
      });
      expect(configs.resources[0].configEntries[0].configValue).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it('loses and duplicates nothing when the command log leader is killed; finality resumes by itself', async () => {
    const [alphaBefore, betaBefore] = [await usdMinor(net, 'alpha'), await usdMinor(net, 'beta')];
    const load = new SteadyLoad(net, 4);
    try {
      await killLeaderUnderLoad();
    } finally {
      await load.stop();
    }
    await checkEachCommittedOnce(load, alphaBefore, betaBefore);
  });

  /** Kills the broker leading the command log while `SteadyLoad` runs; checks that finality resumes. */
  async function killLeaderUnderLoad(): Promise<void> {
    const before = await certified(net);
    await eventually(
      async () => ((await certified(net)) > before + 5 ? true : undefined),
      60_000,
      'finality under load',
    );

    const admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({
      topics: [topicName('ledgerCommands', net.network.options.topicPrefix)],
    });
    await admin.disconnect();
    const leader = topics[0].partitions[0].leader;
    cluster.kill(leader);
    const killedAt = Date.now();
    // A transfer sent as the broker dies (the client retrying as the SDK does): final once finality resumes.
    // Its state is read every half second (short long polls, so the figure does not hang on one wait):
    // sent again while the gateway answers 5xx (LEDGER_UNAVAILABLE: the command never reached the log),
    // read back once it is accepted (a retry of the POST would replay its first answer).
    let status = 0;
    let state: string | undefined;
    let accepted = -1;
    while (state !== 'committed' && Date.now() - killedAt < RESUME_BOUND_MS) {
      if (status === 0 || status >= 500) ({ status, state } = await sendFor(net, 'rf3-at-kill', POLL_MS));
      else {
        const read = await net.client('alpha').getTransfer('rf3-at-kill', { waitMs: POLL_MS });
        state = (read.body as { status?: string }).status;
      }
      if (accepted < 0 && status > 0 && status < 300) accepted = Date.now() - killedAt;
    }
    const resumedMs = Date.now() - killedAt;
    console.log(
      `broker ${leader} (command log leader) killed at ${new Date(killedAt).toISOString()}: ` +
        `a transfer sent then was accepted after ${accepted} ms, final after ${resumedMs} ms`,
    );
    expect(state).toBe('committed');
    expect(resumedMs).toBeLessThan(RESUME_BOUND_MS);
    await sleep(5_000);
  }

  async function checkEachCommittedOnce(load: SteadyLoad, alphaBefore: bigint, betaBefore: bigint) {
    // What got no answer is sent again with its id and idempotency key, as a client does.
    for (const id of load.unanswered) expect(await send(net, id, 10_000)).toBeLessThan(300);
    const ids = [...load.acknowledged, ...load.unanswered, 'rf3-at-kill'];
    for (let i = 0; i < ids.length; i += 20) {
      const answers = await Promise.all(
        ids.slice(i, i + 20).map((id) => net.client('alpha').getTransfer(id, { waitMs: 10_000 })),
      );
      for (const a of answers) expect((a.body as { status: string }).status).toBe('committed');
    }
    const moved = BigInt(ids.length) * 100n;
    expect(await usdMinor(net, 'alpha')).toBe(alphaBefore - moved);
    expect(await usdMinor(net, 'beta')).toBe(betaBefore + moved);
    console.log(`${ids.length} transfers, ${load.unanswered.length} sent again: each committed once`);
  }
});
