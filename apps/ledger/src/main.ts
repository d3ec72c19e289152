import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { LedgerModule } from './ledger.module';

/** One ledger signer node. Which signer it is comes from LEDGER_SIGNER_ID and LEDGER_SIGNER_KEY. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(LedgerModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
