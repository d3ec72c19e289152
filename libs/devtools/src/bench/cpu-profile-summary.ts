import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from '../database/prisma';

/**
 * Summarizes a V8 `.cpuprofile` (as written by cpu-prof-hook.ts or `node --cpu-prof`): self time per
 * package or source file and per function, idle time apart. Enough to say where a service spends its CPU
 * without opening DevTools.
 *
 *   node dist/libs/devtools/src/bench/cpu-profile-summary.js <file.cpuprofile> [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  /** Self time by package (node_modules), repository source file or V8 category, busiest first. */
  byPlace: { place: string; ms: number; share: number }[];
  /** Self time by function, busiest first. */
  byFunction: { fn: string; place: string; ms: number; share: number }[];
  /** Time with the place anywhere on the stack (callees included), busiest first. */
  inclusiveByPlace: { place: string; ms: number; share: number }[];
  /** Time under each function of the repository's own sources (apps/, libs/), callees included. */
  inclusiveByRepoFunction: { fn: string; place: string; ms: number; share: number }[];
}

/** Where a frame's code lives: `pkg:<name>`, a repository path, `node:<module>` or a V8 pseudo-frame. */
export function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return `pkg:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith('node:')) return path;
  if (path.startsWith('/')) return relative(REPO_ROOT, path);
  return path;
}

/** The profile's call tree, with the nodes of the profiler hook itself set apart. */
interface ProfileTree {
  profile: CpuProfile;
  nodes: Map<number, ProfileNode>;
  parent: Map<number, number>;
  /** Samples taken while the profiler hook itself runs (starting and stopping it): not the service's work. */
  hookNodes: Set<number>;
}

function readTree(file: string): ProfileTree {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hookNodes = new Set<number>();
  const isHook = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (hookNodes.has(at) || nodes.get(at)?.callFrame.url.includes('cpu-prof-hook')) return true;
    }
    return false;
  };
  for (const n of profile.nodes) if (isHook(n.id)) hookNodes.add(n.id);
  return { profile, nodes, parent, hookNodes };
}

const functionKey = (frame: ProfileNode['callFrame'], place: string) =>
  `${frame.functionName || '(anonymous)'} ${place}:${frame.lineNumber + 1}`;

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

/** Time with each place, and each repository function, anywhere on the stack (callees included). */
function inclusiveTimes(tree: ProfileTree): { places: Map<string, number>; fns: Map<string, number> } {
  const places = new Map<string, number>();
  const fns = new Map<string, number>();
  tree.profile.samples.forEach((id, i) => {
    const us = tree.profile.timeDeltas[i] ?? 0;
    if (tree.hookNodes.has(id) || tree.nodes.get(id)?.callFrame.functionName === '(idle)') return;
    const seenPlaces = new Set<string>();
    const seenFns = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = tree.parent.get(at)) {
      const frame = tree.nodes.get(at)?.callFrame;
      if (!frame) break;
      const place = placeOf(frame.url, frame.functionName);
      seenPlaces.add(place);
      if (/^(dist\/)?(apps|libs)\//.test(place)) seenFns.add(functionKey(frame, place));
    }
    for (const p of seenPlaces) add(places, p, us);
    for (const f of seenFns) add(fns, f, us);
  });
  return { places, fns };
}

/** Self time by place and by function, and the busy and idle totals. */
function selfTimes(tree: ProfileTree) {
  const selfUs = new Map<number, number>();
  tree.profile.samples.forEach((id, i) => {
    if (!tree.hookNodes.has(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (tree.profile.timeDeltas[i] ?? 0));
  });
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = tree.nodes.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const place = placeOf(node.callFrame.url, node.callFrame.functionName);
    add(places, place, us);
    add(functions, functionKey(node.callFrame, place), us);
  }
  return { places, functions, idleUs, busyUs };
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const tree = readTree(file);
  const self = selfTimes(tree);
  const inclusive = inclusiveTimes(tree);
  const share = (us: number) => (self.busyUs > 0 ? us / self.busyUs : 0);
  const busiest = (map: Map<string, number>, keep: (key: string) => boolean = () => true) =>
    [...map]
      .filter(([key]) => keep(key))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top);
  const byPlace = (map: Map<string, number>, keep?: (key: string) => boolean) =>
    busiest(map, keep).map(([place, us]) => ({ place, ms: us / 1000, share: share(us) }));
  const byFunction = (map: Map<string, number>) =>
    busiest(map).map(([fn, us]) => ({
      fn: fn.split(' ')[0],
      place: fn.slice(fn.indexOf(' ') + 1),
      ms: us / 1000,
      share: share(us),
    }));
  return {
    file,
    wallMs: (tree.profile.endTime - tree.profile.startTime) / 1000,
    busyMs: self.busyUs / 1000,
    idleMs: self.idleUs / 1000,
    byPlace: byPlace(self.places),
    byFunction: byFunction(self.functions),
    inclusiveByPlace: byPlace(inclusive.places, (place) => !place.startsWith('(')),
    inclusiveByRepoFunction: byFunction(inclusive.fns),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`;
  const lines = [
    `${relative(REPO_ROOT, summary.file)}: ${(summary.busyMs / 1000).toFixed(1)} s busy of ${(
      summary.wallMs / 1000
    ).toFixed(1)} s (${pct(summary.busyMs / Math.max(1, summary.wallMs)).trim()} of one core)`,
    '  self time by place:',
    ...summary.byPlace.map((p) => `    ${pct(p.share)}  ${p.place}`),
    '  self time by function:',
    ...summary.byFunction.map((f) => `    ${pct(f.share)}  ${f.fn}  (${f.place})`),
    '  time with the place on the stack (callees included):',
    ...summary.inclusiveByPlace.map((p) => `    ${pct(p.share)}  ${p.place}`),
    '  time under repository functions (callees included):',
    ...summary.inclusiveByRepoFunction.map((f) => `    ${pct(f.share)}  ${f.fn}  (${f.place})`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: cpu-profile-summary.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(file, top ? Number(top) : 15)));
}
