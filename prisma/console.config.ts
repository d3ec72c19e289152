// Prisma CLI configuration for the operations console's tables (schema "console"), migrated like the
// services set: WebAssembly schema engine over a node-postgres driver adapter (see services.config.ts).
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg-migrate';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'console.prisma',
  migrations: { path: 'migrations/console' },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL }),
} as Parameters<typeof defineConfig>[0]);
