import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient as ServicesPrismaClient } from '.prisma/services-client';
import { PrismaClient as LedgerPrismaClient } from '.prisma/ledger-client';

export { ServicesPrismaClient, LedgerPrismaClient };
export type { Prisma as ServicesPrisma } from '.prisma/services-client';
export type { Prisma as LedgerPrisma } from '.prisma/ledger-client';
export { rawSqlOf, sqlOf, timestampText, valuesList } from './sql';
export type { RawSql, Sql, SqlPool } from './sql';
import { registerSql } from './sql';

/**
 * Prisma clients over node-postgres (driver adapter, no native engine). The gateway, clearing and FX
 * tables are schema-qualified in the schema file; a ledger signer's client is bound to its own schema.
 * `sqlOf(client)` gives plain SQL on the same pool, for the hot paths (see sql.ts).
 */
export function servicesClient(databaseUrl: string, poolSize = 10): ServicesPrismaClient {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, allowExitOnIdle: true });
  return registerSql(
    new ServicesPrismaClient({
      adapter: new PrismaPg(pool, { disposeExternalPool: true }),
      errorFormat: 'minimal',
    }),
    pool,
  );
}

/**
 * The client of an app that owns a set of tables alone (`prisma/<app>.prisma`, generated to
 * `.prisma/<app>-client`): the app passes its generated PrismaClient class.
 */
export function appClient<C extends object>(
  PrismaClient: new (options: { adapter: PrismaPg; errorFormat: 'minimal' }) => C,
  databaseUrl: string,
  poolSize = 5,
): C {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize, allowExitOnIdle: true });
  return registerSql(
    new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), errorFormat: 'minimal' }),
    pool,
  );
}

export function ledgerClient(databaseUrl: string, signerId: string, poolSize = 5): LedgerPrismaClient {
  const schema = `ledger_${signerId}`;
  // The schema option qualifies model queries; the search path covers the raw SQL of the repository.
  const pool = new Pool({
    connectionString: databaseUrl,
    max: poolSize,
    options: `-c search_path=${schema}`,
    allowExitOnIdle: true,
  });
  return registerSql(
    new LedgerPrismaClient({
      adapter: new PrismaPg(pool, { schema, disposeExternalPool: true }),
      errorFormat: 'minimal',
    }),
    pool,
  );
}
