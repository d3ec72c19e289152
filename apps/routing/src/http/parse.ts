import type { z } from 'zod';
import { fieldErrors } from '@concord/http-problems';
import { MoneyError, parseAmount } from '@concord/money';
import { refuse } from './routing.errors';

/** Validates a body against its contract, or refuses it with every wrong field named. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) refuse({ kind: 'INVALID_BODY', errors: fieldErrors(parsed.error.issues, '(body)') });
  return parsed.data;
}

/** A decimal amount of `currency` in minor units, or a problem naming `field`. */
export function amountOf(value: string, currency: string, field: string, positive = true): bigint {
  try {
    return parseAmount(value, currency, { allowZero: !positive });
  } catch (e) {
    if (!(e instanceof MoneyError)) throw e;
    refuse({ kind: 'INVALID_BODY', errors: [{ field, message: e.message }] });
  }
}
