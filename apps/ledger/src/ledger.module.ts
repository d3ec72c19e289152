import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LedgerConfig, ledgerSchema, loadConfig } from '@concord/config';
import { signingKeyFromSeed } from '@concord/crypto';
import { ledgerClient, LedgerPrismaClient } from '@concord/db';
import { createKafka, createProducer } from '@concord/kafka';
import { createLogger, createMetricsRegistry, Logger, startOpsServer } from '@concord/observability';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { BlocksRepository } from './blocks/blocks.repository';
import { createSignerMetrics, SignerService } from './signer/signer.service';
import { SignerSupervisor } from './signer/signer.supervisor';

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
      provide: SignerSupervisor,
      inject: [CONFIG, PRISMA, PRODUCER, LOGGER, Registry],
      useFactory: (
        c: LedgerConfig,
        prisma: LedgerPrismaClient,
        producer: Producer,
        log: Logger,
        registry: Registry,
      ) => {
        const metrics = createSignerMetrics(registry);
        const kafka = createKafka({
          brokers: c.KAFKA_BROKERS,
          clientId: `ledger-${c.LEDGER_SIGNER_ID}`,
          topicPrefix: c.KAFKA_TOPIC_PREFIX,
        });
        const repository = new BlocksRepository(prisma);
        const settings = {
          signerId: c.LEDGER_SIGNER_ID,
          key: signingKeyFromSeed(c.LEDGER_SIGNER_KEY),
          topicPrefix: c.KAFKA_TOPIC_PREFIX,
          cutIntervalMs: c.LEDGER_CUT_INTERVAL_MS,
          stallAlarmMs: c.LEDGER_STALL_ALARM_MS,
          clockJumpMaxMs: c.LEDGER_CLOCK_JUMP_MAX_MS,
          faultFromHeight: c.LEDGER_FAULT_FROM_HEIGHT,
          silentPublisher: c.LEDGER_FAULT_SILENT_PUBLISHER === 'true',
        };
        return new SignerSupervisor(
          (onFailure) => new SignerService(settings, repository, kafka, producer, log, metrics, onFailure),
          log,
          metrics,
        );
      },
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
    @Inject(SignerSupervisor) private readonly signer: SignerSupervisor,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.LEDGER_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.LEDGER_HEALTH_PORT, this.registry, {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
        signer: async () => {
          if (!this.signer.signer) throw new Error('restarting after a lost connection');
        },
      });
    }
    await this.signer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ops?.close();
    await this.signer.stop();
    await this.producer.disconnect();
    await this.prisma.$disconnect();
  }
}
