import { Counter, Registry } from 'prom-client';

/** The clearing service's own metrics, next to Node's defaults in the registry /metrics serves. */
export class ClearingMetrics {
  readonly blocks: Counter;
  readonly windowsClosed: Counter<'currency' | 'reason'>;
  readonly instructions: Counter<'currency' | 'direction'>;
  readonly limitAlarms: Counter<'currency'>;
  readonly eventsPublished: Counter<'topic'>;
  readonly postingsRefused: Counter<'reason'>;

  constructor(readonly registry: Registry) {
    this.blocks = new Counter({
      name: 'clearing_blocks_applied_total',
      help: 'Finalized blocks taken into the settlement windows',
      registers: [registry],
    });
    this.windowsClosed = new Counter({
      name: 'clearing_windows_closed_total',
      help: 'Settlement windows closed, by currency and reason (schedule or operator)',
      labelNames: ['currency', 'reason'],
      registers: [registry],
    });
    this.instructions = new Counter({
      name: 'clearing_instructions_total',
      help: 'Settlement instructions planned by closes of this process, by currency and direction',
      labelNames: ['currency', 'direction'],
      registers: [registry],
    });
    this.limitAlarms = new Counter({
      name: 'clearing_limit_alarms_total',
      help: 'Positions that went below the alarm share of their net debit cap, by currency',
      labelNames: ['currency'],
      registers: [registry],
    });
    this.eventsPublished = new Counter({
      name: 'clearing_events_published_total',
      help: 'Outbox messages published, by topic (clearingEvents: events; ledgerCommands: settlement postings)',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.postingsRefused = new Counter({
      name: 'clearing_settlement_postings_refused_total',
      help: 'Settlement postings the ledger refused (positions not moved although the bank settled), by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}
