import { arr, Env, obj, Obj } from './compose';
import { K8sDoc } from './overlay';

/**
 * Checks of a rendered overlay that the Kubernetes schemas cannot make: how Concord's pods must run
 * (non-root, read-only root filesystem, no capabilities, the three probes, requests and limits), that the
 * signers are spread over nodes and covered by a disruption budget, and, for an overlay meant for real
 * use, that it carries no secret and no demo key.
 */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);
const APP_IMAGE = /(^|\/)concord(:|$)/;

const name = (d: Obj) => String(obj(d.metadata).name);
const podSpec = (d: Obj) => obj(obj(obj(d.spec).template).spec);

function containerProblems(where: string, c: Obj, isJob: boolean): string[] {
  const problems: string[] = [];
  const sec = obj(c.securityContext);
  if (sec.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem is not read-only`);
  if (sec.allowPrivilegeEscalation !== false)
    problems.push(`${where}: allowPrivilegeEscalation is not false`);
  if (!arr(obj(sec.capabilities).drop).includes('ALL')) problems.push(`${where}: capabilities not dropped`);
  const probes = isJob ? [] : ['startupProbe', 'livenessProbe', 'readinessProbe'];
  for (const probe of probes) if (!c[probe]) problems.push(`${where}: no ${probe}`);
  const resources = obj(c.resources);
  if (!obj(resources.requests).cpu || !obj(resources.requests).memory)
    problems.push(`${where}: no cpu and memory requests`);
  if (!obj(resources.limits).memory) problems.push(`${where}: no memory limit`);
  return problems;
}

/** Every pod that runs the Concord image: hardened, probed, sized. */
export function podProblems(docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  for (const { file, doc } of docs.filter((d) => WORKLOADS.has(String(d.doc.kind)))) {
    const spec = podSpec(doc);
    const containers = arr(spec.containers).map(obj);
    if (!containers.some((c) => APP_IMAGE.test(String(c.image)))) continue;
    const where = `${file} ${doc.kind} ${name(doc)}`;
    if (obj(spec.securityContext).runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if (spec.automountServiceAccountToken !== false)
      problems.push(`${where}: mounts a service account token it does not need`);
    for (const c of containers) {
      problems.push(...containerProblems(`${where} container ${c.name}`, c, doc.kind === 'Job'));
    }
  }
  return problems;
}

/** Signers: one StatefulSet each, spread over nodes, under a budget that lets at most one go at a time. */
export function signerProblems(docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  const signers = docs.filter((d) => d.doc.kind === 'StatefulSet' && /^ledger-s\d+$/.test(name(d.doc)));
  if (signers.length === 0) problems.push('no signer StatefulSet (ledger-sN)');
  for (const { file, doc } of signers) {
    const spec = podSpec(doc);
    const spread = arr(spec.topologySpreadConstraints).map(obj);
    if (!spread.some((t) => t.topologyKey === 'kubernetes.io/hostname'))
      problems.push(`${file} StatefulSet ${name(doc)}: not spread over nodes (kubernetes.io/hostname)`);
    if (Number(obj(doc.spec).replicas) !== 1)
      problems.push(`${file} StatefulSet ${name(doc)}: a signer identity must run exactly once`);
  }
  const pdb = docs.find(
    (d) =>
      d.doc.kind === 'PodDisruptionBudget' &&
      obj(obj(obj(d.doc.spec).selector).matchLabels)['app.kubernetes.io/name'] === 'ledger',
  );
  if (!pdb) problems.push('no PodDisruptionBudget for the signers');
  else if (Number(obj(pdb.doc.spec).maxUnavailable) !== 1)
    problems.push('the signers PodDisruptionBudget must allow one down at most');
  return problems;
}

/**
 * An overlay meant for real use holds no Secret (each organisation creates its own) and no value of the
 * demo env file (a demo key, token or password) anywhere.
 */
export function realUseProblems(overlay: string, docs: K8sDoc[], demoValues: Env): string[] {
  const problems: string[] = [];
  const secrets = Object.entries(demoValues).filter(([k, v]) => /KEYS?$|TOKEN|PASSWORD/.test(k) && v);
  for (const { file, doc } of docs) {
    if (doc.kind === 'Secret') problems.push(`${overlay}: ${file} ships Secret ${name(doc)}`);
    const text = JSON.stringify(doc);
    for (const [variable, value] of secrets) {
      if (text.includes(String(value)))
        problems.push(`${overlay}: ${file} ${doc.kind} ${name(doc)} holds the demo ${variable}`);
    }
    // A consortium file embedded in a ConfigMap is a JSON string inside the JSON: its quotes are escaped.
    if (/"demo":\s*true/.test(text.replace(/\\"/g, '"')))
      problems.push(`${overlay}: ${file} holds a demo consortium`);
  }
  return problems;
}
