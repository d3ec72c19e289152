import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  downloadJars,
  formatStorage,
  jarsPresent,
  log4jProperties,
  runningPid,
  startBroker,
  stopBroker,
  waitReady,
} from './kafka-local';
import { KAFKA_POM, resolveSettings, type InfraSettings } from './settings';

type KafkaSettings = InfraSettings['kafka'];

/** How long the brokers of a new cluster may take to elect a controller and answer. */
const READY_TIMEOUT_MS = 120_000;

export interface ClusterPorts {
  /** Client port of each broker (its node id is its index + 1). */
  brokers: number[];
  /** KRaft controller port of each. */
  controllers: number[];
}

/** The fixed ports of `npm run infra:up -- --brokers N`: beside the shared broker on 9092/9093. */
export function infraClusterPorts(count: number): ClusterPorts {
  return {
    brokers: Array.from({ length: count }, (_, i) => 19092 + i),
    controllers: Array.from({ length: count }, (_, i) => 19192 + i),
  };
}

/**
 * How fast the controller declares a silent broker dead (its partitions' leadership moves then). The same
 * values are in docker-compose.yml's and k8s/base/kafka.yaml's broker settings.
 */
export const BROKER_LIVENESS: [string, number][] = [
  ['broker.heartbeat.interval.ms', 500],
  ['broker.session.timeout.ms', 2000],
  // When the node killed is also the active controller (each node is both here), the others notice after
  // controller.quorum.fetch.timeout.ms (2 s by default) and elect a new one (1 s timeout, up to 1 s
  // back-off per round; two rounds were seen): 3.75 s before the new controller could even start the
  // dead broker's 3 s session. Halved, as the three-broker test measured.
  ['controller.quorum.fetch.timeout.ms', 1000],
  ['controller.quorum.election.timeout.ms', 500],
  ['controller.quorum.election.backoff.max.ms', 500],
];

/**
 * server.properties of node `n` of a KRaft cluster where every node is broker and controller: three
 * copies of every partition (two in sync for a write), no unclean leader election.
 */
export function clusterServerProperties(k: KafkaSettings, n: number, ports: ClusterPorts): string {
  const voters = ports.controllers.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',');
  const copies = Math.min(3, ports.brokers.length);
  return [
    '# Written by libs/devtools/src/infra/kafka-cluster.ts each time the cluster starts; edits are overwritten.',
    'process.roles=broker,controller',
    `node.id=${n}`,
    `listeners=PLAINTEXT://127.0.0.1:${k.port},CONTROLLER://127.0.0.1:${k.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${k.port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    `controller.quorum.voters=${voters}`,
    `log.dirs=${k.dirs.data}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `default.replication.factor=${copies}`,
    `min.insync.replicas=${Math.min(2, copies)}`,
    `offsets.topic.replication.factor=${copies}`,
    `transaction.state.log.replication.factor=${copies}`,
    `transaction.state.log.min.isr=${Math.min(2, copies)}`,
    'unclean.leader.election.enable=false',
    'group.initial.rebalance.delay.ms=0',
    // A broker that dies without a word (SIGKILL, a machine lost) keeps leading its partitions until the
    // controller fences it, broker.session.timeout.ms after its last heartbeat: 9 s by default, the largest
    // share of the time finality stood still when the command log's leader was killed. Heartbeats every
    // 500 ms and fencing after 2 s of silence (four missed heartbeats, as the default's 9 s for 2 s) move
    // the leaders within ~2 s.
    ...BROKER_LIVENESS.map(([key, value]) => `${key}=${value}`),
    '',
  ].join('\n');
}

/**
 * A Kafka cluster of `ports.brokers.length` KRaft nodes on this machine, in `dir` (one folder per node,
 * one cluster id), from the Maven jars that `infra up` uses. Each node can be killed (SIGKILL) and
 * started again on its data.
 */
export class KafkaCluster {
  readonly nodes: KafkaSettings[];

  constructor(
    readonly dir: string,
    readonly ports: ClusterPorts,
    private readonly root: string,
  ) {
    const project = resolveSettings({}, root).kafka;
    this.nodes = ports.brokers.map((port, i) => {
      const base = path.join(dir, `broker-${i + 1}`);
      const dirs = {
        base,
        lib: project.dirs.lib,
        config: path.join(base, 'config'),
        data: path.join(base, 'data'),
        logs: path.join(base, 'logs'),
      };
      return {
        ...project,
        brokers: [`127.0.0.1:${port}`],
        port,
        controllerPort: ports.controllers[i],
        dirs,
        files: {
          serverProperties: path.join(dirs.config, 'server.properties'),
          log4j: path.join(dirs.config, 'log4j.properties'),
          pid: path.join(base, 'kafka.pid'),
          clusterId: path.join(dir, 'cluster-id'),
          lock: path.join(base, 'up.lock'),
          serverOut: path.join(dirs.logs, 'server.out'),
          serverLog: path.join(dirs.logs, 'server.log'),
          meta: path.join(dirs.data, 'meta.properties'),
        },
      };
    });
  }

  get brokers(): string {
    return this.nodes.map((k) => k.brokers[0]).join(',');
  }

  /** Formats what is not formatted yet, starts every node not running, and waits until all answer. */
  async start(): Promise<{ started: number[] }> {
    const k0 = this.nodes[0];
    if (!jarsPresent(k0)) await downloadJars(k0, this.root, KAFKA_POM);
    mkdirSync(this.dir, { recursive: true });
    const started: number[] = [];
    const waits: Promise<void>[] = [];
    for (const [i, k] of this.nodes.entries()) {
      if (runningPid(k) !== undefined) continue;
      for (const d of [k.dirs.config, k.dirs.data, k.dirs.logs]) mkdirSync(d, { recursive: true });
      writeFileSync(k.files.serverProperties, clusterServerProperties(k, i + 1, this.ports));
      // The controller's decisions (a broker fenced, leaders elected) are what the kill test's timing rests on.
      writeFileSync(k.files.log4j, `${log4jProperties(k)}log4j.logger.org.apache.kafka.controller=INFO\n`);
      await formatStorage(k, this.root);
      const child = startBroker(k, this.root);
      started.push(i + 1);
      waits.push(waitReady(k, child.pid!, READY_TIMEOUT_MS, child));
    }
    // A node answers only once a majority of controllers has elected a leader: all start, then all wait.
    await Promise.all(waits);
    return { started };
  }

  /** SIGKILL node `n` (1-based), as a crash of its machine would; its data stays for restart(). */
  kill(n: number): number {
    const pid = runningPid(this.nodes[n - 1]);
    if (pid === undefined) throw new Error(`broker ${n} is not running`);
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  async restart(n: number): Promise<void> {
    const k = this.nodes[n - 1];
    const child = startBroker(k, this.root);
    await waitReady(k, child.pid!, READY_TIMEOUT_MS, child);
  }

  /** Stops every node (SIGTERM, then SIGKILL after `graceMs`); keeps the data unless `remove`. */
  async stop(graceMs = 30_000, remove = false): Promise<number[]> {
    const stopped = await Promise.all(this.nodes.map((k) => stopBroker(k, graceMs)));
    if (remove && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
    return stopped.filter((pid): pid is number => pid !== undefined);
  }
}
