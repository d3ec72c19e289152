import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, serviceSchemas } from '@concord/config';
import { arr, COMPOSE_ENV_FILE, composeEnv, loadComposeFile, obj, Obj, readEnvFile } from './compose';
import { composeStructureProblems } from './deploy-check';
import { podProblems, realUseProblems, signerProblems } from './manifest-checks';
import { K8S_ROOT, K8sDoc, mergePatch, renderOverlay } from './overlay';

const render = (overlay: string) => renderOverlay(path.join(K8S_ROOT, 'overlays', overlay));
const find = (docs: K8sDoc[], kind: string, name: string) =>
  docs.find((d) => d.doc.kind === kind && obj(d.doc.metadata).name === name)!.doc;
const container = (doc: Obj) => obj(arr(obj(obj(obj(doc.spec).template).spec).containers)[0]);

describe('overlays', () => {
  it.each(['local', 'production'])(
    '%s: every Concord pod is hardened, probed and sized; signers spread',
    (o) => {
      const docs = render(o);
      expect(podProblems(docs)).toEqual([]);
      expect(signerProblems(docs)).toEqual([]);
    },
  );

  it('production holds no Secret and no demo value; local would be refused as real use', () => {
    const demo = readEnvFile(COMPOSE_ENV_FILE);
    expect(realUseProblems('production', render('production'), demo)).toEqual([]);
    const local = realUseProblems('local', render('local'), demo);
    expect(local).toContain('local: overlays/local/demo-secrets.yaml ships Secret ledger-signer-keys');
    expect(local).toEqual(
      expect.arrayContaining([
        'local: overlays/local/demo-secrets.yaml Secret ledger-signer-keys holds the demo LEDGER_S1_KEY',
        'local: overlays/local/demo-consortium.yaml holds a demo consortium',
      ]),
    );
  });

  it('production reads each signer database from its own CloudNativePG Secret, and pulls from the registry', () => {
    const docs = render('production');
    const env = arr(container(find(docs, 'StatefulSet', 'ledger-s3')).env).map(obj);
    expect(env.find((e) => e.name === 'DATABASE_URL')).toEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'ledger-s3-db-app', key: 'uri' } },
    });
    expect(container(find(docs, 'Deployment', 'gateway')).image).toBe(
      'registry.example.com/concord/concord:0.1.0',
    );
  });

  it('the local consortium ConfigMap is the demo consortium file', () => {
    const data = obj(find(render('local'), 'ConfigMap', 'consortium').data);
    const demoFile = path.join(K8S_ROOT, '..', 'deploy', 'consortium', 'demo.consortium.json');
    expect(JSON.parse(String(data['consortium.json']))).toEqual(JSON.parse(readFileSync(demoFile, 'utf8')));
  });

  it('reports a writable root filesystem, a missing probe, an unspread signer and a missing budget', () => {
    const docs = render('local');
    const gateway = container(find(docs, 'Deployment', 'gateway'));
    obj(gateway.securityContext).readOnlyRootFilesystem = false;
    delete gateway.startupProbe;
    delete obj(obj(find(docs, 'StatefulSet', 'ledger-s2').spec).template as Obj).spec;
    expect(podProblems(docs)).toEqual(
      expect.arrayContaining([
        'base/gateway.yaml Deployment gateway container gateway: root filesystem is not read-only',
        'base/gateway.yaml Deployment gateway container gateway: no startupProbe',
      ]),
    );
    const withoutBudget = docs.filter(
      (d) => !(d.doc.kind === 'PodDisruptionBudget' && obj(d.doc.metadata).name === 'ledger'),
    );
    expect(signerProblems(withoutBudget)).toEqual([
      'base/ledger.yaml StatefulSet ledger-s2: not spread over nodes (kubernetes.io/hostname)',
      'no PodDisruptionBudget for the signers',
    ]);
  });

  it('merges patches as kustomize does: named list items by name, other lists replaced', () => {
    const merged = mergePatch(
      {
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
        args: ['x'],
      },
      {
        env: [
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
        args: ['y'],
      },
    );
    expect(merged).toEqual({
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '3' },
        { name: 'C', value: '4' },
      ],
      args: ['y'],
    });
  });
});

describe('deploy:check', () => {
  it('refuses an object the Kubernetes schema refuses', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'overlay-'));
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n  - bad.yaml\n');
    writeFileSync(
      path.join(dir, 'bad.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: "not-a-number"\n',
    );
    const run = spawnSync('npx', ['tsx', path.join(__dirname, 'deploy-check.ts'), dir], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/bad\.yaml Service x: .*spec\/ports\/0\/port must be integer/);
  }, 30_000);
});

describe('docker-compose.yml structure', () => {
  it('is sound: dependencies, health checks, restart policies, named volumes', () => {
    expect(composeStructureProblems(loadComposeFile())).toEqual([]);
  });

  it('reports waiting for a job that restarts, a service without health check and an undeclared volume', () => {
    const compose = loadComposeFile();
    const services = obj(compose.services);
    obj(services.migrate).restart = 'unless-stopped';
    delete obj(services.redis).healthcheck;
    obj(services['kafka-2']).volumes = ['kafka-9-data:/var/lib/kafka/data'];
    const problems = composeStructureProblems(compose);
    expect(problems).toEqual(
      expect.arrayContaining([
        'compose gateway: waits for migrate to complete, which restarts',
        'compose redis: no healthcheck',
        'compose gateway: waits for redis to be healthy, which has no healthcheck',
        'compose kafka-2: volume kafka-9-data is not declared',
      ]),
    );
  });
});

describe('deploy/compose/signer.yml', () => {
  const file = path.join(K8S_ROOT, '..', 'deploy', 'compose', 'signer.yml');
  const vars = {
    SIGNER_ID: 's2',
    LEDGER_SIGNER_KEY: 'ab'.repeat(32),
    POSTGRES_PASSWORD: 'a-password',
    KAFKA_BROKERS: 'kafka-1.operator.example:9092,kafka-2.operator.example:9092',
  };

  it("runs one organisation's database, migration and signer, with what the ledger schema accepts", () => {
    const compose = loadComposeFile(file);
    expect(composeStructureProblems(compose)).toEqual([]);
    const services = obj(compose.services);
    const env = composeEnv(obj(services.ledger), vars);
    const config = loadConfig(serviceSchemas.ledger, env);
    expect(config).toMatchObject({ LEDGER_SIGNER_ID: 's2', KAFKA_BROKERS: vars.KAFKA_BROKERS });
    expect(composeEnv(obj(services.migrate), vars).MIGRATE_SIGNERS).toBe('s2');
  });

  it('has no default for the key, the password or the brokers', () => {
    const env = composeEnv(obj(obj(loadComposeFile(file).services).ledger), {});
    expect([env.LEDGER_SIGNER_KEY, env.KAFKA_BROKERS, env.LEDGER_SIGNER_ID]).toEqual(['', '', '']);
  });
});
