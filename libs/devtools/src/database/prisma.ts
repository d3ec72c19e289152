import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

import { REPO_ROOT } from '../infra/settings';

export { REPO_ROOT };
const PRISMA_BIN = join(REPO_ROOT, 'node_modules/.bin/prisma');

/**
 * Runs the Prisma CLI without its native engines. Prisma downloads them from its own server, which is not
 * reachable from here; with `engineType = "client"` and the WebAssembly schema engine they are never run,
 * so the variables below point the CLI's existence checks at a file that exists and is never executed.
 */
export function runPrisma(args: string[], env: Record<string, string> = {}): string {
  const stub = join(REPO_ROOT, 'package.json');
  const result = spawnSync(PRISMA_BIN, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      PRISMA_QUERY_ENGINE_LIBRARY: stub,
      PRISMA_SCHEMA_ENGINE_BINARY: stub,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      PRISMA_SKIP_POSTINSTALL_GENERATE: '1',
      CHECKPOINT_DISABLE: '1',
      ...env,
    },
  });
  if (result.status !== 0) {
    throw new Error(`prisma ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * The sets of tables, each with its schema file `prisma/<set>.prisma`, Prisma config
 * `prisma/<set>.config.ts`, migrations `prisma/migrations/<set>` and client `.prisma/<set>-client`:
 * `services` (gateway, clearing, FX), `ledger` (one schema per signer), and one set per app that owns its
 * tables alone (console, compliance, routing...), found by its config file.
 */
export function schemaSets(): string[] {
  const apps = readdirSync(join(REPO_ROOT, 'prisma'))
    .map((name) => /^([a-z][a-z0-9-]*)\.config\.ts$/.exec(name)?.[1])
    .filter((set): set is string => set !== undefined && set !== 'services' && set !== 'ledger')
    .sort();
  return ['services', ...apps, 'ledger'];
}

/** The app sets: applied once per database, like `services`. */
export function appSchemaSets(): string[] {
  return schemaSets().filter((set) => set !== 'services' && set !== 'ledger');
}

export function generateClients(): void {
  for (const set of schemaSets()) runPrisma(['generate', '--config', `prisma/${set}.config.ts`]);
}

/** The URL of the maintenance database on the same server, used to create databases. */
function maintenanceUrl(databaseUrl: string): { url: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  url.search = '';
  return { url: url.toString(), database };
}

export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { url, database } = maintenanceUrl(databaseUrl);
  if (!/^[a-z0-9_]+$/.test(database)) throw new Error(`database name "${database}" must be [a-z0-9_]+`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if ((exists.rowCount ?? 0) > 0) return;
    // Byte-order collation: every key here is an identifier, and PostgreSQL compares "C" text with memcmp
    // but any other locale (this server's default is C.UTF-8) through strcoll, on every index lookup.
    await client.query(
      `create database ${database} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C.UTF-8'`,
    );
    // Large values (log records, finalized blocks) compressed with lz4 rather than pglz, several times
    // cheaper in CPU; a server built without lz4 keeps pglz.
    await client
      .query(`alter database ${database} set default_toast_compression = 'lz4'`)
      .catch(() => undefined);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { url, database } = maintenanceUrl(databaseUrl);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop database if exists ${database} with (force)`);
  } finally {
    await client.end();
  }
}

export const SERVICES_HISTORY_SCHEMA = 'migrations_services';

export function ledgerSchemaName(signerId: string): string {
  return `ledger_${signerId}`;
}

/** The database URL whose connections default to one signer's schema. */
export function withSearchPath(databaseUrl: string, schema: string): string {
  // Spelled out by hand: URLSearchParams would write the space as '+', which node-postgres keeps.
  const separator = databaseUrl.includes('?') ? '&' : '?';
  return `${databaseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/**
 * Applies the SQL migrations of `prisma/migrations/<set>` in name order, each once, in a transaction,
 * and records them in `<schema>.concord_migrations` with their checksum. Prisma remains the source of the
 * schema (`npm run db:diff` writes new migrations with `prisma migrate diff`); applying them is done
 * here because `prisma migrate deploy` over the WebAssembly engine takes ~10 s per schema on this machine
 * and cannot keep one history per signer schema.
 */
async function applyMigrationSet(client: Client, set: string, schema: string): Promise<string[]> {
  const dir = join(REPO_ROOT, 'prisma/migrations', set);
  const names = readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'migration.sql')))
    .sort();
  await client.query(`create schema if not exists ${schema}`);
  await client.query(`set search_path to ${schema}`);
  await client.query(
    `create table if not exists concord_migrations (name text primary key, checksum text not null, applied_at timestamptz not null default now())`,
  );
  const applied = new Map(
    (
      await client.query<{ name: string; checksum: string }>('select name, checksum from concord_migrations')
    ).rows.map((r) => [r.name, r.checksum]),
  );
  const done: string[] = [];
  for (const name of names) {
    const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    const previous = applied.get(name);
    if (previous !== undefined) {
      if (previous !== checksum)
        throw new Error(`migration ${set}/${name} was changed after it was applied to ${schema}`);
      continue;
    }
    await client.query('begin');
    try {
      await client.query(sql);
      await client.query('insert into concord_migrations (name, checksum) values ($1, $2)', [name, checksum]);
      await client.query('commit');
    } catch (e) {
      await client.query('rollback');
      throw new Error(`migration ${set}/${name} failed on ${schema}: ${(e as Error).message}`);
    }
    done.push(name);
  }
  return done;
}

/**
 * Brings a database to the latest schema: creates it if missing, applies the services' migrations and
 * each app set's, then the ledger migrations once per signer schema. Safe to run again, and from several processes at once:
 * an advisory lock serializes them.
 */
export async function migrate(databaseUrl: string, signers: string[]): Promise<void> {
  await ensureDatabase(databaseUrl);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(7531)');
    await applyMigrationSet(client, 'services', SERVICES_HISTORY_SCHEMA);
    for (const set of appSchemaSets()) await applyMigrationSet(client, set, `migrations_${set}`);
    for (const signer of signers) await applyMigrationSet(client, 'ledger', ledgerSchemaName(signer));
  } finally {
    await client.query('select pg_advisory_unlock(7531)').catch(() => undefined);
    await client.end();
  }
}
