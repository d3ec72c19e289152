import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClearingConfig, clearingSchema, loadConfig } from '@concord/config';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createKafka, createProducer, KafkaSettings } from '@concord/kafka';
import { createMetricsRegistry, startOpsServer } from '@concord/observability';
import type { Producer } from 'kafkajs';
import { ClearingFinalizedConsumer } from './positions/finalized.consumer';
import { PositionsRepository } from './positions/positions.repository';

const CONFIG = 'CLEARING_CONFIG';
const PRISMA = 'PRISMA';
const PRODUCER = 'PRODUCER';
const KAFKA_SETTINGS = 'KAFKA_SETTINGS';

@Module({
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(clearingSchema) },
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
      provide: PositionsRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new PositionsRepository(p),
    },
    {
      provide: ClearingFinalizedConsumer,
      inject: [KAFKA_SETTINGS, PRODUCER, PositionsRepository],
      useFactory: (s: KafkaSettings, producer: Producer, positions: PositionsRepository) =>
        new ClearingFinalizedConsumer(s, createKafka(s), producer, positions),
    },
  ],
})
export class ClearingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private ops: { close: () => Promise<void> } | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: ClearingConfig,
    @Inject(PRISMA) private readonly prisma: ServicesPrismaClient,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(ClearingFinalizedConsumer) private readonly consumer: ClearingFinalizedConsumer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
    if (this.config.CLEARING_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.CLEARING_HEALTH_PORT, createMetricsRegistry('clearing'), {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ops?.close();
    await this.consumer.stop();
    await this.producer.disconnect();
    await this.prisma.$disconnect();
  }
}
