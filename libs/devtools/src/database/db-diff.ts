import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClients, REPO_ROOT, runPrisma, schemaSets } from './prisma';

/**
 * `npm run db:diff -- <set> <name> [--from-empty]`: writes a new migration for one set of tables (see
 * `schemaSets`) with `prisma migrate diff`, from the schema file as last committed to the schema file as it is now.
 */
function main(): void {
  const [set, name, mode] = process.argv.slice(2);
  if (!schemaSets().includes(set) || !name) {
    console.error(`usage: npm run db:diff -- ${schemaSets().join('|')} <migration_name> [--from-empty]`);
    process.exit(2);
  }
  const schema = set === 'services' ? 'prisma/schema.prisma' : `prisma/${set}.prisma`;
  // The starting point is the schema file as last committed (its migrations are already in the repo), so
  // no shadow database is needed.
  let from = ['--from-empty'];
  if (mode !== '--from-empty') {
    const previous = join(mkdtempSync(join(tmpdir(), 'concord-diff-')), 'previous.prisma');
    writeFileSync(
      previous,
      execFileSync('git', ['show', `HEAD:${schema}`], { cwd: REPO_ROOT, encoding: 'utf8' }),
    );
    from = ['--from-schema-datamodel', previous];
  }
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
