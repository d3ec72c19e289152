import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { complianceSchema, DEMO_OPERATOR_TOKEN, loadConfig } from '@concord/config';
import type { Logger } from '@concord/observability';
import { ComplianceModule, LOGGER } from './compliance.module';
import { ComplianceProblemFilter } from './http/problems';

/**
 * The compliance service: sanctions screening, monitoring rules, cases and signed clearances, on
 * COMPLIANCE_PORT (bearer OPERATOR_TOKEN).
 */
async function main(): Promise<void> {
  // Validated before anything starts, so that every invalid variable is named at once.
  const config = loadConfig(complianceSchema);
  const app = await NestFactory.create<NestFastifyApplication>(
    ComplianceModule,
    new FastifyAdapter({ bodyLimit: 256 * 1024 }),
    {
      logger: ['error', 'warn'],
    },
  );
  const log = app.get<Logger>(LOGGER);
  app.useGlobalFilters(new ComplianceProblemFilter((error) => log.error({ err: error }, 'unexpected error')));
  app.enableShutdownHooks();
  if (config.OPERATOR_TOKEN === DEMO_OPERATOR_TOKEN) {
    log.warn('OPERATOR_TOKEN is the public DEMO token: anyone can release cases; set a real token');
  }
  await app.listen(config.COMPLIANCE_PORT, config.COMPLIANCE_HOST);
  log.info(`compliance API listening on http://${config.COMPLIANCE_HOST}:${config.COMPLIANCE_PORT}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
