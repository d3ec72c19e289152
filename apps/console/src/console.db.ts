import { PrismaClient } from '.prisma/console-client';
import { appClient } from '@concord/db';

export type ConsoleDb = PrismaClient;
export type { Prisma as ConsolePrisma } from '.prisma/console-client';

/** The console's own tables (schema `console`, prisma/console.prisma) on a node-postgres pool. */
export function consoleDb(databaseUrl: string, poolSize = 6): ConsoleDb {
  return appClient(PrismaClient, databaseUrl, poolSize);
}
