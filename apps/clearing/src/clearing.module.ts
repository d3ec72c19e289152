import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Producer } from 'kafkajs';
import { ClearingConfig, clearingSchema, DEMO_CLEARING_SETTLEMENT_KEY, loadConfig } from '@concord/config';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createKafka, createProducer, KafkaSettings } from '@concord/kafka';
import { createLogger, createMetricsRegistry, Logger, startOpsServer } from '@concord/observability';
import { operatorAuthProvider } from '@concord/operator-auth';
import { ClearingConsumers } from './clearing.consumers';
import { ClearingMetrics } from './clearing.metrics';
import { ClearingRepository } from './clearing.repository';
import { ClearingService } from './clearing.service';
import { ClearingController } from './http/clearing.controller';
import { OutboxPublisher } from './outbox/outbox.publisher';
import { ReconciliationController } from './reconciliation/reconciliation.controller';
import { ReconciliationRepository } from './reconciliation/reconciliation.repository';
import { ReconciliationService } from './reconciliation/reconciliation.service';
import { StatementFolder } from './reconciliation/statement-folder';
import { SettlementSigner } from './settlement/settlement-signer';
import { WindowScheduler } from './windows/windows.processor';

export const CONFIG = 'CLEARING_CONFIG';
export const LOGGER = 'LOGGER';
const PRISMA = 'PRISMA';
const PRODUCER = 'PRODUCER';
const KAFKA_SETTINGS = 'KAFKA_SETTINGS';

@Module({
  controllers: [ClearingController, ReconciliationController],
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(clearingSchema) },
    operatorAuthProvider(CONFIG),
    {
      provide: LOGGER,
      inject: [CONFIG],
      useFactory: (c: ClearingConfig) => createLogger('clearing', c.LOG_LEVEL),
    },
    { provide: ClearingMetrics, useFactory: () => new ClearingMetrics(createMetricsRegistry('clearing')) },
    {
      provide: PRISMA,
      inject: [CONFIG],
      useFactory: (c: ClearingConfig) => servicesClient(c.DATABASE_URL, 4),
    },
    {
      provide: KAFKA_SETTINGS,
      inject: [CONFIG],
      useFactory: (c: ClearingConfig): KafkaSettings => ({
        brokers: c.KAFKA_BROKERS,
        clientId: 'clearing',
        topicPrefix: c.KAFKA_TOPIC_PREFIX,
      }),
    },
    {
      provide: PRODUCER,
      inject: [KAFKA_SETTINGS],
      useFactory: (s: KafkaSettings) => createProducer(createKafka(s)),
    },
    {
      provide: ClearingRepository,
      inject: [PRISMA, CONFIG],
      useFactory: (p: ServicesPrismaClient, c: ClearingConfig) =>
        new ClearingRepository(
          p,
          new SettlementSigner(c.CLEARING_SETTLEMENT_KEY, c.CLEARING_SETTLEMENT_KEY_ID),
        ),
    },
    {
      provide: OutboxPublisher,
      inject: [ClearingRepository, PRODUCER, KAFKA_SETTINGS, LOGGER, ClearingMetrics],
      useFactory: (r: ClearingRepository, p: Producer, s: KafkaSettings, log: Logger, m: ClearingMetrics) =>
        new OutboxPublisher(r, p, s.topicPrefix, log, m),
    },
    {
      provide: WindowScheduler,
      inject: [CONFIG, LOGGER],
      useFactory: (c: ClearingConfig, log: Logger) =>
        new WindowScheduler(
          c.REDIS_URL,
          c.KAFKA_TOPIC_PREFIX,
          { cutOffs: c.CLEARING_WINDOW_SCHEDULE, defaultEveryMs: c.CLEARING_WINDOW_INTERVAL_MS },
          // Bound late: the service needs the scheduler and the scheduler the service.
          (currency, requestId) => scheduledClose.current!(currency, requestId),
          log,
        ),
    },
    {
      provide: ClearingService,
      inject: [CONFIG, ClearingRepository, LOGGER, ClearingMetrics, OutboxPublisher, WindowScheduler],
      useFactory: (
        c: ClearingConfig,
        r: ClearingRepository,
        log: Logger,
        m: ClearingMetrics,
        outbox: OutboxPublisher,
        scheduler: WindowScheduler,
      ) => {
        const service = new ClearingService(r, log, m, {
          alarmShareBps: c.CLEARING_CAP_ALARM_SHARE_BPS,
          valueDateDays: c.CLEARING_VALUE_DATE_DAYS,
          onNewCurrency: (currency) => scheduler.ensure(currency),
          onEvents: () => outbox.kick(),
        });
        scheduledClose.current = (currency, requestId) => service.close(currency, 'schedule', requestId);
        return service;
      },
    },
    {
      provide: ReconciliationService,
      inject: [PRISMA, ClearingService, LOGGER],
      useFactory: (p: ServicesPrismaClient, clearing: ClearingService, log: Logger) =>
        new ReconciliationService(new ReconciliationRepository(p), clearing.instructions, log),
    },
    {
      provide: StatementFolder,
      inject: [CONFIG, ReconciliationService, LOGGER],
      useFactory: (c: ClearingConfig, recon: ReconciliationService, log: Logger) =>
        c.CLEARING_STATEMENTS_DIR
          ? new StatementFolder(c.CLEARING_STATEMENTS_DIR, recon, log, c.CLEARING_STATEMENTS_POLL_MS)
          : null,
    },
    {
      provide: ClearingConsumers,
      inject: [KAFKA_SETTINGS, PRODUCER, ClearingService],
      useFactory: (s: KafkaSettings, producer: Producer, clearing: ClearingService) =>
        new ClearingConsumers(s, () => createKafka(s), producer, clearing),
    },
  ],
})
export class ClearingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private ops: { close: () => Promise<void> } | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: ClearingConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(ClearingMetrics) private readonly metrics: ClearingMetrics,
    @Inject(PRISMA) private readonly prisma: ServicesPrismaClient,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(ClearingService) private readonly clearing: ClearingService,
    @Inject(OutboxPublisher) private readonly outbox: OutboxPublisher,
    @Inject(WindowScheduler) private readonly scheduler: WindowScheduler,
    @Inject(ClearingConsumers) private readonly consumers: ClearingConsumers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.CLEARING_SETTLEMENT_KEY.toLowerCase() === DEMO_CLEARING_SETTLEMENT_KEY) {
      this.log.warn(
        'CLEARING_SETTLEMENT_KEY is the public DEMO key: anyone can forge settlement postings; set a real key',
      );
    }
    // A close interrupted by a crash is finished before anything else; then pending events go out.
    await this.clearing.recover();
    this.outbox.start();
    await this.scheduler.start(await this.clearing.windows.openCurrencies());
    await this.consumers.start();
    if (this.config.CLEARING_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.CLEARING_HEALTH_PORT, this.metrics.registry, {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
      });
    }
    this.log.info(
      {
        windowIntervalMs: this.config.CLEARING_WINDOW_INTERVAL_MS,
        windowSchedule: this.config.CLEARING_WINDOW_SCHEDULE,
        api: this.config.CLEARING_PORT ?? null,
      },
      'clearing service started',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ops?.close();
    await this.consumers.stop();
    await this.scheduler.stop();
    await this.outbox.stop();
    await this.producer.disconnect();
    await this.prisma.$disconnect();
  }
}

/** The scheduler's close, bound once the service exists. */
const scheduledClose: { current: ((currency: string, requestId: string) => Promise<unknown>) | null } = {
  current: null,
};
