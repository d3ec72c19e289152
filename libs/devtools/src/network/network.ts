import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DEMO_OPERATOR_TOKEN } from '@concord/config';
import { topicName } from '@concord/contracts';
import { randomBytes } from 'node:crypto';
import { signRequest } from '@concord/crypto';
import {
  buildGenesis,
  complianceKey,
  ConsortiumSpec,
  derivedKey,
  fxKey,
  participantKey,
  settlementKey,
  signerIds,
  signerKey,
} from '../demo/consortium';
import { ensureTopics, infraUp } from '../infra/infra';
import { ledgerSchemaName, migrate, REPO_ROOT } from '../database/prisma';
import { SERVICE_NODE_FLAGS } from './node-flags';

/** Waits before a supervised process is started again (see LocalNetwork.supervise). */
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 15_000;
/** A process up for this long has recovered: its next crash waits RESTART_FIRST_MS again. */
const SUPERVISED_STABLE_MS = 60_000;

export type AppName = 'gateway' | 'ledger' | 'clearing' | 'fx' | OptionalApp;

/** Apps that join the network when their port is given (see NetworkOptions). */
export type OptionalApp = 'console' | 'compliance' | 'routing';

export interface NetworkOptions {
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  topicPrefix: string;
  gatewayPort: number;
  /** The clearing service's operator API (windows, instructions, confirmations); off when unset. */
  clearingPort?: number;
  /** The FX service's operator admin API (spreads, markups, fees, rates); off when unset. */
  fxPort?: number;
  /** The operations console (apps/console): its web application and /ops/v1 API; off when unset. */
  consolePort?: number;
  /** The compliance service (apps/compliance); off when unset. */
  compliancePort?: number;
  /** The order routing service (apps/routing); off when unset. */
  routingPort?: number;
  /** The bearer token of both operator APIs (OPERATOR_TOKEN); the public demo token when unset. */
  operatorToken?: string;
  spec: ConsortiumSpec;
  /** Run compiled JavaScript from dist/ (npm start) or the TypeScript sources through tsx (tests). */
  runtime: 'dist' | 'tsx';
  /** Where each process's output goes: a folder of log files, or this process's console with a prefix. */
  output: { logDir: string } | 'console';
  logLevel?: string;
  /** Extra variables per process name (e.g. fault injection for one signer in a test). */
  extraEnv?: Record<string, Record<string, string>>;
  cutIntervalMs?: number;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  env: Record<string, string>;
  app: AppName;
}

/**
 * A whole Concord network on this machine: infrastructure up, schema migrated, the consortium's genesis
 * on the log, and every service as its own process. `npm start` and the end-to-end tests both use it.
 */
export class LocalNetwork {
  readonly processes = new Map<string, RunningProcess>();
  /** While set, a process that exits on its own is started again (see supervise). */
  private supervisor: ((line: string) => void) | null = null;
  /** Restarts in a row of each process that did not stay up for SUPERVISED_STABLE_MS. */
  private readonly crashes = new Map<string, { count: number; startedAtMs: number }>();

  constructor(readonly options: NetworkOptions) {}

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.options.gatewayPort}`;
  }

  /** What the clearing and FX operator APIs take as `Authorization: Bearer <token>`. */
  get operatorToken(): string {
    return this.options.operatorToken ?? DEMO_OPERATOR_TOKEN;
  }

  get signers(): string[] {
    return signerIds(this.options.spec.signerCount);
  }

  async prepare(log: (line: string) => void = () => undefined): Promise<void> {
    await infraUp({
      log,
      env: {
        ...process.env,
        KAFKA_BROKERS: this.options.kafkaBrokers,
        DATABASE_URL: this.options.databaseUrl,
        REDIS_URL: this.options.redisUrl,
      },
    });
    await ensureTopics(this.options.kafkaBrokers, this.options.topicPrefix);
    await migrate(this.options.databaseUrl, this.signers);
    await this.checkStoredGenesis();
    await this.publishGenesisOnce();
  }

  /**
   * Refuses to start signers for another consortium than the one whose chain is already stored (say,
   * `DEMO_SIGNERS=7` on a demo chain begun with four): its signer set is fixed by its genesis, and a
   * signer outside it would never be counted. Nothing is stored yet on a first run.
   */
  async checkStoredGenesis(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ payload: string }>(
        `select payload from ${ledgerSchemaName(this.signers[0])}.entries where height = 1 and kind = 'genesis'`,
      );
      if (rows.length === 0) return;
      const stored = JSON.parse(rows[0].payload) as { signers: { id: string }[]; quorum: number };
      const wanted = buildGenesis(this.options.spec);
      const describe = (g: { signers: { id: string }[]; quorum: number }) =>
        `${g.signers.map((x) => x.id).join(', ')} with quorum ${g.quorum}`;
      if (describe(stored) !== describe(wanted)) {
        throw new Error(
          `the stored chain was begun with signers ${describe(stored)}, not ${describe(wanted)}: ` +
            'start it as it was, or run `npm run demo:reset` to begin a new chain',
        );
      }
    } finally {
      await client.end();
    }
  }

  /** Appends the genesis if the command log is empty; a network restarted on the same log keeps its own. */
  async publishGenesisOnce(): Promise<boolean> {
    const kafka = new Kafka({
      clientId: 'concord-network',
      brokers: this.options.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = topicName('ledgerCommands', this.options.topicPrefix);
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Topics created a moment ago (a new broker) may not have a leader yet: that is retried briefly.
      let offsets: Awaited<ReturnType<typeof admin.fetchTopicOffsets>> | null = null;
      for (let attempt = 0; offsets === null; attempt++) {
        try {
          offsets = await admin.fetchTopicOffsets(topic);
        } catch (error) {
          const type = (error as { type?: string }).type;
          if (attempt >= 50 || (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE'))
            throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      if (offsets.some((o) => o.high !== '0')) return false;
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ value: JSON.stringify(buildGenesis(this.options.spec)) }],
      });
    } finally {
      await producer.disconnect();
    }
    return true;
  }

  private commonEnv(): Record<string, string> {
    return {
      DATABASE_URL: this.options.databaseUrl,
      REDIS_URL: this.options.redisUrl,
      KAFKA_BROKERS: this.options.kafkaBrokers,
      KAFKA_TOPIC_PREFIX: this.options.topicPrefix,
      LOG_LEVEL: this.options.logLevel ?? 'info',
    };
  }

  envFor(name: string): { app: AppName; env: Record<string, string> } {
    const extra = this.options.extraEnv?.[name] ?? {};
    if (name.startsWith('ledger-')) {
      const signerId = name.slice('ledger-'.length);
      return {
        app: 'ledger',
        env: {
          ...this.commonEnv(),
          LEDGER_SIGNER_ID: signerId,
          LEDGER_SIGNER_KEY: signerKey(this.options.spec, signerId).seedHex,
          ...(this.options.cutIntervalMs === undefined
            ? {}
            : { LEDGER_CUT_INTERVAL_MS: String(this.options.cutIntervalMs) }),
          ...extra,
        },
      };
    }
    // `gateway-2`, `gateway-3`...: more replicas of the gateway (their ports come in extraEnv).
    if (name === 'gateway' || /^gateway-\d+$/.test(name)) {
      return {
        app: 'gateway',
        env: {
          ...this.commonEnv(),
          GATEWAY_PORT: String(this.options.gatewayPort),
          // A network on one machine (npm start, the tests, the bench): its webhook receivers are local.
          GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
          ...this.gatewayComplianceEnv(),
          ...extra,
        },
      };
    }
    if (name === 'fx') return { app: name, env: { ...this.fxEnv(), ...extra } };
    if (name === 'clearing') {
      const port: Record<string, string> = this.options.clearingPort
        ? { CLEARING_PORT: String(this.options.clearingPort) }
        : {};
      // The key whose settlement postings the consortium's genesis accepts.
      const settlement = settlementKey(this.options.spec);
      return {
        app: name,
        env: {
          ...this.commonEnv(),
          ...port,
          OPERATOR_TOKEN: this.operatorToken,
          CLEARING_SETTLEMENT_KEY: settlement.key.seedHex,
          CLEARING_SETTLEMENT_KEY_ID: settlement.keyId,
          ...extra,
        },
      };
    }
    if (name === 'console') return { app: name, env: { ...this.consoleEnv(), ...extra } };
    if (name === 'compliance') return { app: name, env: { ...this.complianceEnv(), ...extra } };
    if (name === 'routing') return { app: name, env: { ...this.routingEnv(), ...extra } };
    throw new Error(`unknown process ${name}`);
  }

  private fxEnv(): Record<string, string> {
    const fx = fxKey(this.options.spec);
    const provider: Record<string, string> = this.options.spec.fxProvider
      ? { FX_PROVIDER_ID: this.options.spec.fxProvider }
      : {};
    const port: Record<string, string> = this.options.fxPort ? { FX_PORT: String(this.options.fxPort) } : {};
    return {
      ...this.commonEnv(),
      FX_SIGNING_KEY: fx.key.seedHex,
      FX_SIGNING_KEY_ID: fx.keyId,
      ...provider,
      ...port,
      OPERATOR_TOKEN: this.operatorToken,
    };
  }

  /** Where the other services answer, for the apps that call them. */
  private serviceUrls(): Record<string, string> {
    const { clearingPort, fxPort, compliancePort } = this.options;
    return {
      GATEWAY_URL: this.gatewayUrl,
      ...(clearingPort ? { CLEARING_URL: `http://127.0.0.1:${clearingPort}` } : {}),
      ...(fxPort ? { FX_URL: `http://127.0.0.1:${fxPort}` } : {}),
      ...(compliancePort ? { COMPLIANCE_URL: `http://127.0.0.1:${compliancePort}` } : {}),
      OPERATOR_TOKEN: this.operatorToken,
    };
  }

  private consoleEnv(): Record<string, string> {
    return {
      ...this.commonEnv(),
      ...this.serviceUrls(),
      CONSOLE_PORT: String(this.options.consolePort),
      // DEMO ONLY: the console creates its demo users (public passwords, printed by npm start).
      CONSOLE_DEMO_USERS: 'true',
    };
  }

  private complianceEnv(): Record<string, string> {
    // The key whose clearances the consortium's genesis accepts.
    const clearance = complianceKey(this.options.spec);
    return {
      ...this.commonEnv(),
      ...this.serviceUrls(),
      COMPLIANCE_PORT: String(this.options.compliancePort),
      COMPLIANCE_SIGNING_KEY: clearance.key.seedHex,
      COMPLIANCE_SIGNING_KEY_ID: clearance.keyId,
    };
  }

  /**
   * With the compliance service in the network and clearance thresholds in the genesis, the gateway
   * screens the transfers that need a clearance at the same thresholds.
   */
  private gatewayComplianceEnv(): Record<string, string> {
    const { compliancePort, spec } = this.options;
    if (!compliancePort || !spec.clearanceThresholds) return {};
    return {
      COMPLIANCE_URL: `http://127.0.0.1:${compliancePort}`,
      OPERATOR_TOKEN: this.operatorToken,
      GATEWAY_CLEARANCE_THRESHOLDS: spec.clearanceThresholds
        .map((t) => `${t.currency}=${t.fromMinor}`)
        .join(';'),
    };
  }

  private routingEnv(): Record<string, string> {
    return {
      ...this.commonEnv(),
      ...this.serviceUrls(),
      ROUTING_PORT: String(this.options.routingPort),
      // The key apps delegate to routing (DEMO_ROUTING_DELEGATE_KEY for the demo consortium).
      ROUTING_DELEGATE_KEY: derivedKey(this.options.spec.secret, 'routing:delegate').seedHex,
      // Apps' order webhooks on this machine (the tests' receivers) are on loopback.
      ROUTING_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    };
  }

  processNames(): string[] {
    const optional: [OptionalApp, number | undefined][] = [
      ['compliance', this.options.compliancePort],
      ['routing', this.options.routingPort],
      ['console', this.options.consolePort],
    ];
    return [
      ...this.signers.map((s) => `ledger-${s}`),
      'clearing',
      'fx',
      ...optional.filter(([, port]) => port !== undefined).map(([name]) => name),
      'gateway',
    ];
  }

  start(name: string): RunningProcess {
    const { app, env } = this.envFor(name);
    const entry =
      this.options.runtime === 'dist'
        ? [join(REPO_ROOT, 'dist/apps', app, 'src/main.js')]
        : ['--require', 'tsx/cjs', join(REPO_ROOT, 'apps', app, 'src/main.ts')];
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...entry], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (this.options.output === 'console') {
      const prefix = `[${name}] `;
      const forward = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, prefix));
      child.stdout?.on('data', forward);
      child.stderr?.on('data', forward);
    } else {
      const dir = this.options.output.logDir;
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
      const file = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
      child.stdout?.pipe(file);
      child.stderr?.pipe(file);
    }
    const running = { name, child, env, app };
    this.processes.set(name, running);
    child.once('exit', (code, signal) => this.onExit(running, signal ?? String(code)));
    return running;
  }

  /**
   * From now on a process that exits without having been stopped is started again, after a wait that
   * doubles with each crash in a row (from 500 ms to 15 s; a process that stayed up for a minute starts
   * over from 500 ms), and `log` is told of each restart. As a process manager or an orchestrator would.
   */
  supervise(log: (line: string) => void): void {
    this.supervisor = log;
  }

  private onExit(running: RunningProcess, how: string): void {
    const log = this.supervisor;
    // Stopped on purpose (stop() forgets the process first), or already replaced.
    if (!log || this.processes.get(running.name) !== running) return;
    const now = Date.now();
    const last = this.crashes.get(running.name);
    const count = last && now - last.startedAtMs < SUPERVISED_STABLE_MS ? last.count + 1 : 0;
    const delayMs = Math.min(RESTART_FIRST_MS * 2 ** count, RESTART_MAX_MS);
    log(`${running.name} exited (${how}); restarting it in ${delayMs} ms`);
    setTimeout(() => {
      if (this.supervisor === null || this.processes.get(running.name) !== running) return;
      this.crashes.set(running.name, { count, startedAtMs: Date.now() });
      this.start(running.name);
      log(`${running.name} restarted`);
    }, delayMs);
  }

  startAll(): void {
    for (const name of this.processNames()) this.start(name);
  }

  /** Stops one process: SIGTERM, or SIGKILL at once to simulate a crash. */
  async stop(name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 10_000): Promise<void> {
    const running = this.processes.get(name);
    if (!running) return;
    this.processes.delete(name);
    const { child } = running;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    this.supervisor = null;
    await Promise.all([...this.processes.keys()].map((name) => this.stop(name)));
  }

  /** Waits until the gateway answers /ready and knows the consortium (the genesis block is final). */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      for (const p of this.processes.values()) {
        if (p.child.exitCode !== null)
          throw new Error(`${p.name} exited with code ${p.child.exitCode} during start-up`);
      }
      try {
        const ready = await fetch(`${this.gatewayUrl}/ready`);
        last = await ready.text();
        // Any signed request from an unknown key says UNKNOWN_KEY until the genesis is finalized.
        if (ready.ok && (await this.consortiumKnown()) && (await this.signedRequestAccepted())) return;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`network not ready after ${timeoutMs} ms: ${last}`);
  }

  /** The gateway caches members right after storing them: a signed read proves the cache has them. */
  private async signedRequestAccepted(): Promise<boolean> {
    const first = this.options.spec.participants[0];
    const { keyId, key } = participantKey(this.options.spec, first.id);
    const headers = signRequest(key, {
      method: 'GET',
      path: '/v1/participants/me',
      body: '',
      created: Math.floor(Date.now() / 1000),
      keyId,
      nonce: randomBytes(12).toString('base64url'),
    });
    const response = await fetch(`${this.gatewayUrl}/v1/participants/me`, { headers });
    return response.ok;
  }

  private async consortiumKnown(): Promise<boolean> {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: this.options.databaseUrl });
    await client.connect();
    try {
      const result = await client.query('select count(*)::int as n from gateway.participants');
      return result.rows[0].n >= this.options.spec.participants.length;
    } finally {
      await client.end();
    }
  }
}
