/**
 * The schemas of the custom resources the production overlay uses (CloudNativePG's Cluster, Strimzi's
 * Kafka, KafkaNodePool and KafkaTopic), which the `kubernetes-models` packages do not have: each is the
 * `openAPIV3Schema` of the operator's own CustomResourceDefinition, the one its API server validates with,
 * vendored in deploy/crds/ (sources and versions in deploy/crds/README.md) without its descriptions.
 * `npm run deploy:check` validates every such object against it with ajv. What a structural schema
 * cannot say (the CRDs' CEL rules, `x-kubernetes-validations`) is not checked here.
 *
 *   npx tsx libs/devtools/src/deployment/crd-schemas.ts vendor <crd.yaml>...   (an operator upgrade;
 *   then `npx prettier --write deploy/crds`)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import { arr, obj, Obj, parseYamlFile } from './compose';
import { REPO_ROOT } from '../infra/settings';

export const CRD_DIR = path.join(REPO_ROOT, 'deploy', 'crds');

/** deploy/crds/<group>_<Kind>_<version>.json */
const fileOf = (group: string, kind: string, version: string) =>
  path.join(CRD_DIR, `${group}_${kind}_${version}.json`);

/** The schema without its `description`s (most of a CRD's bytes), keeping properties named description. */
export function withoutDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDescriptions);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Obj = {};
  for (const [key, value] of Object.entries(schema as Obj)) {
    if (key === 'description' && typeof value === 'string') continue;
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(obj(value)).map(([k, v]) => [k, withoutDescriptions(v)]));
    } else out[key] = withoutDescriptions(value);
  }
  return out;
}

/** Writes the served versions' schemas of each CustomResourceDefinition in the files given. */
export function vendor(files: string[]): string[] {
  const written: string[] = [];
  for (const file of files) {
    for (const crd of parseYamlFile(file).filter((d) => d.kind === 'CustomResourceDefinition')) {
      const spec = obj(crd.spec);
      const kind = String(obj(spec.names).kind);
      for (const version of arr(spec.versions)
        .map(obj)
        .filter((v) => v.served === true)) {
        const schema = obj(obj(version.schema).openAPIV3Schema);
        const target = fileOf(String(spec.group), kind, String(version.name));
        writeFileSync(target, `${JSON.stringify(withoutDescriptions(schema))}\n`);
        written.push(path.relative(REPO_ROOT, target));
      }
    }
  }
  return written;
}

export interface CrdSchema {
  schema: Obj;
  validate: ValidateFunction;
}

let ajv: Ajv | undefined;
const schemas = new Map<string, CrdSchema | null>();

/**
 * The schema of a custom resource's apiVersion and kind, or undefined when none is vendored. Kubernetes
 * extensions (`x-kubernetes-*`) are not JSON Schema keywords and formats such as int64 are not checked, as
 * the API server does not check them either (strict mode off, formats off).
 */
export function crdValidator(apiVersion: string, kind: string): CrdSchema | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!schemas.has(key)) {
    const [group, version] = apiVersion.split('/');
    const file = fileOf(group, kind, version);
    if (!readdirSync(CRD_DIR).includes(path.basename(file))) schemas.set(key, null);
    else {
      const schema = JSON.parse(readFileSync(file, 'utf8')) as Obj;
      ajv ??= new Ajv({ strict: false, allErrors: true, validateFormats: false });
      schemas.set(key, { schema, validate: ajv.compile(schema) });
    }
  }
  return schemas.get(key) ?? undefined;
}

/**
 * Fields the schema does not declare, as `kubectl apply` (strict field validation) refuses them: where a
 * schema lists `properties` and neither allows other keys nor preserves unknown fields. metadata is the
 * API server's (ObjectMeta), not the CRD's.
 */
function unknownFields(schema: Obj, value: unknown, at: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) {
    const items = obj(schema.items);
    return value.flatMap((v, i) => unknownFields(items, v, `${at}/${i}`));
  }
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return [];
  const properties = schema.properties === undefined ? undefined : obj(schema.properties);
  const additional = schema.additionalProperties;
  const out: string[] = [];
  for (const [key, v] of Object.entries(value as Obj)) {
    if (at === '' && key === 'metadata') continue;
    const declared = properties?.[key];
    if (declared !== undefined) out.push(...unknownFields(obj(declared), v, `${at}/${key}`));
    else if (additional !== undefined && typeof additional === 'object')
      out.push(...unknownFields(obj(additional), v, `${at}/${key}`));
    else if (properties !== undefined && additional !== true)
      out.push(`${at}/${key} is not a field of the schema`);
  }
  return out;
}

/** The schema's complaints about one custom resource, `<path> <message>` each. */
export function crdProblems(crd: CrdSchema, doc: Obj): string[] {
  const invalid = crd.validate(doc)
    ? []
    : (crd.validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
  return [...invalid, ...unknownFields(crd.schema, doc, '')];
}

if (require.main === module) {
  const [command, ...files] = process.argv.slice(2);
  if (command !== 'vendor' || files.length === 0) {
    console.error('usage: crd-schemas.ts vendor <crd.yaml>...');
    process.exit(2);
  }
  for (const f of vendor(files)) console.log(`wrote ${f}`);
}
