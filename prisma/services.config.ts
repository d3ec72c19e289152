// Prisma CLI configuration for the services tables. Migrations run through Prisma's WebAssembly schema
// engine over a node-postgres driver adapter, because the native engines cannot be downloaded here
// (see README, "Design notes"). The 7.x adapter is used for migrations only: it reads the column types
// that the 6.19 one cannot.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg-migrate';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'schema.prisma',
  migrations: { path: 'migrations/services' },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
} as Parameters<typeof defineConfig>[0]);
