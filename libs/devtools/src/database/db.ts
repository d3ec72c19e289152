import { loadConfig, commonSchema } from '@concord/config';
import { z } from 'zod';
import { signerIds } from '../demo/consortium';
import { generateClients, migrate } from './prisma';

/**
 * `npm run db:generate`: the Prisma clients. `npm run db:migrate`: creates DATABASE_URL's database if
 * missing and applies every migration (services, then one ledger schema per signer of LEDGER_SIGNERS).
 */
async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'generate') {
    generateClients();
    return;
  }
  if (command === 'migrate') {
    const config = loadConfig(
      commonSchema.extend({ LEDGER_SIGNERS: z.coerce.number().int().min(1).max(32).default(4) }),
    );
    await migrate(config.DATABASE_URL, signerIds(config.LEDGER_SIGNERS));
    console.log(
      `migrated ${new URL(config.DATABASE_URL).pathname.slice(1)} (services + ${config.LEDGER_SIGNERS} signer schemas)`,
    );
    return;
  }
  console.error('usage: tsx libs/devtools/src/database/db.ts generate|migrate');
  process.exit(2);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
