import { PrismaClient } from '.prisma/compliance-client';
import { appClient } from '@concord/db';

export { PrismaClient as CompliancePrisma };
export type { Prisma } from '.prisma/compliance-client';

/** The compliance service's own tables (schema "compliance"), over node-postgres. */
export function complianceClient(databaseUrl: string, poolSize = 5): PrismaClient {
  return appClient(PrismaClient, databaseUrl, poolSize);
}
