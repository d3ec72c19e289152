import { z } from 'zod';
import { windowStatusSchema } from '@concord/contracts';
import { fieldErrors, FieldProblem, Problem } from '@concord/http-problems';
import { WindowFailure } from '../windows/windows.errors';

/** The 400 answer to a request that does not validate, naming every field that is wrong. */
export function invalidRequest(errors: FieldProblem[], detail = 'the request is not valid'): Problem {
  return new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', { detail, errors });
}

/** A query or body parsed by its schema, or the 400 problem of its zod issues. */
export function parseRequest<S extends z.ZodType>(
  schema: S,
  value: unknown,
  whole: '(query)' | '(body)',
): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw invalidRequest(fieldErrors(result.error.issues, whole));
}

const bankReference = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,64}$/, 'letters, digits and . _ : / - only, 1 to 64');

/** POST /instructions/:id/confirm: the settlement bank's reference and the amount, a decimal string. */
export const confirmBody = z.object({ bankReference, amount: z.string().max(40) }).strict();
export type ConfirmBody = z.infer<typeof confirmBody>;

/** POST /instructions/:id/reverse: the reference of the confirmation to undo. */
export const reverseBody = z.object({ bankReference }).strict();

/** GET /windows: newest first, by currency and status. */
export const windowsQuery = z
  .object({
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
      .optional(),
    status: windowStatusSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** A window id of the path; anything that is no id is no window (404), as an unknown id is. */
export function windowIdParam(id: string): number {
  if (!/^[1-9]\d{0,9}$/.test(id) || Number(id) > 2_147_483_647)
    throw new WindowFailure({ kind: 'WINDOW_NOT_FOUND', windowId: id });
  return Number(id);
}

/** The currency of a close's path: an ISO 4217 code. */
export function currencyParam(currency: string): string {
  if (!/^[A-Z]{3}$/.test(currency))
    throw invalidRequest([{ field: 'currency', message: 'an ISO 4217 code' }], 'not a currency');
  return currency;
}

/** The request id of a close: the close-window command's alphabet (libs/contracts). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The Idempotency-Key of a close, when there is one: it becomes the close's request id. */
export function idempotencyKeyHeader(key: string | undefined): string | undefined {
  if (key !== undefined && !REQUEST_ID.test(key))
    throw invalidRequest(
      [{ field: 'Idempotency-Key', message: 'letters, digits and . _ : - only, 1 to 64' }],
      'not an idempotency key',
    );
  return key;
}
