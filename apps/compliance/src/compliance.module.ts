import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ComplianceConfig, complianceSchema, DEMO_COMPLIANCE_SIGNING_KEY, loadConfig } from '@concord/config';
import { createLogger, Logger } from '@concord/observability';
import { operatorAuthProvider } from '@concord/operator-auth';
import { CasesRepository } from './cases/cases.repository';
import { CasesService } from './cases/cases.service';
import { ReportsService } from './cases/reports.service';
import { ComplianceScheduler } from './compliance.processor';
import { ComplianceController } from './http/compliance.controller';
import { HealthController, PRISMA } from './http/health.controller';
import { listLocations } from './lists/list-sources';
import { ListsRepository } from './lists/lists.repository';
import { ListsService } from './lists/lists.service';
import { complianceClient, CompliancePrisma } from './prisma';
import { FieldSealer } from './privacy/field-sealer';
import { RulesService } from './rules/rules.service';
import { ScreeningRepository } from './screening/screening.repository';
import { ScreeningService } from './screening/screening.service';
import { ComplianceSigner } from './signing/compliance-signer';

export const CONFIG = 'COMPLIANCE_CONFIG';
export const LOGGER = 'LOGGER';

/** Bound late: the lists service calls the screening service (screen again) that needs the lists. */
const rescreen: { current: () => Promise<unknown> } = { current: async () => 0 };

@Module({
  controllers: [ComplianceController, HealthController],
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig(complianceSchema) },
    operatorAuthProvider(CONFIG),
    {
      provide: LOGGER,
      inject: [CONFIG],
      useFactory: (c: ComplianceConfig) => createLogger('compliance', c.LOG_LEVEL),
    },
    {
      provide: PRISMA,
      inject: [CONFIG],
      useFactory: (c: ComplianceConfig) => complianceClient(c.DATABASE_URL, 5),
    },
    {
      provide: FieldSealer,
      inject: [CONFIG],
      useFactory: (c: ComplianceConfig) => new FieldSealer(c.COMPLIANCE_DATA_KEYS),
    },
    {
      provide: ComplianceSigner,
      inject: [CONFIG],
      useFactory: (c: ComplianceConfig) =>
        new ComplianceSigner(c.COMPLIANCE_SIGNING_KEY, c.COMPLIANCE_SIGNING_KEY_ID),
    },
    {
      provide: ScreeningRepository,
      inject: [PRISMA],
      useFactory: (p: CompliancePrisma) => new ScreeningRepository(p),
    },
    {
      provide: CasesRepository,
      inject: [PRISMA],
      useFactory: (p: CompliancePrisma) => new CasesRepository(p),
    },
    {
      provide: ListsService,
      inject: [PRISMA, CONFIG, LOGGER],
      useFactory: (p: CompliancePrisma, c: ComplianceConfig, log: Logger) =>
        new ListsService(new ListsRepository(p), listLocations(c.COMPLIANCE_LISTS), log, async () => {
          await rescreen.current();
        }),
    },
    {
      provide: ScreeningService,
      inject: [ScreeningRepository, ListsService, FieldSealer, ComplianceSigner, CONFIG, LOGGER],
      useFactory: (
        r: ScreeningRepository,
        l: ListsService,
        f: FieldSealer,
        s: ComplianceSigner,
        c: ComplianceConfig,
        log: Logger,
      ) => {
        const service = new ScreeningService(
          r,
          l,
          f,
          s,
          {
            hitThreshold: c.COMPLIANCE_HIT_THRESHOLD,
            caseDeadlineMs: c.COMPLIANCE_CASE_DEADLINE_MS,
            rescreenDays: c.COMPLIANCE_RESCREEN_DAYS,
          },
          log,
        );
        rescreen.current = () => service.rescreenRecent();
        return service;
      },
    },
    {
      provide: CasesService,
      inject: [CasesRepository, ScreeningRepository, ScreeningService, ComplianceSigner, CONFIG],
      useFactory: (
        c: CasesRepository,
        r: ScreeningRepository,
        s: ScreeningService,
        signer: ComplianceSigner,
        config: ComplianceConfig,
      ) => new CasesService(c, r, s, signer, config.COMPLIANCE_OFFICER_KEYS),
    },
    {
      provide: ReportsService,
      inject: [CasesRepository, ScreeningRepository, ScreeningService, CONFIG],
      useFactory: (
        c: CasesRepository,
        r: ScreeningRepository,
        s: ScreeningService,
        config: ComplianceConfig,
      ) => new ReportsService(c, r, s, config.COMPLIANCE_GOAML_ENTITY_ID),
    },
    {
      provide: RulesService,
      inject: [ScreeningRepository, ScreeningService],
      useFactory: (r: ScreeningRepository, s: ScreeningService) => new RulesService(r, s),
    },
    {
      provide: ComplianceScheduler,
      inject: [CONFIG, ListsService, CasesService, LOGGER],
      useFactory: (c: ComplianceConfig, lists: ListsService, cases: CasesService, log: Logger) =>
        new ComplianceScheduler(
          c.REDIS_URL,
          c.KAFKA_TOPIC_PREFIX,
          {
            listRefreshMs: c.COMPLIANCE_LIST_REFRESH_MS,
            escalationCheckMs: c.COMPLIANCE_ESCALATION_CHECK_MS,
          },
          { refresh: () => lists.refresh(), escalate: () => cases.escalateOverdue() },
          log,
        ),
    },
  ],
})
export class ComplianceModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CONFIG) private readonly config: ComplianceConfig,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(PRISMA) private readonly prisma: CompliancePrisma,
    @Inject(ListsService) private readonly lists: ListsService,
    @Inject(ScreeningService) private readonly screening: ScreeningService,
    @Inject(ComplianceScheduler) private readonly scheduler: ComplianceScheduler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.COMPLIANCE_SIGNING_KEY.toLowerCase() === DEMO_COMPLIANCE_SIGNING_KEY) {
      this.log.warn(
        'COMPLIANCE_SIGNING_KEY is the public DEMO key: anyone can forge clearances; set a real key',
      );
    }
    // The versions stored screen at once; the first refresh (a new network's first load) follows.
    await this.lists.loadStored();
    await this.screening.rules();
    await this.lists.refresh();
    await this.scheduler.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
    await this.prisma.$disconnect();
  }
}
