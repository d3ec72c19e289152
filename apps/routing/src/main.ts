import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, routingSchema } from '@concord/config';
import { DEMO_ROUTING_DELEGATE_KEY } from '@concord/config';
import type { Logger } from '@concord/observability';
import { RoutingProblemFilter } from './http/problems';
import { RoutingModule } from './routing.module';
import { LOGGER } from './routing.tokens';

/**
 * The order routing service: payout partners' offers, ranked routes and orders of consumer remittance
 * apps, rerouted on failure. Apps and partners call /v1 with signed requests (the partner API's profile).
 */
async function main(): Promise<void> {
  // Validated before anything starts, so that every invalid variable is named at once.
  const config = loadConfig(routingSchema);
  const app = await NestFactory.create<NestFastifyApplication>(
    RoutingModule,
    new FastifyAdapter({ bodyLimit: 64 * 1024 }),
    { rawBody: true, logger: ['error', 'warn'] },
  );
  const log = app.get<Logger>(LOGGER);
  app.useGlobalFilters(new RoutingProblemFilter((error) => log.error({ err: error }, 'unexpected error')));
  app.enableShutdownHooks();
  if (config.ROUTING_DELEGATE_KEY.toLowerCase() === DEMO_ROUTING_DELEGATE_KEY) {
    log.warn(
      'ROUTING_DELEGATE_KEY is the public DEMO key: anyone can sign as the apps that delegate it; set a real key',
    );
  }
  await app.listen(config.ROUTING_PORT, config.ROUTING_HOST);
  log.info(`routing API listening on http://${config.ROUTING_HOST}:${config.ROUTING_PORT}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
