import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FxModule } from './fx.module';

/** The FX service: reference rates today; quotes, spreads and fees are the next step (see README). */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(FxModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
