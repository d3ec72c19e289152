import { getNextMillis } from 'bullmq';
import { z } from 'zod';

/**
 * Every environment variable Concord reads, in one place. Each service validates the variables it needs
 * once at start-up; an invalid configuration stops the process with every bad variable named.
 */
export const port = z.coerce.number().int().min(1).max(65535);
export const hex32 = z
  .string()
  .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (a 32-byte Ed25519 seed)');

/**
 * The bearer token of the operator HTTP APIs (clearing's CLEARING_PORT, FX's FX_PORT), shared by both:
 * at least 32 characters of the RFC 6750 token alphabet, so that it fits in an Authorization header.
 */
export const operatorToken = z
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
export function operatorTokenWithPort<K extends string>(portVariable: K) {
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
  DATABASE_URL: z
    .string()
    .url()
    .default('postgresql://postgres@127.0.0.1:5432/concord')
    .describe(
      'PostgreSQL connection URL. Each service keeps its tables in its own schema of this database, each ledger signer in its own (`ledger_s1`, `ledger_s2`, ...).',
    ),
  REDIS_URL: z
    .string()
    .url()
    .default('redis://127.0.0.1:6379')
    .describe(
      'Redis connection URL: replay protection and rate counts of signed requests, idempotency keys, live FX quotes, BullMQ schedules and queues.',
    ),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port...]')
    .default('127.0.0.1:9092')
    .describe('Kafka bootstrap brokers, host:port separated by commas.'),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/, 'only lower-case letters, digits, dot, dash and underscore')
    .default('')
    .describe(
      'Prefix of every Kafka topic, and of the Redis keys and BullMQ queues derived from it, so that several networks share one broker and one Redis (the tests use a prefix per run).',
    ),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
});

export const gatewaySchema = commonSchema.extend({
  GATEWAY_PORT: port
    .default(3000)
    .describe("Port of the partners' API (/v1), the OpenAPI document (/docs), /health, /ready and /metrics."),
  GATEWAY_HOST: z.string().default('127.0.0.1').describe('Address the gateway listens on.'),
  GATEWAY_MAX_WAIT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30000)
    .default(10000)
    .describe('Longest long-poll (`?wait=<ms>`) a request may ask for; a longer wait is cut to this.'),
  /**
   * How long a small instruction waits for others before the gateway sends it to the command log (see
   * CoalescingSender): each produce request wakes every signer.
   */
  GATEWAY_COMMAND_LINGER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .default(5)
    .describe(
      'How long a small instruction waits for others before it goes to the command log: one produce request wakes every signer, so a trickle of one-instruction requests would cost the broker and every signer a fetch each. 0 sends at once.',
    ),
  GATEWAY_SIGNATURE_MAX_AGE_S: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(300)
    .describe(
      'Freshness window of request signatures: an older one is refused (STALE_SIGNATURE), and each signature is remembered this long so that its replay is refused (REPLAYED_REQUEST).',
    ),
  GATEWAY_RATE_LIMIT_PER_S: z.coerce
    .number()
    .int()
    .min(1)
    .default(1000)
    .describe('Requests per second per participant before 429 RATE_LIMITED (a batch counts as one request).'),
  GATEWAY_WEBHOOK_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(6)
    .describe('HTTP attempts of one webhook delivery before it is marked dead.'),
  GATEWAY_WEBHOOK_BACKOFF_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3_600_000)
    .default(30_000)
    .describe('Delay before the second attempt of a webhook delivery; doubled before each further attempt.'),
  GATEWAY_WEBHOOK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(5000)
    .describe(
      'How long one webhook POST may take before it counts as failed (the receiver must answer 2xx within it).',
    ),
  GATEWAY_WEBHOOK_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(10)
    .describe('Webhook deliveries sent at the same time by one gateway process.'),
  GATEWAY_WEBHOOK_MAX_PER_PARTICIPANT: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('Active webhook subscriptions per participant (more: 422 TOO_MANY_WEBHOOKS).'),
  GATEWAY_STATEMENT_MAX_ENTRIES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe(
      'Most entries in one statement; a longer window is refused (422 STATEMENT_TOO_LARGE) and must be split.',
    ),
  GATEWAY_IDEMPOTENCY_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(24 * 3600)
    .describe(
      'How long the response to a POST with an Idempotency-Key is kept for that key. Batch responses are kept whole: lower it when Redis memory matters.',
    ),
  /**
   * Webhook URLs on loopback, private, link-local and other non-public addresses are refused unless this
   * is true (they would let a partner make the gateway call into the operator's own network). Only for a
   * network on one machine (`npm start`, the tests) whose receivers are local.
   */
  GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(
      "Accept webhook URLs on loopback, private, link-local and other non-public addresses (refused otherwise: they would let a partner make the gateway call into the operator's own network). Only for a network on one machine: `npm start` and the tests set it.",
    ),
  COMPLIANCE_URL: z
    .string()
    .url()
    .optional()
    .describe(
      "The compliance service's API. Set, transfers at or above GATEWAY_CLEARANCE_THRESHOLDS are screened (`POST /v1/screenings` first) and go to the ledger only with a clearance; unset, the gateway sends none and the ledger refuses such transfers (CLEARANCE_REQUIRED) when its genesis requires clearances.",
    ),
  OPERATOR_TOKEN: operatorToken
    .optional()
    .describe('The bearer token the gateway presents to the compliance API (required with COMPLIANCE_URL).'),
  GATEWAY_CLEARANCE_THRESHOLDS: z
    .string()
    .regex(/^([A-Z]{3}=(0|[1-9]\d{0,18}))?(;[A-Z]{3}=(0|[1-9]\d{0,18}))*$/, 'CUR=minor;CUR=minor')
    .default('')
    .transform(
      (v) =>
        new Map(
          v
            .split(';')
            .filter(Boolean)
            .map((p) => [p.slice(0, 3), BigInt(p.slice(4))]),
        ),
    )
    .describe(
      "The genesis's compliance thresholds (`USD=100000;PHP=0`: minor units at or above which a transfer needs a clearance). They must match the genesis: a gateway that screens less sees the transfers refused by every signer.",
    ),
  GATEWAY_COMPLIANCE_POLL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(2000)
    .describe(
      'How often held transfers are looked up at the compliance service (released ones then go to the ledger).',
    ),
  GATEWAY_COMPLIANCE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(60_000)
    .default(3000)
    .describe(
      'How long a call to the compliance service may take before the transfer is refused 503 COMPLIANCE_UNAVAILABLE.',
    ),
});

export const ledgerSchema = commonSchema.extend({
  LEDGER_SIGNER_ID: z
    .string()
    .regex(/^[a-z0-9]{1,16}$/, 'lower-case letters and digits, at most 16')
    .describe(
      'Which signer of the genesis this node is (`s1`, `s2`, ...); its tables live in the schema `ledger_<id>`.',
    ),
  LEDGER_SIGNER_KEY: hex32.describe(
    "The signer's Ed25519 seed (64 hex characters); its public key is the one the genesis lists for LEDGER_SIGNER_ID.",
  ),
  LEDGER_CUT_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(5)
    .max(60000)
    .default(150)
    .describe(
      'How long a block stays open after the previous one sealed before its cut is proposed (twice that once it is past a quarter of its size bound). Longer means fewer, fuller blocks (each costs every signer, clearing and the gateway a fixed amount of work) and a longer wait for finality; the tests use 50.',
    ),
  LEDGER_STALL_ALARM_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(600000)
    .default(5000)
    .describe(
      'How long the certified height may stand still, with blocks sealed or transfers waiting, before the signer raises the no-quorum alarm naming the signers whose votes are missing (cleared by finality-resumed).',
    ),
  LEDGER_CLOCK_JUMP_MAX_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(86_400_000)
    .default(60_000)
    .describe(
      "How far the broker's log time (the ledger clock) may run ahead of the signer's own clock before the signer stops following it: the record waits unapplied, with a clock-jump alarm, until the signer's clock is within this bound of it. A step back by more than this raises the alarm too (the ledger clock never goes back).",
    ),
  LEDGER_HEALTH_PORT: port
    .optional()
    .describe('Port of /health, /ready and /metrics; not served when unset.'),
  /** Test-only fault injection (see SignerService): never set it in a real network. */
  LEDGER_FAULT_FROM_HEIGHT: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Test-only fault injection, never in a real network: the signer corrupts its state from this height on.',
    ),
  /** Test-only fault injection: `true` makes the node never publish as first voter (see SignerService). */
  LEDGER_FAULT_SILENT_PUBLISHER: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'Test-only fault injection, never in a real network: `true` makes the node never publish as first voter.',
    ),
});

/**
 * DEMO ONLY: the settlement-posting seed of the demo consortium's clearing service,
 * `settlementKey(DEMO_CONSORTIUM).key.seedHex` in libs/devtools/src/demo/consortium.ts (sha256 of
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
    CLEARING_HEALTH_PORT: port
      .optional()
      .describe('Port of /health, /ready and /metrics; not served when unset.'),
    CLEARING_PORT: port
      .optional()
      .describe(
        'Port of the operator HTTP API (windows, instructions, confirmations); not served when unset.',
      ),
    CLEARING_HOST: z.string().default('127.0.0.1').describe('Address the operator API listens on.'),
    OPERATOR_TOKEN: operatorToken
      .optional()
      .describe(
        "The operator APIs' bearer token, compared in constant time; required when CLEARING_PORT or FX_PORT is set.",
      ),
    /**
     * Cut-off interval of the currencies CLEARING_WINDOW_SCHEDULE does not name: their open window closes
     * this often (when it holds transfers), the first time one interval after its scheduler is created.
     */
    CLEARING_WINDOW_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000)
      .describe(
        'Cut-off interval of the currencies CLEARING_WINDOW_SCHEDULE does not name: their open window closes this often (when it holds transfers), the first time one interval after its scheduler is created.',
      ),
    CLEARING_WINDOW_SCHEDULE: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const { schedule, problems } = parseWindowSchedule(value);
        for (const message of problems) ctx.addIssue({ code: 'custom', message });
        return schedule;
      })
      .describe(
        'Cut-off times per currency: `USD=0 0 16 * * 1-5@America/New_York;PHP=0 0 17 * * 1-5@Asia/Manila`, a cron pattern (5 fields, or 6 with seconds first) and an optional IANA time zone (UTC without one) per currency, `;` between entries. Each entry is checked at start-up as BullMQ will read it, and each bad one is named.',
      ),
    CLEARING_VALUE_DATE_DAYS: z.coerce
      .number()
      .int()
      .min(0)
      .max(30)
      .default(0)
      .describe(
        "Days between a window's close (UTC date) and the value date of its settlement instructions.",
      ),
    CLEARING_CAP_ALARM_SHARE_BPS: z.coerce
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(8000)
      .describe(
        'The limit alarm (limit.alarm) fires when a position goes below -(this share, in basis points) x its net debit cap.',
      ),
    CLEARING_STATEMENTS_DIR: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A directory watched for bank statement files (camt.053/054, MT940, CSV with the default columns): each is taken in as POST /statements takes it, then moved to processed/ (with a .result.json) or rejected/ (with a .reason.txt) under it. Not watched when unset.',
      ),
    CLEARING_STATEMENTS_POLL_MS: z.coerce
      .number()
      .int()
      .min(100)
      .default(5000)
      .describe(
        'How often CLEARING_STATEMENTS_DIR is read. A file is taken once it has not changed for this long (so one still being written waits).',
      ),
    /**
     * The Ed25519 seed that signs the ledger settlement postings (a key of the genesis `settlementKeys`);
     * the default is the public DEMO key (see DEMO_CLEARING_SETTLEMENT_KEY).
     */
    CLEARING_SETTLEMENT_KEY: hex32
      .default(DEMO_CLEARING_SETTLEMENT_KEY)
      .describe(
        'The Ed25519 seed that signs ledger settlement postings (a key the genesis lists in settlementKeys). The default is the public demo key: set your own; clearing warns while it uses it.',
      ),
    CLEARING_SETTLEMENT_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .default('clearing-1')
      .describe('The key id the settlement postings name, so that the ledger picks the right public key.'),
  })
  .superRefine(operatorTokenWithPort('CLEARING_PORT'));

/**
 * DEMO ONLY: the FX quote-signing seed of the demo consortium, `fxKey(DEMO_CONSORTIUM).seedHex` in
 * libs/devtools/src/demo/consortium.ts (sha256 of "concord-demo-not-secret:fx:quote-signer"). It is public, so
 * quotes signed with it prove nothing: every real deployment sets FX_SIGNING_KEY, and the FX service logs a
 * warning at start-up while it signs with this key.
 */
export const DEMO_FX_SIGNING_KEY = '59b58e369ab89d095cd7d743672e4a0b45021113121dc0bf43e4879179b037e2';

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');

export const fxSchema = commonSchema
  .extend({
    FX_HEALTH_PORT: port.optional().describe('Port of /health, /ready and /metrics; not served when unset.'),
    FX_PORT: port
      .optional()
      .describe(
        'Port of the operator admin API (spreads, markups, fee schedules, rates); not served when unset.',
      ),
    FX_HOST: z.string().default('127.0.0.1').describe('Address the admin API listens on.'),
    OPERATOR_TOKEN: operatorToken
      .optional()
      .describe(
        "The operator APIs' bearer token, compared in constant time; required when CLEARING_PORT or FX_PORT is set.",
      ),
    FX_RATE_PROVIDER: z
      .enum(['file', 'ecb', 'http'])
      .default('file')
      .describe('Where reference rates come from: a JSON file, the ECB daily XML, or an HTTP JSON endpoint.'),
    FX_RATES_FILE: z
      .string()
      .optional()
      .describe('The JSON rates file of the file provider; the demo file in apps/fx/rates when unset.'),
    FX_RATES_URL: z
      .string()
      .url()
      .optional()
      .describe(
        "The URL of the ecb provider (default: the ECB's eurofxref-daily.xml) or of the http provider (required for http).",
      ),
    FX_RATES_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(5000)
      .describe('How long one fetch of the ecb or http provider may take before it counts as failed.'),
    FX_REFRESH_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(60 * 60 * 1000)
      .describe('How often the rates are refreshed (a BullMQ job scheduler).'),
    /**
     * A rate older than this (by its provider's as-of time) is stale and no quote is made on it. Unset: the
     * provider's own default (24 h for file and http, 4 days for ecb, whose rates are daily and not
     * published on weekends and TARGET holidays).
     */
    FX_RATE_MAX_AGE_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .optional()
      .describe(
        "A rate older than this (by its provider's as-of time) is stale and no quote is made on it (503 STALE_RATE). Unset: the provider's own default (24 h for file and http, 4 days for ecb, whose rates are daily and not published on weekends and TARGET holidays).",
      ),
    FX_PIVOT_CURRENCY: currencyCode
      .default('USD')
      .describe('The currency through which cross rates are computed when no direct rate exists.'),
    FX_QUOTE_TTL_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .max(10 * 60 * 1000)
      .default(30_000)
      .describe('How long a quote can be used (its expiry, judged by the ledger at the instruction).'),
    FX_SIGNING_KEY: hex32
      .default(DEMO_FX_SIGNING_KEY)
      .describe(
        "The FX service's Ed25519 seed that signs quotes (a key the genesis lists in fxKeys). The default is the public demo key: set your own; the FX service warns while it signs with it.",
      ),
    FX_SIGNING_KEY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .default('fx-1')
      .describe(
        'The key id quotes name, so that the ledger can pick the right public key (and keys can rotate).',
      ),
    FX_PROVIDER_ID: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/)
      .default('sg-fx')
      .describe(
        "The participant that takes the other side of every FX conversion (the demo's liquidity provider).",
      ),
    FX_SEED_DEMO_PRICING: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true')
      .describe(
        'Seed default spreads and fees for the demo currencies at start-up when no spread exists yet.',
      ),
  })
  .superRefine(operatorTokenWithPort('FX_PORT'));

export type CommonConfig = z.infer<typeof commonSchema>;
export type GatewayConfig = z.infer<typeof gatewaySchema>;
export type LedgerConfig = z.infer<typeof ledgerSchema>;
export type ClearingConfig = z.infer<typeof clearingSchema>;
export type FxConfig = z.infer<typeof fxSchema>;

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
