import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { clearingSchema, DEMO_OPERATOR_TOKEN, loadConfig } from '@concord/config';
import type { Logger } from '@concord/observability';
import { ClearingModule, LOGGER } from './clearing.module';
import { ClearingProblemFilter } from './http/problems';
import { acceptStatementBodies } from './reconciliation/reconciliation.http';

/**
 * The clearing service: settlement windows, net positions and settlement instructions from finalized
 * ledger blocks. With CLEARING_PORT set it also serves the operator HTTP API (bearer OPERATOR_TOKEN).
 */
async function main(): Promise<void> {
  // Validated before anything starts, so that every invalid variable is named at once.
  const config = loadConfig(clearingSchema);
  if (config.CLEARING_PORT === undefined) {
    const app = await NestFactory.createApplicationContext(ClearingModule, { logger: ['error', 'warn'] });
    app.enableShutdownHooks();
    return;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    ClearingModule,
    new FastifyAdapter({ bodyLimit: 64 * 1024 }),
    { logger: ['error', 'warn'] },
  );
  acceptStatementBodies(app);
  const log = app.get<Logger>(LOGGER);
  app.useGlobalFilters(new ClearingProblemFilter((error) => log.error({ err: error }, 'unexpected error')));
  app.enableShutdownHooks();
  if (config.OPERATOR_TOKEN === DEMO_OPERATOR_TOKEN) {
    log.warn('OPERATOR_TOKEN is the public DEMO token: anyone can settle windows; set a real token');
  }
  await app.listen(config.CLEARING_PORT, config.CLEARING_HOST);
  log.info(`clearing API listening on http://${config.CLEARING_HOST}:${config.CLEARING_PORT}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
