// Prisma CLI configuration for the routing service's tables (schema `routing`). Migrations run through
// Prisma's WebAssembly schema engine over a node-postgres driver adapter, as for the services tables.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg-migrate';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'routing.prisma',
  migrations: { path: 'migrations/routing' },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
} as Parameters<typeof defineConfig>[0]);
