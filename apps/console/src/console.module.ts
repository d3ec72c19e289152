import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import type { Kafka, Producer } from 'kafkajs';
import { ConsoleConfig, consoleSchema, loadConfig } from '@concord/config';
import { createKafka, createProducer, KafkaSettings } from '@concord/kafka';
import { createLogger, Logger } from '@concord/observability';
import { AlarmsConsumer } from './alarms/alarms.consumer';
import { AlarmsController, EVENT_BUS } from './alarms/alarms.controller';
import { AlarmsRepository } from './alarms/alarms.repository';
import { AuditController } from './audit/audit.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditRecorder } from './audit/audit.recorder';
import { AuditRepository } from './audit/audit.repository';
import { AuthService } from './auth/auth.service';
import { COOKIE_SETTINGS, SessionController } from './auth/session.controller';
import { SessionGuard } from './auth/session.guard';
import { SessionsRepository } from './auth/sessions.repository';
import { ClearingEventsConsumer } from './clearing/clearing-events.consumer';
import { CLEARING_CLIENT, ClearingController } from './clearing/clearing.controller';
import { COMPLIANCE_CLIENT, ComplianceController } from './compliance/compliance.controller';
import { consoleDb, ConsoleDb } from './console.db';
import { CONFIG, DB, KAFKA_SETTINGS, LOGGER, PRODUCER } from './console.tokens';
import { DependencyMonitor } from './events/dependency.monitor';
import { EventBus } from './events/event-bus';
import { EventsController } from './events/events.controller';
import { FX_CLIENT, FxController } from './fx/fx.controller';
import { GovernanceController } from './governance/governance.controller';
import { GovernanceService } from './governance/governance.service';
import { ProposalsRepository } from './governance/proposals.repository';
import { HealthController } from './http/health.controller';
import { OperatorApiClient } from './http/operator-api.client';
import { ExplorerController } from './ledger/explorer.controller';
import { ExplorerRepository } from './ledger/explorer.repository';
import { ExplorerService } from './ledger/explorer.service';
import { FinalizedConsumer } from './ledger/finalized.consumer';
import { GenesisReader } from './ledger/genesis.reader';
import { ProofService } from './ledger/proof.service';
import { ReadModelRepository } from './ledger/read-model.repository';
import { VotesConsumer } from './ledger/votes.consumer';
import { BreaksController } from './reconciliation/breaks.controller';
import { BreaksRepository } from './reconciliation/breaks.repository';
import { ReportsController } from './reports/reports.controller';
import { ReportsRepository } from './reports/reports.repository';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import {
  WebhookDeliveriesConsumer,
  WebhookHealthController,
  WebhookHealthRepository,
} from './webhooks/webhook-health';

const KAFKA = 'CONSOLE_KAFKA';

/** A provider made of other providers by a factory: the console wires plain classes, not decorated ones. */
const make = <T>(provide: unknown, inject: unknown[], useFactory: (...deps: never[]) => T) => ({
  provide: provide as string,
  inject: inject as string[],
  useFactory: useFactory as (...deps: unknown[]) => T,
});

const consumerDeps = [KAFKA_SETTINGS, KAFKA, PRODUCER];

@Module({
  controllers: [
    HealthController,
    SessionController,
    UsersController,
    AuditController,
    ExplorerController,
    AlarmsController,
    ClearingController,
    FxController,
    GovernanceController,
    ReportsController,
    ComplianceController,
    BreaksController,
    WebhookHealthController,
    EventsController,
  ],
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(consoleSchema) },
    make(LOGGER, [CONFIG], (c: ConsoleConfig) => createLogger('console', c.LOG_LEVEL)),
    make(DB, [CONFIG], (c: ConsoleConfig) => consoleDb(c.DATABASE_URL, 8)),
    make(KAFKA_SETTINGS, [CONFIG], (c: ConsoleConfig): KafkaSettings => ({
      brokers: c.KAFKA_BROKERS,
      clientId: 'console',
      topicPrefix: c.KAFKA_TOPIC_PREFIX,
    })),
    make(KAFKA, [KAFKA_SETTINGS], (s: KafkaSettings) => createKafka(s)),
    make(PRODUCER, [KAFKA], (k: Kafka) => createProducer(k)),
    { provide: EVENT_BUS, useFactory: () => new EventBus() },
    make(COOKIE_SETTINGS, [CONFIG], (c: ConsoleConfig) => ({
      secure: c.CONSOLE_SECURE_COOKIES === 'true',
      maxAgeSeconds: Math.floor(c.CONSOLE_SESSION_MAX_MS / 1000),
    })),
    make(UsersRepository, [DB], (db: ConsoleDb) => new UsersRepository(db)),
    make(UsersService, [UsersRepository], (r: UsersRepository) => new UsersService(r)),
    make(SessionsRepository, [DB], (db: ConsoleDb) => new SessionsRepository(db)),
    make(
      AuthService,
      [UsersRepository, SessionsRepository, CONFIG],
      (u: UsersRepository, s: SessionsRepository, c: ConsoleConfig) =>
        new AuthService(u, s, {
          idleMs: c.CONSOLE_SESSION_IDLE_MS,
          maxMs: c.CONSOLE_SESSION_MAX_MS,
          lockoutFailures: c.CONSOLE_LOCKOUT_FAILURES,
          lockoutMs: c.CONSOLE_LOCKOUT_MS,
          loginsPerMinute: c.CONSOLE_LOGIN_RATE_PER_MINUTE,
        }),
    ),
    make(AuditRepository, [DB], (db: ConsoleDb) => new AuditRepository(db)),
    AuditRecorder,
    { provide: APP_GUARD, useClass: SessionGuard },
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    make(
      CLEARING_CLIENT,
      [CONFIG],
      (c: ConsoleConfig) => new OperatorApiClient('clearing', c.CLEARING_URL, c.OPERATOR_TOKEN),
    ),
    make(FX_CLIENT, [CONFIG], (c: ConsoleConfig) => new OperatorApiClient('fx', c.FX_URL, c.OPERATOR_TOKEN)),
    make(
      COMPLIANCE_CLIENT,
      [CONFIG],
      (c: ConsoleConfig) => new OperatorApiClient('compliance', c.COMPLIANCE_URL, c.OPERATOR_TOKEN),
    ),
    make(BreaksRepository, [DB], (db: ConsoleDb) => new BreaksRepository(db)),
    make(WebhookHealthRepository, [DB], (db: ConsoleDb) => new WebhookHealthRepository(db)),
    make(
      WebhookDeliveriesConsumer,
      [...consumerDeps, WebhookHealthRepository, LOGGER],
      (s: KafkaSettings, k: Kafka, p: Producer, r: WebhookHealthRepository, log: Logger) =>
        new WebhookDeliveriesConsumer(s, k, p, r, log),
    ),
    make(
      DependencyMonitor,
      [DB, KAFKA, CLEARING_CLIENT, FX_CLIENT, EVENT_BUS],
      (db: ConsoleDb, kafka: Kafka, clearing: OperatorApiClient, fx: OperatorApiClient, bus: EventBus) => {
        const admin = kafka.admin();
        return new DependencyMonitor(
          {
            database: async () => void (await db.$queryRawUnsafe('select 1')),
            kafka: async () => {
              await admin.connect();
              await admin.describeCluster();
            },
            clearing: () => clearing.ping('/windows?limit=1'),
            fx: () => fx.ping('/rates'),
          },
          bus,
          // Its connection would otherwise keep the process alive after the app closed.
          () => admin.disconnect(),
        );
      },
    ),
    make(ReadModelRepository, [DB], (db: ConsoleDb) => new ReadModelRepository(db)),
    make(ExplorerRepository, [DB], (db: ConsoleDb) => new ExplorerRepository(db)),
    make(AlarmsRepository, [DB], (db: ConsoleDb) => new AlarmsRepository(db)),
    make(ReportsRepository, [DB], (db: ConsoleDb) => new ReportsRepository(db)),
    make(
      ProofService,
      [ExplorerRepository, ReadModelRepository],
      (e: ExplorerRepository, r: ReadModelRepository) => new ProofService(e, r),
    ),
    make(ProposalsRepository, [DB], (db: ConsoleDb) => new ProposalsRepository(db)),
    make(
      ExplorerService,
      [ReadModelRepository, ExplorerRepository, AlarmsRepository, CLEARING_CLIENT, DependencyMonitor, CONFIG],
      (
        r: ReadModelRepository,
        e: ExplorerRepository,
        a: AlarmsRepository,
        c: OperatorApiClient,
        d: DependencyMonitor,
        cfg: ConsoleConfig,
      ) => new ExplorerService(r, e, a, c, d, cfg.CONSOLE_SIGNER_DOWN_AFTER_MS),
    ),
    make(
      GovernanceService,
      [ProposalsRepository, ReadModelRepository, PRODUCER, CONFIG, EVENT_BUS],
      (p: ProposalsRepository, r: ReadModelRepository, producer: Producer, c: ConsoleConfig, bus: EventBus) =>
        new GovernanceService(p, r, producer, c.KAFKA_TOPIC_PREFIX, bus, c.CONSOLE_PROPOSAL_TTL_MINUTES),
    ),
    make(
      FinalizedConsumer,
      [...consumerDeps, ReadModelRepository, EVENT_BUS, LOGGER, GovernanceService],
      (
        s: KafkaSettings,
        k: Kafka,
        p: Producer,
        r: ReadModelRepository,
        bus: EventBus,
        log: Logger,
        g: GovernanceService,
      ) => new FinalizedConsumer(s, k, p, r, bus, log, (ids) => g.announce(ids)),
    ),
    make(
      VotesConsumer,
      [...consumerDeps, ReadModelRepository, EVENT_BUS, LOGGER, ExplorerService],
      (
        s: KafkaSettings,
        k: Kafka,
        p: Producer,
        r: ReadModelRepository,
        bus: EventBus,
        log: Logger,
        e: ExplorerService,
      ) => new VotesConsumer(s, k, p, r, bus, log, async () => (await e.signers()).signers),
    ),
    make(
      GenesisReader,
      [KAFKA_SETTINGS, KAFKA, ReadModelRepository, LOGGER],
      (s: KafkaSettings, k: Kafka, r: ReadModelRepository, log: Logger) => new GenesisReader(s, k, r, log),
    ),
    make(
      AlarmsConsumer,
      [...consumerDeps, AlarmsRepository, EVENT_BUS, LOGGER],
      (s: KafkaSettings, k: Kafka, p: Producer, a: AlarmsRepository, bus: EventBus, log: Logger) =>
        new AlarmsConsumer(s, k, p, a, bus, log),
    ),
    make(
      ClearingEventsConsumer,
      [...consumerDeps, DB, AlarmsConsumer, EVENT_BUS, LOGGER],
      (
        s: KafkaSettings,
        k: Kafka,
        p: Producer,
        db: ConsoleDb,
        a: AlarmsConsumer,
        bus: EventBus,
        log: Logger,
      ) => new ClearingEventsConsumer(s, k, p, db, a, bus, log),
    ),
  ],
})
export class ConsoleModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: ConsoleConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(DB) private readonly db: ConsoleDb,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(DependencyMonitor) private readonly dependencies: DependencyMonitor,
    @Inject(GenesisReader) private readonly genesis: GenesisReader,
    @Inject(FinalizedConsumer) private readonly finalized: FinalizedConsumer,
    @Inject(VotesConsumer) private readonly votes: VotesConsumer,
    @Inject(AlarmsConsumer) private readonly alarms: AlarmsConsumer,
    @Inject(ClearingEventsConsumer) private readonly clearingEvents: ClearingEventsConsumer,
    @Inject(WebhookDeliveriesConsumer) private readonly webhookDeliveries: WebhookDeliveriesConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.CONSOLE_DEMO_USERS === 'true') {
      const created = await this.users.ensureDemoUsers();
      if (created.length)
        this.log.warn({ created }, 'DEMO users created with public passwords: never in production');
    }
    await this.genesis.start();
    await this.finalized.start();
    await this.votes.start();
    await this.alarms.start();
    await this.clearingEvents.start();
    await this.webhookDeliveries.start();
    this.dependencies.start();
    this.sweeper = setInterval(() => void this.auth.sweep().catch(() => undefined), 60_000);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.dependencies.stop();
    await this.genesis.stop();
    await this.webhookDeliveries.stop();
    await this.clearingEvents.stop();
    await this.alarms.stop();
    await this.votes.stop();
    await this.finalized.stop();
    await this.producer.disconnect();
    await this.db.$disconnect();
  }
}
