/**
 * `npm run deploy:check`: renders every overlay of k8s/ (overlay.ts), validates every object against the
 * Kubernetes schemas of the `kubernetes-models` packages (their ajv validators) and the custom resources
 * (CloudNativePG's Cluster, Strimzi's Kafka...) against their operators' CRD schemas in deploy/crds/
 * (crd-schemas.ts; one without a vendored schema is named as not validated), validates
 * docker-compose.yml's structure, and runs the manifest checks (manifest-checks.ts). The cross-checks of
 * names, ports, variables (libs/config) and topics (libs/contracts) are deployment.spec.ts, which the npm
 * script runs after this.
 */
import path from 'node:path';
import { arr, COMPOSE_ENV_FILE, loadComposeFile, obj, Obj, readEnvFile } from './compose';
import { crdProblems, crdValidator } from './crd-schemas';
import { podProblems, realUseProblems, signerProblems } from './manifest-checks';
import { K8sDoc, overlays, renderOverlay } from './overlay';

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models module of an apiVersion: `apps/v1` -> kubernetes-models/apps/v1, `v1` -> v1. */
async function modelOf(apiVersion: string, kind: string): Promise<Model | undefined> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group.includes('.') && !group.endsWith('k8s.io')) return undefined; // a custom resource
  const specifier = `kubernetes-models/${group ? `${group}/` : ''}${version}`;
  // The package is ESM only: a real dynamic import, which tsx keeps as it is.
  const load = new Function('s', 'return import(s)') as (s: string) => Promise<Record<string, Model>>;
  const module = await load(specifier).catch(() => undefined);
  return module?.[kind];
}

export async function schemaProblems(
  overlay: string,
  docs: K8sDoc[],
): Promise<{ problems: string[]; unchecked: string[] }> {
  const problems: string[] = [];
  const unchecked: string[] = [];
  for (const { file, doc } of docs) {
    const where = `${overlay}: ${file} ${doc.kind} ${obj(doc.metadata).name}`;
    const Model = await modelOf(String(doc.apiVersion), String(doc.kind));
    if (!Model) {
      // A custom resource: against its operator's CRD schema when deploy/crds has it (crd-schemas.ts).
      const validate = crdValidator(String(doc.apiVersion), String(doc.kind));
      if (validate) problems.push(...crdProblems(validate, doc).map((p) => `${where}: ${p}`));
      else unchecked.push(`${doc.apiVersion} ${doc.kind} ${obj(doc.metadata).name}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  }
  return { problems, unchecked };
}

/** What `docker compose config` would refuse, and Concord's rules for the long-running and one-shot services. */
export function composeStructureProblems(compose: Obj): string[] {
  const problems: string[] = [];
  const services = obj(compose.services);
  const volumes = obj(compose.volumes);
  for (const [name, raw] of Object.entries(services)) {
    const s = obj(raw);
    const oneShot = s.restart === 'no';
    if (!s.image) problems.push(`compose ${name}: no image`);
    for (const [dep, cond] of Object.entries(obj(s.depends_on))) {
      if (!(dep in services)) problems.push(`compose ${name}: depends on unknown service ${dep}`);
      const condition = obj(cond).condition;
      if (
        !['service_started', 'service_healthy', 'service_completed_successfully'].includes(String(condition))
      )
        problems.push(`compose ${name}: depends_on ${dep} with condition ${condition}`);
      else if (condition === 'service_healthy' && !obj(services[dep]).healthcheck)
        problems.push(`compose ${name}: waits for ${dep} to be healthy, which has no healthcheck`);
      else if (condition === 'service_completed_successfully' && obj(services[dep]).restart !== 'no')
        problems.push(`compose ${name}: waits for ${dep} to complete, which restarts`);
    }
    if (!oneShot && !s.restart) problems.push(`compose ${name}: no restart policy`);
    if (!oneShot && !s.healthcheck) problems.push(`compose ${name}: no healthcheck`);
    for (const v of arr(s.volumes).map(String)) {
      const source = v.split(':')[0];
      if (!/^[.$/]/.test(source) && !(source in volumes))
        problems.push(`compose ${name}: volume ${source} is not declared`);
    }
  }
  return problems;
}

/** Checks the overlays given as arguments (directories with a kustomization.yaml), or every overlay. */
async function main(argv: string[]): Promise<number> {
  const problems: string[] = [];
  const demo = readEnvFile(COMPOSE_ENV_FILE);
  for (const dir of argv.length > 0 ? argv.map((a) => path.resolve(a)) : overlays()) {
    const overlay = path.basename(dir);
    const docs = renderOverlay(dir);
    const { problems: schema, unchecked } = await schemaProblems(overlay, docs);
    problems.push(...schema, ...podProblems(docs).map((p) => `${overlay}: ${p}`));
    problems.push(...signerProblems(docs).map((p) => `${overlay}: ${p}`));
    if (overlay !== 'local') problems.push(...realUseProblems(overlay, docs, demo));
    console.log(
      `deploy:check ${overlay}: ${docs.length} objects rendered, ${docs.length - unchecked.length} validated against the Kubernetes and CRD schemas`,
    );
    if (unchecked.length > 0) console.log(`  custom resources not schema-checked: ${unchecked.join('; ')}`);
  }
  problems.push(...composeStructureProblems(loadComposeFile()));
  for (const p of problems) console.error(`  ${p}`);
  console.log(
    problems.length === 0
      ? 'deploy:check: manifests and compose ok'
      : `deploy:check: ${problems.length} problem(s)`,
  );
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e.stack ?? String(e));
      process.exit(1);
    },
  );
}
