import { z } from 'zod';
import { commonSchema } from './config';

const port = z.coerce.number().int().min(1).max(65535);
const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = z.string().url();

/** The settings of the operations console (apps/console). */
export const consoleSchema = commonSchema.extend({
  CONSOLE_PORT: port
    .default(3300)
    .describe('Port of the console: its web application (/), its API (/ops/v1), /health and /ready.'),
  CONSOLE_HOST: z.string().default('127.0.0.1').describe('Address the console listens on.'),
  CLEARING_URL: url
    .optional()
    .describe(
      "The clearing service's operator API, for the console's windows, closes, aborts and confirmations.",
    ),
  FX_URL: url
    .optional()
    .describe("The FX service's operator API, for the console's rates and pricing changes."),
  COMPLIANCE_URL: url
    .optional()
    .describe("The compliance service's API, for the console's case queue and officers' decisions."),
  OPERATOR_TOKEN: z
    .string()
    .min(32)
    .max(512)
    .optional()
    .describe('The bearer token the console presents to the clearing, FX and compliance operator APIs.'),
  CONSOLE_SESSION_IDLE_MS: ms(60_000, 7 * 24 * 3600_000)
    .default(30 * 60_000)
    .describe('A console session ends after this long without a request (idle expiry).'),
  CONSOLE_SESSION_MAX_MS: ms(60_000, 30 * 24 * 3600_000)
    .default(12 * 3600_000)
    .describe('A console session ends this long after the login, used or not (absolute expiry).'),
  CONSOLE_LOCKOUT_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(5)
    .describe('Failed logins in a row after which a console account is locked for CONSOLE_LOCKOUT_MS.'),
  CONSOLE_LOCKOUT_MS: ms(1000, 24 * 3600_000)
    .default(15 * 60_000)
    .describe('How long a console account stays locked after too many failed logins.'),
  CONSOLE_LOGIN_RATE_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(20)
    .describe('Login attempts per minute from one address before the console answers 429.'),
  CONSOLE_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'Mark the session cookie Secure (served over HTTPS only). Set true behind TLS; the local demo is plain HTTP.',
    ),
  CONSOLE_DEMO_USERS: z
    .enum(['true', 'false'])
    .default('false')
    .describe(
      'Create the DEMO users (ops1, ops2, reg1, admin1 with public demo passwords) at start when missing. npm start sets it; never in production.',
    ),
  CONSOLE_WEB_DIR: z
    .string()
    .default('dist/console-web')
    .describe('Folder of the built web application served at / (relative to the repository root).'),
  CONSOLE_PROPOSAL_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_080)
    .default(1440)
    .describe('How long a governance proposal drafted in the console waits for approvals before it expires.'),
  CONSOLE_SIGNER_DOWN_AFTER_MS: ms(1000, 3600_000)
    .default(15_000)
    .describe('A signer with no vote for this long is shown down.'),
});
export type ConsoleConfig = z.infer<typeof consoleSchema>;
