import { complianceSchema } from './compliance';
import { clearingSchema, fxSchema, gatewaySchema, ledgerSchema } from './config';
import { consoleSchema } from './console';
import { routingSchema } from './routing';

/**
 * The schema of each service, by the name used in docker-compose.yml and k8s/. Its own module: the apps'
 * schemas (compliance, console, routing) extend `commonSchema` of config.ts, so config.ts cannot import them.
 */
export const serviceSchemas = {
  gateway: gatewaySchema,
  ledger: ledgerSchema,
  clearing: clearingSchema,
  fx: fxSchema,
  console: consoleSchema,
  compliance: complianceSchema,
  routing: routingSchema,
} as const;
