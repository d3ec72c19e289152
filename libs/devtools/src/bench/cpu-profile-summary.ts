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

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Samples taken while the profiler hook itself runs (starting and stopping the profiler) are not the
  // service's work.
  const hookNodes = new Set<number>();
  const isHook = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (hookNodes.has(at) || nodes.get(at)?.callFrame.url.includes('cpu-prof-hook')) return true;
    }
    return false;
  };
  for (const n of profile.nodes) if (isHook(n.id)) hookNodes.add(n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!hookNodes.has(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const inclusivePlaces = new Map<string, number>();
  const inclusiveFns = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (hookNodes.has(id) || nodes.get(id)?.callFrame.functionName === '(idle)') return;
    const seenPlaces = new Set<string>();
    const seenFns = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at)?.callFrame;
      if (!frame) break;
      const place = placeOf(frame.url, frame.functionName);
      seenPlaces.add(place);
      if (/^(dist\/)?(apps|libs)\//.test(place))
        seenFns.add(`${frame.functionName || '(anonymous)'} ${place}:${frame.lineNumber + 1}`);
    }
    for (const p of seenPlaces) inclusivePlaces.set(p, (inclusivePlaces.get(p) ?? 0) + us);
    for (const f of seenFns) inclusiveFns.set(f, (inclusiveFns.get(f) ?? 0) + us);
  });
  const places = new Map<string, number>();
  const functions = new Map<string, { place: string; us: number }>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`;
    const entry = functions.get(key) ?? { place, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    file,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    byPlace: [...places]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([place, us]) => ({ place, ms: us / 1000, share: share(us) })),
    byFunction: [...functions]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, v]) => ({
        fn: fn.split(' ')[0],
        place: fn.slice(fn.indexOf(' ') + 1),
        ms: v.us / 1000,
        share: share(v.us),
      })),
    inclusiveByPlace: [...inclusivePlaces]
      .filter(([place]) => !place.startsWith('('))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([place, us]) => ({ place, ms: us / 1000, share: share(us) })),
    inclusiveByRepoFunction: [...inclusiveFns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({
        fn: fn.split(' ')[0],
        place: fn.slice(fn.indexOf(' ') + 1),
        ms: us / 1000,
        share: share(us),
      })),
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
