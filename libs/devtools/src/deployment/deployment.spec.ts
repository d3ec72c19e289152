/**
 * Keeps docker-compose.yml and k8s/*.yaml honest against the code: every variable an app service gets must
 * be one its zod schema (libs/config/src/config.ts) knows, the required ones must be set, the values must
 * validate, ports must line up, Kafka must be the pom's version and the topic scripts must match TOPICS.
 * Pure and fast: it only parses files. Compose interpolation is evaluated with deploy/compose/demo.env as
 * the env file and nothing else set (`${VAR:-default}` gives the default unless the file sets VAR), so the
 * result does not depend on the developer's shell.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, serviceSchemas } from '@concord/config';
import { TOPICS } from '@concord/contracts';
import { buildGenesis, DEMO_CONSORTIUM } from '../demo/consortium';
import { BROKER_LIVENESS } from '../infra/kafka-cluster';
import { SERVICE_NODE_FLAGS } from '../network/node-flags';
import { signingKeyFromSeed } from '@concord/crypto';
import {
  arr,
  COMPOSE_ENV_FILE,
  Env,
  interpolate as interpolateWith,
  obj,
  Obj,
  parseYamlFile,
  readEnvFile,
} from './compose';
import { K8S_ROOT, K8sDoc, renderOverlay } from './overlay';

/** How docker-compose.yml, k8s/ and the image run an app: node with the services' flags. */
const serviceCommand = (app: string) =>
  ['node', ...SERVICE_NODE_FLAGS, `dist/apps/${app}/src/main.js`].join(' ');

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const APP_IMAGE = 'concord:local';
const KAFKA_IMAGE = 'apache/kafka';
/** The one-shot jobs that run the app image: the migrations of each database and the genesis. */
const MIGRATE_COMMAND = 'node dist/libs/devtools/src/deployment/migrate.js';
const GENESIS_COMMAND = /^node dist\/libs\/devtools\/src\/genesis\/genesis\.js --consortium \S+ --publish$/;

/** What is wrong with a one-shot job of the app image (migrate, migrate-sN, genesis), or null if not one. */
function jobProblems(where: string, name: string, command: string, env: Env): string[] | null {
  const signer = /^migrate(?:-(s[0-9]+))?$/.exec(name);
  if (signer) {
    const problems = command === MIGRATE_COMMAND ? [] : [`${where}: command "${command}"`];
    if ((env.MIGRATE_SIGNERS ?? '') !== (signer[1] ?? ''))
      problems.push(`${where}: MIGRATE_SIGNERS=${env.MIGRATE_SIGNERS}, expected ${signer[1] ?? "''"}`);
    if (!env.DATABASE_URL) problems.push(`${where}: DATABASE_URL is not set`);
    return problems;
  }
  if (name === 'genesis') {
    const problems = GENESIS_COMMAND.test(command) ? [] : [`${where}: command "${command}"`];
    if (!env.KAFKA_BROKERS) problems.push(`${where}: KAFKA_BROKERS is not set`);
    return problems;
  }
  return null;
}

/** The compose service and the k8s Job that create the topics (auto-creation is off). */
const TOPICS_SERVICE = 'kafka-init';
const TOPICS_SERVICE_K8S = 'kafka-topics';

type AppName = keyof typeof serviceSchemas;
/** The apache/kafka image's variable for a broker property: broker.session.timeout.ms -> KAFKA_BROKER_SESSION_TIMEOUT_MS. */
const kafkaEnvName = (property: string) => `KAFKA_${property.toUpperCase().replace(/\./g, '_')}`;
const str = (x: unknown): string | undefined =>
  x === null || x === undefined ? undefined : typeof x === 'object' ? JSON.stringify(x) : String(x);

function kafkaVersionFromPom(): string {
  const pom = readFileSync(path.join(ROOT, 'libs', 'devtools', 'kafka', 'pom.xml'), 'utf8');
  const match = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error('libs/devtools/kafka/pom.xml: no <kafka.version>');
  return match[1];
}

/** The app a compose service or k8s workload runs, by its name (ledger-s1..ledger-sN are signers). */
function appOf(name: string): AppName | undefined {
  const services: string[] = ['gateway', 'clearing', 'fx', 'console', 'compliance', 'routing'];
  if (services.includes(name)) return name as AppName;
  if (/^ledger-s[0-9]+$/.test(name)) return 'ledger';
  return undefined;
}

const composeVariables = readEnvFile(COMPOSE_ENV_FILE);
/** Compose interpolation with the demo env file as the only variables. */
const interpolate = (value: string) => interpolateWith(value, composeVariables);

/** Is `key` required by the schema (no default, not optional)? */
function isRequired(app: AppName, key: string): boolean {
  const field = (
    serviceSchemas[app].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>
  )[key];
  return !field.safeParse(undefined).success;
}

/** Names, required variables and values of one service's environment against its schema. */
function envProblems(where: string, app: AppName, env: Env): { problems: string[]; config?: Obj } {
  const shape = serviceSchemas[app].shape as Obj;
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (!(name in shape)) problems.push(`${where}: ${name} is not a variable of the ${app} schema`);
  }
  for (const name of Object.keys(shape)) {
    if (isRequired(app, name) && !env[name]) problems.push(`${where}: required ${name} is not set`);
  }
  try {
    const config = loadConfig(serviceSchemas[app], env) as Obj;
    return { problems, config };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) {
      if (env[p.variable]) problems.push(`${where}: ${p.variable}=${env[p.variable]}: ${p.message}`);
      // A missing required variable is already reported above; one required only together with another
      // (OPERATOR_TOKEN with an operator API port) is reported here.
      else if (!(p.variable in shape) || !isRequired(app, p.variable))
        problems.push(`${where}: ${p.variable}: ${p.message}`);
    }
    return { problems };
  }
}

/** The ports a service listens on according to its configuration (GATEWAY_PORT, *_HEALTH_PORT). */
function configuredPorts(config: Obj | undefined): Map<string, number> {
  const ports = new Map<string, number>();
  for (const [key, value] of Object.entries(config ?? {})) {
    if (key.endsWith('_PORT') && typeof value === 'number') ports.set(key, value);
  }
  return ports;
}

/**
 * host:port endpoints an app reaches: DATABASE_URL, REDIS_URL, KAFKA_BROKERS, and the other services' APIs
 * (GATEWAY_URL, CLEARING_URL, FX_URL...: every http URL of its configuration).
 */
function endpoints(config: Obj | undefined): { variable: string; host: string; port: number }[] {
  if (!config) return [];
  const out: { variable: string; host: string; port: number }[] = [];
  for (const [variable, value] of Object.entries(config)) {
    if (!variable.endsWith('_URL') || typeof value !== 'string' || !/^https?:\/\//.test(value)) continue;
    const url = new URL(value);
    out.push({
      variable,
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    });
  }
  for (const [variable, defaultPort] of [
    ['DATABASE_URL', 5432],
    ['REDIS_URL', 6379],
  ] as const) {
    const url = new URL(String(config[variable]));
    out.push({ variable, host: url.hostname, port: Number(url.port || defaultPort) });
  }
  for (const broker of String(config.KAFKA_BROKERS).split(',')) {
    const i = broker.lastIndexOf(':');
    out.push({ variable: 'KAFKA_BROKERS', host: broker.slice(0, i), port: Number(broker.slice(i + 1)) });
  }
  return out;
}

/**
 * The `topic <name> <partitions> <retention.ms> [<message.timestamp.type>]` lines of a topic-creation
 * script against TOPICS.
 */
function topicScriptProblems(where: string, script: string): string[] {
  const describe = (partitions: string | number, retentionMs: string | number, timestampType?: string) =>
    `${partitions} partitions, retention.ms ${retentionMs}` + (timestampType ? `, ${timestampType}` : '');
  const declared = new Map<string, string>();
  for (const match of script.matchAll(/^\s*topic\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/gm)) {
    declared.set(match[1], describe(match[2], match[3], match[4]));
  }
  const expected = new Map<string, string>(
    Object.values(TOPICS).map(
      (t: { name: string; partitions: number; retentionMs: number; timestampType?: string }) => [
        t.name,
        describe(t.partitions, t.retentionMs, t.timestampType),
      ],
    ),
  );
  const problems: string[] = [];
  if (!/kafka-topics\.sh\b[^\n]*--create/.test(script))
    problems.push(`${where}: does not run kafka-topics.sh --create`);
  for (const [name, spec] of expected) {
    const got = declared.get(name);
    if (got === undefined) problems.push(`${where}: topic ${name} is not created`);
    else if (got !== spec) problems.push(`${where}: topic ${name} has ${got}, expected ${spec}`);
  }
  for (const name of declared.keys()) {
    if (!expected.has(name)) problems.push(`${where}: topic ${name} is not in TOPICS`);
  }
  return problems;
}

function kafkaImageProblems(where: string, image: string | undefined, version: string): string[] {
  if (!image?.startsWith(`${KAFKA_IMAGE}:`)) return [];
  const tag = image.slice(KAFKA_IMAGE.length + 1);
  return tag === version ? [] : [`${where}: ${image} is not the pom's Kafka ${version}`];
}

function signerProblems(where: string, signers: { name: string; env: Env }[]): string[] {
  const problems: string[] = [];
  const ids = signers.map((s) => s.env.LEDGER_SIGNER_ID);
  const keys = signers.map((s) => s.env.LEDGER_SIGNER_KEY);
  if (signers.length !== 4) problems.push(`${where}: ${signers.length} ledger signers, expected 4`);
  if (new Set(ids).size !== ids.length)
    problems.push(`${where}: duplicate LEDGER_SIGNER_ID in ${ids.join(',')}`);
  if (new Set(keys).size !== keys.length) problems.push(`${where}: two signers share a LEDGER_SIGNER_KEY`);
  for (const s of signers) {
    if (s.env.LEDGER_SIGNER_ID && `ledger-${s.env.LEDGER_SIGNER_ID}` !== s.name) {
      problems.push(`${where}: ${s.name} runs LEDGER_SIGNER_ID=${s.env.LEDGER_SIGNER_ID}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// docker-compose.yml

function composeEnv(service: Obj): Env {
  const raw = service.environment;
  const env: Env = {};
  if (Array.isArray(raw)) {
    for (const item of raw.map(String)) {
      const i = item.indexOf('=');
      if (i < 0) env[item] = undefined;
      else env[item.slice(0, i)] = interpolate(item.slice(i + 1));
    }
  } else {
    for (const [key, value] of Object.entries(obj(raw))) {
      env[key] = value === null || value === undefined ? undefined : interpolate(String(value));
    }
  }
  return env;
}

/** Published ports as { published, target }, from the short ("127.0.0.1:3000:3000") or long syntax. */
function composePorts(service: Obj): { published?: number; target: number }[] {
  return arr(service.ports).map((entry) => {
    if (typeof entry === 'object' && entry !== null) {
      const e = obj(entry);
      return {
        published: e.published === undefined ? undefined : Number(interpolate(String(e.published))),
        target: Number(e.target),
      };
    }
    const parts = interpolate(String(entry))
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = Number(parts[parts.length - 1]);
    return { published: parts.length > 1 ? Number(parts[parts.length - 2]) : undefined, target };
  });
}

function composeCommand(service: Obj): string[] {
  const c = service.command;
  return Array.isArray(c) ? c.map(String) : typeof c === 'string' ? c.split(/\s+/) : [];
}

function composeProblems(compose: Obj, kafkaVersion = kafkaVersionFromPom()): string[] {
  const services = obj(compose.services);
  const problems: string[] = [];
  const apps = new Set<AppName>();
  const signers: { name: string; env: Env }[] = [];
  const listeningBy = new Map<string, Map<string, number>>();
  const reached: { where: string; variable: string; host: string; port: number }[] = [];

  for (const [name, value] of Object.entries(services)) {
    const service = obj(value);
    const where = `docker-compose.yml ${name}`;
    const image = str(service.image);
    problems.push(...kafkaImageProblems(where, image, kafkaVersion));
    if (name === TOPICS_SERVICE) {
      problems.push(...topicScriptProblems(where, arr(service.command).map(String).join('\n')));
    }

    const app = appOf(name);
    if (!app) {
      const job = jobProblems(where, name, composeCommand(service).join(' '), composeEnv(service));
      if (job) problems.push(...job);
      else if (image === APP_IMAGE)
        problems.push(`${where}: runs ${APP_IMAGE} but is not a known app service`);
      continue;
    }
    apps.add(app);
    if (image !== APP_IMAGE) problems.push(`${where}: image ${image}, expected ${APP_IMAGE}`);
    const command = composeCommand(service).join(' ');
    if (command !== serviceCommand(app)) problems.push(`${where}: command "${command}"`);

    const env = composeEnv(service);
    if (app === 'ledger') signers.push({ name, env });
    const { problems: envIssues, config } = envProblems(where, app, env);
    problems.push(...envIssues);

    const listening = configuredPorts(config);
    for (const { published, target } of composePorts(service)) {
      if (![...listening.values()].includes(target)) {
        problems.push(`${where}: publishes container port ${target}, which the service does not listen on`);
      }
      if (app === 'gateway' && published !== target) {
        problems.push(`${where}: published port ${published} differs from GATEWAY_PORT ${target}`);
      }
    }
    if (app === 'gateway') {
      const port = listening.get('GATEWAY_PORT');
      if (!composePorts(service).some((p) => p.target === port && p.published === port)) {
        problems.push(`${where}: GATEWAY_PORT ${port} is not published as "${port}:${port}"`);
      }
      if (config && config.GATEWAY_HOST !== '0.0.0.0') {
        problems.push(`${where}: GATEWAY_HOST must be 0.0.0.0 in a container, not ${config.GATEWAY_HOST}`);
      }
    }
    listeningBy.set(name, listening);
    for (const e of endpoints(config)) {
      if (!(e.host in services)) problems.push(`${where}: ${e.variable} points at ${e.host}, not a service`);
      else reached.push({ where, ...e });
    }
  }
  // A service's API reached at a port it does not listen on (infrastructure images are not checked here).
  for (const e of reached) {
    const ports = listeningBy.get(e.host);
    if (ports && ![...ports.values()].includes(e.port))
      problems.push(`${e.where}: ${e.variable} uses port ${e.port}, where ${e.host} does not listen`);
  }

  for (const app of Object.keys(serviceSchemas) as AppName[]) {
    if (!apps.has(app)) problems.push(`docker-compose.yml: no service runs ${app}`);
  }
  problems.push(...signerProblems('docker-compose.yml', signers));
  if (!Object.values(services).some((s) => str(obj(s).image)?.startsWith(`${KAFKA_IMAGE}:`))) {
    problems.push('docker-compose.yml: no kafka service');
  }
  if (!(TOPICS_SERVICE in services))
    problems.push(`docker-compose.yml: no ${TOPICS_SERVICE} service creating the topics`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// k8s/*.yaml

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);

interface Container {
  name?: string;
  image?: string;
  command?: unknown;
  env?: unknown;
  envFrom?: unknown;
  ports?: unknown;
}

function meta(doc: Obj): { name: string; namespace?: string; labels: Obj } {
  const m = obj(doc.metadata);
  return { name: String(m.name), namespace: str(m.namespace), labels: obj(m.labels) };
}

function podTemplate(doc: Obj): { labels: Obj; spec: Obj } {
  const template = obj(obj(doc.spec).template);
  return { labels: obj(obj(template.metadata).labels), spec: obj(template.spec) };
}

function containerPorts(c: Container): { name?: string; containerPort: number }[] {
  return arr(c.ports).map((p) => ({ name: str(obj(p).name), containerPort: Number(obj(p).containerPort) }));
}

/** A container's environment with ConfigMap and Secret references resolved. */
function k8sEnv(where: string, c: Container, docs: K8sDoc[], problems: string[]): Env {
  const lookup = (kind: 'ConfigMap' | 'Secret', name: string): Obj | undefined => {
    const found = docs.find((d) => d.doc.kind === kind && meta(d.doc).name === name)?.doc;
    if (!found) return undefined;
    if (kind === 'ConfigMap') return obj(found.data);
    const decoded = Object.fromEntries(
      Object.entries(obj(found.data)).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]),
    );
    return { ...decoded, ...obj(found.stringData) };
  };
  const env: Env = {};
  for (const source of arr(c.envFrom).map(obj)) {
    const [kind, ref] = source.configMapRef
      ? (['ConfigMap', obj(source.configMapRef)] as const)
      : (['Secret', obj(source.secretRef)] as const);
    const data = lookup(kind, String(ref.name));
    if (!data) problems.push(`${where}: envFrom ${kind} ${ref.name} does not exist`);
    for (const [key, value] of Object.entries(data ?? {})) env[`${source.prefix ?? ''}${key}`] = str(value);
  }
  for (const entry of arr(c.env).map(obj)) {
    const name = String(entry.name);
    const from = obj(entry.valueFrom);
    if (from.configMapKeyRef || from.secretKeyRef) {
      const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
      const ref = obj(from.configMapKeyRef ?? from.secretKeyRef);
      const value = lookup(kind, String(ref.name))?.[String(ref.key)];
      if (value === undefined)
        problems.push(`${where}: ${name} refers to missing ${kind} ${ref.name}/${ref.key}`);
      env[name] = str(value);
    } else {
      env[name] = str(entry.value);
    }
  }
  return env;
}

interface K8sApp {
  workload: string;
  app: AppName;
  env: Env;
}

function k8sProblems(docs: K8sDoc[], kafkaVersion = kafkaVersionFromPom()): string[] {
  const problems: string[] = [];
  k8sApps(docs, problems, kafkaVersion);
  return problems;
}

/** Checks every k8s document; returns the app containers found (for the comparison with compose). */
function k8sApps(docs: K8sDoc[], problems: string[], kafkaVersion: string): K8sApp[] {
  const namespaces = docs.filter((d) => d.doc.kind === 'Namespace').map((d) => meta(d.doc).name);
  if (namespaces.length !== 1) problems.push(`k8s: ${namespaces.length} Namespaces, expected 1`);
  const apps: K8sApp[] = [];
  const services = docs.filter((d) => d.doc.kind === 'Service');

  for (const { file, doc } of docs) {
    const { name, namespace } = meta(doc);
    const where = `k8s/${file} ${doc.kind} ${name}`;
    if (!doc.apiVersion || !doc.kind || !obj(doc.metadata).name) {
      problems.push(`k8s/${file}: a document without apiVersion, kind or metadata.name`);
      continue;
    }
    if (doc.kind !== 'Namespace' && namespace !== namespaces[0]) {
      problems.push(`${where}: namespace ${namespace}, expected ${namespaces[0]}`);
    }
    if (!WORKLOADS.has(String(doc.kind))) continue;

    const pod = podTemplate(doc);
    const selector = obj(obj(obj(doc.spec).selector).matchLabels);
    for (const [k, v] of Object.entries(selector)) {
      if (pod.labels[k] !== v) problems.push(`${where}: selector ${k}=${v} does not match the pod labels`);
    }
    if (doc.kind === 'StatefulSet') {
      const serviceName = String(obj(doc.spec).serviceName);
      if (!services.some((s) => meta(s.doc).name === serviceName)) {
        problems.push(`${where}: serviceName ${serviceName} is not a Service`);
      }
    }
    // Service links would add e.g. GATEWAY_PORT=tcp://10.0.0.1:3000 and KAFKA_PORT=... to every pod.
    if (pod.spec.enableServiceLinks !== false) problems.push(`${where}: enableServiceLinks must be false`);

    for (const c of arr(pod.spec.containers).map((x) => obj(x) as Container)) {
      const cwhere = `${where} container ${c.name}`;
      problems.push(...kafkaImageProblems(cwhere, c.image, kafkaVersion));
      if (doc.kind === 'Job' && name === TOPICS_SERVICE_K8S) {
        problems.push(...topicScriptProblems(cwhere, [...arr(c.command), ...arr(obj(c).args)].join('\n')));
      }
      if (c.image !== APP_IMAGE) continue;
      const app = appOf(name);
      if (!app) {
        const job =
          doc.kind === 'Job'
            ? jobProblems(
                cwhere,
                name,
                arr(c.command).map(String).join(' '),
                k8sEnv(cwhere, c, docs, problems),
              )
            : null;
        if (job) problems.push(...job);
        else problems.push(`${cwhere}: runs ${APP_IMAGE} but ${name} is not a known app workload`);
        continue;
      }
      const command = arr(c.command).map(String).join(' ');
      if (command !== serviceCommand(app)) problems.push(`${cwhere}: command "${command}"`);

      const env = k8sEnv(cwhere, c, docs, problems);
      apps.push({ workload: name, app, env });
      const { problems: envIssues, config } = envProblems(cwhere, app, env);
      problems.push(...envIssues);

      const declared = containerPorts(c).map((p) => p.containerPort);
      const listening = configuredPorts(config);
      for (const [variable, port] of listening) {
        if (!declared.includes(port)) problems.push(`${cwhere}: ${variable}=${port} is not a containerPort`);
      }
      for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const probe = obj(obj(c)[key]);
        const probed: unknown[] = [obj(probe.tcpSocket).port, obj(probe.httpGet).port].filter(
          (p) => p !== undefined,
        );
        for (const m of JSON.stringify(obj(probe.exec).command ?? []).matchAll(/127\.0\.0\.1:(\d+)/g)) {
          probed.push(Number(m[1]));
        }
        for (const p of probed) {
          const port =
            typeof p === 'string' ? containerPorts(c).find((cp) => cp.name === p)?.containerPort : p;
          if (!config || ![...listening.values()].includes(Number(port))) {
            problems.push(`${cwhere}: ${key} checks port ${p}, which the service does not listen on`);
          }
        }
      }
      if (app === 'gateway' && config && config.GATEWAY_HOST !== '0.0.0.0') {
        problems.push(`${cwhere}: GATEWAY_HOST must be 0.0.0.0 in a pod, not ${config.GATEWAY_HOST}`);
      }
      for (const e of endpoints(config)) {
        const target = services.find((s) => meta(s.doc).name === e.host);
        if (!target) problems.push(`${cwhere}: ${e.variable} points at ${e.host}, not a Service`);
        else if (!arr(obj(target.doc.spec).ports).some((p) => Number(obj(p).port) === e.port)) {
          problems.push(
            `${cwhere}: ${e.variable} uses port ${e.port}, which Service ${e.host} does not expose`,
          );
        }
      }
    }
  }

  // Every Service selects pods, and each port lands on a container port of the same number.
  for (const { file, doc } of services) {
    const { name } = meta(doc);
    const where = `k8s/${file} Service ${name}`;
    const selector = obj(obj(doc.spec).selector);
    const pods = docs
      .filter((d) => WORKLOADS.has(String(d.doc.kind)))
      .map((d) => podTemplate(d.doc))
      .filter((p) => Object.entries(selector).every(([k, v]) => p.labels[k] === v));
    if (pods.length === 0) {
      problems.push(`${where}: selects no pods`);
      continue;
    }
    for (const port of arr(obj(doc.spec).ports).map(obj)) {
      const target = port.targetPort ?? port.port;
      for (const pod of pods) {
        const cports = arr(pod.spec.containers).flatMap((c) => containerPorts(obj(c) as Container));
        const hit = cports.find((p) =>
          typeof target === 'string' ? p.name === target : p.containerPort === target,
        );
        if (!hit) problems.push(`${where}: targetPort ${target} is not a container port`);
        else if (hit.containerPort !== Number(port.port)) {
          problems.push(`${where}: port ${port.port} forwards to container port ${hit.containerPort}`);
        }
      }
    }
  }

  for (const app of Object.keys(serviceSchemas) as AppName[]) {
    if (!apps.some((a) => a.app === app)) problems.push(`k8s: no workload runs ${app}`);
  }
  if (!docs.some((d) => d.doc.kind === 'Job' && meta(d.doc).name === TOPICS_SERVICE_K8S)) {
    problems.push(`k8s: no Job ${TOPICS_SERVICE_K8S} creating the topics`);
  }
  problems.push(
    ...signerProblems(
      'k8s',
      apps.filter((a) => a.app === 'ledger').map((a) => ({ name: a.workload, env: a.env })),
    ),
  );
  return apps;
}

/**
 * The production overlay's Strimzi Kafka: the topics of TOPICS as KafkaTopics (three replicas, two in
 * sync), the cluster's copies and broker liveness as the local cluster's, the services pointed at its
 * bootstrap Service.
 */
function strimziProblems(docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  const kafkas = docs.filter((d) => d.doc.kind === 'Kafka');
  if (kafkas.length !== 1) return [`production: ${kafkas.length} Strimzi Kafka clusters, expected 1`];
  const cluster = meta(kafkas[0].doc).name;
  const config = obj(obj(obj(kafkas[0].doc.spec).kafka).config);
  const expected: [string, unknown][] = [
    ['default.replication.factor', 3],
    ['min.insync.replicas', 2],
    ['unclean.leader.election.enable', false],
    ['auto.create.topics.enable', false],
    ...BROKER_LIVENESS,
  ];
  for (const [key, value] of expected) {
    if (config[key] !== value)
      problems.push(`production Kafka ${cluster}: ${key} is ${str(config[key])}, expected ${value}`);
  }
  const common = obj(
    docs.find((d) => d.doc.kind === 'ConfigMap' && meta(d.doc).name === 'concord-common')?.doc.data,
  );
  if (common.KAFKA_BROKERS !== `${cluster}-kafka-bootstrap:9092`)
    problems.push(
      `production: KAFKA_BROKERS is ${str(common.KAFKA_BROKERS)}, not ${cluster}-kafka-bootstrap:9092`,
    );
  const script = docs
    .filter((d) => d.doc.kind === 'KafkaTopic')
    .map((d) => {
      const spec = obj(d.doc.spec);
      const c = obj(spec.config);
      if (spec.replicas !== 3 || c['min.insync.replicas'] !== 2)
        problems.push(`production KafkaTopic ${meta(d.doc).name}: not 3 replicas with 2 in sync`);
      if (meta(d.doc).labels['strimzi.io/cluster'] !== cluster)
        problems.push(
          `production KafkaTopic ${meta(d.doc).name}: not labelled strimzi.io/cluster=${cluster}`,
        );
      const type = c['message.timestamp.type'] === undefined ? '' : ` ${str(c['message.timestamp.type'])}`;
      return `topic ${str(spec.topicName)} ${str(spec.partitions)} ${str(c['retention.ms'])}${type}`;
    });
  // The same comparison with TOPICS as for the topic scripts of compose and the base.
  const asScript = ['kafka-topics.sh --create', ...script].join('\n');
  problems.push(...topicScriptProblems('production KafkaTopics', asScript));
  return problems;
}

const PLATFORM_ADDRESSES = new Set(['DATABASE_URL', 'KAFKA_BROKERS']);

/** The same app services, with the same environment, in docker-compose.yml and k8s/. */
function consistencyProblems(compose: Obj, docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  const k8s = k8sApps(docs, [], kafkaVersionFromPom());
  const composeApps = Object.entries(obj(compose.services)).filter(([name]) => appOf(name));
  const composeNames = composeApps.map(([name]) => name).sort();
  const k8sNames = k8s.map((a) => a.workload).sort();
  if (composeNames.join() !== k8sNames.join()) {
    problems.push(`app services differ: compose ${composeNames.join(',')} vs k8s ${k8sNames.join(',')}`);
  }
  for (const [name, service] of composeApps) {
    const inK8s = k8s.find((a) => a.workload === name);
    if (!inK8s) continue;
    const composeEnvironment = composeEnv(obj(service));
    const keys = new Set([...Object.keys(composeEnvironment), ...Object.keys(inK8s.env)]);
    // Where the infrastructure is differs by platform (compose's kafka-1..3 and postgres-sN, a Kafka
    // bootstrap Service and a database Secret in k8s); endpoints() checks each against its own platform.
    for (const key of [...keys].filter((k) => !PLATFORM_ADDRESSES.has(k))) {
      if (composeEnvironment[key] !== inK8s.env[key]) {
        problems.push(`${name}: ${key} is ${composeEnvironment[key]} in compose, ${inK8s.env[key]} in k8s`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------

function loadCompose(): Obj {
  const docs = parseYamlFile(path.join(ROOT, 'docker-compose.yml'));
  expect(docs).toHaveLength(1);
  return docs[0];
}

/** The local overlay, rendered: what `kubectl apply -k k8s/overlays/local` applies. */
function loadK8s(): K8sDoc[] {
  return renderOverlay(path.join(K8S_ROOT, 'overlays', 'local'));
}

function composeService(compose: Obj, name: string): Obj {
  return obj(obj(compose.services)[name]);
}

function k8sDoc(docs: K8sDoc[], kind: string, name: string): Obj {
  const found = docs.find((d) => d.doc.kind === kind && meta(d.doc).name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found.doc;
}

function firstContainer(doc: Obj): Obj {
  return obj(arr(podTemplate(doc).spec.containers)[0]);
}

describe('docker-compose.yml', () => {
  it('gives each app service exactly what its schema accepts, with consistent ports', () => {
    expect(composeProblems(loadCompose())).toEqual([]);
  });

  it('reports a variable the schema does not know', () => {
    const compose = loadCompose();
    obj(composeService(compose, 'ledger-s1').environment).GATEWAY_PORT = '3000';
    expect(composeProblems(compose)).toContain(
      'docker-compose.yml ledger-s1: GATEWAY_PORT is not a variable of the ledger schema',
    );
  });

  it('reports a missing required variable and an invalid value', () => {
    const compose = loadCompose();
    delete obj(composeService(compose, 'ledger-s2').environment).LEDGER_SIGNER_KEY;
    obj(composeService(compose, 'fx').environment).LOG_LEVEL = '${LOG_LEVEL:-loud}';
    const problems = composeProblems(compose);
    expect(problems).toContain('docker-compose.yml ledger-s2: required LEDGER_SIGNER_KEY is not set');
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^docker-compose.yml fx: LOG_LEVEL=loud: /)]),
    );
  });

  it('reports an operator API without its OPERATOR_TOKEN, or with a short one', () => {
    const compose = loadCompose();
    delete obj(composeService(compose, 'clearing').environment).OPERATOR_TOKEN;
    obj(composeService(compose, 'fx').environment).OPERATOR_TOKEN = 'too-short';
    const problems = composeProblems(compose);
    expect(problems).toContain(
      "docker-compose.yml clearing: OPERATOR_TOKEN: required when CLEARING_PORT is set (the operator API's bearer token)",
    );
    expect(problems).toContain('docker-compose.yml fx: OPERATOR_TOKEN=too-short: at least 32 characters');
  });

  it('reports a gateway port that is not published as configured', () => {
    const compose = loadCompose();
    composeService(compose, 'gateway').ports = ['8080:3000'];
    expect(composeProblems(compose)).toContain(
      'docker-compose.yml gateway: published port 8080 differs from GATEWAY_PORT 3000',
    );
    obj(composeService(compose, 'gateway').environment).GATEWAY_PORT = 3100;
    expect(composeProblems(compose)).toContain(
      'docker-compose.yml gateway: publishes container port 3000, which the service does not listen on',
    );
  });

  it('reports a Kafka image other than the pom version, and topics that differ from TOPICS', () => {
    const compose = loadCompose();
    composeService(compose, 'kafka-2').image = 'apache/kafka:3.8.0';
    const init = composeService(compose, 'kafka-init');
    init.command = arr(init.command).map((c) =>
      String(c).replace('topic fx.events 3 ', 'topic fx.events 1 '),
    );
    const problems = composeProblems(compose, '3.9.1');
    expect(problems).toContain("docker-compose.yml kafka-2: apache/kafka:3.8.0 is not the pom's Kafka 3.9.1");
    expect(problems).toContain(
      'docker-compose.yml kafka-init: topic fx.events has 1 partitions, retention.ms 604800000, expected 3 partitions, retention.ms 604800000',
    );
  });

  it('reports a topic service that does not create the topics', () => {
    const compose = loadCompose();
    composeService(compose, 'kafka-init').command = ['echo topic ledger.commands 1 -1'];
    const problems = composeProblems(compose);
    expect(problems).toContain('docker-compose.yml kafka-init: does not run kafka-topics.sh --create');
    expect(problems).toContain('docker-compose.yml kafka-init: topic fx.events is not created');
    delete obj(compose.services)['kafka-init'];
    expect(composeProblems(compose)).toContain(
      'docker-compose.yml: no kafka-init service creating the topics',
    );
  });

  it("reports an app that calls another service's API at a port or host that does not serve it", () => {
    const compose = loadCompose();
    obj(composeService(compose, 'console').environment).CLEARING_URL = 'http://clearing:3200';
    obj(composeService(compose, 'routing').environment).GATEWAY_URL = 'http://gateway-1:3000';
    const problems = composeProblems(compose);
    expect(problems).toContain(
      'docker-compose.yml console: CLEARING_URL uses port 3200, where clearing does not listen',
    );
    expect(problems).toContain('docker-compose.yml routing: GATEWAY_URL points at gateway-1, not a service');
  });

  it('runs every service of libs/config, the console, compliance and routing among them', () => {
    const compose = loadCompose();
    delete obj(compose.services).routing;
    obj(composeService(compose, 'compliance').environment).COMPLIANCE_DATA_KEYS = 'k1=abc';
    const problems = composeProblems(compose);
    expect(problems).toContain('docker-compose.yml: no service runs routing');
    expect(problems).toContain(
      'docker-compose.yml compliance: COMPLIANCE_DATA_KEYS=k1=abc: "k1": must be <key id>=<64 hex characters> (an AES-256 key)',
    );
  });

  it("fences a dead broker as fast as the local cluster does (the three-broker test's settings)", () => {
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3']) {
      const env = composeEnv(composeService(loadCompose(), broker));
      for (const [key, value] of BROKER_LIVENESS)
        expect([key, env[kafkaEnvName(key)]]).toEqual([key, String(value)]);
    }
    const k8sEnv = Object.fromEntries(
      arr(firstContainer(k8sDoc(loadK8s(), 'StatefulSet', 'kafka')).env).map((e) => [
        String(obj(e).name),
        str(obj(e).value),
      ]),
    );
    for (const [key, value] of BROKER_LIVENESS)
      expect([key, k8sEnv[kafkaEnvName(key)]]).toEqual([key, String(value)]);
  });

  it('uses the Kafka version of libs/devtools/kafka/pom.xml', () => {
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3'])
      expect(composeService(loadCompose(), broker).image).toBe(`apache/kafka:${kafkaVersionFromPom()}`);
  });

  it('reports a migration job for the wrong signer and a genesis job without its file', () => {
    const compose = loadCompose();
    obj(composeService(compose, 'migrate-s2').environment).MIGRATE_SIGNERS = 's3';
    composeService(compose, 'genesis').command = ['node', 'dist/libs/devtools/src/genesis/genesis.js'];
    const problems = composeProblems(compose);
    expect(problems).toContain('docker-compose.yml migrate-s2: MIGRATE_SIGNERS=s3, expected s2');
    expect(problems).toContain(
      'docker-compose.yml genesis: command "node dist/libs/devtools/src/genesis/genesis.js"',
    );
  });

  it('takes every key from the env file, none from a default, and the demo file holds the demo genesis keys', () => {
    const raw = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const variable of [
      'LEDGER_S1_KEY',
      'CLEARING_SETTLEMENT_KEY',
      'FX_SIGNING_KEY',
      'OPERATOR_TOKEN',
      'COMPLIANCE_SIGNING_KEY',
      'COMPLIANCE_DATA_KEYS',
      'ROUTING_DELEGATE_KEY',
    ]) {
      expect(raw).toContain(`\${${variable}:?`);
      expect(raw).not.toContain(`\${${variable}:-`);
    }
    const env = composeEnv(composeService(loadCompose(), 'ledger-s3'));
    const genesis = buildGenesis(DEMO_CONSORTIUM);
    expect(signingKeyFromSeed(env.LEDGER_SIGNER_KEY!).publicKeyHex).toBe(
      genesis.signers.find((s) => s.id === 's3')!.publicKey,
    );
  });
});

describe('k8s/*.yaml', () => {
  it('gives each app container exactly what its schema accepts, with consistent Services and ports', () => {
    expect(k8sProblems(loadK8s())).toEqual([]);
  });

  it('reports a variable the schema does not know, including one coming from the ConfigMap', () => {
    const docs = loadK8s();
    arr(firstContainer(k8sDoc(docs, 'Deployment', 'clearing')).env).push({
      name: 'FX_HEALTH_PORT',
      value: '1',
    });
    obj(k8sDoc(docs, 'ConfigMap', 'concord-common').data).LEDGER_CUT_INTERVAL_MS = '50';
    const problems = k8sProblems(docs);
    expect(problems).toContain(
      'k8s/base/clearing.yaml Deployment clearing container clearing: FX_HEALTH_PORT is not a variable of the clearing schema',
    );
    expect(problems).toContain(
      'k8s/base/gateway.yaml Deployment gateway container gateway: LEDGER_CUT_INTERVAL_MS is not a variable of the gateway schema',
    );
  });

  it('reports a signer key that resolves to nothing or to an invalid key', () => {
    const docs = loadK8s();
    const secret = obj(k8sDoc(docs, 'Secret', 'ledger-signer-keys').stringData);
    delete secret.s3;
    secret.s4 = 'not-hex';
    const problems = k8sProblems(docs);
    expect(problems).toContain(
      'k8s/base/ledger.yaml StatefulSet ledger-s3 container ledger: required LEDGER_SIGNER_KEY is not set',
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^k8s\/base\/ledger.yaml StatefulSet ledger-s4 container ledger: LEDGER_SIGNER_KEY=not-hex/,
        ),
      ]),
    );
  });

  it('reports an operator token Secret that is missing or too short', () => {
    const docs = loadK8s();
    obj(k8sDoc(docs, 'Secret', 'operator-token').stringData).token = 'short';
    expect(k8sProblems(docs)).toContain(
      'k8s/base/fx.yaml Deployment fx container fx: OPERATOR_TOKEN=short: at least 32 characters',
    );
    delete obj(k8sDoc(docs, 'Secret', 'operator-token').stringData).token;
    expect(k8sProblems(docs)).toEqual(
      expect.arrayContaining([
        'k8s/base/clearing.yaml Deployment clearing container clearing: OPERATOR_TOKEN refers to missing Secret operator-token/token',
        "k8s/base/clearing.yaml Deployment clearing container clearing: OPERATOR_TOKEN: required when CLEARING_PORT is set (the operator API's bearer token)",
      ]),
    );
  });

  it('reports a Service whose port does not reach the container port', () => {
    const docs = loadK8s();
    const gateway = obj(arr(obj(k8sDoc(docs, 'Service', 'gateway').spec).ports)[0]);
    gateway.targetPort = 3001;
    expect(k8sProblems(docs)).toContain(
      'k8s/base/gateway.yaml Service gateway: targetPort 3001 is not a container port',
    );
  });

  it('reports a container port that differs from the configured one', () => {
    const docs = loadK8s();
    const env = arr(firstContainer(k8sDoc(docs, 'Deployment', 'gateway')).env).map(obj);
    env.find((e) => e.name === 'GATEWAY_PORT')!.value = '3100';
    expect(k8sProblems(docs)).toContain(
      'k8s/base/gateway.yaml Deployment gateway container gateway: GATEWAY_PORT=3100 is not a containerPort',
    );
  });

  it('reports a probe on a port the service does not listen on', () => {
    const docs = loadK8s();
    const probe = obj(obj(firstContainer(k8sDoc(docs, 'Deployment', 'fx')).readinessProbe).exec);
    probe.command = arr(probe.command).map((a) => String(a).replace('127.0.0.1:8081', '127.0.0.1:9464'));
    expect(k8sProblems(docs)).toContain(
      'k8s/base/fx.yaml Deployment fx container fx: readinessProbe checks port 9464, which the service does not listen on',
    );
  });

  it('runs the console, compliance and routing, and reports a Service that does not expose the port called', () => {
    const docs = loadK8s();
    const console = docs.findIndex((d) => d.doc.kind === 'Deployment' && meta(d.doc).name === 'console');
    const withoutConsole = docs.filter((_, i) => i !== console);
    expect(k8sProblems(withoutConsole)).toContain('k8s: no workload runs console');
    const env = arr(firstContainer(k8sDoc(docs, 'Deployment', 'routing')).env).map(obj);
    env.find((e) => e.name === 'GATEWAY_URL')!.value = 'http://gateway:3300';
    expect(k8sProblems(docs)).toContain(
      'k8s/base/routing.yaml Deployment routing container routing: GATEWAY_URL uses port 3300, which Service gateway does not expose',
    );
  });

  it('uses the Kafka version of the pom and creates exactly the topics of TOPICS', () => {
    const docs = loadK8s();
    expect(firstContainer(k8sDoc(docs, 'StatefulSet', 'kafka')).image).toBe(
      `apache/kafka:${kafkaVersionFromPom()}`,
    );
    const job = firstContainer(k8sDoc(docs, 'Job', 'kafka-topics'));
    job.args = arr(job.args).map((a) =>
      String(a).replace(
        /topic ledger\.commands 1 -1 LogAppendTime\ntopic ledger\.votes 1 -1\n/,
        'topic ledger.commands 2 -1\n',
      ),
    );
    const problems = k8sProblems(docs);
    expect(problems).toContain(
      'k8s/base/kafka.yaml Job kafka-topics container kafka-topics: topic ledger.commands has 2 partitions, retention.ms -1, expected 1 partitions, retention.ms -1, LogAppendTime',
    );
    expect(problems).toContain(
      'k8s/base/kafka.yaml Job kafka-topics container kafka-topics: topic ledger.votes is not created',
    );
  });
});

describe('k8s/overlays/production (Strimzi Kafka)', () => {
  const production = () => renderOverlay(path.join(K8S_ROOT, 'overlays', 'production'));

  it('creates exactly the topics of TOPICS, with the copies and broker liveness of the local cluster', () => {
    expect(strimziProblems(production())).toEqual([]);
  });

  it('reports a topic that differs from TOPICS, a missing one and a weaker cluster', () => {
    const docs = production();
    const topic = (name: string) =>
      docs.find((d) => d.doc.kind === 'KafkaTopic' && meta(d.doc).name === name)!.doc;
    obj(topic('fx-events').spec).partitions = 1;
    const votes = docs.findIndex((d) => d.doc.kind === 'KafkaTopic' && meta(d.doc).name === 'ledger-votes');
    const kafka = docs.find((d) => d.doc.kind === 'Kafka')!.doc;
    obj(obj(obj(kafka.spec).kafka).config)['broker.session.timeout.ms'] = 9000;
    const problems = strimziProblems(docs.filter((_, i) => i !== votes));
    expect(problems).toEqual([
      'production Kafka concord: broker.session.timeout.ms is 9000, expected 2000',
      'production KafkaTopics: topic ledger.votes is not created',
      'production KafkaTopics: topic fx.events has 1 partitions, retention.ms 604800000, expected 3 partitions, retention.ms 604800000',
    ]);
  });
});

describe('Dockerfile', () => {
  it("runs the gateway with the Node flags of the local network's processes", () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect((JSON.parse(cmd ?? '[]') as string[]).join(' ')).toBe(serviceCommand('gateway'));
  });
});

describe('docker-compose.yml and k8s/ together', () => {
  it('give clearing a settlement key that the demo genesis accepts, and report a broken one', () => {
    const [accepted] = buildGenesis(DEMO_CONSORTIUM).settlementKeys;
    const docs = loadK8s();
    const k8sClearing = () => {
      const problems: string[] = [];
      const env = k8sEnv('clearing', firstContainer(k8sDoc(docs, 'Deployment', 'clearing')), docs, problems);
      return { env, problems };
    };
    for (const env of [composeEnv(composeService(loadCompose(), 'clearing')), k8sClearing().env]) {
      expect(signingKeyFromSeed(env.CLEARING_SETTLEMENT_KEY!).publicKeyHex).toBe(accepted.publicKey);
      expect(env.CLEARING_SETTLEMENT_KEY_ID).toBe(accepted.keyId);
    }
    delete obj(k8sDoc(docs, 'Secret', 'clearing-settlement-key').stringData).seed;
    expect(k8sClearing().problems).toEqual([
      'clearing: CLEARING_SETTLEMENT_KEY refers to missing Secret clearing-settlement-key/seed',
    ]);
    obj(k8sDoc(docs, 'Secret', 'clearing-settlement-key').stringData).seed = 'not-hex';
    expect(k8sProblems(docs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^k8s\/base\/clearing.yaml Deployment clearing container clearing: CLEARING_SETTLEMENT_KEY=not-hex/,
        ),
      ]),
    );
  });

  it('run the same app services with the same environment', () => {
    expect(consistencyProblems(loadCompose(), loadK8s())).toEqual([]);
  });

  it('reports an environment that differs', () => {
    const docs = loadK8s();
    obj(k8sDoc(docs, 'ConfigMap', 'concord-common').data).LOG_LEVEL = 'debug';
    expect(consistencyProblems(loadCompose(), docs)).toContain(
      'fx: LOG_LEVEL is info in compose, debug in k8s',
    );
  });
});
