import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LedgerConfig, ledgerSchema, loadConfig } from '@concord/config';
import { signingKeyFromSeed } from '@concord/crypto';
import { ledgerClient, LedgerPrismaClient } from '@concord/db';
import { createKafka, createProducer } from '@concord/kafka';
import { createLogger, createMetricsRegistry, Logger, startOpsServer } from '@concord/observability';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { BlocksRepository } from './blocks/blocks.repository';
import { SignerService } from './signer/signer.service';

const CONFIG = 'LEDGER_CONFIG';
const LOGGER = 'LOGGER';
const PRISMA = 'PRISMA';
const PRODUCER = 'PRODUCER';

@Module({
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(ledgerSchema) },
    {
      provide: LOGGER,
      inject: [CONFIG],
      useFactory: (c: LedgerConfig) => createLogger('ledger', c.LOG_LEVEL, { signer: c.LEDGER_SIGNER_ID }),
    },
    { provide: Registry, inject: [CONFIG], useFactory: () => createMetricsRegistry('ledger') },
    {
      provide: PRISMA,
      inject: [CONFIG],
      useFactory: (c: LedgerConfig) => ledgerClient(c.DATABASE_URL, c.LEDGER_SIGNER_ID),
    },
    {
      provide: PRODUCER,
      inject: [CONFIG],
      useFactory: (c: LedgerConfig) =>
        createProducer(
          createKafka({
            brokers: c.KAFKA_BROKERS,
            clientId: `ledger-${c.LEDGER_SIGNER_ID}`,
            topicPrefix: c.KAFKA_TOPIC_PREFIX,
          }),
        ),
    },
    {
      provide: SignerService,
      inject: [CONFIG, PRISMA, PRODUCER, LOGGER, Registry],
      useFactory: (
        c: LedgerConfig,
        prisma: LedgerPrismaClient,
        producer: Producer,
        log: Logger,
        registry: Registry,
      ) =>
        new SignerService(
          {
            signerId: c.LEDGER_SIGNER_ID,
            key: signingKeyFromSeed(c.LEDGER_SIGNER_KEY),
            topicPrefix: c.KAFKA_TOPIC_PREFIX,
            cutIntervalMs: c.LEDGER_CUT_INTERVAL_MS,
            faultFromHeight: c.LEDGER_FAULT_FROM_HEIGHT,
            silentPublisher: c.LEDGER_FAULT_SILENT_PUBLISHER === 'true',
          },
          new BlocksRepository(prisma),
          createKafka({
            brokers: c.KAFKA_BROKERS,
            clientId: `ledger-${c.LEDGER_SIGNER_ID}`,
            topicPrefix: c.KAFKA_TOPIC_PREFIX,
          }),
          producer,
          log,
          registry,
        ),
    },
  ],
})
export class LedgerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private ops: { close: () => Promise<void> } | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(PRISMA) private readonly prisma: LedgerPrismaClient,
    @Inject(PRODUCER) private readonly producer: Producer,
    @Inject(Registry) private readonly registry: Registry,
    @Inject(SignerService) private readonly signer: SignerService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.signer.start();
    if (this.config.LEDGER_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.LEDGER_HEALTH_PORT, this.registry, {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ops?.close();
    await this.signer.stop();
    await this.producer.disconnect();
    await this.prisma.$disconnect();
  }
}
