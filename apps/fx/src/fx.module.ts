import { join, sep } from 'node:path';
import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { DEMO_FX_SIGNING_KEY, FxConfig, fxSchema, loadConfig } from '@concord/config';
import { signingKeyFromSeed } from '@concord/crypto';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { QuoteStore } from '@concord/fx-client';
import { createKafka, createProducer, KafkaSettings } from '@concord/kafka';
import { createLogger, createMetricsRegistry, Logger, startOpsServer } from '@concord/observability';
import { operatorAuthProvider } from '@concord/operator-auth';
import { FxAdminController } from './admin/admin.controller';
import { FxMetrics } from './metrics';
import { PricingRepository } from './quotes/pricing.repository';
import { PricingService } from './quotes/pricing.service';
import { QuoteService } from './quotes/quote.service';
import { FxRequestsConsumer } from './quotes/requests.consumer';
import { FxRequestHandler } from './quotes/requests.handler';
import { createRateProvider } from './rates/providers';
import type { RateProvider } from './rates/rate';
import { RatesRefreshProcessor } from './rates/rates.processor';
import { RatesRepository } from './rates/rates.repository';
import { RatesService } from './rates/rates.service';

export const CONFIG = 'FX_CONFIG';
const PRISMA = 'PRISMA';
const REDIS = 'REDIS';
const PRODUCER = 'PRODUCER';
const KAFKA_SETTINGS = 'KAFKA_SETTINGS';
export const LOGGER = 'LOGGER';
const RATE_PROVIDER = 'RATE_PROVIDER';

/** The demo rates file, from the sources and from dist/ alike. */
/** The demo rates in the repo, found from the sources (tsx) and from dist/ alike. */
export const DEMO_RATES_FILE = join(
  __dirname.includes(`${sep}dist${sep}`) ? join(__dirname, '../../../..') : join(__dirname, '../../..'),
  'apps/fx/rates/demo-rates.json',
);

@Module({
  // The operator admin API; served over HTTP only with FX_PORT set (main.ts).
  controllers: [FxAdminController],
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(fxSchema) },
    operatorAuthProvider(CONFIG),
    { provide: LOGGER, inject: [CONFIG], useFactory: (c: FxConfig) => createLogger('fx', c.LOG_LEVEL) },
    { provide: FxMetrics, useFactory: () => new FxMetrics(createMetricsRegistry('fx')) },
    { provide: PRISMA, inject: [CONFIG], useFactory: (c: FxConfig) => servicesClient(c.DATABASE_URL, 4) },
    {
      provide: REDIS,
      inject: [CONFIG],
      useFactory: (c: FxConfig) => new Redis(c.REDIS_URL, { maxRetriesPerRequest: 3 }),
    },
    {
      provide: KAFKA_SETTINGS,
      inject: [CONFIG],
      useFactory: (c: FxConfig): KafkaSettings => ({
        brokers: c.KAFKA_BROKERS,
        clientId: 'fx',
        topicPrefix: c.KAFKA_TOPIC_PREFIX,
      }),
    },
    {
      provide: PRODUCER,
      inject: [KAFKA_SETTINGS],
      useFactory: (s: KafkaSettings) => createProducer(createKafka(s)),
    },
    {
      provide: RATE_PROVIDER,
      inject: [CONFIG],
      useFactory: (c: FxConfig) => createRateProvider(c, DEMO_RATES_FILE),
    },
    {
      provide: RatesRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new RatesRepository(p),
    },
    {
      provide: PricingRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new PricingRepository(p),
    },
    {
      provide: RatesService,
      inject: [CONFIG, RatesRepository, RATE_PROVIDER, LOGGER, FxMetrics],
      useFactory: (c: FxConfig, repo: RatesRepository, provider: RateProvider, log: Logger, m: FxMetrics) =>
        new RatesService(repo, {
          provider,
          maxAgeMs: c.FX_RATE_MAX_AGE_MS ?? provider.defaultMaxAgeMs,
          pivot: c.FX_PIVOT_CURRENCY,
          log,
          metrics: m,
        }),
    },
    {
      provide: QuoteStore,
      inject: [CONFIG, REDIS],
      useFactory: (c: FxConfig, redis: Redis) => new QuoteStore(redis, c.KAFKA_TOPIC_PREFIX),
    },
    {
      provide: QuoteService,
      inject: [CONFIG, RatesService, PricingRepository, QuoteStore],
      useFactory: (c: FxConfig, rates: RatesService, pricing: PricingRepository, store: QuoteStore) =>
        new QuoteService(rates, pricing, store, {
          signingKey: signingKeyFromSeed(c.FX_SIGNING_KEY),
          keyId: c.FX_SIGNING_KEY_ID,
          fxProvider: c.FX_PROVIDER_ID,
          ttlMs: c.FX_QUOTE_TTL_MS,
        }),
    },
    {
      provide: PricingService,
      inject: [PricingRepository, LOGGER],
      useFactory: (p: PricingRepository, log: Logger) => new PricingService(p, log),
    },
    {
      provide: FxRequestHandler,
      inject: [QuoteService, PricingService, LOGGER, FxMetrics],
      useFactory: (q: QuoteService, p: PricingService, log: Logger, m: FxMetrics) =>
        new FxRequestHandler(q, p, log, m),
    },
    {
      provide: FxRequestsConsumer,
      inject: [KAFKA_SETTINGS, PRODUCER, FxRequestHandler],
      useFactory: (s: KafkaSettings, producer: Producer, handler: FxRequestHandler) =>
        new FxRequestsConsumer(s, createKafka(s), producer, handler),
    },
  ],
})
export class FxModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private ops: { close: () => Promise<void> } | null = null;
  private refresher: RatesRefreshProcessor | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: FxConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(FxMetrics) private readonly metrics: FxMetrics,
    @Inject(PRISMA) private readonly prisma: ServicesPrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(RatesService) private readonly rates: RatesService,
    @Inject(PricingRepository) private readonly pricing: PricingRepository,
    @Inject(FxRequestsConsumer) private readonly requests: FxRequestsConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.FX_SIGNING_KEY.toLowerCase() === DEMO_FX_SIGNING_KEY) {
      this.log.warn('FX_SIGNING_KEY is the public DEMO key: its quotes prove nothing; set a real key');
    }
    if (this.config.FX_SEED_DEMO_PRICING) {
      const seeded = await this.pricing.seedDemo();
      if (seeded > 0) this.log.info({ corridors: seeded }, 'seeded default demo spreads and fees');
    }
    // One refresh right away, so that quotes do not wait for the first scheduled one; a failure is
    // recorded like any other and the scheduler tries again.
    await this.rates.refresh();
    this.refresher = new RatesRefreshProcessor(
      this.config.REDIS_URL,
      this.config.KAFKA_TOPIC_PREFIX,
      this.config.FX_REFRESH_INTERVAL_MS,
      () => this.rates.refresh(),
      this.log,
    );
    await this.refresher.start();
    await this.requests.start();
    if (this.config.FX_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.FX_HEALTH_PORT, this.metrics.registry, {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
        redis: async () => void (await this.redis.ping()),
      });
    }
    this.log.info(
      {
        provider: this.rates.providerName,
        maxAgeMs: this.rates.maxAgeMs,
        fxProvider: this.config.FX_PROVIDER_ID,
        api: this.config.FX_PORT ?? null,
      },
      'fx service started',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ops?.close();
    await this.requests.stop();
    await this.refresher?.stop();
    await this.producer.disconnect();
    this.redis.disconnect();
    await this.prisma.$disconnect();
  }
}
