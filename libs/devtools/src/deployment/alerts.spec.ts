/**
 * Keeps deploy/prometheus/concord-alerts.yaml and deploy/grafana/concord-dashboard.json honest: every
 * metric a rule or a panel names is one a Concord service exports (a prom-client metric declared in the
 * sources, or one of Node's default metrics from libs/observability), or one of the few an external
 * exporter provides (named below with its source).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parseYamlFile, obj, arr } from './compose';
import { REPO_ROOT } from '../infra/settings';

const EXTERNAL: Record<string, string> = {
  kafka_consumergroup_lag: 'kafka_exporter (danielqsj/kafka-exporter, or Strimzi Kafka Exporter)',
  up: 'Prometheus itself',
};

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'le',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'test' || name === 'web') return [];
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) ? [p] : [];
  });
}

/** Metric names the services declare, with the series a histogram or summary adds. */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of [
    ...sourceFiles(path.join(REPO_ROOT, 'apps')),
    ...sourceFiles(path.join(REPO_ROOT, 'libs')),
  ]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name:\s*'([a-z_:][a-z0-9_:]*)'/g,
    )) {
      names.add(m[2]);
      if (m[1] === 'Histogram' || m[1] === 'Summary')
        for (const s of ['_bucket', '_count', '_sum']) names.add(m[2] + s);
    }
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    names.add(metric.name);
    for (const s of ['_bucket', '_count', '_sum']) names.add(metric.name + s);
  }
  return names;
}

/** The metric names of a PromQL expression: identifiers that are not functions, labels or keywords. */
export function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names: string[] = [];
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    if (m[1] === '(' || PROMQL_WORDS.has(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

function alertExpressions(): [string, string][] {
  const [file] = parseYamlFile(path.join(REPO_ROOT, 'deploy', 'prometheus', 'concord-alerts.yaml'));
  return arr(file.groups).flatMap((g) =>
    arr(obj(g).rules).map((r): [string, string] => [String(obj(r).alert), String(obj(r).expr)]),
  );
}

function dashboardExpressions(): [string, string][] {
  const dashboard = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'deploy', 'grafana', 'concord-dashboard.json'), 'utf8'),
  ) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => p.targets.map((t): [string, string] => [p.title, t.expr]));
}

const unknownMetrics = (expressions: [string, string][], known: Set<string>) =>
  expressions.flatMap(([where, expr]) =>
    metricsOf(expr)
      .filter((m) => !known.has(m) && !(m in EXTERNAL))
      .map((m) => `${where}: ${m} is exported by nobody`),
  );

describe('alert rules and dashboard', () => {
  const known = exportedMetrics();

  it('finds the metrics the services declare', () => {
    for (const m of [
      'ledger_certified_height',
      'gateway_webhook_deliveries_total',
      'process_cpu_seconds_total',
    ])
      expect(known.has(m)).toBe(true);
  });

  it('alert on what the issue names: quorum, state roots, signer and consumer lag, caps, dead letters, errors', () => {
    const alerts = alertExpressions().map(([name]) => name);
    for (const name of [
      'ConcordQuorumLost',
      'ConcordStateRootMismatch',
      'ConcordSignerLag',
      'ConcordConsumerLag',
      'ConcordNetDebitCap80',
      'ConcordWebhookDeadLetters',
      'ConcordGatewayErrorRate',
    ])
      expect(alerts).toContain(name);
  });

  it('every alert rule names only exported metrics', () => {
    expect(unknownMetrics(alertExpressions(), known)).toEqual([]);
  });

  it('every dashboard panel names only exported metrics', () => {
    expect(unknownMetrics(dashboardExpressions(), known)).toEqual([]);
  });

  it('reports a rule on a metric nobody exports', () => {
    const rules: [string, string][] = [
      ['Typo', 'sum(rate(gateway_transfer_accepted_total[5m])) by (status) > 0'],
    ];
    expect(unknownMetrics(rules, known)).toEqual([
      'Typo: gateway_transfer_accepted_total is exported by nobody',
    ]);
    expect(metricsOf('histogram_quantile(0.99, sum by (le) (rate(a_bucket{route="/x"}[5m]))) > b')).toEqual([
      'a_bucket',
      'b',
    ]);
  });
});
