import { z } from 'zod';
import { OFFICER_ID_PATTERN } from '@concord/contracts';
import { fieldErrors, Problem } from '@concord/http-problems';

/** A body, query or header parsed by its schema, or the 400 problem naming every field that is wrong. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, whole: string): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new Problem(400, 'VALIDATION_FAILED', 'The request is not valid', {
    detail: 'the request is not valid',
    errors: fieldErrors(result.error.issues, whole),
  });
}

/** The officer acting, from `X-Officer-Id` (the operator token says it is an officer; this says which). */
export function officerHeader(value: string | undefined): string {
  if (value === undefined || !OFFICER_ID_PATTERN.test(value)) {
    throw new Problem(400, 'OFFICER_ID_REQUIRED', 'The officer acting must be named', {
      detail: 'send X-Officer-Id: <officer id> (letters, digits and . _ @ -, at most 64)',
      errors: [{ field: 'x-officer-id', message: 'required: letters, digits and . _ @ -, at most 64' }],
    });
  }
  return value;
}

export const casesQuery = z
  .object({ status: z.enum(['open', 'escalated', 'released', 'rejected']).optional() })
  .strict();
