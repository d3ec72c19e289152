import { z } from 'zod';
import { REQUIRABLE_PARTY_FIELDS } from '@concord/contracts';

/**
 * The monitoring rules: data, versioned (rule_versions), each version written by a named officer with a
 * note. Amounts are integer strings of minor units of the rule's currency; corridors are
 * `<originator country>-<beneficiary country>`, `*` for any side.
 */
const minor = z.string().regex(/^(0|[1-9]\d{0,17})$/, 'an integer of minor units as a string');
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const corridor = z.string().regex(/^([A-Z]{2}|\*)-([A-Z]{2}|\*)$/, 'XX-YY, * for any country');
const outcome = z.enum(['hold', 'block']);
const ruleId = z.string().regex(/^[a-z0-9-]{1,40}$/, 'lower-case letters, digits and -');
const windowMinutes = z
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 90);

export const ruleSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('amount-threshold'),
      id: ruleId,
      corridor,
      currency,
      aboveMinor: minor,
      outcome,
    })
    .strict(),
  z
    .object({
      type: z.literal('velocity'),
      id: ruleId,
      party: z.enum(['originator', 'beneficiary']),
      currency,
      windowMinutes,
      maxCount: z.number().int().min(1).optional(),
      maxSumMinor: minor.optional(),
      outcome,
    })
    .strict()
    .refine((r) => r.maxCount !== undefined || r.maxSumMinor !== undefined, 'maxCount or maxSumMinor'),
  z
    .object({
      type: z.literal('structuring'),
      id: ruleId,
      currency,
      thresholdMinor: minor,
      /** How far under the threshold counts as "just under", in basis points of it. */
      marginBps: z.number().int().min(1).max(5000),
      /** How many such amounts within the window (this one included) fire the rule. */
      minCount: z.number().int().min(2).max(100),
      windowMinutes,
      outcome,
    })
    .strict(),
  z.object({ type: z.literal('new-recipient'), id: ruleId, currency, aboveMinor: minor, outcome }).strict(),
  z
    .object({
      type: z.literal('high-risk-country'),
      id: ruleId,
      countries: z.array(z.string().regex(/^[A-Z]{2}$/)).min(1),
      outcome,
    })
    .strict(),
]);
export type Rule = z.infer<typeof ruleSchema>;

/** Above `aboveMinor` in a corridor, these fields of each party are required (travel rule). */
export const dataRuleSchema = z
  .object({
    corridor,
    currency,
    aboveMinor: minor,
    originator: z.array(z.enum(REQUIRABLE_PARTY_FIELDS)).default([]),
    beneficiary: z.array(z.enum(REQUIRABLE_PARTY_FIELDS)).default([]),
  })
  .strict();
export type DataRule = z.infer<typeof dataRuleSchema>;

export const ruleSetSchema = z
  .object({ rules: z.array(ruleSchema).max(200), dataRules: z.array(dataRuleSchema).max(200) })
  .strict()
  .refine((s) => new Set(s.rules.map((r) => r.id)).size === s.rules.length, 'rule ids must be unique');
export type RuleSet = z.infer<typeof ruleSetSchema>;

/** PUT /v1/rules: a new version, with why. */
export const newRuleVersionSchema = z
  .object({ rules: ruleSetSchema, note: z.string().trim().min(1).max(500) })
  .strict();

/** POST /v1/rules/backtest: a rule set (or a stored version) over the past N days. */
export const backtestSchema = z
  .object({
    version: z.number().int().min(1).optional(),
    rules: ruleSetSchema.optional(),
    days: z.number().int().min(1).max(365).default(30),
  })
  .strict()
  .refine((b) => (b.version === undefined) !== (b.rules === undefined), 'either version or rules');

/** The rules a network starts with (version 1, written by "system"): the demo consortium's too. */
export const DEFAULT_RULES: RuleSet = {
  rules: [
    { type: 'high-risk-country', id: 'high-risk-countries', countries: ['KP', 'IR'], outcome: 'block' },
    {
      type: 'amount-threshold',
      id: 'large-usd',
      corridor: '*-*',
      currency: 'USD',
      aboveMinor: '1000000',
      outcome: 'hold',
    },
    {
      type: 'amount-threshold',
      id: 'large-eur',
      corridor: '*-*',
      currency: 'EUR',
      aboveMinor: '1000000',
      outcome: 'hold',
    },
    {
      type: 'velocity',
      id: 'sender-velocity-usd',
      party: 'originator',
      currency: 'USD',
      windowMinutes: 60,
      maxCount: 20,
      maxSumMinor: '2000000',
      outcome: 'hold',
    },
    {
      type: 'structuring',
      id: 'structuring-usd',
      currency: 'USD',
      thresholdMinor: '300000',
      marginBps: 1000,
      minCount: 3,
      windowMinutes: 24 * 60,
      outcome: 'hold',
    },
    {
      type: 'new-recipient',
      id: 'new-recipient-usd',
      currency: 'USD',
      aboveMinor: '500000',
      outcome: 'hold',
    },
  ],
  dataRules: [
    {
      corridor: '*-*',
      currency: 'USD',
      aboveMinor: '100000',
      originator: ['birthDate', 'address', 'account'],
      beneficiary: ['account'],
    },
    {
      corridor: '*-*',
      currency: 'EUR',
      aboveMinor: '100000',
      originator: ['birthDate', 'address', 'account'],
      beneficiary: ['account'],
    },
  ],
};
