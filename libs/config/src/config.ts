import { getNextMillis } from 'bullmq';
import { z } from 'zod';

/**
 * Every environment variable Concord reads, in one place. Each service validates the variables it needs
 * once at start-up; an invalid configuration stops the process with every bad variable named.
 */
const port = z.coerce.number().int().min(1).max(65535);
const hex32 = z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (a 32-byte Ed25519 seed)');

/**
 * The bearer token of the operator HTTP APIs (clearing's CLEARING_PORT, FX's FX_PORT), shared by both:
 * at least 32 characters of the RFC 6750 token alphabet, so that it fits in an Authorization header.
 */
const operatorToken = z
  .string()
  .min(32, 'at least 32 characters')
  .max(512)
  .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'letters, digits and - . _ ~ + / only (an RFC 6750 bearer token)');

/**
 * DEMO ONLY: the operator token `npm start` and the tests give the clearing and FX services. It is public,
 * so it protects nothing: every real deployment sets its own OPERATOR_TOKEN (both services log a warning
 * while they serve their operator API with this one).
 */
export const DEMO_OPERATOR_TOKEN = 'concord-demo-operator-token-not-secret';

/** An operator API is never served without a token: OPERATOR_TOKEN is required once `portVariable` is set. */
function operatorTokenWithPort<K extends string>(portVariable: K) {
  return (config: { OPERATOR_TOKEN?: string } & { [P in K]?: number }, ctx: z.RefinementCtx) => {
    if (config[portVariable] !== undefined && config.OPERATOR_TOKEN === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPERATOR_TOKEN'],
        message: `required when ${portVariable} is set (the operator API's bearer token)`,
      });
    }
  };
}

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
  /**
   * How long a small instruction waits for others before the gateway sends it to the command log (see
   * CoalescingSender): each produce request wakes every signer.
   */
  GATEWAY_COMMAND_LINGER_MS: z.coerce.number().int().min(0).max(100).default(5),
  GATEWAY_SIGNATURE_MAX_AGE_S: z.coerce.number().int().min(1).max(3600).default(300),
  /** Requests per second per participant before 429 (a batch counts as one request). */
  GATEWAY_RATE_LIMIT_PER_S: z.coerce.number().int().min(1).default(1000),
  /** HTTP attempts of one webhook delivery before it is marked dead. */
  GATEWAY_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Delay before the second attempt of a webhook delivery; doubled before each further attempt. */
  GATEWAY_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  /** How long one webhook POST may take before it counts as failed. */
  GATEWAY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Webhook deliveries sent at the same time by one gateway process. */
  GATEWAY_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(10),
  /** Active webhook subscriptions per participant. */
  GATEWAY_WEBHOOK_MAX_PER_PARTICIPANT: z.coerce.number().int().min(1).max(1000).default(10),
  /** Most entries in one statement; a longer window is refused (422) and must be split. */
  GATEWAY_STATEMENT_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** How long the response to a POST with an Idempotency-Key is kept for that key (24 h by default). */
  GATEWAY_IDEMPOTENCY_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(24 * 3600),
  /**
   * Webhook URLs on loopback, private, link-local and other non-public addresses are refused unless this
   * is true (they would let a partner make the gateway call into the operator's own network). Only for a
   * network on one machine (`npm start`, the tests) whose receivers are local.
   */
  GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const ledgerSchema = commonSchema.extend({
  LEDGER_SIGNER_ID: z.string().regex(/^[a-z0-9]{1,16}$/, 'lower-case letters and digits, at most 16'),
  LEDGER_SIGNER_KEY: hex32,
  LEDGER_CUT_INTERVAL_MS: z.coerce.number().int().min(5).max(60000).default(150),
  LEDGER_HEALTH_PORT: port.optional(),
  /** Test-only fault injection (see SignerService): never set it in a real network. */
  LEDGER_FAULT_FROM_HEIGHT: z.coerce.number().int().min(1).optional(),
  /** Test-only fault injection: `true` makes the node never publish as first voter (see SignerService). */
  LEDGER_FAULT_SILENT_PUBLISHER: z.enum(['true', 'false']).default('false'),
});

/**
 * DEMO ONLY: the settlement-posting seed of the demo consortium's clearing service,
 * `settlementKey(DEMO_CONSORTIUM).key.seedHex` in libs/devtools/src/consortium.ts (sha256 of
 * "concord-demo-not-secret:clearing:settlement-signer"). It is public, so anyone could post settlements
 * with it: every real deployment sets CLEARING_SETTLEMENT_KEY, and clearing warns while it uses this one.
 */
export const DEMO_CLEARING_SETTLEMENT_KEY =
  'caa6c943e1bbcec19eb324ba0f62a276b8d6ccb1a1f437adfaff18f05bc26daf';

/** The cut-off of one currency: a cron pattern (5 fields, or 6 with seconds first) in a time zone. */
export interface WindowCutOff {
  pattern: string;
  /** An IANA time zone (`America/New_York`); the pattern is read in UTC without one. */
  tz?: string;
}

/**
 * `CLEARING_WINDOW_SCHEDULE`: `USD=0 0 16 * * *@America/New_York;PHP=0 0 17 * * 1-5@Asia/Manila`, one
 * entry per currency, separated by `;`. Each entry is checked as BullMQ will read it (its own cron
 * parser, with the time zone), so that a schedule that starts is one that runs; every bad entry is named.
 */
export function parseWindowSchedule(value: string): {
  schedule: Record<string, WindowCutOff>;
  problems: string[];
} {
  const schedule: Record<string, WindowCutOff> = {};
  const problems: string[] = [];
  for (const raw of value.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const currency = eq < 0 ? '' : entry.slice(0, eq).trim();
    if (!/^[A-Z]{3}$/.test(currency)) {
      problems.push(`"${entry}": must be CUR=<cron pattern>[@<time zone>] with an ISO 4217 code`);
      continue;
    }
    if (schedule[currency]) {
      problems.push(`"${entry}": ${currency} is scheduled more than once`);
      continue;
    }
    const rest = entry.slice(eq + 1).trim();
    const at = rest.lastIndexOf('@');
    const pattern = (at < 0 ? rest : rest.slice(0, at)).trim().replace(/\s+/g, ' ');
    const tz = at < 0 ? undefined : rest.slice(at + 1).trim();
    const fields = pattern === '' ? 0 : pattern.split(' ').length;
    if (fields !== 5 && fields !== 6) {
      problems.push(`"${entry}": a cron pattern has 5 fields (6 with seconds), not ${fields}`);
      continue;
    }
    if (tz !== undefined) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
      } catch {
        problems.push(`"${entry}": unknown time zone "${tz}" (an IANA name such as America/New_York)`);
        continue;
      }
    }
    try {
      const next = getNextMillis(Date.now(), { pattern, ...(tz ? { tz } : {}) });
      if (!Number.isFinite(next)) throw new Error('it never fires');
    } catch (e) {
      problems.push(`"${entry}": not a cron pattern: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    schedule[currency] = { pattern, ...(tz ? { tz } : {}) };
  }
  return { schedule, problems };
}

export const clearingSchema = commonSchema
  .extend({
    CLEARING_HEALTH_PORT: port.optional(),
    /** The operator HTTP API (windows, instructions, confirmations); not served when unset. */
    CLEARING_PORT: port.optional(),
    CLEARING_HOST: z.string().default('127.0.0.1'),
    /** The operator APIs' bearer token; required with CLEARING_PORT. */
    OPERATOR_TOKEN: operatorToken.optional(),
    /**
     * Cut-off interval of the currencies CLEARING_WINDOW_SCHEDULE does not name: their open window closes
     * this often (when it holds transfers), the first time one interval after its scheduler is created.
     */
    CLEARING_WINDOW_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000),
    /** Cut-off times per currency (see parseWindowSchedule); the others keep CLEARING_WINDOW_INTERVAL_MS. */
    CLEARING_WINDOW_SCHEDULE: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const { schedule, problems } = parseWindowSchedule(value);
        for (const message of problems) ctx.addIssue({ code: 'custom', message });
        return schedule;
      }),
    /** Days between a window's close (UTC date) and the value date of its settlement instructions. */
    CLEARING_VALUE_DATE_DAYS: z.coerce.number().int().min(0).max(30).default(0),
    /** The limit alarm fires when a position goes below -(this share, in basis points) x the cap. */
    CLEARING_CAP_ALARM_SHARE_BPS: z.coerce.number().int().min(1).max(10000).default(8000),
    /**
     * The Ed25519 seed that signs the ledger settlement postings (a key of the genesis `settlementKeys`);
     * the default is the public DEMO key (see DEMO_CLEARING_SETTLEMENT_KEY).
     */
    CLEARING_SETTLEMENT_KEY: hex32.default(DEMO_CLEARING_SETTLEMENT_KEY),
    /** The key id the postings name, so that the ledger picks the right public key. */
    CLEARING_SETTLEMENT_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .default('clearing-1'),
  })
  .superRefine(operatorTokenWithPort('CLEARING_PORT'));

/**
 * DEMO ONLY: the FX quote-signing seed of the demo consortium, `fxKey(DEMO_CONSORTIUM).seedHex` in
 * libs/devtools/src/consortium.ts (sha256 of "concord-demo-not-secret:fx:quote-signer"). It is public, so
 * quotes signed with it prove nothing: every real deployment sets FX_SIGNING_KEY, and the FX service logs a
 * warning at start-up while it signs with this key.
 */
export const DEMO_FX_SIGNING_KEY = '59b58e369ab89d095cd7d743672e4a0b45021113121dc0bf43e4879179b037e2';

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');

export const fxSchema = commonSchema
  .extend({
    FX_HEALTH_PORT: port.optional(),
    /** The operator admin HTTP API (spreads, markups, fee schedules, rates); not served when unset. */
    FX_PORT: port.optional(),
    FX_HOST: z.string().default('127.0.0.1'),
    /** The operator APIs' bearer token; required with FX_PORT. */
    OPERATOR_TOKEN: operatorToken.optional(),
    /** Where reference rates come from: a JSON file, the ECB daily XML, or an HTTP JSON endpoint. */
    FX_RATE_PROVIDER: z.enum(['file', 'ecb', 'http']).default('file'),
    /** A JSON rates file; the demo file in apps/fx/rates is used when unset. */
    FX_RATES_FILE: z.string().optional(),
    /** The URL of the ecb (default: the ECB's eurofxref-daily.xml) or http provider (required for http). */
    FX_RATES_URL: z.string().url().optional(),
    /** How long one fetch of the ecb or http provider may take before it counts as failed. */
    FX_RATES_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
    FX_REFRESH_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000),
    /**
     * A rate older than this (by its provider's as-of time) is stale and no quote is made on it. Unset: the
     * provider's own default (24 h for file and http, 4 days for ecb, whose rates are daily and not
     * published on weekends and TARGET holidays).
     */
    FX_RATE_MAX_AGE_MS: z.coerce.number().int().min(1000).optional(),
    /** The currency through which cross rates are computed when no direct rate exists. */
    FX_PIVOT_CURRENCY: currencyCode.default('USD'),
    /** How long a quote can be used. */
    FX_QUOTE_TTL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(10 * 60 * 1000)
      .default(30_000),
    /** The FX service's Ed25519 seed that signs quotes; the default is the public DEMO key (see above). */
    FX_SIGNING_KEY: hex32.default(DEMO_FX_SIGNING_KEY),
    /** The key id quotes name, so that the ledger can pick the right public key (and keys can rotate). */
    FX_SIGNING_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .default('fx-1'),
    /** The participant that takes the other side of every FX conversion (the demo's liquidity provider). */
    FX_PROVIDER_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .default('sg-fx'),
    /** Seed default spreads and fees for the demo currencies at start-up when no spread exists yet. */
    FX_SEED_DEMO_PRICING: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
  })
  .superRefine(operatorTokenWithPort('FX_PORT'));

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

/**
 * BullMQ connection options from a redis:// URL. BullMQ's workers block on Redis, so they need
 * `maxRetriesPerRequest: null`; every service with queues uses this one definition.
 */
export function bullConnection(redisUrl: string) {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    password: url.password || undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}
