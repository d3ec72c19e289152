import pino, { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type { Logger };

/** Structured JSON logs (pino): one line per event, with the service and signer as fields. */
export function createLogger(service: string, level: string, fields: Record<string, string> = {}): Logger {
  return pino({ level, base: { service, ...fields } });
}

/**
 * The event-loop delay histogram's sampling timer. prom-client's default of 10 ms wakes every process
 * a hundred times a second even when it is idle, which on a VM where each wake-up is a context switch
 * costs more than it tells; delays longer than 100 ms, the ones worth an alert, are still measured.
 */
const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/** A Prometheus registry per process, with Node's default metrics. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
  });
  return registry;
}

export type HealthCheck = () => Promise<void>;

/**
 * A small operations endpoint for services without an HTTP API: `/health` (liveness), `/ready` (runs
 * every check) and `/metrics` (Prometheus).
 */
export async function startOpsServer(
  port: number,
  registry: Registry,
  checks: Record<string, HealthCheck>,
): Promise<{ close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
      } else if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"up"}');
      } else if (req.url === '/ready') {
        const results = await runChecks(checks);
        const ok = Object.values(results).every((r) => r === 'up');
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: ok ? 'up' : 'down', checks: results }));
      } else {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));
  return { close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function runChecks(checks: Record<string, HealthCheck>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, 'up'] as const;
      } catch (e) {
        return [name, `down: ${(e as Error).message}`] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
