import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateClients, REPO_ROOT, runPrisma } from './prisma';

/**
 * `npm run db:diff -- <set> <name> [--from-empty]`: writes a new migration for the services or the ledger
 * tables with `prisma migrate diff`, from the migrations already in the repo to the schema file.
 */
function main(): void {
  const [set, name, mode] = process.argv.slice(2);
  if ((set !== 'services' && set !== 'ledger') || !name) {
    console.error('usage: npm run db:diff -- services|ledger <migration_name> [--from-empty]');
    process.exit(2);
  }
  const schema = set === 'services' ? 'prisma/schema.prisma' : 'prisma/ledger.prisma';
  const from = mode === '--from-empty' ? ['--from-empty'] : ['--from-migrations', `prisma/migrations/${set}`];
  const sql = runPrisma([
    'migrate',
    'diff',
    '--config',
    `prisma/${set}.config.ts`,
    ...from,
    '--to-schema-datamodel',
    schema,
    '--script',
  ])
    .split('\n')
    .filter(
      (line) => !line.startsWith('Loaded Prisma config') && line !== 'CREATE SCHEMA IF NOT EXISTS "public";',
    )
    .join('\n');
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(REPO_ROOT, 'prisma/migrations', set, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql.trim() + '\n');
  generateClients();
  console.log(`wrote ${dir}/migration.sql`);
}

main();
