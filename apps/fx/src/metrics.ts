import { Counter, Gauge, Registry } from 'prom-client';

/** The FX service's own metrics, next to Node's defaults in the registry /metrics serves. */
export class FxMetrics {
  readonly refreshes: Counter<'provider' | 'outcome'>;
  /** 1 while the latest refresh failed and quotes rest on the last good (ageing) rates. */
  readonly ageing: Gauge<'provider'>;
  readonly lastSuccess: Gauge<'provider'>;
  readonly oldestRateAge: Gauge<'provider'>;
  readonly requests: Counter<'type' | 'outcome'>;

  constructor(readonly registry: Registry) {
    this.refreshes = new Counter({
      name: 'fx_rate_refreshes_total',
      help: 'Rate refreshes by provider and outcome (ok, or the kind of failure)',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    });
    this.ageing = new Gauge({
      name: 'fx_rates_ageing',
      help: '1 while the last rate refresh failed and the last good rates are in use',
      labelNames: ['provider'],
      registers: [registry],
    });
    this.lastSuccess = new Gauge({
      name: 'fx_rate_last_success_timestamp_seconds',
      help: 'When the rates were last refreshed successfully',
      labelNames: ['provider'],
      registers: [registry],
    });
    this.oldestRateAge = new Gauge({
      name: 'fx_rate_oldest_age_seconds',
      help: 'Age of the oldest rate in use, by its as-of time, at the last look',
      labelNames: ['provider'],
      registers: [registry],
    });
    this.requests = new Counter({
      name: 'fx_requests_total',
      help: 'Requests answered, by type and outcome (ok or the error code)',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    });
  }
}
