import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FxModule } from './fx.module';

/**
 * The FX service: reference rates (file, ECB or HTTP JSON provider, refreshed on a BullMQ schedule),
 * pricing per corridor and partner, and signed quotes, answered over Kafka (fxQuoteRequests ->
 * fxQuoteReplies).
 */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(FxModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
