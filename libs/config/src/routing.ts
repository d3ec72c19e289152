import { z } from 'zod';
import { commonSchema } from './config';

const port = z.coerce.number().int().min(1).max(65535);
const positiveMs = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * DEMO ONLY: the seed of the key that apps delegate to the routing service (sha256 of
 * "concord-demo-not-secret:routing:delegate", `routingKey(DEMO_CONSORTIUM)` of libs/devtools). It is public:
 * every real deployment sets ROUTING_DELEGATE_KEY, and routing warns while it signs with this one.
 */
export const DEMO_ROUTING_DELEGATE_KEY = '0be90804ebc2acc27dfdc3a8247bc9f77d2d6f2265c00243628c4de7d667ce04';

export const routingSchema = commonSchema.extend({
  ROUTING_PORT: port.default(3500).describe('Port of the routing API (/v1 for apps and payout partners).'),
  ROUTING_HOST: z.string().default('127.0.0.1').describe('Address the routing API listens on.'),
  ROUTING_HEALTH_PORT: port
    .optional()
    .describe('Port of /health, /ready and /metrics of the routing service; not served when unset.'),
  GATEWAY_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:3000')
    .describe("The gateway's partner API, where routing sends the apps' two-phase transfers."),
  ROUTING_DELEGATE_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (a 32-byte Ed25519 seed)')
    .default(DEMO_ROUTING_DELEGATE_KEY)
    .describe(
      "The Ed25519 seed of the key apps delegate to routing: an app that adds its public key to its own keys (governance add-participant-key) lets routing sign that app's order transfers. The default is the public demo key.",
    ),
  ROUTING_SIGNATURE_MAX_AGE_S: z.coerce
    .number()
    .int()
    .min(5)
    .max(3600)
    .default(300)
    .describe('How old a signed request to routing may be, in seconds.'),
  ROUTING_OPTION_TTL_MS: positiveMs(5_000, 3_600_000)
    .default(60_000)
    .describe('How long a routes option can be ordered (never past its FX quote).'),
  ROUTING_DELIVERY_GRACE_MS: positiveMs(0, 3_600_000)
    .default(2_000)
    .describe("Time past a partner's promised delivery before routing aborts its transfer and reroutes."),
  ROUTING_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(5)
    .default(3)
    .describe('Partners tried per order unless the order says fewer.'),
  ROUTING_ABSORB_BPS: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(50)
    .describe(
      'Default reroute policy: extra cost absorbed (basis points of the value sent) before an order is cancelled.',
    ),
  ROUTING_WORKER_INTERVAL_MS: positiveMs(20, 10_000)
    .default(200)
    .describe('How often the order worker looks for orders to send, reroute or time out.'),
  ROUTING_FX_TIMEOUT_MS: positiveMs(100, 30_000)
    .default(3_000)
    .describe('How long routing waits for an FX quote.'),
  ROUTING_WEBHOOK_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(8)
    .describe('HTTP attempts of an order webhook delivery before it is dead (a dead letter).'),
  ROUTING_WEBHOOK_BACKOFF_MS: positiveMs(10, 3_600_000)
    .default(1_000)
    .describe(
      'Delay before the second attempt of an order webhook delivery; doubled before each further one.',
    ),
  ROUTING_WEBHOOK_TIMEOUT_MS: positiveMs(100, 60_000)
    .default(5_000)
    .describe("Longest wait for an order webhook receiver's answer."),
  ROUTING_WEBHOOK_ALLOW_PRIVATE_URLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe(
      'Deliver order webhooks to loopback, private and other non-public addresses (refused otherwise, against server-side request forgery). Only for a network on one machine: `npm start` and the tests set it.',
    ),
});
export type RoutingConfig = z.infer<typeof routingSchema>;
