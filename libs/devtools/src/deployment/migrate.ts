import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { commonSchema, loadConfig } from '@concord/config';
import { appSchemaSets, migrate, REPO_ROOT } from '../database/prisma';

/**
 * The migration job of docker-compose.yml and k8s/ (`node dist/libs/devtools/src/deployment/migrate.js`):
 * brings DATABASE_URL to the latest schema. MIGRATE_SIGNERS names the signer schemas this database holds:
 * none on the operator's database (gateway, clearing, FX), one (`s2`) on the database of the organisation
 * that runs signer s2. Safe to run again and concurrently (migrate() holds an advisory lock).
 */
const schema = commonSchema.pick({ DATABASE_URL: true, LOG_LEVEL: true }).extend({
  MIGRATE_SIGNERS: z
    .string()
    .regex(/^([a-z0-9]{1,16}(,[a-z0-9]{1,16})*)?$/, 'signer ids separated by commas')
    .default('')
    .describe('The signer schemas (ledger_<id>) to create in this database, e.g. "s1".'),
});

/**
 * The app sets migrate() applies are those with a `prisma/<set>.config.ts`: an image that carried only
 * prisma/migrations would leave every app's tables out, and its app fail on its first query. Refuses that.
 */
function appSets(): string[] {
  const sets = appSchemaSets();
  const known = new Set(['services', 'ledger', ...sets]);
  const orphans = readdirSync(path.join(REPO_ROOT, 'prisma', 'migrations')).filter((d) => !known.has(d));
  if (orphans.length > 0) {
    throw new Error(`prisma/migrations/${orphans.join(', ')}: no prisma/<set>.config.ts beside them`);
  }
  return sets;
}

async function main(): Promise<void> {
  const config = loadConfig(schema);
  const signers = config.MIGRATE_SIGNERS === '' ? [] : config.MIGRATE_SIGNERS.split(',');
  const sets = appSets();
  await migrate(config.DATABASE_URL, signers);
  const database = new URL(config.DATABASE_URL).pathname.slice(1);
  const applied = ['services', ...sets, ...signers.map((s) => `ledger_${s}`)];
  console.log(`migrated ${database}: ${applied.join(', ')}`);
}

main().catch((error: Error) => {
  console.error(error.name === 'ConfigError' ? error.message : (error.stack ?? String(error)));
  process.exit(1);
});
