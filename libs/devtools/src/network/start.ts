import { loadConfig, commonSchema } from '@concord/config';
import { z } from 'zod';
import { ConsortiumSpec, DEMO_CONSORTIUM, minimumQuorum, quorumProblem } from '../demo/consortium';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../database/prisma';
import { LocalNetwork } from './network';

/** What `npm start` needs of a network: LocalNetwork, or a fake of it in the unit test. */
const port = z.coerce.number().int().min(1).max(65535);

export interface StartableNetwork {
  prepare(log: (line: string) => void): Promise<void>;
  startAll(): void;
  waitUntilReady(timeoutMs: number): Promise<void>;
  stopAll(): Promise<void>;
}

/**
 * Prepares the network, starts every service and waits until it serves. When any of it fails after the
 * first process was spawned, every process started so far is stopped before the error goes up, so that a
 * failed `npm start` leaves no service behind (Kafka keeps running, as on Ctrl-C).
 */
export async function bringUp(
  network: StartableNetwork,
  log: (line: string) => void,
  readyTimeoutMs: number,
): Promise<void> {
  await network.prepare(log);
  try {
    network.startAll();
    await network.waitUntilReady(readyTimeoutMs);
  } catch (error) {
    log('start-up failed; stopping the services it started');
    await network.stopAll().catch((e: unknown) => log(`could not stop every service: ${String(e)}`));
    throw error;
  }
}

/**
 * What `npm start` reads from the environment: the ports of the services, and how many signers the
 * demo consortium has with which quorum (4 and 3 by default; the quorum must be at least floor(2n/3) + 1
 * of them).
 */
export const startSchema = commonSchema
  .extend({
    GATEWAY_PORT: port.default(3000),
    CLEARING_PORT: port.default(3100),
    FX_PORT: port.default(3200),
    CONSOLE_PORT: port.default(3300),
    COMPLIANCE_PORT: port.default(3400),
    ROUTING_PORT: port.default(3500),
    // Validated by the services themselves; the public demo token when unset.
    OPERATOR_TOKEN: z.string().optional(),
    DEMO_SIGNERS: z.coerce.number().int().min(1).max(16).default(4),
    DEMO_QUORUM: z.coerce.number().int().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    const quorum = c.DEMO_QUORUM ?? defaultQuorum(c.DEMO_SIGNERS);
    if (quorumProblem(c.DEMO_SIGNERS, quorum)) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_QUORUM'],
        message: `must be Byzantine-safe for the ${c.DEMO_SIGNERS} signers (DEMO_SIGNERS): at least floor(2n/3) + 1 = ${minimumQuorum(c.DEMO_SIGNERS)}, at most ${c.DEMO_SIGNERS}`,
      });
    }
  });

/**
 * The least quorum the ledger accepts: floor(2n/3) + 1 (2f + 1 of n = 3f + 1). For five or six signers it
 * is more than both 2f + 1 and a majority: two quorums of those sizes may share only a faulty signer.
 */
export function defaultQuorum(signers: number): number {
  return minimumQuorum(signers);
}

/** The demo consortium with the configured signers and quorum. */
export function demoSpec(config: { DEMO_SIGNERS: number; DEMO_QUORUM?: number }): ConsortiumSpec {
  return {
    ...DEMO_CONSORTIUM,
    signerCount: config.DEMO_SIGNERS,
    quorum: config.DEMO_QUORUM ?? defaultQuorum(config.DEMO_SIGNERS),
  };
}

/** The ports of the optional apps (console, compliance, routing) that this checkout has. */
export function optionalAppPorts(
  config: { CONSOLE_PORT: number; COMPLIANCE_PORT: number; ROUTING_PORT: number },
  has: (app: string) => boolean = (app) => existsSync(join(REPO_ROOT, 'apps', app, 'src/main.ts')),
): { consolePort?: number; compliancePort?: number; routingPort?: number } {
  return {
    ...(has('console') ? { consolePort: config.CONSOLE_PORT } : {}),
    ...(has('compliance') ? { compliancePort: config.COMPLIANCE_PORT } : {}),
    ...(has('routing') ? { routingPort: config.ROUTING_PORT } : {}),
  };
}

/** What `npm start` prints of the optional apps it started, one line each. */
export function optionalAppLines(apps: ReturnType<typeof optionalAppPorts>): string {
  const line = (name: string, port: number | undefined, what: string) =>
    port === undefined ? '' : `  ${name.padEnd(11)} http://127.0.0.1:${port}${what}\n`;
  return (
    line('console', apps.consolePort, '/   (operations and regulator console)') +
    (apps.consolePort === undefined
      ? ''
      : '              DEMO logins: ops1 / ops1-demo-password, ops2 / ops2-demo-password (operators),\n' +
        '              reg1 / reg1-demo-password (regulator), admin1 / admin1-demo-password (admin)\n') +
    line('compliance', apps.compliancePort, '/v1   (compliance API: screening, cases)') +
    line('routing', apps.routingPort, '/v1   (order routing API: corridors, routes, orders)') +
    (apps.routingPort === undefined
      ? ''
      : '              demo app and payout partners: npm run routing:demo, then\n' +
        '              npx tsx examples/remit-app/send-order.ts (docs/routing.md)\n')
  );
}

/**
 * `npm start`: the whole network on this machine, on the demo consortium. Infrastructure up, migrations,
 * genesis (first run only), the signers (four by default), clearing, FX and the gateway. Ctrl-C stops what
 * it started.
 */
async function main(): Promise<void> {
  const config = loadConfig(startSchema);
  const spec = demoSpec(config);
  const apps = optionalAppPorts(config);
  const network = new LocalNetwork({
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    kafkaBrokers: config.KAFKA_BROKERS,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    gatewayPort: config.GATEWAY_PORT,
    clearingPort: config.CLEARING_PORT,
    fxPort: config.FX_PORT,
    ...apps,
    operatorToken: config.OPERATOR_TOKEN,
    spec,
    runtime: process.argv.includes('--tsx') ? 'tsx' : 'dist',
    output: 'console',
    logLevel: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
  });
  console.log('concord: preparing infrastructure, database and genesis...');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nconcord: stopping services (Kafka keeps running; `npm run infra:down` stops it)...');
    await network.stopAll();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await bringUp(network, (line) => console.log(`  ${line}`), 120_000);
  // A service that dies is started again, with a growing wait if it keeps dying; the others keep running.
  network.supervise((line) => {
    if (!stopping) console.error(`concord: ${line}`);
  });
  console.log(`
concord: the demo network is up.
  gateway     ${network.gatewayUrl}   (health: ${network.gatewayUrl}/ready, metrics: ${network.gatewayUrl}/metrics)
  clearing    http://127.0.0.1:${config.CLEARING_PORT}/windows   (operator API: windows, instructions, confirmations)
  fx admin    http://127.0.0.1:${config.FX_PORT}/rates   (operator API: spreads, markups, fee schedules, rates)
${optionalAppLines(apps)}  operators   Authorization: Bearer ${config.OPERATOR_TOKEN ? '$OPERATOR_TOKEN' : `${network.operatorToken}   (the public DEMO token)`}
  API docs    ${network.gatewayUrl}/docs
  signers     ${network.signers.join(', ')} (quorum ${spec.quorum})
  partners    ${DEMO_CONSORTIUM.participants.map((p) => p.id).join(', ')}

  Send a signed transfer (prints and runs a curl command with the demo key of hk-remit):
    npm run -s demo:curl -- hk-remit POST '/v1/transfers?wait=2000' '{"id":"t-1","payer":"hk-remit","payee":"mnl-payout","amount":"125.50","currency":"USD"}'

Press Ctrl-C to stop.`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`concord: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
