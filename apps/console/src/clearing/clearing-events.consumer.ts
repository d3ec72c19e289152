import type { Kafka, Producer } from 'kafkajs';
import { ClearingEvent, clearingEventSchema, topicName } from '@concord/contracts';
import { consumeValidated, groupName, KafkaSettings, SupervisedConsumer } from '@concord/kafka';
import { sqlOf, SqlPool } from '@concord/db';
import type { Logger } from '@concord/observability';
import type { ConsoleDb } from '../console.db';
import type { AlarmsConsumer } from '../alarms/alarms.consumer';
import type { NewAlarm } from '../alarms/alarms.repository';
import type { EventBus } from '../events/event-bus';

function windowOf(e: ClearingEvent): { windowId: number | null; currency: string | null } {
  if ('windowId' in e) return { windowId: e.windowId, currency: 'currency' in e ? e.currency : null };
  if ('instruction' in e) return { windowId: e.instruction.windowId, currency: e.instruction.currency };
  return { windowId: null, currency: 'currency' in e ? e.currency : null };
}

/** A limit alarm of clearing (a position past 80 % of its net debit cap) as a console alarm. */
export function limitAlarm(e: ClearingEvent, at: Date): NewAlarm | null {
  if (e.type !== 'limit.alarm') return null;
  return {
    id: `clearing-${e.eventId}`,
    source: 'clearing',
    kind: 'limit',
    height: e.height,
    signerId: null,
    participantId: e.participantId,
    detail: `${e.participantId} ${e.currency}: position ${e.positionMinor} is past the alarm threshold ${e.thresholdMinor} of its net debit cap ${e.capMinor}`,
    accounts: [e.accountId],
    signers: [],
    raw: e as unknown as Record<string, unknown>,
    raisedAt: at.toISOString(),
  };
}

/** Reads clearing.events: stored by event id (deduplicated), limit alarms raised, windows announced live. */
export class ClearingEventsConsumer {
  private consumer: SupervisedConsumer | null = null;
  private readonly sql: SqlPool;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    db: ConsoleDb,
    private readonly alarms: AlarmsConsumer,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {
    this.sql = sqlOf(db);
  }

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('clearingEvents', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'console-clearing-events'),
      schema: clearingEventSchema,
      service: 'console',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      onRestart: (error, delayMs) =>
        this.log.warn({ err: error, delayMs }, 'clearing events consumer failed; restarting'),
      handle: async (messages) => {
        const rows = messages.map((m) => ({
          eventId: m.value.eventId,
          type: m.value.type,
          ...windowOf(m.value),
          body: m.value,
        }));
        await this.sql.execute(
          `INSERT INTO "console".clearing_event (event_id, type, window_id, currency, body)
           SELECT "eventId", type, "windowId", currency, body
           FROM jsonb_to_recordset($1::jsonb) AS x("eventId" text, type text, "windowId" int, currency text, body jsonb)
           ON CONFLICT (event_id) DO NOTHING`,
          [JSON.stringify(rows)],
        );
        await this.alarms.store(
          messages
            .map((m) => limitAlarm(m.value, new Date(m.timestampMs)))
            .filter((a): a is NewAlarm => a !== null),
        );
        for (const r of rows)
          this.bus.publish('window', { type: r.type, windowId: r.windowId, currency: r.currency });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
