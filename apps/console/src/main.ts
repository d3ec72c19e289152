import 'reflect-metadata';
import { consoleSchema, loadConfig } from '@concord/config';
import type { Logger } from '@concord/observability';
import { createConsoleApp } from './console.app';
import { LOGGER } from './console.tokens';

/**
 * The operations console: its API under /ops/v1 (sessions, roles, audit, the read model of the network,
 * actions through the clearing and FX operator APIs, governance), live events, and the single-page web
 * application built into CONSOLE_WEB_DIR, served at / with every unknown page falling back to index.html.
 */
async function main(): Promise<void> {
  const config = loadConfig(consoleSchema);
  const app = await createConsoleApp(config);
  await app.listen(config.CONSOLE_PORT, config.CONSOLE_HOST);
  app.get<Logger>(LOGGER).info(`console listening on http://${config.CONSOLE_HOST}:${config.CONSOLE_PORT}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
