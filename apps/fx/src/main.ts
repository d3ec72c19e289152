import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { fxSchema, loadConfig } from '@concord/config';
import { createFxHttpApp } from './admin/http';
import { FxModule } from './fx.module';

/**
 * The FX service: reference rates (file, ECB or HTTP JSON provider, refreshed on a BullMQ schedule),
 * pricing per corridor and partner, and signed quotes, answered over Kafka (fxQuoteRequests ->
 * fxQuoteReplies). With FX_PORT set it also serves the operator admin HTTP API (OPERATOR_TOKEN).
 */
async function main(): Promise<void> {
  // Validated before anything starts, so that every invalid variable is named at once.
  if (loadConfig(fxSchema).FX_PORT === undefined) {
    const app = await NestFactory.createApplicationContext(FxModule, { logger: ['error', 'warn'] });
    app.enableShutdownHooks();
    return;
  }
  const { app, config, log } = await createFxHttpApp();
  app.enableShutdownHooks();
  await app.listen(config.FX_PORT!, config.FX_HOST);
  log.info(`fx admin API listening on http://${config.FX_HOST}:${config.FX_PORT}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
