import { z } from 'zod';
import {
  fxGetPricingRequestSchema,
  fxSetFeeRequestSchema,
  fxSetMarkupRequestSchema,
  fxSetSpreadRequestSchema,
} from '@concord/contracts';
import { FieldProblem, FxAdminError } from './admin.errors';
import { MAX_HISTORY } from '../quotes/pricing.service';

/*
 * The admin API's bodies take their fields from the Kafka admin requests' schemas (libs/contracts), so that
 * both paths accept exactly the same values; only the envelope (v, requestId, sentAtMs, type) is left out,
 * and the corridor or participant comes from the path.
 */
export const spreadBody = fxSetSpreadRequestSchema
  .pick({ spreadBps: true, requestedBy: true, validFromMs: true })
  .strict();
export const markupBody = fxSetMarkupRequestSchema
  .pick({ markupBps: true, requestedBy: true, validFromMs: true })
  .strict();
export const feeBody = fxSetFeeRequestSchema
  .pick({ fixed: true, percentBps: true, min: true, max: true, requestedBy: true, validFromMs: true })
  .strict();

export const corridorParams = fxGetPricingRequestSchema
  .pick({ sourceCurrency: true, targetCurrency: true })
  .strict();
export const participantParams = fxSetMarkupRequestSchema.pick({ participantId: true }).strict();

export const currentQuery = z.object({ history: z.enum(['true', 'false']).optional() }).strict();
export const historyQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(MAX_HISTORY).default(100) })
  .strict();
/** `GET /rates/history`: the pair as the provider quotes it, e.g. base USD and quote PHP. */
export const rateHistoryQuery = z
  .object({
    base: fxGetPricingRequestSchema.shape.sourceCurrency,
    quote: fxGetPricingRequestSchema.shape.targetCurrency,
    limit: z.coerce.number().int().min(1).max(MAX_HISTORY).default(100),
  })
  .strict();
export const noQuery = z.object({}).strict();

/** Validates a request part; a failure is a 400 VALIDATION_FAILED naming every field at fault. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const errors: FieldProblem[] = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: [...issue.path, key].join('.'),
          message: 'not a field of this request',
        }))
      : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
  );
  throw new FxAdminError(
    'VALIDATION_FAILED',
    errors.map((e) => `${e.field}: ${e.message}`).join('; '),
    errors,
  );
}
