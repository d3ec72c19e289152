import type { Kafka, Producer } from 'kafkajs';
import { Controller, Get, Inject } from '@nestjs/common';
import {
  topicName,
  WebhookDeliveryEvent,
  webhookDeliveryEventSchema,
  WebhookHealth,
} from '@concord/contracts';
import { sqlOf, SqlPool } from '@concord/db';
import { consumeValidated, groupName, KafkaSettings, SupervisedConsumer } from '@concord/kafka';
import type { Logger } from '@concord/observability';
import { Permission } from '../auth/caller';
import type { ConsoleDb } from '../console.db';

interface HealthRow {
  participant_id: string;
  delivered: number;
  failed: number;
  dead: number;
  last_success: Date | null;
  last_failure: Date | null;
  last_status: number | null;
  last_error: string | null;
}

export const healthView = (r: HealthRow): WebhookHealth => ({
  participantId: r.participant_id,
  delivered24h: Number(r.delivered),
  failedAttempts24h: Number(r.failed),
  deadLetters: Number(r.dead),
  lastSuccessAt: r.last_success?.toISOString() ?? null,
  lastFailureAt: r.last_failure?.toISOString() ?? null,
  lastFailure: r.last_error ?? (r.last_status !== null ? `answered ${r.last_status}` : null),
});

/** The gateway's webhook delivery attempts as the console keeps them, and the health made of them. */
export class WebhookHealthRepository {
  private readonly sql: SqlPool;

  constructor(db: ConsoleDb) {
    this.sql = sqlOf(db);
  }

  /** Stores attempts once each (by delivery and attempt), so a batch read again changes nothing. */
  async record(events: WebhookDeliveryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.sql.execute(
      `INSERT INTO "console".webhook_attempt (delivery_id, attempt, participant_id, webhook_id, event, outcome,
         status_code, error, at)
       SELECT "deliveryId", attempt, "participantId", "webhookId", event, outcome, "statusCode", error, at::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS x("deliveryId" text, attempt int, "participantId" text,
         "webhookId" text, event text, outcome text, "statusCode" int, error text, at text)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(events)],
    );
  }

  async health(): Promise<WebhookHealth[]> {
    const rows = await this.sql.query<HealthRow>(
      `SELECT p.participant_id,
         count(*) FILTER (WHERE a.outcome = 'delivered' AND a.at > now() - interval '24 hours')::int AS delivered,
         count(*) FILTER (WHERE a.outcome <> 'delivered' AND a.at > now() - interval '24 hours')::int AS failed,
         count(*) FILTER (WHERE a.outcome = 'dead')::int AS dead,
         max(a.at) FILTER (WHERE a.outcome = 'delivered') AS last_success,
         f.at AS last_failure, f.status_code AS last_status, f.error AS last_error
       FROM (SELECT DISTINCT participant_id FROM "console".webhook_attempt) p
       JOIN "console".webhook_attempt a ON a.participant_id = p.participant_id
       LEFT JOIN LATERAL (
         SELECT at, status_code, error FROM "console".webhook_attempt l
         WHERE l.participant_id = p.participant_id AND l.outcome <> 'delivered' ORDER BY at DESC LIMIT 1
       ) f ON true
       GROUP BY p.participant_id, f.at, f.status_code, f.error
       ORDER BY p.participant_id`,
    );
    return rows.map(healthView);
  }
}

/** Reads gateway.webhook-deliveries into the console's webhook health. */
export class WebhookDeliveriesConsumer {
  private consumer: SupervisedConsumer | null = null;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly repository: WebhookHealthRepository,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.consumer = await consumeValidated({
      topic: topicName('gatewayWebhookDeliveries', this.settings.topicPrefix),
      groupId: groupName(this.settings.topicPrefix, 'console-webhook-deliveries'),
      schema: webhookDeliveryEventSchema,
      service: 'console',
      settings: this.settings,
      kafka: this.kafka,
      producer: this.producer,
      onRestart: (error, delayMs) =>
        this.log.warn({ err: error, delayMs }, 'webhook deliveries consumer failed; restarting'),
      handle: async (messages) => this.repository.record(messages.map((m) => m.value)),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** GET /ops/v1/webhooks/health: webhook delivery health per participant. */
@Controller('ops/v1/webhooks')
export class WebhookHealthController {
  constructor(@Inject(WebhookHealthRepository) private readonly repository: WebhookHealthRepository) {}

  @Get('health')
  @Permission('read')
  async health() {
    return { participants: await this.repository.health() };
  }
}
