import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as ServicesPrismaClient } from '.prisma/services-client';
import { PrismaClient as LedgerPrismaClient } from '.prisma/ledger-client';

export { ServicesPrismaClient, LedgerPrismaClient };
export type { Prisma as ServicesPrisma } from '.prisma/services-client';
export type { Prisma as LedgerPrisma } from '.prisma/ledger-client';

/**
 * Prisma clients over node-postgres (driver adapter, no native engine). The gateway, clearing and FX
 * tables are schema-qualified in the schema file; a ledger signer's client is bound to its own schema.
 */
export function servicesClient(databaseUrl: string, poolSize = 10): ServicesPrismaClient {
  return new ServicesPrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }),
    errorFormat: 'minimal',
  });
}

export function ledgerClient(databaseUrl: string, signerId: string, poolSize = 5): LedgerPrismaClient {
  const schema = `ledger_${signerId}`;
  // The schema option qualifies model queries; the search path covers the raw SQL of the repository.
  return new LedgerPrismaClient({
    adapter: new PrismaPg(
      { connectionString: databaseUrl, max: poolSize, options: `-c search_path=${schema}` },
      { schema },
    ),
    errorFormat: 'minimal',
  });
}
