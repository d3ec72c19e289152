import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DEMO_OPERATOR_TOKEN, FxConfig } from '@concord/config';
import type { Logger } from '@concord/observability';
import { CONFIG, FxModule, LOGGER } from '../fx.module';
import { FxProblemFilter } from './problems';

/**
 * The FX service with its operator admin API: the whole FX module on Fastify, errors as problem+json.
 * main.ts listens on FX_PORT; the tests listen on a free port.
 */
export async function createFxHttpApp(logger: false | ('error' | 'warn')[] = ['error', 'warn']) {
  const app = await NestFactory.create<NestFastifyApplication>(
    FxModule,
    new FastifyAdapter({ bodyLimit: 64 * 1024 }),
    { logger },
  );
  const log = app.get<Logger>(LOGGER);
  app.useGlobalFilters(new FxProblemFilter((error) => log.error({ err: error }, 'unexpected error')));
  const config = app.get<FxConfig>(CONFIG);
  if (config.OPERATOR_TOKEN === DEMO_OPERATOR_TOKEN) {
    log.warn('OPERATOR_TOKEN is the public DEMO token: anyone can change pricing; set a real token');
  }
  return { app, config, log };
}
