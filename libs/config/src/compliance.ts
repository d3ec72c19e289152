import { z } from 'zod';
import { commonSchema, hex32, operatorToken, operatorTokenWithPort, port } from './config';

/**
 * DEMO ONLY: the clearance-signing seed of the demo consortium's compliance service (sha256 of
 * "concord-demo-not-secret:compliance:clearance-signer"). It is public, so clearances signed with it prove
 * nothing: every real deployment sets COMPLIANCE_SIGNING_KEY, and the service warns while it uses this one.
 */
export const DEMO_COMPLIANCE_SIGNING_KEY = '5aa5c7d0145e834c9fa84d5272c84b7dd128ef2cca687597a459d14a0fe8caa0';

/**
 * DEMO ONLY: the data key that encrypts personal data at rest in the demo (32 bytes, hex). It is sha256 of
 * "concord-demo-not-secret:compliance:data-key": every real deployment sets COMPLIANCE_DATA_KEYS.
 */
export const DEMO_COMPLIANCE_DATA_KEY = 'e7077a66116a3a6e279fa1b746633e058cabc9423d888d7d66b61cd801681cd8';

const keyId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits and . _ : - only, 1 to 64');

/**
 * `COMPLIANCE_DATA_KEYS`: `k2=<64 hex>;k1=<64 hex>`, the first key encrypts, every key decrypts (the older
 * ones stay until every record they sealed has been re-encrypted), so that keys can rotate.
 */
export function parseDataKeys(value: string): { keys: { id: string; keyHex: string }[]; problems: string[] } {
  const keys: { id: string; keyHex: string }[] = [];
  const problems: string[] = [];
  for (const raw of value.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [id, keyHex] = entry.split('=').map((s) => s.trim());
    if (!keyId.safeParse(id).success || !/^[0-9a-f]{64}$/i.test(keyHex ?? '')) {
      problems.push(`"${id ?? entry}": must be <key id>=<64 hex characters> (an AES-256 key)`);
      continue;
    }
    if (keys.some((k) => k.id === id)) problems.push(`"${id}": key id given twice`);
    else keys.push({ id, keyHex: keyHex.toLowerCase() });
  }
  if (keys.length === 0 && problems.length === 0) problems.push('at least one key');
  return { keys, problems };
}

/** `COMPLIANCE_OFFICER_KEYS`: `ana=<64 hex Ed25519 public key>;ben=<...>`. */
export function parseOfficerKeys(value: string): { keys: Record<string, string>; problems: string[] } {
  const keys: Record<string, string> = {};
  const problems: string[] = [];
  for (const raw of value.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [id, keyHex] = entry.split('=').map((s) => s.trim());
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(id ?? '') || !/^[0-9a-f]{64}$/i.test(keyHex ?? '')) {
      problems.push(`"${entry}": must be <officer id>=<64 hex characters> (an Ed25519 public key)`);
    } else keys[id] = keyHex.toLowerCase();
  }
  return { keys, problems };
}

export const complianceSchema = commonSchema
  .extend({
    COMPLIANCE_PORT: port
      .default(3400)
      .describe('Port of the compliance API (/v1: screenings, cases, rules, lists), /health, /ready.'),
    COMPLIANCE_HOST: z.string().default('127.0.0.1').describe('Address the compliance API listens on.'),
    OPERATOR_TOKEN: operatorToken
      .optional()
      .describe(
        "The operator APIs' bearer token, compared in constant time; required when CLEARING_PORT or FX_PORT is set.",
      ),
    COMPLIANCE_SIGNING_KEY: hex32
      .default(DEMO_COMPLIANCE_SIGNING_KEY)
      .describe(
        'The Ed25519 seed that signs clearances and decisions (the genesis names its public key). The default is the public demo key: set your own; the service warns while it uses it.',
      ),
    COMPLIANCE_SIGNING_KEY_ID: keyId
      .default('compliance-1')
      .describe(
        'The key id clearances name, so that signers pick the right public key (and keys can rotate).',
      ),
    COMPLIANCE_DATA_KEYS: z
      .string()
      .default(`demo-1=${DEMO_COMPLIANCE_DATA_KEY}`)
      .transform((value, ctx) => {
        const { keys, problems } = parseDataKeys(value);
        for (const message of problems) ctx.addIssue({ code: 'custom', message });
        return keys;
      })
      .describe(
        'AES-256-GCM keys of the personal data at rest, `<id>=<64 hex>;<older id>=<64 hex>`: the first encrypts, all decrypt (rotation). The default is a public demo key.',
      ),
    COMPLIANCE_LISTS: z
      .string()
      .default('')
      .describe(
        'Sanctions lists to load, `<format>=<file path or https URL>` separated by `;`, format one of un, ofac, eu, opensanctions. Empty: the sample lists of apps/compliance/lists/samples.',
      ),
    COMPLIANCE_LIST_REFRESH_MS: z.coerce
      .number()
      .int()
      .min(10_000)
      .default(6 * 60 * 60 * 1000)
      .describe('How often the lists are fetched again (a BullMQ job scheduler).'),
    COMPLIANCE_RESCREEN_DAYS: z.coerce
      .number()
      .int()
      .min(0)
      .max(365)
      .default(30)
      .describe(
        'When a list changes, the counterparties of the transfers of this many past days are screened again.',
      ),
    COMPLIANCE_HIT_THRESHOLD: z.coerce
      .number()
      .min(0.5)
      .max(1)
      .default(0.88)
      .describe('The least match score (0..1) that makes a sanctions hit and holds the transfer.'),
    COMPLIANCE_CASE_DEADLINE_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(24 * 60 * 60 * 1000)
      .describe('How long a case may stay open before it escalates (it is never released by the clock).'),
    COMPLIANCE_ESCALATION_CHECK_MS: z.coerce
      .number()
      .int()
      .min(500)
      .default(60_000)
      .describe('How often open cases are checked against their deadline.'),
    COMPLIANCE_OFFICER_KEYS: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const { keys, problems } = parseOfficerKeys(value);
        for (const message of problems) ctx.addIssue({ code: 'custom', message });
        return keys;
      })
      .describe(
        "Officers' Ed25519 public keys, `<officer id>=<64 hex>;...`. When set, every release or reject must carry the officer's signature of the decision (X-Officer-Signature) and only these officers decide; empty (the demo): decisions are signed by the service key only.",
      ),
    COMPLIANCE_GOAML_ENTITY_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/)
      .default('concord-demo')
      .describe(
        "The reporting entity's id at the financial intelligence unit (goAML rentity_id) in exported reports.",
      ),
  })
  .superRefine(operatorTokenWithPort('COMPLIANCE_PORT'));

export type ComplianceConfig = z.infer<typeof complianceSchema>;
