import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { CONSOLE_API_PREFIX } from '@concord/contracts';
import type { ConsoleConfig } from '@concord/config';
import type { Logger } from '@concord/observability';
import { ConsoleModule } from './console.module';
import { LOGGER } from './console.tokens';
import { ConsoleProblemFilter } from './http/problems';
import { addSecurityHeaders } from './http/security-headers';

/** The repository root: three levels above apps/console/src, four above dist/apps/console/src. */
function repoRoot(): string {
  const here = resolve(__dirname, '../../..');
  return existsSync(join(here, 'package.json')) ? here : resolve(here, '..');
}

/** The console's Nest application, ready to listen: security headers, the web app's files, problems. */
export async function createConsoleApp(config: ConsoleConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    ConsoleModule,
    new FastifyAdapter({ bodyLimit: 256 * 1024 }),
    { logger: ['error', 'warn'] },
  );
  const log = app.get<Logger>(LOGGER);
  const webDir = isAbsolute(config.CONSOLE_WEB_DIR)
    ? config.CONSOLE_WEB_DIR
    : join(repoRoot(), config.CONSOLE_WEB_DIR);
  addSecurityHeaders(app.getHttpAdapter().getInstance(), CONSOLE_API_PREFIX);
  if (existsSync(webDir)) {
    // Loaded only when there are files to serve: @fastify/static pulls in an ES module that Node 20 loads
    // through require but jest's module runtime cannot, and the in-process tests serve no files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fastifyStatic = require('@fastify/static') as { default?: unknown };
    await app.register((fastifyStatic.default ?? fastifyStatic) as never, {
      root: webDir,
      prefix: '/',
      index: ['index.html'],
    });
  } else {
    log.warn({ webDir }, 'no built web application: the API is served alone (npm run build builds it)');
  }
  app.useGlobalFilters(
    new ConsoleProblemFilter(webDir, (error) => log.error({ err: error }, 'unexpected error')),
  );
  app.enableShutdownHooks();
  return app;
}
