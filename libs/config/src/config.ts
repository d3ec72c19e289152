import { z } from 'zod';

/**
 * Every environment variable Concord reads, in one place. Each service validates the variables it needs
 * once at start-up; an invalid configuration stops the process with every bad variable named.
 */
const port = z.coerce.number().int().min(1).max(65535);
const hex32 = z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (a 32-byte Ed25519 seed)');

export const commonSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/concord'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port...]')
    .default('127.0.0.1:9092'),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/, 'only lower-case letters, digits, dot, dash and underscore')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const gatewaySchema = commonSchema.extend({
  GATEWAY_PORT: port.default(3000),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_MAX_WAIT_MS: z.coerce.number().int().min(0).max(30000).default(10000),
  GATEWAY_SIGNATURE_MAX_AGE_S: z.coerce.number().int().min(1).max(3600).default(300),
  /** Requests per second per participant before 429 (a batch counts as one request). */
  GATEWAY_RATE_LIMIT_PER_S: z.coerce.number().int().min(1).default(1000),
});

export const ledgerSchema = commonSchema.extend({
  LEDGER_SIGNER_ID: z.string().regex(/^[a-z0-9]{1,16}$/, 'lower-case letters and digits, at most 16'),
  LEDGER_SIGNER_KEY: hex32,
  LEDGER_CUT_INTERVAL_MS: z.coerce.number().int().min(5).max(60000).default(50),
  LEDGER_HEALTH_PORT: port.optional(),
  /** Test-only fault injection (see SignerService): never set it in a real network. */
  LEDGER_FAULT_FROM_HEIGHT: z.coerce.number().int().min(1).optional(),
});

export const clearingSchema = commonSchema.extend({
  CLEARING_HEALTH_PORT: port.optional(),
});

export const fxSchema = commonSchema.extend({
  FX_HEALTH_PORT: port.optional(),
  /** A JSON rates file; the demo file in apps/fx/rates is used when unset. */
  FX_RATES_FILE: z.string().optional(),
  FX_REFRESH_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(60 * 60 * 1000),
});

export type CommonConfig = z.infer<typeof commonSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type LedgerConfig = z.infer<typeof ledgerSchema>;
export type ClearingConfig = z.infer<typeof clearingSchema>;
export type FxConfig = z.infer<typeof fxSchema>;

/** The schema of each service, by the name used in docker-compose.yml and k8s/. */
export const serviceSchemas = {
  gateway: gatewaySchema,
  ledger: ledgerSchema,
  clearing: clearingSchema,
  fx: fxSchema,
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Validates `env` against `schema`; throws a ConfigError naming every invalid variable. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings count as unset so that `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: issue.path.map(String).join('.') || '(root)',
        message: issue.message,
      })),
    );
  }
  return result.data;
}
