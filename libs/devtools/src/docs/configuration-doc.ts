import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceSchemas } from '@concord/config';
import { z } from 'zod';

/**
 * docs/configuration.md, rendered from the libs/config schemas: every variable of every service in
 * `serviceSchemas`, with the services that read it, its type or allowed values, its default and its
 * `.describe()` text. The schemas are the one source: a variable added to a schema appears here without
 * an edit to this file, and `npm run docs:check` (in CI) fails until the document is regenerated.
 *
 * `npm run docs:config` writes the file; `npm run docs:check` exits 1 naming the lines that differ.
 */

export const CONFIGURATION_DOC_PATH = 'docs/configuration.md';

/** One environment variable as the document shows it. */
export interface VariableDoc {
  name: string;
  /** The services whose schema reads it, in `serviceSchemas` order. */
  services: string[];
  type: string;
  /** The default as the environment would spell it, or undefined when there is none. */
  defaultValue?: string;
  required: boolean;
  /** The `.describe()` text; several when services describe a shared variable differently. */
  descriptions: { services: string[]; text: string }[];
}

/** The JSON Schema facts of one field that the document needs (zod's own input-side rendering). */
interface FieldSchema {
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  default?: unknown;
}

type Schemas = Record<string, z.ZodType>;

/** The fields of a service schema: refinements live inside a zod 4 object, so `.shape` is always there. */
function shapeOf(service: string, schema: z.ZodType): Record<string, z.ZodType> {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) throw new Error(`the configuration schema of ${service} is not a z.object`);
  return shape;
}

/** Every variable of every schema, in the order of the services and then of their fields. */
export function collectVariables(schemas: Schemas = serviceSchemas): VariableDoc[] {
  const byName = new Map<string, VariableDoc>();
  for (const [service, schema] of Object.entries(schemas)) {
    for (const [name, field] of Object.entries(shapeOf(service, schema))) {
      const text = (field.description ?? '').replace(/\s+/g, ' ').trim();
      const known = byName.get(name);
      if (known) {
        known.services.push(service);
        const same = known.descriptions.find((d) => d.text === text);
        if (same) same.services.push(service);
        else known.descriptions.push({ services: [service], text });
        continue;
      }
      const json = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' }) as FieldSchema;
      byName.set(name, {
        name,
        services: [service],
        type: typeOf(name, json),
        ...(json.default !== undefined ? { defaultValue: String(json.default) } : {}),
        required: !field.safeParse(undefined).success,
        descriptions: [{ services: [service], text }],
      });
    }
  }
  return [...byName.values()];
}

const code = (text: string) => '`' + text + '`';

/** Integers beyond this are "no upper bound" (zod's `.int()` caps at Number.MAX_SAFE_INTEGER). */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/** A readable type: allowed values, an integer range (with its unit), a URL, a pattern. */
function typeOf(name: string, json: FieldSchema): string {
  if (json.enum) return json.enum.map((v) => code(String(v))).join(', ');
  if (json.type === 'integer' || json.type === 'number') {
    const kind = json.type === 'integer' ? 'integer' : 'number';
    const unit = unitOf(name);
    const min = json.minimum;
    const max = json.maximum !== undefined && json.maximum < UNBOUNDED ? json.maximum : undefined;
    const range =
      min !== undefined && max !== undefined
        ? `${min}–${max}`
        : min !== undefined
          ? `≥ ${min}`
          : max !== undefined
            ? `≤ ${max}`
            : '';
    return [kind, range, unit].filter(Boolean).join(' ');
  }
  if (json.type === 'string') {
    if (json.format === 'uri') return 'URL';
    const parts = ['string'];
    if (json.minLength !== undefined || json.maxLength !== undefined) {
      parts.push(`of ${json.minLength ?? 0}–${json.maxLength ?? '∞'} characters`);
    }
    if (json.pattern) parts.push(`matching ${code(json.pattern)}`);
    return parts.join(' ');
  }
  return json.type ?? 'any';
}

/** The unit a name ends with, by the project's convention (`timeoutMs`, `maxAgeS`, `shareBps`). */
function unitOf(name: string): string {
  if (name.endsWith('_PORT')) return '(port)';
  if (name.endsWith('_MS')) return 'ms';
  if (name.endsWith('_S')) return 's';
  if (name.endsWith('_BPS')) return 'bps';
  if (name.endsWith('_DAYS')) return 'days';
  return '';
}

/** `3600000` → `1 h` for durations that read better in larger units. */
function humanDuration(name: string, value: string): string | undefined {
  const factor = name.endsWith('_MS') ? 1 : name.endsWith('_S') ? 1000 : 0;
  const ms = Number(value) * factor;
  if (!factor || !Number.isInteger(ms) || ms < 60_000) return undefined;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
  ] as const) {
    if (ms % size === 0 && (unit !== 'd' || ms / size > 1)) return `${ms / size} ${unit}`;
  }
  return undefined;
}

function defaultCell(v: VariableDoc): string {
  if (v.required) return '**required**';
  if (v.defaultValue === undefined) return '(unset)';
  if (v.defaultValue === '') return '(empty)';
  const human = humanDuration(v.name, v.defaultValue);
  return code(v.defaultValue) + (human ? ` (${human})` : '');
}

function descriptionCell(v: VariableDoc): string {
  if (v.descriptions.length === 1) return v.descriptions[0].text || '(no description)';
  return v.descriptions.map((d) => `${d.services.join(', ')}: ${d.text || '(no description)'}`).join(' ');
}

/** A table cell: one line, with the characters that would end the cell escaped. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}

/**
 * The document (before Prettier, which only re-spaces its tables). Variables are grouped by the set of
 * services that read them, in the order in which the groups first appear.
 */
export function renderConfigurationDoc(schemas: Schemas = serviceSchemas): string {
  const services = Object.keys(schemas);
  const variables = collectVariables(schemas);
  const groups = new Map<string, VariableDoc[]>();
  for (const v of variables) {
    const key = v.services.join(', ');
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const out = [
    '<!-- Generated by `npm run docs:config` from libs/config/src/config.ts: edit the schemas and their',
    '`.describe()` texts there, then run it again. `npm run docs:check` (CI) fails while this file is out of date. -->',
    '',
    '# Configuration',
    '',
    'Every service reads its environment through `libs/config` once at start-up (`loadConfig`) and stops',
    'with every invalid variable named. Empty values count as unset. The variables of the developer tools',
    '(`npm start`, `infra:up`, `db:migrate`, `npm run bench`) are in [operations.md](operations.md#tool-variables).',
    '',
    `Services: ${services.map(code).join(', ')} (the names of \`serviceSchemas\`, as in docker-compose.yml and k8s/).`,
    '',
  ];
  for (const [key, members] of groups) {
    const heading =
      members[0].services.length === services.length && services.length > 1
        ? `Every service (${key})`
        : members[0].services.join(' and ');
    out.push(`## ${heading}`, '', '| variable | type | default | description |', '| --- | --- | --- | --- |');
    for (const v of members) {
      out.push(`| ${[code(v.name), v.type, defaultCell(v), descriptionCell(v)].map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Variables without a `.describe()` text: the document would show "(no description)" for them. */
export function undescribedVariables(schemas: Schemas = serviceSchemas): string[] {
  return collectVariables(schemas)
    .filter((v) => v.descriptions.some((d) => d.text === ''))
    .map(
      (v) =>
        `${v.name} (${v.descriptions
          .filter((d) => d.text === '')
          .flatMap((d) => d.services)
          .join(', ')})`,
    );
}

/**
 * The lines that differ between two texts, as `-` (only in `actual`) and `+` (only in `expected`) lines
 * with their line numbers, from a longest common subsequence (the document is a few hundred lines).
 */
export function lineDiff(actual: string, expected: string, maxLines = 40): string[] {
  const a = actual.split('\n');
  const b = expected.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`- ${i + 1}: ${a[i]}`);
      i++;
    } else {
      out.push(`+ ${j + 1}: ${b[j]}`);
      j++;
    }
  }
  return out.length > maxLines ? [...out.slice(0, maxLines), `... and ${out.length - maxLines} more`] : out;
}

/** The document exactly as it is written: rendered, then formatted by the repository's Prettier settings. */
export async function formattedConfigurationDoc(root: string): Promise<string> {
  const prettier = await import('prettier');
  const path = join(root, CONFIGURATION_DOC_PATH);
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(renderConfigurationDoc(), { ...options, filepath: path, parser: 'markdown' });
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  const root = process.cwd();
  const path = join(root, CONFIGURATION_DOC_PATH);
  if (mode !== 'write' && mode !== 'check') {
    console.error('usage: tsx libs/devtools/src/docs/configuration-doc.ts write|check');
    process.exit(2);
  }
  const undescribed = undescribedVariables();
  if (undescribed.length > 0) {
    console.error(`configuration variables without a .describe() text in libs/config/src/config.ts:`);
    for (const v of undescribed) console.error(`  ${v}`);
    if (mode === 'check') process.exit(1);
  }
  const expected = await formattedConfigurationDoc(root);
  if (mode === 'write') {
    writeFileSync(path, expected);
    console.log(`wrote ${CONFIGURATION_DOC_PATH} (${collectVariables().length} variables)`);
    return;
  }
  let actual: string;
  try {
    actual = readFileSync(path, 'utf8');
  } catch {
    console.error(`${CONFIGURATION_DOC_PATH} is missing: run npm run docs:config`);
    process.exit(1);
  }
  if (actual === expected) {
    console.log(`${CONFIGURATION_DOC_PATH} is up to date`);
    return;
  }
  console.error(
    `${CONFIGURATION_DOC_PATH} is out of date with libs/config/src/config.ts; run npm run docs:config.`,
  );
  console.error('- lines in the file, + lines the schemas give:');
  for (const line of lineDiff(actual, expected)) console.error(line);
  process.exit(1);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
