import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../infra/settings';

export type Obj = Record<string, unknown>;
export type Env = Record<string, string | undefined>;

export const obj = (x: unknown): Obj =>
  x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Obj) : {};
export const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** The env file that deployment checks and the image rehearsal interpolate compose with (public demo values). */
export const COMPOSE_ENV_FILE = path.join(REPO_ROOT, 'deploy', 'compose', 'demo.env');

/** `NAME=value` lines of an env file (no quotes, no export), as docker compose --env-file reads them. */
export function readEnvFile(file: string): Env {
  const env: Env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/**
 * Compose interpolation: `${VAR:-d}` gives VAR or d, `${VAR:?err}` gives VAR or nothing, `$$` gives `$`.
 * `vars` stands for the env file and the shell (the checks give the demo env file only).
 */
export function interpolate(value: string, vars: Env): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match: string, name?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const set = vars[name ?? bare ?? ''];
      if (set !== undefined && set !== '' && op !== '+' && op !== ':+') return set;
      return op === ':-' || op === '-' ? (arg ?? '') : '';
    },
  );
}

export function parseYamlFile(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const out: Obj[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    const js: unknown = doc.toJS();
    if (js !== null && js !== undefined) out.push(obj(js));
  }
  return out;
}

export function loadComposeFile(file = path.join(REPO_ROOT, 'docker-compose.yml')): Obj {
  const docs = parseYamlFile(file);
  if (docs.length !== 1) throw new Error(`${file}: ${docs.length} YAML documents, expected 1`);
  return docs[0];
}

/** A service's environment, interpolated, from the map or the list syntax. */
export function composeEnv(service: Obj, vars: Env): Env {
  const raw = service.environment;
  const env: Env = {};
  if (Array.isArray(raw)) {
    for (const item of raw.map(String)) {
      const i = item.indexOf('=');
      if (i < 0) env[item] = undefined;
      else env[item.slice(0, i)] = interpolate(item.slice(i + 1), vars);
    }
  } else {
    for (const [key, value] of Object.entries(obj(raw))) {
      env[key] = value === null || value === undefined ? undefined : interpolate(String(value), vars);
    }
  }
  return env;
}

export function composeCommand(service: Obj): string[] {
  const c = service.command;
  return Array.isArray(c) ? c.map(String) : typeof c === 'string' ? c.split(/\s+/) : [];
}

/** Bind mounts `source:target[:mode]` of a service, sources interpolated and resolved from the repo root. */
export function bindMounts(service: Obj, vars: Env): { source: string; target: string }[] {
  return arr(service.volumes)
    .map((v) => interpolate(String(v), vars).split(':'))
    .filter(([source]) => source.startsWith('.') || source.startsWith('/'))
    .map(([source, target]) => ({ source: path.resolve(REPO_ROOT, source), target }));
}
