import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ClearingModule } from './clearing.module';

/** The clearing service: settlement windows and positions from finalized ledger blocks. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(ClearingModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
