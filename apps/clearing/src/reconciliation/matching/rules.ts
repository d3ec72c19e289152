import { z } from 'zod';

/**
 * The matching rules as data: which passes run and how loose they are. Every match and break records the
 * version of the rules that made it, so that a change of rules is visible in what it matched.
 */
export const matchingRulesSchema = z
  .object({
    version: z.number().int().positive(),
    /** Look for instruction ids in the end-to-end id and the remittance information. */
    byReference: z.boolean(),
    /** Also find ids a bank mangled (case, separators dropped: "W3A" for "w3.a") when that is unambiguous. */
    looseReferences: z.boolean(),
    /** Match lines without a reference to the one instruction of the same amount and value date. */
    byAmountAndDate: z.boolean(),
    /**
     * How far a line's amount may be below or above what it settles (bank charges), in minor units per
     * currency; `*` for any other. Within it, the instruction is confirmed for what it instructed and the
     * difference is kept on the match.
     */
    amountToleranceMinor: z.record(z.string(), z.string().regex(/^\d{1,18}$/)),
    /** How many days a line's value date may be from the instruction's. */
    valueDateToleranceDays: z.number().int().min(0).max(31),
  })
  .strict();
export type MatchingRules = z.infer<typeof matchingRulesSchema>;

export const DEFAULT_MATCHING_RULES: MatchingRules = {
  version: 1,
  byReference: true,
  looseReferences: true,
  byAmountAndDate: true,
  amountToleranceMinor: { '*': '0', USD: '2500', EUR: '2500', GBP: '2500' },
  valueDateToleranceDays: 2,
};

export function toleranceOf(rules: MatchingRules, currency: string): bigint {
  return BigInt(rules.amountToleranceMinor[currency] ?? rules.amountToleranceMinor['*'] ?? '0');
}
