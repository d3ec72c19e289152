import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { GatewayConfig, gatewaySchema, loadConfig } from '@concord/config';
import { servicesClient, ServicesPrismaClient, sqlOf } from '@concord/db';
import { createKafka, createProducer, KafkaSettings } from '@concord/kafka';
import { createLogger, createMetricsRegistry, Logger } from '@concord/observability';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { AuthService } from './auth/auth.service';
import { ParticipantsRepository } from './auth/participants.repository';
import { HEALTH_CHECKS, HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { FinalizedConsumer } from './finality/finalized.consumer';
import { LedgerViewRepository } from './finality/ledger-view.repository';
import { AccountsController } from './accounts/accounts.controller';
import { LedgerInfoController } from './accounts/ledger-info.controller';
import { AccountsService } from './accounts/accounts.service';
import { TransferBatchesController } from './transfers/transfer-batches.controller';
import { GATEWAY_LIMITS, TransfersController } from './transfers/transfers.controller';
import { QuotesController } from './quotes/quotes.controller';
import { QuotesService } from './quotes/quotes.service';
import { FxClient } from '@concord/fx-client';
import { TransfersRepository } from './transfers/transfers.repository';
import { TransfersService } from './transfers/transfers.service';
import { BooksController } from './books/books.controller';
import { BooksRepository } from './books/books.repository';
import { BooksService } from './books/books.service';
import { StatementsController } from './statements/statements.controller';
import { StatementsRepository } from './statements/statements.repository';
import { StatementsService } from './statements/statements.service';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { MeteredTransfersService } from './transfers/metered-transfers.service';
import { ClearingEventsConsumer } from './webhooks/clearing-events.consumer';
import { SettlementInstructionsController } from './settlement/settlement-instructions.controller';
import { SettlementInstructionsRepository } from './settlement/settlement-instructions.repository';
import { SettlementInstructionsService } from './settlement/settlement-instructions.service';
import { SettlementWebhooksService } from './webhooks/settlement-webhooks.service';
import { WebhookDeliveryProcessor } from './webhooks/webhook-delivery.processor';
import { WebhooksController } from './webhooks/webhooks.controller';
import { PublishingWebhooksRepository } from './webhooks/delivery-events';
import { WebhooksRepository } from './webhooks/webhooks.repository';
import { WebhooksService } from './webhooks/webhooks.service';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { IdempotencyService } from './idempotency/idempotency.service';
import { ComplianceClient } from './compliance/compliance.client';
import { ComplianceGate } from './compliance/compliance-gate';
import { HeldTransfersProcessor } from './compliance/held-transfers.processor';
import { COMPLIANCE_GATE, ScreeningsController } from './compliance/screenings.controller';

export const CONFIG = 'GATEWAY_CONFIG';
export const LOGGER = 'LOGGER';
const PRISMA = 'PRISMA';
const PRODUCER = 'PRODUCER';
const KAFKA_SETTINGS = 'KAFKA_SETTINGS';

/** Every HTTP controller of the gateway (the OpenAPI spec test documents exactly these). */
export const GATEWAY_CONTROLLERS = [
  TransfersController,
  TransferBatchesController,
  AccountsController,
  LedgerInfoController,
  WebhooksController,
  StatementsController,
  BooksController,
  QuotesController,
  SettlementInstructionsController,
  ScreeningsController,
  HealthController,
];

@Module({
  controllers: GATEWAY_CONTROLLERS,
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(gatewaySchema) },
    {
      provide: FxClient,
      inject: [KAFKA_SETTINGS, PRODUCER],
      useFactory: (s: KafkaSettings, producer: Producer) => new FxClient({ settings: s, producer }),
    },
    { provide: QuotesService, inject: [FxClient], useFactory: (fx: FxClient) => new QuotesService(fx) },
    {
      provide: LOGGER,
      inject: [CONFIG],
      useFactory: (c: GatewayConfig) => createLogger('gateway', c.LOG_LEVEL),
    },
    { provide: Registry, useFactory: () => createMetricsRegistry('gateway') },
    { provide: GatewayMetrics, inject: [Registry], useFactory: (r: Registry) => new GatewayMetrics(r) },
    { provide: PRISMA, inject: [CONFIG], useFactory: (c: GatewayConfig) => servicesClient(c.DATABASE_URL) },
    {
      provide: Redis,
      inject: [CONFIG],
      // Auto-pipelining: the commands that concurrent requests issue in one turn of the event loop (replay
      // checks, rate counts, idempotency keys) go to Redis in one write and come back in one read.
      useFactory: (c: GatewayConfig) =>
        new Redis(c.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false, enableAutoPipelining: true }),
    },
    {
      provide: KAFKA_SETTINGS,
      inject: [CONFIG],
      useFactory: (c: GatewayConfig): KafkaSettings => ({
        brokers: c.KAFKA_BROKERS,
        clientId: 'gateway',
        topicPrefix: c.KAFKA_TOPIC_PREFIX,
      }),
    },
    {
      provide: PRODUCER,
      inject: [KAFKA_SETTINGS],
      useFactory: (s: KafkaSettings) => createProducer(createKafka(s)),
    },
    {
      provide: ParticipantsRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new ParticipantsRepository(p),
    },
    {
      provide: AccountsService,
      inject: [LedgerViewRepository],
      useFactory: (v: LedgerViewRepository) => new AccountsService(v),
    },
    {
      provide: LedgerViewRepository,
      inject: [PRISMA, StatementsRepository, WebhooksRepository],
      // Postings and the webhook outbox are written in the transaction that applies each block.
      useFactory: (p: ServicesPrismaClient, statements: StatementsRepository, webhooks: WebhooksRepository) =>
        new LedgerViewRepository(p, [
          (tx, block) => statements.recordBlock(tx, block),
          (tx, block) => webhooks.recordBlock(tx, block),
        ]),
    },
    {
      provide: StatementsRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new StatementsRepository(p),
    },
    {
      provide: BooksService,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new BooksService(new BooksRepository(p)),
    },
    {
      provide: StatementsService,
      inject: [StatementsRepository, CONFIG],
      useFactory: (r: StatementsRepository, c: GatewayConfig) =>
        new StatementsService(r, c.GATEWAY_STATEMENT_MAX_ENTRIES),
    },
    {
      provide: WebhooksRepository,
      inject: [PRISMA, PRODUCER, CONFIG, LOGGER],
      // Each attempt is also published for the operations console's webhook health (delivery-events.ts).
      useFactory: (p: ServicesPrismaClient, producer: Producer, c: GatewayConfig, log: Logger) =>
        new PublishingWebhooksRepository(p, producer, c.KAFKA_TOPIC_PREFIX, log),
    },
    {
      provide: WebhooksService,
      inject: [WebhooksRepository, CONFIG],
      useFactory: (r: WebhooksRepository, c: GatewayConfig) =>
        new WebhooksService(r, c.GATEWAY_WEBHOOK_MAX_PER_PARTICIPANT, c.GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS),
    },
    {
      provide: WebhookDeliveryProcessor,
      inject: [WebhooksRepository, CONFIG, LOGGER, GatewayMetrics],
      useFactory: (r: WebhooksRepository, c: GatewayConfig, log: Logger, metrics: GatewayMetrics) =>
        new WebhookDeliveryProcessor(
          c.REDIS_URL,
          c.KAFKA_TOPIC_PREFIX,
          {
            attempts: c.GATEWAY_WEBHOOK_ATTEMPTS,
            backoffMs: c.GATEWAY_WEBHOOK_BACKOFF_MS,
            timeoutMs: c.GATEWAY_WEBHOOK_TIMEOUT_MS,
            concurrency: c.GATEWAY_WEBHOOK_CONCURRENCY,
            allowPrivateUrls: c.GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS,
          },
          r,
          log,
          fetch,
          metrics,
        ),
    },
    {
      provide: SettlementInstructionsRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new SettlementInstructionsRepository(p),
    },
    {
      provide: SettlementInstructionsService,
      inject: [SettlementInstructionsRepository, PRODUCER, CONFIG],
      useFactory: (r: SettlementInstructionsRepository, producer: Producer, c: GatewayConfig) =>
        new SettlementInstructionsService(r, producer, c.KAFKA_TOPIC_PREFIX),
    },
    {
      provide: SettlementWebhooksService,
      inject: [
        WebhooksRepository,
        SettlementInstructionsRepository,
        WebhookDeliveryProcessor,
        LOGGER,
        GatewayMetrics,
      ],
      useFactory: (
        r: WebhooksRepository,
        instructions: SettlementInstructionsRepository,
        deliveries: WebhookDeliveryProcessor,
        log: Logger,
        metrics: GatewayMetrics,
      ) => new SettlementWebhooksService(r, instructions, (ids) => deliveries.afterRecord(ids), log, metrics),
    },
    {
      provide: ClearingEventsConsumer,
      inject: [KAFKA_SETTINGS, PRODUCER, SettlementWebhooksService],
      useFactory: (s: KafkaSettings, producer: Producer, service: SettlementWebhooksService) =>
        new ClearingEventsConsumer(s, createKafka(s), producer, service),
    },
    {
      provide: TransfersRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new TransfersRepository(p),
    },
    {
      provide: AuthService,
      inject: [ParticipantsRepository, Redis, CONFIG, GatewayMetrics],
      useFactory: (p: ParticipantsRepository, r: Redis, c: GatewayConfig, metrics: GatewayMetrics) =>
        new AuthService(
          p,
          r,
          c.GATEWAY_SIGNATURE_MAX_AGE_S,
          c.KAFKA_TOPIC_PREFIX ? `${c.KAFKA_TOPIC_PREFIX}:` : '',
          c.GATEWAY_RATE_LIMIT_PER_S,
          metrics,
        ),
    },
    {
      provide: IdempotencyService,
      inject: [Redis, CONFIG],
      useFactory: (r: Redis, c: GatewayConfig) =>
        new IdempotencyService(
          new IdempotencyRepository(r, c.KAFKA_TOPIC_PREFIX ? `${c.KAFKA_TOPIC_PREFIX}:` : ''),
          // A claim outlives the longest request (its ?wait= and a minute of slack).
          { ttlS: c.GATEWAY_IDEMPOTENCY_TTL_S, claimTtlMs: c.GATEWAY_MAX_WAIT_MS + 60_000 },
        ),
    },
    {
      provide: COMPLIANCE_GATE,
      inject: [CONFIG, PRISMA],
      // Without COMPLIANCE_URL no transfer is screened here (the ledger still refuses uncleared ones).
      useFactory: (c: GatewayConfig, p: ServicesPrismaClient): ComplianceGate | null => {
        if (!c.COMPLIANCE_URL) return null;
        if (!c.OPERATOR_TOKEN)
          throw new Error('COMPLIANCE_URL is set: OPERATOR_TOKEN is required to call it');
        const client = new ComplianceClient(
          c.COMPLIANCE_URL,
          c.OPERATOR_TOKEN,
          c.GATEWAY_COMPLIANCE_TIMEOUT_MS,
        );
        return new ComplianceGate(client, c.GATEWAY_CLEARANCE_THRESHOLDS, sqlOf(p));
      },
    },
    {
      provide: HeldTransfersProcessor,
      inject: [COMPLIANCE_GATE, TransfersService, CONFIG, LOGGER],
      useFactory: (gate: ComplianceGate | null, t: TransfersService, c: GatewayConfig, log: Logger) =>
        gate
          ? new HeldTransfersProcessor(
              gate,
              (command) => t.sendCommand(command),
              c.REDIS_URL,
              c.KAFKA_TOPIC_PREFIX,
              c.GATEWAY_COMPLIANCE_POLL_MS,
              log,
            )
          : null,
    },
    {
      provide: TransfersService,
      inject: [
        TransfersRepository,
        ParticipantsRepository,
        PRODUCER,
        CONFIG,
        GatewayMetrics,
        COMPLIANCE_GATE,
      ],
      // The metered subclass counts accepted transfers for /metrics.
      useFactory: (
        t: TransfersRepository,
        p: ParticipantsRepository,
        producer: Producer,
        c: GatewayConfig,
        metrics: GatewayMetrics,
        gate: ComplianceGate | null,
      ) =>
        new MeteredTransfersService(
          metrics,
          t,
          p,
          producer,
          c.KAFKA_TOPIC_PREFIX,
          c.GATEWAY_COMMAND_LINGER_MS,
          gate,
        ),
    },
    {
      provide: FinalizedConsumer,
      inject: [
        KAFKA_SETTINGS,
        PRODUCER,
        LedgerViewRepository,
        ParticipantsRepository,
        TransfersService,
        LOGGER,
        WebhookDeliveryProcessor,
        GatewayMetrics,
      ],
      useFactory: (
        s: KafkaSettings,
        producer: Producer,
        t: LedgerViewRepository,
        p: ParticipantsRepository,
        service: TransfersService,
        log: Logger,
        deliveries: WebhookDeliveryProcessor,
        metrics: GatewayMetrics,
      ) =>
        new FinalizedConsumer(s, createKafka(s), producer, t, p, service.finalStates, log, (blocks) => {
          for (const block of blocks) metrics.countOutcomes(block.outcomes);
          return deliveries.afterApply(blocks);
        }),
    },
    {
      provide: GATEWAY_LIMITS,
      inject: [CONFIG],
      useFactory: (c: GatewayConfig) => ({ maxWaitMs: c.GATEWAY_MAX_WAIT_MS }),
    },
    {
      provide: ReadinessService,
      inject: [PRISMA, Redis, KAFKA_SETTINGS],
      useFactory: (prisma: ServicesPrismaClient, redis: Redis, s: KafkaSettings) =>
        new ReadinessService(prisma, redis, createKafka(s)),
    },
    {
      provide: HEALTH_CHECKS,
      inject: [ReadinessService],
      useFactory: (readiness: ReadinessService) => readiness.checks(),
    },
  ],
})
export class GatewayModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(ParticipantsRepository) private readonly participants: ParticipantsRepository,
    @Inject(FinalizedConsumer) private readonly finalized: FinalizedConsumer,
    @Inject(PRISMA) private readonly prisma: ServicesPrismaClient,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(Redis) private readonly redis: Redis,
    @Inject(StatementsRepository) private readonly statements: StatementsRepository,
    @Inject(WebhookDeliveryProcessor) private readonly deliveries: WebhookDeliveryProcessor,
    @Inject(FxClient) private readonly fx: FxClient,
    @Inject(ClearingEventsConsumer) private readonly clearingEvents: ClearingEventsConsumer,
    @Inject(ReadinessService) private readonly readiness: ReadinessService,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(HeldTransfersProcessor) private readonly held: HeldTransfersProcessor | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.participants.load();
    // Postings of blocks applied before the postings table existed, before new blocks come in.
    await this.statements.catchUp();
    await this.deliveries.start();
    await this.fx.start();
    await this.finalized.start();
    await this.clearingEvents.start();
    await this.held?.start();
  }

  /**
   * Stops the consumers, the webhook worker and the FX client side by side (each only lets go of its own
   * connections), then the connections they shared; says how long each took, so that a slow stop is named.
   */
  async onApplicationShutdown(): Promise<void> {
    const startedAt = Date.now();
    const tookMs: Record<string, number> = {};
    const timed = async (name: string, stop: () => Promise<void>) => {
      const t = Date.now();
      await stop();
      tookMs[name] = Date.now() - t;
    };
    await Promise.all([
      timed('clearingEvents', () => this.clearingEvents.stop()),
      timed('finalized', () => this.finalized.stop()),
      timed('fx', () => this.fx.stop()),
      timed('deliveries', () => this.deliveries.stop()),
      timed('held', async () => this.held?.stop()),
      timed('readiness', () => this.readiness.close()),
    ]);
    await timed('producer', () => this.producer.disconnect());
    this.redis.disconnect();
    await timed('postgres', () => this.prisma.$disconnect());
    this.log.info({ tookMs, totalMs: Date.now() - startedAt }, 'gateway stopped');
  }
}
