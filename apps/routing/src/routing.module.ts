import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '.prisma/routing-client';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { loadConfig, RoutingConfig, routingSchema } from '@concord/config';
import { signingKeyFromSeed } from '@concord/crypto';
import { appClient } from '@concord/db';
import { FxClient } from '@concord/fx-client';
import { createKafka, createProducer, KafkaSettings } from '@concord/kafka';
import { createLogger, createMetricsRegistry, Logger, startOpsServer } from '@concord/observability';
import { MemberGuard } from './auth/member.guard';
import { RequestVerifier } from './auth/signed-request';
import { HealthController } from './http/health.controller';
import { FinalizedConsumer } from './ledger/finalized.consumer';
import { LedgerRepository } from './ledger/ledger.repository';
import { LedgerService } from './ledger/ledger.service';
import { OffersController } from './offers/offers.controller';
import { OffersRepository } from './offers/offers.repository';
import { OffersService } from './offers/offers.service';
import { GatewayTransfers } from './orders/gateway-transfers';
import { InFlightView } from './orders/in-flight';
import { OrderWorker } from './orders/order-worker';
import { OrdersController } from './orders/orders.controller';
import { OrdersRepository } from './orders/orders.repository';
import { OrdersService } from './orders/orders.service';
import { Directory } from './participants/directory';
import { PartnerStats } from './routes/partner-stats';
import { Quotes } from './routes/quotes';
import { RouteOptionsRepository } from './routes/route-options.repository';
import { RoutesController } from './routes/routes.controller';
import { RoutesService } from './routes/routes.service';
import { OrderWebhooks } from './webhooks/order-webhooks';
import { OrderWebhooksController } from './webhooks/order-webhooks.controller';
import { OrderWebhooksRepository } from './webhooks/order-webhooks.repository';
import {
  CONFIG,
  KAFKA_SETTINGS,
  LOGGER,
  PRISMA,
  PRODUCER,
  REDIS,
  ROUTING_IDENTITY,
  RoutingIdentity,
} from './routing.tokens';

/** How often the in-flight view is read again: load spreading needs it roughly right, not exact. */
const IN_FLIGHT_REFRESH_MS = 500;

/** The order worker, bound once it exists (the ledger service wakes it; it needs the routes service). */
const worker: { current: OrderWorker | null } = { current: null };

const infrastructure = [
  { provide: CONFIG, useFactory: () => loadConfig(routingSchema) },
  {
    provide: LOGGER,
    inject: [CONFIG],
    useFactory: (c: RoutingConfig) => createLogger('routing', c.LOG_LEVEL),
  },
  {
    provide: PRISMA,
    inject: [CONFIG],
    useFactory: (c: RoutingConfig) => appClient(PrismaClient, c.DATABASE_URL, 6),
  },
  {
    provide: REDIS,
    inject: [CONFIG],
    useFactory: (c: RoutingConfig) => new Redis(c.REDIS_URL, { maxRetriesPerRequest: 2 }),
  },
  {
    provide: KAFKA_SETTINGS,
    inject: [CONFIG],
    useFactory: (c: RoutingConfig): KafkaSettings => ({
      brokers: c.KAFKA_BROKERS,
      clientId: 'routing',
      topicPrefix: c.KAFKA_TOPIC_PREFIX,
    }),
  },
  {
    provide: PRODUCER,
    inject: [KAFKA_SETTINGS],
    useFactory: (s: KafkaSettings) => createProducer(createKafka(s)),
  },
  {
    provide: ROUTING_IDENTITY,
    inject: [CONFIG],
    useFactory: (c: RoutingConfig): RoutingIdentity => ({
      seedHex: c.ROUTING_DELEGATE_KEY,
      publicKeyHex: signingKeyFromSeed(c.ROUTING_DELEGATE_KEY).publicKeyHex,
    }),
  },
  {
    provide: Directory,
    inject: [ROUTING_IDENTITY],
    useFactory: (i: RoutingIdentity) => new Directory(i.publicKeyHex),
  },
  { provide: PartnerStats, useFactory: () => new PartnerStats() },
];

const repositories = [
  { provide: OffersRepository, inject: [PRISMA], useFactory: (p: PrismaClient) => new OffersRepository(p) },
  { provide: OrdersRepository, inject: [PRISMA], useFactory: (p: PrismaClient) => new OrdersRepository(p) },
  { provide: LedgerRepository, inject: [PRISMA], useFactory: (p: PrismaClient) => new LedgerRepository(p) },
  {
    provide: RouteOptionsRepository,
    inject: [REDIS, CONFIG],
    useFactory: (r: Redis, c: RoutingConfig) =>
      new RouteOptionsRepository(r, `${c.KAFKA_TOPIC_PREFIX}routing:option:`),
  },
];

const services = [
  {
    provide: RequestVerifier,
    inject: [Directory, REDIS, CONFIG, ROUTING_IDENTITY],
    useFactory: (d: Directory, r: Redis, c: RoutingConfig, i: RoutingIdentity) =>
      new RequestVerifier(
        d,
        r,
        c.ROUTING_SIGNATURE_MAX_AGE_S,
        `${c.KAFKA_TOPIC_PREFIX}routing:`,
        i.publicKeyHex,
      ),
  },
  MemberGuard,
  {
    provide: OffersService,
    inject: [OffersRepository, Directory],
    useFactory: (r: OffersRepository, d: Directory) => new OffersService(r, d),
  },
  {
    provide: InFlightView,
    inject: [OrdersRepository],
    useFactory: (r: OrdersRepository) => new InFlightView(r),
  },
  {
    provide: FxClient,
    inject: [KAFKA_SETTINGS, CONFIG],
    useFactory: (s: KafkaSettings, c: RoutingConfig) =>
      new FxClient({ settings: s, timeoutMs: c.ROUTING_FX_TIMEOUT_MS }),
  },
  {
    provide: Quotes,
    inject: [FxClient, CONFIG],
    useFactory: (fx: FxClient, c: RoutingConfig) => new Quotes(fx, c.ROUTING_FX_TIMEOUT_MS),
  },
  {
    provide: RoutesService,
    inject: [OffersService, Directory, PartnerStats, InFlightView, Quotes, RouteOptionsRepository, CONFIG],
    useFactory: (
      o: OffersService,
      d: Directory,
      s: PartnerStats,
      f: InFlightView,
      q: Quotes,
      r: RouteOptionsRepository,
      c: RoutingConfig,
    ) => new RoutesService(o, d, s, f, q, r, { optionTtlMs: c.ROUTING_OPTION_TTL_MS, strategy: 'balanced' }),
  },
  {
    provide: GatewayTransfers,
    inject: [CONFIG, Directory],
    useFactory: (c: RoutingConfig, d: Directory) =>
      new GatewayTransfers(c.GATEWAY_URL, c.ROUTING_DELEGATE_KEY, d),
  },
  {
    provide: OrderWorker,
    inject: [OrdersRepository, GatewayTransfers, RoutesService, CONFIG, LOGGER],
    useFactory: (r: OrdersRepository, g: GatewayTransfers, s: RoutesService, c: RoutingConfig, log: Logger) =>
      (worker.current = new OrderWorker(
        r,
        g,
        s,
        { intervalMs: c.ROUTING_WORKER_INTERVAL_MS, graceMs: c.ROUTING_DELIVERY_GRACE_MS },
        log,
      )),
  },
  {
    provide: OrdersService,
    inject: [OrdersRepository, RouteOptionsRepository, RoutesService, Directory, CONFIG, OrderWorker],
    useFactory: (
      r: OrdersRepository,
      o: RouteOptionsRepository,
      s: RoutesService,
      d: Directory,
      c: RoutingConfig,
      w: OrderWorker,
    ) =>
      new OrdersService(
        r,
        o,
        s,
        d,
        {
          graceMs: c.ROUTING_DELIVERY_GRACE_MS,
          maxAttempts: c.ROUTING_MAX_ATTEMPTS,
          absorbBps: c.ROUTING_ABSORB_BPS,
        },
        () => w.kick(),
      ),
  },
  {
    provide: OrderWebhooks,
    inject: [PRISMA, CONFIG, LOGGER],
    useFactory: (p: PrismaClient, c: RoutingConfig, log: Logger) =>
      new OrderWebhooks(
        new OrderWebhooksRepository(p),
        c.REDIS_URL,
        c.KAFKA_TOPIC_PREFIX,
        {
          attempts: c.ROUTING_WEBHOOK_ATTEMPTS,
          backoffMs: c.ROUTING_WEBHOOK_BACKOFF_MS,
          timeoutMs: c.ROUTING_WEBHOOK_TIMEOUT_MS,
          allowPrivateUrls: c.ROUTING_WEBHOOK_ALLOW_PRIVATE_URLS,
        },
        log,
      ),
  },
  {
    provide: LedgerService,
    inject: [LedgerRepository, Directory, PartnerStats],
    useFactory: (r: LedgerRepository, d: Directory, s: PartnerStats) =>
      new LedgerService(r, d, s, () => worker.current?.kick()),
  },
  {
    provide: FinalizedConsumer,
    inject: [KAFKA_SETTINGS, PRODUCER, LedgerService],
    useFactory: (s: KafkaSettings, p: Producer, l: LedgerService) =>
      new FinalizedConsumer(s, createKafka(s), p, (b) => l.apply(b)),
  },
];

@Module({
  controllers: [
    HealthController,
    OffersController,
    RoutesController,
    OrdersController,
    OrderWebhooksController,
  ],
  providers: [...infrastructure, ...repositories, ...services],
})
export class RoutingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private ops: { close: () => Promise<void> } | null = null;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @Inject(CONFIG) private readonly config: RoutingConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(LedgerService) private readonly ledger: LedgerService,
    @Inject(OffersService) private readonly offers: OffersService,
    @Inject(InFlightView) private readonly inFlight: InFlightView,
    @Inject(FxClient) private readonly fx: FxClient,
    @Inject(FinalizedConsumer) private readonly consumer: FinalizedConsumer,
    @Inject(OrderWorker) private readonly worker: OrderWorker,
    @Inject(OrderWebhooks) private readonly webhooks: OrderWebhooks,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ledger.load();
    await this.offers.reload();
    await this.inFlight.refresh();
    await this.fx.start();
    await this.consumer.start();
    this.worker.start();
    await this.webhooks.start();
    const every = (ms: number, what: string, fn: () => Promise<unknown>) =>
      this.timers.push(
        setInterval(() => void fn().catch((err: unknown) => this.log.warn({ err }, what)), ms),
      );
    every(IN_FLIGHT_REFRESH_MS, 'in-flight refresh failed', () => this.inFlight.refresh());
    every(2_000, 'offers reload failed', () => this.offers.reload());
    if (this.config.ROUTING_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.ROUTING_HEALTH_PORT, createMetricsRegistry('routing'), {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
      });
    }
    this.log.info({ port: this.config.ROUTING_PORT }, 'routing service started');
  }

  async onApplicationShutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.ops?.close();
    await this.worker.stop();
    await this.webhooks.stop();
    await this.consumer.stop();
    await this.fx.stop();
    await this.producer.disconnect();
    this.redis.disconnect();
    await this.prisma.$disconnect();
  }
}
