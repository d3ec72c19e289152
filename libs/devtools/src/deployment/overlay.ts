import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../infra/settings';
import { arr, obj, Obj, parseYamlFile } from './compose';

/**
 * A kustomize overlay rendered the way `kubectl apply -k` renders the parts Concord uses: `resources`
 * (files, or directories with their own kustomization.yaml), `patches` (strategic-merge patches by path:
 * maps merged key by key, lists of named items merged by `name`, other lists replaced, `$patch: delete`
 * removes the object) and `images` (name -> newName:newTag). No npm library renders kustomize (the
 * reference implementation is Go); anything else in a kustomization.yaml is refused, so that a feature
 * this does not understand cannot pass the checks unrendered.
 */
export const K8S_ROOT = path.join(REPO_ROOT, 'k8s');

export interface K8sDoc {
  /** The file it comes from, relative to k8s/. */
  file: string;
  doc: Obj;
}

const UNDERSTOOD = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images']);

const key = (d: Obj) => `${d.kind}/${obj(d.metadata).namespace ?? ''}/${obj(d.metadata).name}`;

/** Strategic merge, as far as Concord's patches go. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    const named = patch.every((p) => typeof obj(p).name === 'string') && Array.isArray(target);
    if (!named) return patch;
    const out = [...(target as unknown[])];
    for (const item of patch) {
      const i = out.findIndex((t) => obj(t).name === obj(item).name);
      if (i < 0) out.push(item);
      else out[i] = mergePatch(out[i], item);
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object') return patch;
  const out: Obj = { ...obj(target) };
  for (const [k, v] of Object.entries(patch as Obj)) out[k] = k in out ? mergePatch(out[k], v) : v;
  return out;
}

function applyPatch(docs: K8sDoc[], patch: Obj, where: string): K8sDoc[] {
  const i = docs.findIndex((d) => key(d.doc) === key(patch));
  if (i < 0) throw new Error(`${where}: patches ${key(patch)}, which the resources do not hold`);
  if (patch.$patch === 'delete') return docs.filter((_, j) => j !== i);
  return docs.map((d, j) => (j === i ? { file: d.file, doc: mergePatch(d.doc, patch) as Obj } : d));
}

function applyImages(docs: K8sDoc[], images: Obj[]): K8sDoc[] {
  const rename = (image: string) => {
    const hit = images.find((i) => image === i.name || image.startsWith(`${String(i.name)}:`));
    if (!hit) return image;
    return `${String(hit.newName ?? hit.name)}${hit.newTag ? `:${String(hit.newTag)}` : ''}`;
  };
  const fix = (c: unknown) => ({ ...obj(c), image: rename(String(obj(c).image)) });
  return docs.map(({ file, doc }) => {
    const spec = obj(obj(obj(doc.spec).template).spec);
    if (!Array.isArray(spec.containers)) return { file, doc };
    const patched: Obj = { ...spec, containers: arr(spec.containers).map(fix) };
    if (spec.initContainers) patched.initContainers = arr(spec.initContainers).map(fix);
    return { file, doc: mergePatch(doc, { spec: { template: { spec: patched } } }) as Obj };
  });
}

export function renderOverlay(dir: string): K8sDoc[] {
  const file = path.join(dir, 'kustomization.yaml');
  const [k] = parseYamlFile(file);
  const unknown = Object.keys(k).filter((name) => !UNDERSTOOD.has(name));
  if (unknown.length > 0) throw new Error(`${file}: ${unknown.join(', ')} not understood by the renderer`);
  let docs: K8sDoc[] = [];
  for (const resource of arr(k.resources).map(String)) {
    const p = path.resolve(dir, resource);
    if (!existsSync(p)) throw new Error(`${file}: resource ${resource} does not exist`);
    if (statSync(p).isDirectory()) docs.push(...renderOverlay(p));
    else docs.push(...parseYamlFile(p).map((doc) => ({ file: path.relative(K8S_ROOT, p), doc })));
  }
  for (const patch of arr(k.patches).map(obj)) {
    const p = path.resolve(dir, String(patch.path));
    for (const doc of parseYamlFile(p)) docs = applyPatch(docs, doc, path.relative(K8S_ROOT, p));
  }
  docs = applyImages(docs, arr(k.images).map(obj));
  const seen = new Set<string>();
  for (const d of docs) {
    if (seen.has(key(d.doc))) throw new Error(`${file}: ${key(d.doc)} is defined twice`);
    seen.add(key(d.doc));
  }
  return docs;
}

/** Every overlay: the directories of k8s/overlays. */
export function overlays(): string[] {
  const root = path.join(K8S_ROOT, 'overlays');
  return ['local', 'production']
    .filter((name) => existsSync(path.join(root, name, 'kustomization.yaml')))
    .map((name) => path.join(root, name));
}
