import { join } from 'node:path';
import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FxConfig, fxSchema, loadConfig } from '@concord/config';
import { servicesClient, ServicesPrismaClient } from '@concord/db';
import { createLogger, createMetricsRegistry, startOpsServer } from '@concord/observability';
import { RatesRefreshProcessor } from './rates/rates.processor';
import { RatesRepository } from './rates/rates.repository';

const CONFIG = 'FX_CONFIG';
const PRISMA = 'PRISMA';

@Module({
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(fxSchema) },
    { provide: PRISMA, inject: [CONFIG], useFactory: (c: FxConfig) => servicesClient(c.DATABASE_URL, 2) },
    {
      provide: RatesRepository,
      inject: [PRISMA],
      useFactory: (p: ServicesPrismaClient) => new RatesRepository(p),
    },
  ],
})
export class FxModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private ops: { close: () => Promise<void> } | null = null;
  private refresher: RatesRefreshProcessor | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: FxConfig,
    @Inject(PRISMA) private readonly prisma: ServicesPrismaClient,
    @Inject(RatesRepository) private readonly rates: RatesRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const log = createLogger('fx', this.config.LOG_LEVEL);
    const file = this.config.FX_RATES_FILE ?? join(__dirname, '../../../apps/fx/rates/demo-rates.json');
    this.refresher = new RatesRefreshProcessor(
      this.config.REDIS_URL,
      this.config.KAFKA_TOPIC_PREFIX,
      file,
      this.config.FX_REFRESH_INTERVAL_MS,
      this.rates,
      log,
    );
    await this.refresher.start();
    if (this.config.FX_HEALTH_PORT) {
      this.ops = await startOpsServer(this.config.FX_HEALTH_PORT, createMetricsRegistry('fx'), {
        postgres: async () => void (await this.prisma.$queryRawUnsafe('select 1')),
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ops?.close();
    await this.refresher?.stop();
    await this.prisma.$disconnect();
  }
}
